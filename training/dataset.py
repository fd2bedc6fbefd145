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
import functools
import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from nlcli_wizard import paths
from nlcli_wizard.catalog import load_catalog
from nlcli_wizard.errors import InvalidCommandError, TrainingError
from nlcli_wizard.validator import parse, quote
from training import compose
from training.compose import load_yaml
from training.intents import CHOICE_WORDS, INTENTS, MORE, OUT_OF_SCOPE, PACKAGES, VERBOSE_WRAPPERS

SPLITS = ("train", "val", "test")
CALIB = "calib"  # held-out voices, for calibration only: never train, val or test
PER_TEMPLATE = 5  # requests per template with slots; half as many without
COMPOSED_PER_OPTION = 18  # composed requests per combination, per parameter it sets (+ a base)
COMPOSED_PER_SUBCOMMAND = 320  # at most, before the split
VOCAB_DIR = paths.data_dir() / "venvy"
# At most this many train examples: at ~1.5 s per step of 16 on 2 cores,
# 3 epochs of 6,200 stay under the 30-minute fine-tune budget.
TRAIN_CAP = 6200
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Example:
    query: str
    command: str | None  # canonical venvy command, None = abstain
    intent: str
    template: str
    split: str
    source: str = "template"  # template | composed | authored:<persona>


@functools.cache
def _pools() -> dict:
    return load_yaml(VOCAB_DIR / "slots.yaml")


def _name(rng: random.Random) -> str:
    pool = _pools()["names"]
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


def _join(prefix: str, *parts: str) -> str:
    # A Windows prefix written with backslashes keeps them throughout.
    sep = "\\" if "\\" in prefix else "/"
    return sep.join([prefix, *(part.replace("/", sep) for part in parts)])


def _path_value(slot: str, subcommand: str, rng: random.Random) -> str:
    pool = _pools()["paths"]
    if slot == "path":
        shape = rng.random()
        if shape < pool["bare_share"]:
            return rng.choice(pool["venv_dirs"])
        if shape < pool["bare_share"] + pool["relative_share"]:
            return "./" + rng.choice(pool["venv_dirs"])
        return _join(rng.choice(pool["prefixes"]), _name(rng), rng.choice(pool["venv_dirs"]))
    # A bare "~" to scan is what --home is for; the dataset keeps the two apart.
    prefixes = [p for p in pool["prefixes"] if not (subcommand == "scan" and p == "~")]
    if slot == "dir" and rng.random() < 0.4:
        return rng.choice(prefixes)
    return _join(rng.choice(prefixes), _name(rng))


def _number_words(value: int, rng: random.Random) -> str:
    pool = _pools()["numbers"]
    words = pool.get(value)
    return rng.choice(words) if words and rng.random() < pool["word_share"] else str(value)


def _quoted(value: str, rng: random.Random) -> str:
    """How a request writes a path: quoted where it holds a space, sometimes anyway."""
    if " " in value or rng.random() < _pools()["quote_share"]:
        mark = rng.choice(['"', "'"])
        return mark + value + mark
    return value


def _slot_value(slot: str, subcommand: str, rng: random.Random, cmd_names: list[str]) -> tuple[str, str]:
    """(value for the command, words for the request)."""
    pools = _pools()
    if slot == "name":
        value = _name(rng)
    elif slot in ("path", "dir", "proj"):
        value = _path_value(slot, subcommand, rng)
        return value, _quoted(value, rng)
    elif slot == "name_or_path":
        return _slot_value(rng.choice(["name", "path"]), subcommand, rng, cmd_names)
    elif slot == "days":
        value = str(rng.choice(pools["days"]))
        return value, _number_words(int(value), rng)
    elif slot == "duration":
        days = rng.choice(sorted(pools["durations"]))
        return str(days), rng.choice(pools["durations"][days])
    elif slot == "count":
        count = rng.choice(sorted(pools["counts"]))
        return str(count), rng.choice(pools["counts"][count])
    elif slot in ("n", "depth"):
        value = str(rng.randint(1, 30) if slot == "n" else rng.choice(pools["depths"]))
        return value, _number_words(int(value), rng)
    elif slot == "pkg":
        value = rng.choice(PACKAGES)
    elif slot == "cmd":
        value = rng.choice(cmd_names)
    elif slot in pools["choices"]:
        words = pools["choices"][slot]
        value = rng.choice(sorted(words))
        return value, rng.choice(words[value])
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
            command = command.replace("{" + slot + "}", quote(value))
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


def composed_examples(seed: int, rng: random.Random, cmd_names: list[str],
                      per_option: int = COMPOSED_PER_OPTION) -> list[Example]:
    """Requests built from compose.yaml's heads and per-parameter fragments,
    every combination each subcommand allows; split by their head and fragment set."""
    catalog = load_catalog()

    def known(name: str) -> list[str] | None:
        spec = catalog.command(name)
        return None if spec is None else [p.name.upper() if p.is_argument else p.long for p in spec.params]

    subs, _ = compose.parse_spec(load_yaml(VOCAB_DIR / "compose.yaml"), known)
    out = []
    for c in compose.generate(
        catalog.program, subs, compose.budget(per_option, COMPOSED_PER_SUBCOMMAND), rng,
        lambda slot, sub, r: _slot_value(slot, sub, r, cmd_names), quote,
    ):
        try:
            command = parse(c.command).canonical
        except InvalidCommandError as exc:
            raise TrainingError(f"compose.yaml made an invalid command {c.command!r} for {c.query!r}: {exc}") from None
        # Split by the key up to synonyms, as templates are: "wipe it" in test, "erase it" in train would leak.
        out.append(Example(c.query, command, c.signature, c.key, compose.split_of(template_key(c.key), seed),
                           "composed"))
    return out


def _fraction(text: str, seed: int) -> float:
    return int(hashlib.sha256(f"{seed}:{text}".encode()).hexdigest()[:12], 16) / 16 ** 12


def authored_examples(directory: Path, heldout: set[str], seed: int = 0) -> list[Example]:
    """Hand-written rows {q, command (or null), persona}: held-out personas go to
    the calibration split, the others 85/15 to train/val by a hash of the request."""
    out = []
    for path in sorted(directory.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TrainingError(f"{where}: the line is not JSON ({exc.msg}).") from None
            if not isinstance(row, dict):
                raise TrainingError(f"{where}: the line must be a JSON object with q, command and persona.")
            query, command, persona = row.get("q"), row.get("command"), row.get("persona")
            if not isinstance(query, str) or not query.strip():
                raise TrainingError(f"{where}: 'q' must be a non-empty request.")
            if not isinstance(persona, str) or not persona.strip():
                raise TrainingError(f"{where}: 'persona' must name who wrote the request.")
            if command is not None:
                if not isinstance(command, str):
                    raise TrainingError(f"{where}: 'command' must be a venvy command or null.")
                try:
                    command = parse(command).canonical
                except InvalidCommandError as exc:
                    raise TrainingError(f"{where}: {exc}") from None
            split = CALIB if persona in heldout else "val" if _fraction(query.lower(), seed) < 0.15 else "train"
            out.append(Example(query, command, command or "out-of-scope", query, split, f"authored:{persona}"))
    return out


def _heldout_personas() -> set[str]:
    data = load_yaml(VOCAB_DIR / "sources.yaml")
    personas = data.get("heldout") if isinstance(data, dict) else None
    if not isinstance(personas, list) or not all(isinstance(p, str) for p in personas):
        raise TrainingError(f"{VOCAB_DIR / 'sources.yaml'}:1: 'heldout' must be a list of persona names.")
    return set(personas)


def build(seed: int = 0, per_template: int = PER_TEMPLATE, authored: Path | None = None) -> list[Example]:
    """Every split's examples; ``authored`` is the folder of hand-written rows
    (default ``data/venvy/authored``)."""
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

    examples += composed_examples(seed, rng, cmd_names)
    examples += authored_examples(authored or VOCAB_DIR / "authored", _heldout_personas(), seed)

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
    return _cap_train(unique, seed)


def _cap_train(examples: list[Example], seed: int, cap: int = TRAIN_CAP) -> list[Example]:
    """Keep the train split within ``cap`` by dropping composed requests, taking
    every combination in turn so each keeps its share (the fine-tune's time
    grows with the train split; see TRAIN_CAP)."""
    excess = sum(e.split == "train" for e in examples) - cap
    if excess <= 0:
        return examples
    by_signature: dict[str, list[Example]] = {}
    for e in examples:
        if e.split == "train" and e.source == "composed":
            by_signature.setdefault(e.intent, []).append(e)
    queues = [sorted(group, key=lambda e: _fraction(e.query, seed)) for _, group in sorted(by_signature.items())]
    ordered = [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]
    keep = len(ordered) - excess
    if keep < len(queues):
        raise TrainingError(f"The train split would exceed {cap} examples even with one composed request per "
                            "combination; lower PER_TEMPLATE or raise TRAIN_CAP.")
    dropped = {id(e) for e in ordered[keep:]}
    return [e for e in examples if id(e) not in dropped]


def write_splits(examples: list[Example], out: Path, seed: int) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"seed": seed, "splits": {}}
    for split in (*SPLITS, CALIB):
        rows = [asdict(e) for e in examples if e.split == split]
        random.Random(f"{seed}:{split}").shuffle(rows)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (out / f"{split}.jsonl").write_text(text, encoding="utf-8")
        manifest["splits"][split] = {
            "examples": len(rows),
            "abstain": sum(r["command"] is None for r in rows),
            "templates": len({r["template"] for r in rows}),
            "sources": dict(sorted(Counter(r["source"].split(":")[0] for r in rows).items())),
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
    parser.add_argument("--authored", type=Path, help="folder of hand-written *.jsonl (default data/venvy/authored)")
    args = parser.parse_args(argv)
    manifest = write_splits(build(args.seed, args.per_template, args.authored), args.out, args.seed)
    print(json.dumps(manifest["splits"], indent=2))


if __name__ == "__main__":
    main()
