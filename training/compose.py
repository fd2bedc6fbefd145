"""Compositional requests: a head (a way to ask for a subcommand) plus one
phrase fragment per option, in varied order with varied connectors.

The tool's words live in a YAML file (``data/<tool>/compose.yaml``); this
module knows nothing about any particular tool. The file says, per
subcommand::

    heads: [ways to ask; "{ARG}" places an argument]
    absent_heads: {ARG: [ways to ask when that optional argument is left out]}
    exclusive: [[--a, --b], ...]     # options that never go together
    need_one: true                   # the bare subcommand is not a request
    params:
      --opt / ARG:
        slot: what fills {v}  (none for a flag)
        pre:  [fragments put before the head]
        post: [fragments put after the head]
        with: [noun phrases joined by " with ", ", with " or " and "]
        refine: [fragments appended after a complete request, as a follow-up]
        values: {choice: {pre/post/with/refine: fragments that imply that choice}}
        denied: [fragments that rule the parameter out: "but ask me first" is no --force]

Every subset of a subcommand's parameters that no ``exclusive`` pair rules
out is composed, so every combination the tool allows is reachable.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from nlcli_wizard.errors import TrainingError
from training.vocab import LDict, Located, expect

POSITIONS = ("pre", "post", "with", "refine")
DENIED_SHARE = 0.3  # of requests without a parameter that say so when they can
PRE_CONNECTORS = [", ", " ", ": ", " - ", "; "]
POST_CONNECTORS = [", ", " and ", " ", "; ", " - "]
WITH_CONNECTORS = [" with ", ", with ", " and ", " with "]
REFINE_CONNECTORS = [", ", "; ", " - ", ". ", ", and ", " ... "]

# (slot, subcommand, rng) -> (value for the command, words for the request)
SlotFiller = Callable[[str, str, random.Random], tuple[str, str]]


# --- the composition model --------------------------------------------------

@dataclass(frozen=True)
class Fragment:
    text: str       # may hold {v}
    position: str   # one of POSITIONS
    choice: str | None = None  # the choice this fragment implies, if any


@dataclass(frozen=True)
class Param:
    name: str             # "--sort" or an argument's name such as "ENVIRONMENT"
    slot: str | None      # None for a flag or for choice-implying fragments only
    fragments: tuple[Fragment, ...]
    denied: tuple[str, ...] = ()

    @property
    def is_argument(self) -> bool:
        return not self.name.startswith("-")


@dataclass(frozen=True)
class Subcommand:
    name: str
    heads: tuple[str, ...]
    absent_heads: dict[str, tuple[str, ...]]
    params: tuple[Param, ...]
    exclusive: tuple[frozenset[str], ...]
    need_one: bool

    def combinations(self) -> list[tuple[str, ...]]:
        """Every set of parameters the tool allows together; required arguments always in."""
        optional = [p.name for p in self.params if not (p.is_argument and p.name not in self.absent_heads)]
        required = tuple(p.name for p in self.params if p.name not in optional)
        out = []
        for k in range(len(optional) + 1):
            for chosen in itertools.combinations(optional, k):
                combo = required + chosen
                if any(pair <= set(combo) for pair in self.exclusive):
                    continue
                if self.need_one and not combo:
                    continue
                out.append(combo)
        return out


def _strings(container: Located, key: Any, what: str) -> tuple[str, ...]:
    items = expect(container, key, list, f"{what} must be a non-empty list of phrases")
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise TrainingError(f"{items.where(i)}: {what} must be phrases (text), not {item!r}.")
    return tuple(items)


def _fragments(spec: LDict, choice: str | None, slot: str | None, where: str) -> list[Fragment]:
    out = []
    for key in spec:
        if key not in POSITIONS:
            continue
        for text in _strings(spec, key, f"{where} {key}"):
            if ("{v}" in text) != (slot is not None and choice is None):
                need = "must hold {v}" if slot and choice is None else "must not hold {v}"
                raise TrainingError(f"{spec.where(key)}: the fragment {text!r} of {where} {need}.")
            out.append(Fragment(text, key, choice))
    return out


def parse_spec(data: Any, known: Callable[[str], list[str] | None]) -> tuple[list[Subcommand], dict]:
    """Check compose.yaml against the tool's catalog: ``known(sub)`` lists the
    parameter names of a subcommand (None: no such subcommand)."""
    if not isinstance(data, LDict) or "subcommands" not in data:
        raise TrainingError(f"{getattr(data, 'source', '?')}:1: the file needs a 'subcommands' mapping.")
    subs = []
    for name, spec in expect(data, "subcommands", dict, "'subcommands' must map subcommands to specs").items():
        where = data["subcommands"].where(name)
        names = known(name)
        if names is None:
            raise TrainingError(f"{where}: the tool has no subcommand '{name}'.")
        if not isinstance(spec, LDict):
            raise TrainingError(f"{where}: '{name}' needs heads and params.")
        params = []
        for pname, pspec in (spec.get("params") or LDict()).items():
            pwhere = spec["params"].where(pname)
            if pname not in names:
                raise TrainingError(f"{pwhere}: '{name}' has no parameter '{pname}'; it has {', '.join(names)}.")
            if not isinstance(pspec, LDict):
                raise TrainingError(f"{pwhere}: '{pname}' needs fragments (pre/post/with/refine).")
            unknown = set(pspec) - {*POSITIONS, "slot", "values", "denied"}
            if unknown:
                raise TrainingError(f"{pspec.where(sorted(unknown)[0])}: unknown key '{sorted(unknown)[0]}'.")
            slot = pspec.get("slot")
            frags = _fragments(pspec, None, slot, f"{name} {pname}")
            for choice, cspec in (pspec.get("values") or LDict()).items():
                if not isinstance(cspec, LDict):
                    raise TrainingError(f"{pspec['values'].where(choice)}: '{choice}' needs fragments.")
                frags += _fragments(cspec, str(choice), slot, f"{name} {pname}={choice}")
            if not frags:
                raise TrainingError(f"{pwhere}: '{pname}' has no fragments.")
            denied = _strings(pspec, "denied", f"{name} {pname} denied") if "denied" in pspec else ()
            for i, text in enumerate(denied):
                if "{v}" in text:
                    raise TrainingError(f"{pspec['denied'].where(i)}: a denying fragment has no value to hold.")
            params.append(Param(pname, slot, tuple(frags), denied))
        pnames = {p.name for p in params}
        exclusive = []
        for i, pair in enumerate(spec.get("exclusive") or []):
            if not isinstance(pair, list) or not set(pair) <= pnames:
                raise TrainingError(f"{spec['exclusive'].where(i)}: {pair!r} must list parameters of '{name}'.")
            exclusive.append(frozenset(pair))
        absent = {}
        for arg in spec.get("absent_heads") or LDict():
            absent[arg] = _strings(spec["absent_heads"], arg, f"absent_heads of {name} {arg}")
        subs.append(Subcommand(name, _strings(spec, "heads", f"heads of {name}"), absent, tuple(params),
                               tuple(exclusive), bool(spec.get("need_one"))))
    return subs, data


@dataclass(frozen=True)
class Composed:
    query: str
    command: str   # not yet canonical
    signature: str  # "<sub> <params...>": the combination this example teaches
    key: str        # head and fragment set, what splits go by


def compose_one(program: str, sub: Subcommand, combo: tuple[str, ...], rng: random.Random,
                fill: SlotFiller, quote: Callable[[str], str]) -> Composed:
    params = {p.name: p for p in sub.params}
    absent = [a for a in sub.absent_heads if a not in combo]
    head_template = rng.choice(sub.absent_heads[absent[0]] if absent else sub.heads)
    head = head_template
    values: dict[str, str | None] = {}  # None: a flag
    fragments: list[tuple[str, Fragment]] = []
    for name in combo:
        param = params[name]
        value = words = None
        if param.slot is not None:
            value, words = fill(param.slot, sub.name, rng)
        placeholder = "{" + name + "}"
        if param.is_argument and placeholder in head:
            head = head.replace(placeholder, words)
            values[name] = value
            continue
        # One follow-up refinement per request: "list my venvs, only conda ones".
        choices = [f for f in param.fragments
                   if f.position != "refine" or not any(g.position == "refine" for _, g in fragments)]
        frag = rng.choice(choices)
        values[name] = frag.choice if frag.choice is not None else value
        fragments.append((frag.text.replace("{v}", words or ""), frag))
    for param in sub.params:
        if param.denied and param.name not in combo and rng.random() < DENIED_SHARE:
            fragments.append((rng.choice(param.denied), Fragment("", "post")))
    if "{" in head:
        raise TrainingError(f"The head {head_template!r} of '{sub.name}' names a parameter it is not given.")

    rng.shuffle(fragments)
    query = head
    for text, frag in fragments:
        if frag.position == "pre":
            # A fragment that ends in its own punctuation ("sort: name", "json:") needs only a space.
            query = text + (" " if text[-1] in ":,;-" else rng.choice(PRE_CONNECTORS)) + query
    for text, frag in fragments:
        if frag.position in ("post", "with"):
            query += rng.choice(WITH_CONNECTORS if frag.position == "with" else POST_CONNECTORS) + text
    for text, frag in fragments:
        if frag.position == "refine":
            query += rng.choice(REFINE_CONNECTORS) + text

    query = _finish(query, [v for v in values.values() if v], rng)

    argv = [program, sub.name]
    argv += [quote(values[p.name]) for p in sub.params if p.is_argument and p.name in values]
    for p in sub.params:
        if not p.is_argument and p.name in values:
            argv.append(p.name)
            if values[p.name] is not None:
                argv.append(quote(values[p.name]))
    key = " | ".join([sub.name, head_template, *sorted(f.text or text for text, f in fragments)])
    return Composed(query, " ".join(argv), " ".join([sub.name, *combo]), key)


def _finish(query: str, values: list[str], rng: random.Random) -> str:
    """Case and end punctuation as people vary them; a request that starts
    with a value keeps it exactly as written."""
    if query[:1].isalpha() and not any(query.startswith(v) for v in values) and rng.random() < 0.3:
        query = query[0].upper() + query[1:]
    r = rng.random()
    if r < 0.1:
        query += "?"
    elif r < 0.18:
        query += "."
    elif r < 0.22:
        query += " please"
    elif r < 0.25:
        query += " thx"
    return query


def split_of(key: str, seed: int, test: float = 0.2, val: float = 0.1) -> str:
    """A composition's split from a hash of its key: the same head and
    fragments always land in the same split, whatever else is generated."""
    h = int(hashlib.sha256(f"{seed}:compose:{key}".encode()).hexdigest()[:12], 16) / 16 ** 12
    return "test" if h < test else "val" if h < test + val else "train"


def budget(per_param: int, per_subcommand: int, floor: int = 4) -> Callable[[Subcommand, tuple[str, ...]], int]:
    """Requests per combination: more for combinations of more parameters, but
    no subcommand above ``per_subcommand`` in all, so one with many options
    (dozens of combinations) does not crowd out its confusable neighbours."""
    def count(sub: Subcommand, combo: tuple[str, ...]) -> int:
        total = per_param * sum(1 + len(c) for c in sub.combinations())
        return max(floor, round(per_param * (1 + len(combo)) * min(1.0, per_subcommand / total)))
    return count


def generate(program: str, subs: list[Subcommand], per_combination: Callable[[Subcommand, tuple[str, ...]], int],
             rng: random.Random, fill: SlotFiller, quote: Callable[[str], str]) -> Iterator[Composed]:
    for sub in subs:
        for combo in sub.combinations():
            for _ in range(per_combination(sub, combo)):
                yield compose_one(program, sub, combo, rng, fill, quote)
