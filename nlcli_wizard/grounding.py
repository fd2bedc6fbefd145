"""Are the values in a command the user's own?

The validator knows a command is one valid venvy invocation; it cannot know
that ``--path ~/envs/test`` was copied from a request that said
``~/environments/test``. This module checks that every free-text value (a path,
a project, an environment name) is a verbatim span of the request, and that
every number is in the request or a conversion of one that is (number words;
weeks, months and years to days). One span of the request fills at most one
value, so "register this venv as webapp" cannot become
``venvy register webapp --name webapp``.

``candidates`` lists what a value may be for a request; the translator uses
it to build a per-request grammar when the first answer is not grounded.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from nlcli_wizard import lang
from nlcli_wizard.catalog import Catalog, ParamSpec
from nlcli_wizard.validator import ParsedCommand

# Words that stand for a path without spelling it: English, no tool's.
PATH_ALIASES: dict[str, tuple[str, ...]] = {
    ".": ("current directory", "current dir", "current folder", "this directory", "this dir", "this folder",
          "here", "cwd", "working directory", "present directory"),
    "~": ("home", "home directory", "home dir", "home folder", "~"),
}
# Words with a slash that are no path.
NOT_PATHS = frozenset({"and/or", "either/or", "on/off", "yes/no", "y/n", "read/write", "input/output", "i/o", "n/a",
                       "w/", "w/o", "b/c", "b/w", "24/7", "tcp/ip", "ci/cd", "a/b"})

_ONES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_ARTICLES = frozenset({"a", "an", "single", "half"})  # numbers only before a number word or a unit
_NUMBER_WORDS = frozenset({*_ONES, *_TENS, *_ARTICLES, "hundred", "thousand", "couple", "pair", "dozen"})
_UNITS = {"d": 1, "day": 1, "days": 1, "w": 7, "wk": 7, "wks": 7, "week": 7, "weeks": 7, "fortnight": 14,
          "fortnights": 14, "mo": 30, "mos": 30, "month": 30, "months": 30, "y": 365, "yr": 365, "yrs": 365,
          "year": 365, "years": 365}
# A number with its sign ("-1" is minus one, never 1; "web-2024" has no minus) and any exponent ("1e3" is
# no count of anything here, never 1), or a word.
_TOKEN = re.compile(r"(?:(?<![\w.])-)?\d+(?:\.\d+)?|[^\W\d_]+")
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?[eE][+-]?\d+")
# A value is a whole span: what stands before and after it in the request.
_SPAN_EDGE_BEFORE = " \t\"'`(=,;[<"
_SPAN_EDGE_AFTER = " \t\"'`()]>"  # "(": a table before its columns, "error_log(host)"
_PUNCTUATION = ",.;:!?"
MAX_QUOTED_VALUE_WORDS = 3
# A quoted string: the quote opens after a non-word character and closes before one ("don't" is no quote).
_QUOTED = re.compile(r"(?<!\w)([\"'`])(.+?)\1(?!\w)")


@dataclass(frozen=True)
class Grounding:
    ok: bool
    reason: str = ""
    value: str | None = None  # the first value that is not the request's own
    rule: str = ""  # grounding.number, .not-a-folder, .cut-path, .code-not-spelled, .not-in-request, .reused-span


def _words_value(words: list[str]) -> float | None:
    """The value of a run of number words: "twenty one", "a hundred and ten", "a dozen", "half a"."""
    total, current, scale = 0.0, 0.0, 1.0
    for i, word in enumerate(words):
        if word == "half":
            scale *= 0.5
        elif word in ("a", "an", "single"):
            # "a hundred" is 100, but "a six week cutoff" is 6: an article before a count is no number.
            if i + 1 == len(words) or (words[i + 1] not in _ONES and words[i + 1] not in _TENS):
                current = current or 1
        elif word in ("couple", "pair"):
            current = 2
        elif word == "dozen":
            current = (current or 1) * 12
        elif word in _ONES:
            current += _ONES[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total, current = total + (current or 1) * 1000, 0
    value = (total + current) * scale
    return value if value else None


def numbers_in(query: str) -> list[tuple[float, int | None]]:
    """Every number the request states, with the days per unit of a time unit after it ("2 weeks": (2, 7))."""
    tokens = [m.group(0).lower() for m in _TOKEN.finditer(_SCIENTIFIC.sub(" ", query))]
    found: list[tuple[float, int | None]] = []
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word[0].isdigit() or word[0] == "-":
            value: float | None = float(word)
            j = i + 1
        elif word in _NUMBER_WORDS:
            j = i
            while j < len(tokens) and (tokens[j] in _NUMBER_WORDS
                                       or tokens[j] == "and" and j + 1 < len(tokens) and tokens[j + 1] in _NUMBER_WORDS):
                j += 1
            run = [t for t in tokens[i:j] if t != "and"]
            value = _words_value(run)
            if set(run) <= _ARTICLES and _unit_at(tokens, j)[0] is None and run[-1] != "single":
                value = None  # a bare "a" is an article, not the number one; "the single largest" is one
        else:
            if word in _UNITS and len(word) > 2 and not word.endswith("s"):
                found.append((1.0, _UNITS[word]))  # "this month", "the past year"; "days" alone is no number
            i += 1
            continue
        per_unit, after = _unit_at(tokens, j)
        if value is not None:
            found.append((value, per_unit))
        i = max(after, i + 1)
    return found


def _unit_at(tokens: list[str], j: int) -> tuple[int | None, int]:
    """Days per unit of the time unit at ``tokens[j]`` (if any) and the index after it."""
    k = j
    if k < len(tokens) and tokens[k] == "of":  # "a couple of weeks"
        k += 2 if k + 1 < len(tokens) and tokens[k + 1] in ("a", "an") else 1
    if k < len(tokens) and tokens[k] in _UNITS:
        return _UNITS[tokens[k]], k + 1
    return None, j


@cache
def _number_forms() -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    return (tuple(re.compile(p) for p in lang.words("grounding", "ranges")),
            tuple(re.compile(p) for p in lang.words("grounding", "pages")))


def _derived_numbers(query: str) -> set[int]:
    """Counts and offsets a request states by a range ("rows 41 to 60": 20 rows after 40) or a page."""
    text = query.casefold()
    ranges, pages = _number_forms()
    out: set[int] = set()
    for pattern in ranges:
        for m in pattern.finditer(text):
            a, b = int(m["a"]), int(m["b"])
            if b > a:
                out |= {b - a + 1, a - 1}
    for pattern in pages:
        for m in pattern.finditer(text):
            out.add((int(m["page"]) - 1) * int(m["size"]))
    return out


def number_candidates(query: str, days: bool) -> set[int]:
    """Whole numbers a parameter may take from this request."""
    out: set[int] = _derived_numbers(query)
    for value, per_unit in numbers_in(query):
        # For a count of days, "2 weeks" is 14 and not 2; other numbers keep their face value.
        if value == int(value) and not (days and per_unit and per_unit > 1):
            out.add(int(value))
        if days and per_unit:
            out.add(round(value * per_unit))
            if per_unit == 365 and value == 0.5:
                out.update({180, 182, 183})  # half a year, however the user counts it
    return out


def _quoted(query: str) -> list[tuple[int, int]]:
    """Where the request's quoted values lie, quotes excluded. Quoted prose or a quoted command
    ("the ticket says 'scan /opt/ml with depth 3'") is no single value: over three words is prose."""
    return [m.span(2) for m in _QUOTED.finditer(query) if len(m.group(2).split()) <= MAX_QUOTED_VALUE_WORDS]


def _spans(query: str, value: str) -> list[tuple[int, int]]:
    """Where ``value`` occurs in ``query`` as a whole span (not inside a longer word, and not
    part of a quoted string: the user who quotes "D:\\work\\py envs" means all of it)."""
    quoted = _quoted(query)
    spans, start = [], 0
    while (i := query.find(value, start)) >= 0:
        end = i + len(value)
        inside_quotes = any(a <= i and end <= b and (a, b) != (i, end) for a, b in quoted)
        if (i == 0 or query[i - 1] in _SPAN_EDGE_BEFORE) and _ends_span(query, end) and not inside_quotes:
            spans.append((i, end))
        start = i + 1
    return spans


def _ends_span(query: str, end: int) -> bool:
    """Whether a span may end at ``end``: at a space or quote, or punctuation that ends a clause
    ("in ./env." yes; "ml" in "ml.exp3" no)."""
    while end < len(query) and query[end] in _PUNCTUATION:
        end += 1
        if end == len(query) or query[end] in _SPAN_EDGE_AFTER:
            return True
        if query[end] not in _PUNCTUATION:
            return False
    if end < len(query) and query[end] in "\"'`" and end + 1 < len(query) and query[end + 1] in "/\\":
        return False  # "'~/My Envs/app'/lib/python3.12": the path goes on past the closing quote
    return end == len(query) or query[end] in _SPAN_EDGE_AFTER


# Words after which a bare word names a folder: "under work", "in the folder repos", "path: build".
_PLACE_BEFORE = re.compile(r"(?<!\w)(?:in|under|at|inside|within|from|below|beneath|of|into|across|throughout|over|"
                           r"through|path|dir|directory|folder|root|location)[:=]?\s+(?:(?:the|my|a|our|this)\s+)?"
                           r"(?:(?:folder|directory|dir|path)\s+)?(?:called\s+|named\s+)?$", re.IGNORECASE)
_PATH_START = re.compile(r"^(?:[/\\~.]|[A-Za-z]:[/\\])")
_PATH_TAIL = re.compile(r"^ ([^\s\"'`/\\][^\s\"'`]*[/\\][^\s\"'`]*)")
_TITLE_TAIL = re.compile(r"^ ([A-Z][^\W_]*(?:[-.][^\W_]+)*)(?=[\s,;:!?]|\.(?:\s|$)|$)")
_PATH_HEAD = re.compile(r"([^\s\"'`]*[/\\][^\s\"'`]*) $")


def _whole_path(query: str, start: int, end: int) -> str | None:
    """The longer path a span is cut from at a space, if it is one: "~/Library/Application" in
    "~/Library/Application Support/venvs", whose next word goes on with a separator but starts no
    path of its own; or "Support/venvs", the tail of such a path."""
    value = query[start:end]
    if not any(sep in value for sep in "/\\"):
        return None
    tail = _PATH_TAIL.match(query[end:])
    if tail and tail.group(1).rstrip(_PUNCTUATION).casefold() in NOT_PATHS:
        tail = None
    if tail and _PATH_START.match(value) and not _PATH_START.match(tail.group(1)):
        return value + " " + tail.group(1).rstrip(_PUNCTUATION)
    # A capitalised last folder followed by a capitalised word ("~/Library/Application Support", "C:\\Program
    # Files"): folder names that hold a space, not a path and a word of the sentence.
    title = _TITLE_TAIL.match(query[end:])
    last = re.split(r"[/\\]", value.rstrip("/\\"))[-1]
    if title and _PATH_START.match(value) and last[:1].isupper():
        return value + " " + title.group(1)
    head = _PATH_HEAD.search(query[:start])
    if head and head.group(1).casefold() in NOT_PATHS:
        head = None
    if head and not _PATH_START.match(value) and _PATH_START.match(head.group(1)):
        return head.group(1) + " " + value
    return None


def _alias_spans(query: str, value: str) -> list[tuple[int, int]]:
    lowered = query.lower()
    spans = []
    for alias in PATH_ALIASES.get(value.rstrip("/") or value, ()):
        spans += [(i, i + len(alias)) for i in (m.start() for m in re.finditer(rf"(?<!\w){re.escape(alias)}(?!\w)",
                                                                                  lowered))]
    return spans


def _free_text(param: ParamSpec) -> bool:
    return param.kind in ("path", "string")


def _search_path(param: ParamSpec) -> bool:
    """An option naming a folder to work in (``--path``), as opposed to an argument naming an environment."""
    return param.kind == "path" and not param.is_argument


def names_a_folder(query: str, value: str) -> bool:
    """Does the request name ``value`` as a folder? A path's shape says so ("~/work", "./env", "D:\\py"),
    and so do quotes or a word of place before it ("under work", "in the folder repos"). An ordinary word
    of the sentence does not: "the same torch stack" names no folder 'torch'."""
    if value in PATH_ALIASES or _PATH_START.match(value) or any(sep in value for sep in "/\\"):
        return True
    if _alias_spans(query, value):
        return True
    quoted = _quoted(query)
    for start, end in _spans(query, value):
        if any(a <= start and end <= b for a, b in quoted) or _PLACE_BEFORE.search(query[:start].rstrip("\"'`")):
            return True
    return False


def _days(catalog: Catalog, param: ParamSpec) -> bool:
    return catalog.profile is not None and param.name in catalog.profile.data.day_params


def is_code(catalog: Catalog, command: str, param: ParamSpec) -> bool:
    """Does the parameter take code (SQL, Python) that only the request may write?"""
    return catalog.profile is not None and param.name in catalog.profile.data.code_params.get(command, ())


def _forms(catalog: Catalog, param: ParamSpec, query: str):
    """The profile's other forms of this parameter's values that the request says."""
    forms = catalog.profile.data.value_forms if catalog.profile else ()
    text = query.casefold()
    return [f for f in forms if f.param == param.name and re.search(f.said, text)]


def _said_otherwise(catalog: Catalog, param: ParamSpec, value: str, query: str) -> str | None:
    """For a value the request says in other words: "" when it is a fixed value the request names, else the
    span of the request it is made of; None when no form applies."""
    for form in _forms(catalog, param, query):
        if form.value is not None and value == form.value:
            return ""
        if form.suffix is not None and value.endswith(form.suffix) and len(value) > len(form.suffix):
            return value[: -len(form.suffix)]
    return None


def ground(query: str, parsed: ParsedCommand) -> Grounding:
    """Check every value of ``parsed`` against the (normalized) request."""
    spec = parsed.spec()
    if spec is None or parsed.help:
        return Grounding(ok=True)
    catalog = parsed.catalog
    assert catalog is not None
    text_values: list[tuple[str, list[tuple[int, int]]]] = []
    for param, kind, text in parsed.texts():
        label = param.long if not param.is_argument else param.name.upper()
        if kind in ("int", "float"):
            number = float(text)
            if not number.is_integer() or int(number) not in number_candidates(query, _days(catalog, param)):
                return Grounding(False, f"the request does not say {text} for {label}", text, "grounding.number")
        elif kind in ("path", "string"):
            if _search_path(param) and not names_a_folder(query, text):
                return Grounding(False, f"the request does not name '{text}' as a folder ({label})", text,
                                 "grounding.not-a-folder")
            spans = _spans(query, text) or _alias_spans(query, text)
            if not spans:
                said = _said_otherwise(catalog, param, text, query)
                if said == "":
                    continue
                spans = _spans(query, said) if said else []
            whole = [_whole_path(query, a, b) for a, b in spans]
            if spans and all(whole):
                return Grounding(False, f"'{text}' ({label}) stops at a space inside the path '{whole[0]}'", text,
                                 "grounding.cut-path")
            if not spans:
                if is_code(catalog, spec.name, param):
                    return Grounding(False, f"the request does not spell out the code '{text}' ({label}); write it "
                                            "in quotes if you mean it", text, "grounding.code-not-spelled")
                cut = next((query[a:b] for a, b in _quoted(query) if text in query[a:b]), None)
                why = f"is only part of the quoted '{cut}'" if cut else "is not in the request"
                return Grounding(False, f"'{text}' ({label}) {why}", text, "grounding.not-in-request")
            if catalog.profile is None or param.name not in catalog.profile.data.shared_values:
                text_values.append((text, spans))
    if not _disjoint_assignment([spans for _, spans in text_values]):
        value = text_values[-1][0]
        return Grounding(False, f"'{value}' is used for two values but the request says it once", value,
                         "grounding.reused-span")
    return Grounding(ok=True)


def _disjoint_assignment(options: list[list[tuple[int, int]]]) -> bool:
    """Can each value take one of its spans, no two spans overlapping? (At most a few values.)"""
    for choice in itertools.product(*options):
        ordered = sorted(choice)
        if all(a[1] <= b[0] for a, b in itertools.pairwise(ordered)):
            return True
    return not options


def span_candidates(query: str, max_words: int = 3) -> list[str]:
    """Every span of the request a path or name could be: quoted strings whole, runs of up to
    ``max_words`` words with surrounding punctuation trimmed, and the path aliases the request uses."""
    found: list[str] = []
    found += [query[a:b] for a, b in _quoted(query)]
    words = query.split()
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + max_words) + 1):
            span = " ".join(words[i:j]).strip("\"'`()[]<>,;:!?")
            if any(q in span for q in "\"'`"):
                continue  # a quoted value is taken whole, above
            span = span[:-1] if span.endswith(".") and len(span) > 1 and span[-2] not in "./" else span
            if span:
                found.append(span)
    # Words inside a quoted string are not values of their own, nor is a path cut at a space.
    found = [span for span in found if (spans := _spans(query, span))
             and not all(_whole_path(query, a, b) for a, b in spans)]
    found += [alias for alias in PATH_ALIASES if _alias_spans(query, alias)]
    return list(dict.fromkeys(found))


def quoted_strings(query: str) -> list[str]:
    """Every quoted string of the request, however long: what a code value (SQL, Python) may be."""
    return [m.group(2) for m in _QUOTED.finditer(query)]


def grounded_grammar(query: str, catalog: Catalog,
                     require: Mapping[str, tuple[str, list[str]]] | None = None, help: bool = True) -> str:
    """A GBNF grammar of the tool's commands whose values can only be this request's own
    (``require`` and ``help``: see :func:`nlcli_wizard.grammar.build_grammar`)."""
    from nlcli_wizard.grammar import build_grammar
    from nlcli_wizard.validator import holds_invisible, quote

    # A value with a control or invisible character would be refused when validated: never offer it.
    found = [span for span in span_candidates(query) if not holds_invisible(span)]
    spans = [quote(span) for span in found]
    folders = [quote(span) for span in found if names_a_folder(query, span)]
    code = list(dict.fromkeys(spans + [quote(text) for text in quoted_strings(query) if not holds_invisible(text)]))
    code_params = {name for names in (catalog.profile.data.code_params.values() if catalog.profile else ())
                   for name in names}

    def values(param: ParamSpec) -> list[str] | None:
        if param.kind in ("int", "float"):
            return [str(n) for n in sorted(number_candidates(query, _days(catalog, param))) if 0 <= n < 10000]
        if _search_path(param):
            return folders
        if param.name in code_params:
            return code
        if not (_free_text(param) or param.parts):
            return None
        said = [quote(f.value) if f.value is not None else quote(span + f.suffix)
                for f in _forms(catalog, param, query) for span in (found if f.suffix is not None else [""])]
        return list(dict.fromkeys(spans + said))

    return build_grammar(catalog, values, require, help)
