"""The one prompt format, shared by training and inference.

Gemma 3 270M is a base model with no chat template, so the format is ours.
It is deliberately short: every prompt token costs prompt-evaluation time on
each request, and the fine-tuned adapter does not need instructions. The
request goes on one line; the answer follows ``Command:`` and is either a
canonical command of the tool or :data:`ABSTAIN`, then end-of-sequence.

The same adapter also judges whether a request asks for a given destructive
command (:mod:`nlcli_wizard.safety`): the translation prompt, the command, and
``Asked:`` followed by `` yes`` or `` no`` (:func:`judge_prompt`).
"""

from __future__ import annotations

import re
import unicodedata

from nlcli_wizard.errors import EmptyQueryError, EmptyRefinementError, NotTextError, QueryTooLongError

ABSTAIN = "NONE"
MAX_QUERY_CHARS = 500
PROMPT_PREFIX = "Request: "
PROMPT_SUFFIX = "\nCommand:"
# How a follow-up ("only conda ones") joins the request it refines, in training data and the TUI alike.
REFINE_SEPARATOR = ", "
# The question the adapter answers about a destructive command, and its two answers.
JUDGE_SUFFIX = "\nAsked:"
JUDGE_ANSWERS = (" yes", " no")


# Characters that end a line somewhere (a terminal, Python's splitlines, JSON-unaware readers).
_LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _has_text(text: str) -> bool:
    """Anything but whitespace, controls and invisible characters?"""
    return any(unicodedata.category(c)[0] in "LNPSM" for c in text)


def normalize_query(query: str) -> str:
    """One line of text, or a usage error.

    Line breaks become spaces, so a request cannot break out of its line in the
    prompt and pose as the answer, and runs of spaces become one. Nothing else
    changes: values are copied from this text, so full-width letters, ligatures,
    tabs, no-break spaces and invisible characters stay as typed (a value that
    holds a control or invisible character is refused by name when the answer is
    validated, never silently folded or cut).
    """
    if not isinstance(query, str):
        raise EmptyQueryError()
    if any("\ud800" <= c <= "\udfff" for c in query):  # undecodable bytes, as Python keeps them from argv
        raise NotTextError()
    text = re.sub(" {2,}", " ", _LINE_BREAKS.sub(" ", query)).strip()
    if not _has_text(text):
        raise EmptyQueryError()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLongError(len(text), MAX_QUERY_CHARS)
    return text


def refine(request: str, refinement: str) -> str:
    """The request with a follow-up appended: ``refine("list my venvs", "only conda ones")`` is
    ``"list my venvs, only conda ones"``, the form the training data teaches (a refinement joined by
    :data:`REFINE_SEPARATOR`). Both are normalized first; the combination is a request like any
    other, so it is refused when empty or over-long."""
    try:
        follow_up = normalize_query(refinement).lstrip(" ,;")
    except EmptyQueryError:
        follow_up = ""
    if not _has_text(follow_up.replace(",", "").replace(";", "")):
        raise EmptyRefinementError()
    # A request that already ends in punctuation ("list my venvs.") would read "venvs., only ...".
    base = normalize_query(request).rstrip(" ,;.")
    return normalize_query(f"{base}{REFINE_SEPARATOR}{follow_up}")


def build_prompt(query: str) -> str:
    """The prompt for an already-normalized query; the answer starts with a space."""
    return f"{PROMPT_PREFIX}{query}{PROMPT_SUFFIX}"


def format_answer(command: str | None) -> str:
    """The training target after the prompt: ' venvy ...' or ' NONE'."""
    return " " + (command if command else ABSTAIN)


def parse_answer(text: str) -> str | None:
    """The command the model wrote, or None for an abstention."""
    answer = text.strip().splitlines()[0].strip() if text.strip() else ""
    return None if answer in ("", ABSTAIN) else answer


def judge_prompt(query: str, command: str) -> str:
    """The prompt whose next token says whether ``query`` asks for ``command`` (" yes" or " no")."""
    return f"{build_prompt(query)} {command}{JUDGE_SUFFIX}"


def few_shot_prompt(query: str, program: str, shots: tuple[tuple[str, str | None], ...]) -> str:
    """The no-adapter baseline's prompt: the task told, then ``shots`` (request, command or None) shown."""
    header = f"Translate each request into one {program} command, or {ABSTAIN} if {program} cannot do it.\n\n"
    shown = "".join(f"{PROMPT_PREFIX}{q}{PROMPT_SUFFIX}{format_answer(a)}\n\n" for q, a in shots)
    return header + shown + build_prompt(query)
