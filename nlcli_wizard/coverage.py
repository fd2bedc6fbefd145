"""Did the answer use every value the request gave, and do what it asked?

Grounding (:mod:`nlcli_wizard.grounding`) checks one direction: each value of
the command is the request's own. A small model fails the other way too: it
drops an option when a request combines two or three, and the command it
offers is valid, grounded, and not what was asked ("clean the envs under /data
unused for 30 days" answered with ``venvy clean --unused-days 30``).

This module finds what the request states that the answer left out — a path,
a whole number, a format, type, sort order or shell named as such — and which
parameters could take it (:func:`leftovers`, :func:`required_grammar`), and a
help page offered for a request that asks for none (:func:`asks_for_help`).
The translator then decodes again under a grammar that requires the value or
leaves out ``--help``, and keeps that answer only when the model itself finds
it about as likely (:func:`accept`); when it does not, a leftover still counts
against the answer's confidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from nlcli_wizard.catalog import Catalog, CommandSpec, ParamSpec
from nlcli_wizard.grounding import (
    NOT_PATHS,
    _alias_spans,
    _days,
    _quoted,
    _spans,
    grounded_grammar,
    number_candidates,
)
from nlcli_wizard.validator import ParsedCommand, quote

LeftoverKind = Literal["path", "number", "choice"]

_STRIP = "\"'`()[]<>{},;:!?"
# A whole number standing alone: not part of a name (web-2024), a version (3.12) or a path.
_NUMBER = re.compile(r"(?<![\w.\\/:@~+-])\d{1,4}(?![\w\\/:@+-]|\.\d)")
_NUMBER_WORD = re.compile(r"(?<![\w-])(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
                          r"thirty|forty|fifty|sixty|ninety|dozen|fortnight)(?![\w-])", re.IGNORECASE)
# Words before a number that make it a version or an identifier, not a count.
_NOT_A_COUNT = re.compile(r"(?:python|py|version|v|pip|node|ticket|issue|pr|#|no\.|number|port)\s*$", re.IGNORECASE)
# A word of ordering before a choice value: "sorted by size", "order by age", "by name".
_ORDERED = (r"(?<!\w)(?:sort(?:ed|ing)?|order(?:ed|ing)?|rank(?:ed|ing)?|by)\s+(?:by\s+)?(?:their\s+|the\s+|its\s+)?"
            r"(\w+)(?:\s+(\w+))?")


def _families(catalog: Catalog) -> dict[str, tuple[tuple[str, ...], re.Pattern[str]]]:
    """The tool's choice families (its profile's ``choice_families``), each with the pattern that finds a value
    named in a request: anywhere, after a word of ordering, or where the profile's own pattern says."""
    cached = catalog.__dict__.get("_families")
    if cached is not None:
        return cached
    out = {}
    for name, family in (catalog.profile.data.choice_families.items() if catalog.profile else ()):
        values = "|".join(re.escape(v) for v in family.values)
        if family.mentioned == "anywhere":
            pattern = rf"(?<![\w-])({values})s?(?![\w-])"
        elif family.mentioned == "ordered":
            pattern = _ORDERED
        else:
            pattern = family.mentioned
        out[name] = (family.values, re.compile(pattern, re.IGNORECASE))
    object.__setattr__(catalog, "_families", out)
    return out
# A value equal to its parameter's default is no leftover.
# How much less likely per token (nats) the answer that uses a leftover may be than the one that dropped it.
DEFAULT_MARGIN = 1.0


@dataclass(frozen=True)
class Leftover:
    """A value of the request that the answer does not use."""

    text: str  # as the request says it
    kind: LeftoverKind
    start: int
    # For a choice: the parameter family it names ("format", "type", "sort", "shell").
    family: str = ""

    def describe(self) -> str:
        return f"'{self.text}'"


def _path_shaped(text: str) -> bool:
    if text.casefold() in NOT_PATHS or "://" in text:
        return False
    if text.startswith("~") and (len(text) == 1 or text[1] in "/\\"):
        return len(text) > 2
    if not any(sep in text for sep in "/\\"):
        return False
    return sum(ch.isalnum() for ch in text) >= 2


def _path_leftovers(query: str) -> list[Leftover]:
    found = []
    quoted = _quoted(query)
    for a, b in quoted:
        if _path_shaped(query[a:b]):
            found.append(Leftover(query[a:b], "path", a))
    for match in re.finditer(r"\S+", query):
        if any(a - 1 <= match.start() < b + 1 for a, b in quoted):
            continue
        token = match.group(0)
        lead = len(token) - len(token.lstrip(_STRIP))
        token = token.strip(_STRIP)
        if token.endswith(".") and not token.endswith(("/.", "..", "\\.")):
            token = token[:-1]
        if _path_shaped(token):
            found.append(Leftover(token, "path", match.start() + lead))
    return found


def _number_leftovers(query: str) -> list[Leftover]:
    found = []
    for pattern in (_NUMBER, _NUMBER_WORD):
        for match in pattern.finditer(query):
            if not _NOT_A_COUNT.search(query[: match.start()]):
                found.append(Leftover(match.group(0), "number", match.start()))
    return found


def _choice_leftovers(query: str, catalog: Catalog) -> list[Leftover]:
    found = []
    for family, (values, pattern) in _families(catalog).items():
        for match in pattern.finditer(query):
            # The first group that names a value ("sorted by size", "sorted by env size", "as json").
            group = next((g for g in range(1, (match.re.groups or 0) + 1)
                          if match.group(g) and match.group(g).lower() in values), None)
            if group is not None:
                found.append(Leftover(match.group(group).lower(), "choice", match.start(group), family))
    return found


def _family(param: ParamSpec, catalog: Catalog) -> str:
    """The family a choice parameter's values belong to (the one whose values it holds most of)."""
    best, share = "", 0.0
    for family, (values, _) in _families(catalog).items():
        common = len(set(values) & set(param.choices)) / max(1, len(param.choices))
        if common > share:
            best, share = family, common
    return best if share >= 0.5 else ""


def _number_values(query: str, leftover: Leftover, param: ParamSpec, catalog: Catalog) -> set[int]:
    """What an int parameter may take for this number: its face value, or days for "2 weeks"."""
    local = query[leftover.start: leftover.start + len(leftover.text) + 20]
    words = local.split()
    local = " ".join(words[:3])  # the number and the unit after it ("two weeks", "a couple of weeks")
    values = number_candidates(local, _days(catalog, param))
    return {v for v in values if 0 <= v < 10000}


def takers(query: str, leftover: Leftover, spec: CommandSpec, parsed: ParsedCommand | None,
           catalog: Catalog) -> list[tuple[ParamSpec, list[str]]]:
    """The parameters of ``spec`` that could take the leftover (those the answer has not set), each with
    the values it may take there, already quoted. Only single values: a repeated or multi-part
    parameter is never filled in this way."""
    unset = [p for p in spec.params if (parsed is None or parsed.subcommand != spec.name or p.name not in parsed.values)
             and not p.repeated and p.nargs == 1]
    out = []
    for param in unset:
        if leftover.kind == "path" and param.kind in ("path", "string"):
            out.append((param, [quote(leftover.text)]))
        elif leftover.kind == "number" and param.kind == "int":
            values = sorted(v for v in _number_values(query, leftover, param, catalog) if v != param.default)
            if values:
                out.append((param, [str(v) for v in values]))
        elif (leftover.kind == "choice" and param.kind == "choice" and leftover.text in param.choices
              and leftover.text != param.default and _family(param, catalog) == leftover.family):
            out.append((param, [leftover.text]))
    return out


def _used_spans(query: str, parsed: ParsedCommand) -> list[tuple[int, int]]:
    spans = []
    for _param, kind, text in parsed.texts():
        if kind in ("path", "string"):
            spans += _spans(query, text) or _alias_spans(query, text)
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(text), query)]
    return spans


def _number_used(query: str, leftover: Leftover, parsed: ParsedCommand, spec: CommandSpec, catalog: Catalog) -> bool:
    for param in spec.params:
        if param.kind != "int" or param.repeated:
            continue
        values = _number_values(query, leftover, param, catalog)
        if parsed.values.get(param.name, param.default) in values:
            return True
    return False


def leftovers(query: str, parsed: ParsedCommand) -> list[Leftover]:
    """The values the (normalized) request states that ``parsed`` leaves out, in the order they appear."""
    catalog = parsed.catalog
    assert catalog is not None
    spec = parsed.spec()
    if spec is None or parsed.help:
        return []
    used = _used_spans(query, parsed)
    out = []
    path_like = _path_leftovers(query)
    for leftover in path_like:
        end = leftover.start + len(leftover.text)
        if not any(a < end and leftover.start < b for a, b in used):
            out.append(leftover)
    paths = [(x.start, x.start + len(x.text)) for x in path_like] + used
    for leftover in _number_leftovers(query):
        inside = any(a <= leftover.start < b for a, b in paths)
        # Like a choice, a number counts only where the answer's subcommand could take it ("I have 40 envs").
        if (not inside and not _number_used(query, leftover, parsed, spec, catalog)
                and takers(query, leftover, spec, parsed, catalog)):
            out.append(leftover)
    for leftover in _choice_leftovers(query, catalog):
        if any(a <= leftover.start < b for a, b in paths):
            continue  # "pyenv" in ~/.pyenv/versions is part of a path
        # A choice too: "which virtualenv am I in" names no option of a command without choices, and a sort the
        # answer set otherwise is another reading, not a drop.
        if takers(query, leftover, spec, parsed, catalog):
            out.append(leftover)
    return sorted(out, key=lambda x: x.start)


def required_grammar(query: str, leftover: Leftover, parsed: ParsedCommand) -> str | None:
    """A grammar of commands of the answer's subcommand that take the leftover (its other values grounded),
    or None when that subcommand has no parameter for it."""
    catalog = parsed.catalog
    assert catalog is not None
    spec = parsed.spec()
    if spec is None:
        return None
    options = takers(query, leftover, spec, parsed, catalog)
    if not options:
        return None
    param, values = options[0]
    return grounded_grammar(query, catalog, require={spec.name: (param.name, values)})


def accept(original: Sequence[float], forced: Sequence[float], margin: float) -> bool:
    """Keep the answer that uses the leftover when the model found it at most ``margin`` nats less likely
    per token than the one that dropped it: a dropped option costs the model little, a value the request
    only mentions in passing costs a lot."""
    if not forced:
        return False
    return sum(forced) / len(forced) >= sum(original) / max(1, len(original)) - margin


# Words that ask how to use the tool rather than for it to act.
_HELP_CUES = re.compile(
    r"(?<![\w-])(?:help|how|usage|use|using|options?|opts|flags?|args?|arguments?|param(?:eter)?s?|syntax|docs?|"
    r"documentation|manual|man|explain\w*|teach|what (?:does|do|can|are|is)|commands?|subcommands?|switch(?:es)?|"
    r"works?|means?|-h)(?![\w-])|\?", re.IGNORECASE)


def asks_for_help(query: str) -> bool:
    """Whether the request could be asking how to use the tool: an answer ending in ``--help`` for
    "cleanup. defaults. go." shows a help page instead of doing what was asked."""
    return bool(_HELP_CUES.search(query))


def without_help_grammar(query: str, catalog: Catalog) -> str:
    """The request's grounded grammar without any ``--help``: the answer that acts instead."""
    return grounded_grammar(query, catalog, help=False)
