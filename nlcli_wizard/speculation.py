"""Guesses at the next few answer tokens, for an engine that checks them in one batch.

A decoding step on these 2 cores costs ~24 ms whether it evaluates one token or four (four cost ~37 ms),
and most of an answer is predictable: the subcommand's option names in their canonical order, and values
copied from the request. :class:`Drafter` guesses the tokens that follow from two sources: the request
itself (the tokens after the last place where the answer's recent tokens occur in it), and the shapes a
command of the tool can take (:func:`answer_shapes`, from the catalog: ``venvy ls --sort size``,
``venvy register <value> --name <value>``). The engine keeps only the guesses its own greedy choice
confirms, so the answer is the one it would write without them: guesses cost time when wrong, never
correctness.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

from nlcli_wizard.catalog import Catalog, CommandSpec, ParamSpec

# A shape is the text of an answer with None where a value of the request goes.
Shape = tuple[str | None, ...]

# How many answer tokens a guess's context is; how often, at least, a next token must follow it.
CONTEXT = 3
MIN_SHARE = 0.5
_START = -1  # pads the context before the first answer token


def _option_forms(option: ParamSpec) -> list[Shape]:
    if option.choices:
        return [(f" {option.long} {choice}",) for choice in option.choices]
    return [(f" {option.long}", None)] if option.takes_value else [(f" {option.long}",)]


def _command_shapes(program: str, spec: CommandSpec) -> list[Shape]:
    head: Shape = (f" {program} {spec.name}",) + (None,) * len(spec.arguments)
    options = [_option_forms(o) for o in spec.options]
    shapes = [head, head + (" --help",)]
    shapes += [head + form for forms in options for form in forms]
    for first, second in itertools.combinations(options, 2):  # declaration order, as the answers are written
        shapes += [head + a + b for a in first for b in second]
    return shapes


def answer_shapes(catalog: Catalog) -> tuple[Shape, ...]:
    """Every subcommand alone, with its help, with one option, and with two options in their canonical order."""
    return tuple(shape for spec in catalog.commands.values() for shape in _command_shapes(catalog.program, spec))


class Drafter:
    """Guesses the tokens after an answer's first tokens; built once per tokenizer and set of shapes."""

    def __init__(self, shapes: Iterable[Shape], tokenize: Callable[[str], list[int]], end: int) -> None:
        """``tokenize`` turns text into tokens without a beginning-of-text token; ``end`` is the
        end-of-answer token, which is never guessed (the answer stops there anyway)."""
        follows: defaultdict[tuple[int, ...], Counter[int]] = defaultdict(Counter)
        for shape in shapes:
            context: list[int | None] = [_START] * CONTEXT
            tokens: list[int | None] = []
            for is_text, pieces in itertools.groupby(shape, key=lambda piece: piece is not None):
                # Text is tokenized whole, as the model writes it; a value's tokens are the request's.
                tokens += tokenize("".join(pieces)) if is_text else [None]
            for token in tokens + ([end] if tokens and tokens[-1] is not None else []):
                key = tuple(context[-CONTEXT:])
                if token is not None and None not in key:
                    follows[key][token] += 1
                context.append(token)
        self._next: dict[tuple[int, ...], int] = {}
        for key, counts in follows.items():
            token, count = counts.most_common(1)[0]
            if token != end and count >= MIN_SHARE * sum(counts.values()):
                self._next[key] = token

    def _from_shapes(self, answer: Sequence[int], limit: int) -> list[int]:
        context = [_START] * CONTEXT + list(answer[-CONTEXT:])
        guess: list[int] = []
        while len(guess) < limit and (token := self._next.get(tuple(context[-CONTEXT:]))) is not None:
            guess.append(token)
            context.append(token)
        return guess

    @staticmethod
    def _from_request(answer: Sequence[int], request: Sequence[int], limit: int, least: int) -> list[int]:
        """The tokens after the latest place in the request where the answer's last 1-3 tokens occur."""
        for size in range(min(3, len(answer)), least - 1, -1):
            tail = list(answer[-size:])
            for start in range(len(request) - size - 1, -1, -1):
                if list(request[start: start + size]) == tail:
                    return list(request[start + size: start + size + limit])
        return []

    def guess(self, answer: Sequence[int], request: Sequence[int], limit: int) -> list[int]:
        """Up to ``limit`` tokens likely to follow ``answer``: a value being copied from the request
        first (two tokens of it matched), then the shape of a command, then a one-token match."""
        return (self._from_request(answer, request, limit, least=2) or self._from_shapes(answer, limit)
                or self._from_request(answer, request, limit, least=1))
