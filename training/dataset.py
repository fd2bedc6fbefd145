"""Build the train/validation/test splits from venvy's catalog and the intents.

    python -m training.dataset            # writes data/{train,val,test}.jsonl + data/manifest.json
    python -m training.dataset --seed 7 --out /tmp/data

Splits are by *template*: a phrasing used for the test split never appears
in train or validation (only its intent does), so test accuracy measures
generalization to wording the model has not seen. Every target is parsed
and canonicalized by the engine's validator; the build fails on any invalid
one, and on any venvy subcommand that no intent covers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from nlcli_wizard import paths
from nlcli_wizard.catalog import load_catalog
from nlcli_wizard.validator import parse
from training.intents import CHOICE_WORDS, INTENTS, MORE, OUT_OF_SCOPE, PACKAGES, VERBOSE_WRAPPERS

SPLITS = ("train", "val", "test")
PER_TEMPLATE = 7  # requests per template with slots; half as many without
_SLOT = re.compile(r"\{(\w+)\}")

_NAME_STEMS = ["api", "web", "ml", "data", "scraper", "blog", "django", "flask", "etl", "bot", "cli", "notebook",
               "analytics", "backend", "frontend", "tools", "sandbox", "test", "dev", "prod", "legacy", "myproj",
               "demo", "shop", "chat", "infra", "vision", "nlp", "games", "homework", "thesis", "crawler"]
_NAME_TAILS = ["", "", "2", "3", "311", "312", "env", "venv", "py39", "v2", "old", "new", "lab", "x"]
_PREFIXES = [".", "..", "~", "~/projects", "~/code", "~/src/github", "/opt", "/srv", "/home/dev", "/tmp", "work",
             "/data/envs", "~/work/clients", "/usr/local/envs", "repos", "~/Documents/py"]
_VENV_DIRS = [".venv", "venv", "env", ".env", "virtualenv", ".virtualenv", "pyenv", "venv311"]
_DAYS = [1, 2, 3, 5, 7, 10, 12, 14, 15, 20, 21, 25, 30, 40, 45, 60, 75, 90, 100, 120, 150, 180, 200, 240, 270, 365,
         400, 500, 730]


@dataclass(frozen=True)
class Example:
    query: str
    command: str | None  # canonical venvy command, None = abstain
    intent: str
    template: str
    split: str


def _name(rng: random.Random) -> str:
    sep = rng.choice(["-", "_", ""])
    tail = rng.choice(_NAME_TAILS)
    return rng.choice(_NAME_STEMS) + (sep + tail if tail else "")


def _slot_value(slot: str, subcommand: str, rng: random.Random, cmd_names: list[str]) -> tuple[str, str]:
    """(value for the command, words for the request)."""
    if slot == "name":
        value = _name(rng)
    elif slot == "path":
        shape = rng.random()
        if shape < 0.25:
            value = rng.choice(_VENV_DIRS)
        elif shape < 0.4:
            value = "./" + rng.choice(_VENV_DIRS)
        else:
            value = f"{rng.choice(_PREFIXES)}/{_name(rng)}/{rng.choice(_VENV_DIRS)}"
    elif slot in ("dir", "proj"):
        # A bare "~" to scan is what --home is for; the dataset keeps the two apart.
        bare = [p for p in _PREFIXES if not (subcommand == "scan" and p == "~")]
        value = rng.choice(bare) if slot == "dir" and rng.random() < 0.4 else f"{rng.choice(_PREFIXES)}/{_name(rng)}"
    elif slot == "days":
        value = str(rng.choice(_DAYS))
    elif slot == "n":
        value = str(rng.randint(1, 30))
    elif slot == "depth":
        value = str(rng.randint(1, 9))
    elif slot == "pkg":
        value = rng.choice(PACKAGES)
    elif slot == "cmd":
        value = rng.choice(cmd_names)
    else:
        words = CHOICE_WORDS.get((subcommand, slot)) or CHOICE_WORDS[("*", slot)]
        value = rng.choice(sorted(words))
        return value, rng.choice(words[value])
    return value, value


# Interchangeable words: a template is re-worded with these at random, so the
# model learns that "virtualenvs" and "venvs" ask for the same thing.
_SYNONYMS = [
    ["venvs", "virtual environments", "virtualenvs", "envs", "environments", "python envs", "virtual envs"],
    ["venv", "virtual environment", "virtualenv", "env", "environment", "python env"],
    ["list", "show", "display", "print", "show me", "give me"],
    ["delete", "remove", "get rid of", "erase", "wipe", "drop", "trash"],
    ["find", "locate", "discover", "detect"],
    ["folder", "directory", "dir"],
    ["biggest", "largest", "heaviest"],
    ["unused", "idle", "inactive"],
    ["used", "touched"],  # not "activated": "the activated venv" is venvy current
    ["register", "enroll"],
    ["inspect", "examine"],
    ["disk space", "disk usage", "storage"],
    ["home directory", "home folder", "home dir"],
    ["broken", "unhealthy", "corrupted"],
    ["called", "named"],
    ["simulate", "preview", "dry-run"],
    ["stale", "old", "abandoned"],
    ["manual", "help page", "docs"],
    ["summary", "overview"],
]
_SYNONYM_OF = {w: group for group in _SYNONYMS for w in group}
_SYNONYM_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _SYNONYM_OF), key=len, reverse=True)) + r")\b")
_IMPERATIVE = {"list", "show", "find", "register", "scan", "remove", "delete", "clean", "check", "give", "display",
               "print", "search", "track", "mark", "generate", "set", "discover", "detect", "get", "prune", "run",
               "start", "add", "make", "inspect", "describe", "update", "record", "clear", "wipe", "empty", "reset",
               "flush", "suggest", "output", "export", "dump", "sort", "order", "look", "filter", "enumerate", "cleanup"}
_PREFIXES_POLITE = ["could you ", "I want to ", "how do I ", "help me ", "I'd like to ", "i need to ", "pls ",
                    "can I ", "let's ", "quickly "]


def _reword(text: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        # Placeholders such as {dir} are split out first so they are never re-worded.
        parts = re.split(r"(\{\w+\})", text)
        text = "".join(
            part if part.startswith("{") else _SYNONYM_RE.sub(
                lambda m: rng.choice(_SYNONYM_OF[m.group(0)]) if rng.random() < 0.5 else m.group(0), part)
            for part in parts
        )
    if text.split(" ", 1)[0] in _IMPERATIVE and rng.random() < 0.25:
        text = rng.choice(_PREFIXES_POLITE) + text
    return text


def _typo(text: str, rng: random.Random) -> str:
    """One slip of the finger in one ordinary word (never inside a slot)."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 3]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(len(w) - 1)
    kind = rng.random()
    if kind < 0.4:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]  # swap
    elif kind < 0.7:
        w = w[:j] + w[j + 1:]  # drop
    else:
        w = w[:j] + w[j] + w[j:]  # double
    words[i] = w
    return " ".join(words)


def _style(text: str, rng: random.Random) -> str:
    """Vary register the way real requests vary: wording, case, politeness, punctuation."""
    text = _reword(text, rng)
    if rng.random() < 0.12:
        text = _typo(text, rng)
    r = rng.random()
    if r < 0.08:
        text = "please " + text
    elif r < 0.14:
        text = text + " please"
    elif r < 0.18:
        text = "hey, " + text
    r = rng.random()
    if r < 0.3:
        text = text[:1].upper() + text[1:]
    elif r < 0.35:
        text = text.upper()
    r = rng.random()
    if r < 0.1:
        text += "?"
    elif r < 0.18:
        text += "."
    elif r < 0.2:
        text += "!"
    return text


# "venv envs" and "all venv environments" mean every virtual environment to
# most people; the bare word asks for --type venv only where a request says it
# filters by kind ("of type venv", "only venv ones", "made with venv").
_TYPE_CUE = re.compile(r"\b(type|only|just|made|created|filter|ones)\b", re.IGNORECASE)


def _fill(template: str, target: str | None, subcommand: str, rng: random.Random, cmd_names: list[str]):
    request, command = _style(template, rng), target
    for slot in sorted(set(_SLOT.findall(template)) | set(_SLOT.findall(target or ""))):
        value, words = _slot_value(slot, subcommand, rng, cmd_names)
        if slot == "type" and words == "venv" and not _TYPE_CUE.search(_SLOT.sub("", template)):
            words = "plain venv"
        # Paths and names are case-sensitive: an upper-cased request keeps the value as is.
        upper_words = words if slot in ("path", "dir", "proj", "name") else words.upper()
        request = request.replace("{" + slot + "}", words).replace("{" + slot.upper() + "}", upper_words)
        if command:
            command = command.replace("{" + slot + "}", value)
    return request, command


def template_key(template: str) -> str:
    """What a template says once synonyms and punctuation are set aside: "delete
    the venv {name}" and "remove the environment {name}" have one key. Splits go
    by key, so re-wording cannot carry a test phrasing into train."""
    text = _SYNONYM_RE.sub(lambda m: _SYNONYM_OF[m.group(0)][0], template.lower())
    return " ".join(re.sub(r"[^\w{}~$-]", " ", text).split())


def _assign_splits(templates: list[str], key: str, seed: int) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for template in templates:
        groups.setdefault(template_key(template), []).append(template)
    # Ordered by a hash of each phrasing, not by shuffling the list: adding a
    # template leaves every other template in its split, so rounds compare.
    shuffled = sorted(groups, key=lambda k: hashlib.sha256(f"{seed}:{key}:{k}".encode()).hexdigest())
    n = len(shuffled)
    n_test = max(1, round(n * 0.2))
    n_val = max(1, round(n * 0.1)) if n >= 5 else 0
    parts = {"test": shuffled[:n_test], "val": shuffled[n_test:n_test + n_val], "train": shuffled[n_test + n_val:]}
    return {split: [t for k in keys for t in groups[k]] for split, keys in parts.items()}


def _requests_per_template(text: str, per_template: int) -> int:
    """Fewer for a text without slots: its requests differ only in case, politeness and punctuation."""
    return per_template if _SLOT.search(text) else max(2, per_template // 2)


def build(seed: int = 0, per_template: int = PER_TEMPLATE) -> list[Example]:
    catalog = load_catalog()
    cmd_names = sorted(catalog.commands)
    rng = random.Random(seed)
    examples: list[Example] = []
    covered: set[str] = set()

    def emit(query: str, command: str | None, intent: str, template: str, split: str) -> None:
        if command is not None:
            command = parse(command).canonical  # raises on any invalid target
        examples.append(Example(query, command, intent, template, split))

    intents = dict(INTENTS)
    for target, extra in MORE.items():  # MORE may also bring intents of its own
        intents[target] = intents.get(target, []) + extra
    owner: dict[str, str] = {}
    for target, templates in [*intents.items(), ("out-of-scope", OUT_OF_SCOPE)]:
        for template in templates:
            if owner.setdefault(template.lower(), target) != target or templates.count(template) > 1:
                raise ValueError(f"Template {template!r} is listed twice ({owner[template.lower()]}, {target})")
    for target, templates in intents.items():
        subcommand = target.split()[1]
        covered.add(subcommand)
        count = _requests_per_template(target, per_template)
        for split, chosen in _assign_splits(templates, target, seed).items():
            for template in chosen:
                for _ in range(count):
                    query, command = _fill(template, target, subcommand, rng, cmd_names)
                    emit(query, command, target, template, split)

    wrappers = _assign_splits(VERBOSE_WRAPPERS, "verbose", seed)
    by_split: dict[str, list[Example]] = {s: [e for e in examples if e.command and e.command.startswith("venvy ")
                                              and "--help" not in e.command and "--version" not in e.command]
                                          for s in SPLITS}
    for split, chosen in wrappers.items():
        for wrapper in chosen:
            for base in rng.sample(by_split[split], min(len(by_split[split]), 16)):
                command = base.command.replace("venvy ", "venvy --verbose ", 1)
                emit(wrapper.replace("{x}", base.query), command, "verbose", wrapper, split)

    for split, chosen in _assign_splits(OUT_OF_SCOPE, "out-of-scope", seed).items():
        for template in chosen:
            for _ in range(_requests_per_template(template, per_template)):
                query, _ = _fill(template, None, "", rng, cmd_names)
                emit(query, None, "out-of-scope", template, split)

    missing = set(catalog.commands) - covered
    if missing:
        raise ValueError(f"No intent covers venvy subcommand(s): {', '.join(sorted(missing))}")
    # Identical (query, command) pairs add nothing; keep the first.
    seen: set[tuple[str, str | None]] = set()
    unique = []
    for example in examples:
        if (example.query.lower(), example.command) not in seen:
            seen.add((example.query.lower(), example.command))
            unique.append(example)
    return unique


def write_splits(examples: list[Example], out: Path, seed: int) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"seed": seed, "splits": {}}
    for split in SPLITS:
        rows = [asdict(e) for e in examples if e.split == split]
        random.Random(f"{seed}:{split}").shuffle(rows)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (out / f"{split}.jsonl").write_text(text, encoding="utf-8")
        manifest["splits"][split] = {
            "examples": len(rows),
            "abstain": sum(r["command"] is None for r in rows),
            "templates": len({r["template"] for r in rows}),
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def load_split(split: str, directory: Path | None = None) -> list[dict]:
    path = (directory or paths.data_dir()) / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-template", type=int, default=PER_TEMPLATE)
    parser.add_argument("--out", type=Path, default=paths.data_dir())
    args = parser.parse_args(argv)
    manifest = write_splits(build(args.seed, args.per_template), args.out, args.seed)
    print(json.dumps(manifest["splits"], indent=2))


if __name__ == "__main__":
    main()
