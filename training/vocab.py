"""A tool's vocabulary, read from its data folder (``data/<tool>/``), and the
slot values drawn from it.

    intents.yaml   target command -> phrasings; verbose wrappers; out-of-scope requests
    style.yaml     synonyms, imperatives, polite prefixes, bare words
    slots.yaml     value pools and what each {slot} is filled with
    compose.yaml   heads and per-parameter fragments (training/compose.py)
    sources.yaml   which authored voices are held out for calibration

Nothing here names a tool: a second click CLI is a second folder. Every
malformed entry is reported as ``file:line: reason``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlcli_wizard import yamlfile
from nlcli_wizard.errors import TrainingError
from nlcli_wizard.yamlfile import LDict, LList, Located

SLOT = re.compile(r"\{(\w+)\}")
PATH_KINDS = ("venv_path", "search_dir", "project_dir")
VERBATIM_KINDS = ("name", *PATH_KINDS)  # copied exactly as written: never re-cased


def load_yaml(path: Path) -> Any:
    """A vocabulary file (see :func:`nlcli_wizard.yamlfile.load_yaml`); a mistake is a TrainingError."""
    return yamlfile.load_yaml(path, TrainingError)


def expect(container: Located, key: Any, kind: type | tuple[type, ...], what: str) -> Any:
    return yamlfile.expect(container, key, kind, what, TrainingError)


@dataclass
class Vocabulary:
    folder: Path
    intents: LDict                 # target -> LList of phrasings
    verbose_option: str
    verbose_skip: list[str]
    verbose_wrappers: LList
    out_of_scope: LList
    slots: LDict
    synonyms: list[list[str]]
    imperatives: set[str]
    polite_prefixes: list[str]
    bare_words: list[dict]
    heldout: set[str]
    synonym_of: dict[str, list[str]] = field(init=False)
    synonym_re: re.Pattern = field(init=False)

    def __post_init__(self) -> None:
        self.synonym_of = {w: group for group in self.synonyms for w in group}
        self.synonym_re = re.compile(
            r"\b(" + "|".join(sorted(map(re.escape, self.synonym_of), key=len, reverse=True)) + r")\b")

    def kind(self, slot: str) -> Any:
        return self.slots["slot_kinds"].get(slot)

    def is_verbatim(self, slot: str) -> bool:
        return self.kind(slot) in VERBATIM_KINDS

    def knows(self, slot: str) -> bool:
        return slot in self.slots["slot_kinds"] or slot in self.slots["choices"] or slot in self.slots[
            "template_choices"]


def _require(container: Any, key: Any, kind: type, what: str) -> Any:
    if not isinstance(container, dict) or key not in container:
        where = container.where() if isinstance(container, (LDict, LList)) else "?"
        raise TrainingError(f"{where}: missing '{key}' ({what}).")
    value = container[key]
    if not isinstance(value, kind) or (isinstance(value, (str, list, dict)) and not value):
        raise TrainingError(f"{container.where(key)}: '{key}' must be {what}.")
    return value


def _phrases(container: LDict, key: str, what: str) -> LList:
    items = _require(container, key, list, f"a non-empty list of {what}")
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise TrainingError(f"{items.where(i)}: {what} must be non-empty text, not {item!r}.")
    return items


def _check_slots(vocab: Vocabulary, items: LList, text_of=lambda x: x) -> None:
    for i, item in enumerate(items):
        for slot in SLOT.findall(text_of(item)):
            if not vocab.knows(slot):
                raise TrainingError(f"{items.where(i)}: no slot '{{{slot}}}' in slots.yaml.")


def load_vocabulary(folder: Path) -> Vocabulary:
    intents_file = load_yaml(folder / "intents.yaml")
    style = load_yaml(folder / "style.yaml")
    slots = load_yaml(folder / "slots.yaml")
    sources = load_yaml(folder / "sources.yaml")
    for data, name in ((intents_file, "intents.yaml"), (style, "style.yaml"), (slots, "slots.yaml"),
                       (sources, "sources.yaml")):
        if not isinstance(data, LDict):
            raise TrainingError(f"{folder / name}:1: the file must be a mapping of sections.")
    intents = _require(intents_file, "intents", dict, "a mapping of target commands to phrasings")
    for target in intents:
        if not isinstance(target, str):
            raise TrainingError(f"{intents.where(target)}: a target must be a command line, not {target!r}.")
        _phrases(intents, target, "phrasings")
    verbose = _require(intents_file, "verbose", dict, "the verbose option, its skip list and wrappers")
    wrappers = _phrases(verbose, "wrappers", "verbose wrappers")
    for i, wrapper in enumerate(wrappers):
        if "{x}" not in wrapper:
            raise TrainingError(f"{wrappers.where(i)}: a verbose wrapper must hold {{x}}, the request it wraps.")
    synonyms = _require(style, "synonyms", list, "a list of word groups")
    for i, group in enumerate(synonyms):
        if not isinstance(group, list) or len(group) < 2 or not all(isinstance(w, str) and w for w in group):
            raise TrainingError(f"{synonyms.where(i)}: a synonym group must list two or more words.")
    bare_words = _require(style, "bare_words", list, "a list of {slot, word, say, cue}")
    for i, rule in enumerate(bare_words):
        if not isinstance(rule, dict) or set(rule) != {"slot", "word", "say", "cue"}:
            raise TrainingError(f"{bare_words.where(i)}: a bare word needs exactly slot, word, say and cue.")
        try:
            re.compile(rule["cue"])
        except re.error as exc:
            raise TrainingError(f"{rule.where('cue')}: the cue is not a regular expression ({exc}).") from None
    for section in ("slot_kinds", "choices", "template_choices", "never_alone"):
        _require(slots, section, dict, "a mapping")
    heldout = _require(sources, "heldout", list, "a list of persona names")
    vocab = Vocabulary(
        folder=folder,
        intents=intents,
        verbose_option=_require(verbose, "option", str, "the tool's verbose option"),
        verbose_skip=list(_phrases(verbose, "skip", "options")),
        verbose_wrappers=wrappers,
        out_of_scope=_phrases(intents_file, "out_of_scope", "out-of-scope requests"),
        slots=slots,
        synonyms=[list(g) for g in synonyms],
        imperatives=set(_phrases(style, "imperatives", "words")),
        polite_prefixes=list(_phrases(style, "polite_prefixes", "prefixes")),
        bare_words=list(bare_words),
        heldout={str(p) for p in heldout},
    )
    for target, phrasings in intents.items():
        _check_slots(vocab, phrasings)
        for slot in SLOT.findall(target):
            if not vocab.knows(slot):
                raise TrainingError(f"{intents.where(target)}: no slot '{{{slot}}}' in slots.yaml.")
    _check_slots(vocab, vocab.out_of_scope)
    return vocab


# --- slot values -------------------------------------------------------------

class SlotFiller:
    """Draws (value for the command, words for the request) for a slot."""

    def __init__(self, vocab: Vocabulary, subcommands: list[str]) -> None:
        self.vocab, self.pools, self.subcommands = vocab, vocab.slots, subcommands

    def name(self, rng: random.Random) -> str:
        pool = self.pools["names"]
        if rng.random() < 0.3:
            return rng.choice(pool["literal"])
        tail = rng.choice(pool["tails"])
        name = rng.choice(pool["stems"]) + (rng.choice(pool["seps"]) + tail if tail else "")
        r = rng.random()
        if r < 0.08:
            name = name.capitalize()
        elif r < 0.12:
            name = name.upper()
        return name

    @staticmethod
    def _join(prefix: str, *parts: str) -> str:
        # A Windows prefix written with backslashes keeps them throughout.
        sep = "\\" if "\\" in prefix else "/"
        return sep.join([prefix, *(part.replace("/", sep) for part in parts)])

    def path(self, kind: str, subcommand: str, rng: random.Random) -> str:
        pool = self.pools["paths"]
        if kind == "venv_path":
            shape = rng.random()
            if shape < pool["bare_share"]:
                return rng.choice(pool["venv_dirs"])
            if shape < pool["bare_share"] + pool["relative_share"]:
                return "./" + rng.choice(pool["venv_dirs"])
            return self._join(rng.choice(pool["prefixes"]), self.name(rng), rng.choice(pool["venv_dirs"]))
        banned = self.pools["never_alone"].get(subcommand, [])
        prefixes = [p for p in pool["prefixes"] if p not in banned]
        if kind == "search_dir" and rng.random() < 0.4:
            return rng.choice(prefixes)
        return self._join(rng.choice(prefixes), self.name(rng))

    def number_words(self, value: int, rng: random.Random) -> str:
        pool = self.pools["numbers"]
        words = pool.get(value)
        return rng.choice(words) if words and rng.random() < pool["word_share"] else str(value)

    def quoted(self, value: str, rng: random.Random) -> str:
        """How a request writes a path: quoted where it holds a space, sometimes anyway."""
        if " " in value or rng.random() < self.pools["quote_share"]:
            mark = rng.choice(['"', "'"])
            return mark + value + mark
        return value

    def __call__(self, slot: str, subcommand: str, rng: random.Random) -> tuple[str, str]:
        kind = self.vocab.kind(slot)
        pools = self.pools
        if kind == "name":
            value = self.name(rng)
            return value, value
        if kind in PATH_KINDS:
            value = self.path(kind, subcommand, rng)
            return value, self.quoted(value, rng)
        if kind == "subcommand":
            value = rng.choice(self.subcommands)
            return value, value
        if isinstance(kind, dict) and "either" in kind:
            return self(rng.choice(kind["either"]), subcommand, rng)
        if isinstance(kind, dict) and "numbers" in kind:
            value = str(rng.choice(pools[kind["numbers"]]))
            return value, self.number_words(int(value), rng)
        if isinstance(kind, dict) and "range" in kind:
            low, high = kind["range"]
            value = str(rng.randint(low, high))
            return value, self.number_words(int(value), rng)
        if isinstance(kind, dict) and "phrases" in kind:
            phrases = pools[kind["phrases"]]
            key = rng.choice(sorted(phrases))
            return str(key), rng.choice(phrases[key])
        if isinstance(kind, dict) and "list" in kind:
            value = rng.choice(pools[kind["list"]])
            return value, value
        if kind is not None:
            raise TrainingError(f"{pools['slot_kinds'].where(slot)}: unknown slot kind {kind!r} for '{slot}'.")
        if slot in pools["choices"]:
            words = pools["choices"][slot]
        else:
            by_subcommand = pools["template_choices"][slot]
            words = by_subcommand.get(subcommand) or by_subcommand["*"]
        value = rng.choice(sorted(words))
        return value, rng.choice(words[value])
