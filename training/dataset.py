"""Build the train/validation/test splits from a tool's catalog and its data folder.

    python -m training.dataset                        # the default tool: <its folder>/data/splits/*.jsonl
    python -m training.dataset --tool sqlite-utils --seed 7 --out /tmp/data

A tool's data folder holds requests hand-written by other authors (``authored/*.jsonl``) and, optionally,
a vocabulary for templates (phrasings, fragments, synonyms, slot pools, out-of-scope requests; see
training/vocab.py); this module knows no tool. A tool with authored requests alone is learnt from them.
Beside the translations it writes the questions the adapter learns to judge destructive commands by
(``Asked: yes|no``, :func:`judge_examples`). Template splits are by *template*: a phrasing used for the
test split never appears in train or validation (only its intent does), so
test accuracy measures generalization to wording the model has not seen.
Composed requests split by their head and fragment set, authored requests by
voice (held-out voices go to calib) and request. Every target is parsed and
canonicalized by the engine's validator; the build fails on any invalid one,
and on any subcommand that no intent covers.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from nlcli_wizard import crashes, tools
from nlcli_wizard.catalog import Catalog
from nlcli_wizard.errors import InvalidCommandError, NlcliError, TrainingError
from nlcli_wizard.tools import ToolProfile
from nlcli_wizard.validator import ParsedCommand, parse, quote
from training import compose
from training.vocab import SLOT, SlotFiller, Vocabulary, load_vocabulary, load_yaml

SPLITS = ("train", "val", "test")
CALIB = "calib"  # held-out voices, for calibration only: never train, val or test
PER_TEMPLATE = 1  # requests per template (same hand): other authors now write half of the train split
COMPOSED_PER_OPTION = 18  # composed requests per combination, per parameter it sets (+ a base)
COMPOSED_PER_SUBCOMMAND = 320  # at most, before the split
# At most this many train examples, unless the tool's profile says (train_cap): at ~2.5 s per step of 16 on
# these 2-core machines (bf16), 1.2 epochs of 7,000 plus ~1,100 judge questions stay under the 30-minute budget.
# Fewer requests per template (same hand) leave room for composed and authored ones (other hands).
TRAIN_CAP = 7000
# Judge questions at most (all splits), on top of the translations (about half "yes", half "no"), unless the
# tool's profile says (judge_cap).
JUDGE_CAP = 1500
# The share of non-destructive requests asked about a destructive command made of their own values
# ("show info on api1" -> "venvy remove api1": no).
PERTURB_SHARE = 0.12
OUT_OF_SCOPE = "out-of-scope"  # the intent of a request the tool cannot do
_SLOT = SLOT


@dataclass(frozen=True)
class Example:
    query: str
    command: str | None  # canonical command, None = abstain
    intent: str
    template: str
    split: str
    source: str = "template"  # template | composed | authored:<persona> | judge:<why>
    # A judge question (the adapter learns to say whether the request asks for this exact command): the
    # command asked about, and the answer. None for a translation.
    candidate: str | None = None
    asked: bool | None = None


def vocabulary_of(tool: ToolProfile) -> Vocabulary | None:
    """The tool's template vocabulary, or None when it learns from authored requests alone."""
    return load_vocabulary(tool.data_dir) if (tool.data_dir / "intents.yaml").exists() else None


def _reword(vocab: Vocabulary, text: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        # Placeholders such as {dir} are split out first so they are never re-worded.
        parts = re.split(r"(\{\w+\})", text)
        text = "".join(
            part if part.startswith("{") else vocab.synonym_re.sub(
                lambda m: rng.choice(vocab.synonym_of[m.group(0)]) if rng.random() < 0.5 else m.group(0), part)
            for part in parts
        )
    if text.split(" ", 1)[0] in vocab.imperatives and rng.random() < 0.25:
        text = rng.choice(vocab.polite_prefixes) + text
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


def _style(vocab: Vocabulary, text: str, rng: random.Random) -> str:
    """Vary register the way real requests vary: wording, case, politeness, punctuation."""
    text = _reword(vocab, text, rng)
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


def _fill(vocab: Vocabulary, fill: SlotFiller, template: str, target: str | None, subcommand: str,
          rng: random.Random) -> tuple[str, str | None]:
    request, command = _style(vocab, template, rng), target
    for slot in sorted(set(_SLOT.findall(template)) | set(_SLOT.findall(target or ""))):
        value, words = fill(slot, subcommand, rng)
        for rule in vocab.bare_words:
            if slot == rule["slot"] and words == rule["word"] and not re.search(
                    rule["cue"], _SLOT.sub("", template), re.IGNORECASE):
                words = rule["say"]
        # Paths and names are case-sensitive: an upper-cased request keeps the value as is.
        upper_words = words if vocab.is_verbatim(slot) else words.upper()
        request = request.replace("{" + slot + "}", words).replace("{" + slot.upper() + "}", upper_words)
        if command:
            command = command.replace("{" + slot + "}", quote(value))
    return request, command


def template_key(template: str, vocab: Vocabulary) -> str:
    """What a template says once synonyms and punctuation are set aside: "delete
    the venv {name}" and "remove the environment {name}" have one key. Splits go
    by key, so re-wording cannot carry a test phrasing into train."""
    text = vocab.synonym_re.sub(lambda m: vocab.synonym_of[m.group(0)][0], template.lower())
    return " ".join(re.sub(r"[^\w{}~$-]", " ", text).split())


def _assign_splits(vocab: Vocabulary, templates: list[str], key: str, seed: int) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for template in templates:
        groups.setdefault(template_key(template, vocab), []).append(template)
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
    return per_template if _SLOT.search(text) else max(1, per_template // 2)


def _parameter_names(catalog, name: str) -> list[str] | None:
    spec = catalog.command(name)
    return None if spec is None else [p.name.upper() if p.is_argument else p.long for p in spec.params]


def composed_examples(vocab: Vocabulary, fill: SlotFiller, seed: int, rng: random.Random, catalog: Catalog,
                      per_option: int = COMPOSED_PER_OPTION) -> list[Example]:
    """Requests built from compose.yaml's heads and per-parameter fragments,
    every combination each subcommand allows; split by their head and fragment set."""
    subs, _ = compose.parse_spec(load_yaml(vocab.folder / "compose.yaml"), functools.partial(_parameter_names, catalog))
    out = []
    for c in compose.generate(catalog.program, subs, compose.budget(per_option, COMPOSED_PER_SUBCOMMAND), rng,
                              fill, quote):
        try:
            command = parse(c.command, catalog).canonical
        except InvalidCommandError as exc:
            raise TrainingError(f"compose.yaml made an invalid command {c.command!r} for {c.query!r}: {exc}") from None
        # Split by the key up to synonyms, as templates are: "wipe it" in test, "erase it" in train would leak.
        out.append(Example(c.query, command, c.signature, c.key, compose.split_of(template_key(c.key, vocab), seed),
                           "composed"))
    return out


def _fraction(text: str, seed: int) -> float:
    return int(hashlib.sha256(f"{seed}:{text}".encode()).hexdigest()[:12], 16) / 16 ** 12


def authored_examples(directory: Path, heldout: set[str], catalog: Catalog, seed: int = 0) -> list[Example]:
    """Hand-written rows {q, command (or null), persona, tempting?}: held-out personas go to the calibration
    split, the others 85/15 to train/val by a hash of the request. ``tempting`` (on a row the tool cannot do)
    is the destructive command a careless reader would give it: the adapter learns to judge it "no"."""
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
            canonical = {}
            for field_name in ("command", "tempting"):
                value = row.get(field_name)
                if value is None:
                    continue
                if not isinstance(value, str):
                    raise TrainingError(f"{where}: '{field_name}' must be a command line or null.")
                try:
                    canonical[field_name] = parse(value, catalog).canonical
                except InvalidCommandError as exc:
                    raise TrainingError(f"{where}: {field_name}: {exc}") from None
            command = canonical.get("command")
            split = CALIB if persona in heldout else "val" if _fraction(query.lower(), seed) < 0.15 else "train"
            out.append(Example(query, command, command or OUT_OF_SCOPE, query, split, f"authored:{persona}"))
            if "tempting" in canonical and command is None:
                out.append(Example(query, None, "judge", query, split, f"judge:tempting:{persona}",
                                   canonical["tempting"], False))
    return out


def _destructive_from(parsed: ParsedCommand, catalog: Catalog, rng: random.Random) -> ParsedCommand | None:
    """A destructive command made of a non-destructive command's own values ("venvy info api1" ->
    "venvy remove api1"), or None when no destructive subcommand takes them."""
    values = parsed.values
    options = []
    for spec in catalog.commands.values():
        if not spec.destructive or spec.name == parsed.subcommand:
            continue
        taken = {p.name: values[p.name] for p in spec.params if p.name in values and p.kind != "flag"}
        if not taken or any(p.required and p.name not in taken for p in spec.params):
            continue
        options.append(ParsedCommand(spec.name, taken, catalog=catalog))
    return rng.choice(options) if options else None


def judge_examples(examples: list[Example], catalog: Catalog, seed: int, cap: int = JUDGE_CAP) -> list[Example]:
    """The questions the adapter learns to judge destructive commands by, from the translations themselves:

    - a request whose command destroys (or skips a confirmation): that command, "yes"; and, where it does not
      ask to skip the tool's own confirmation, the same command with the force parameter, "no" — where it
      does, the confirming command is still "yes" (it asks for at least that);
    - a request for a preview: the command without its dry run, "no";
    - a request for something else: a destructive command made of its own values, "no" (a share of them);
    - (from authored rows) a look-alike with the command a careless reader would give it, "no".

    Each question stays in its request's split; at most ``cap``, "yes" and "no" balanced. The hand-written
    look-alikes are the scarce "no" questions (the generated ones are plentiful): they fill up to two thirds
    of the "no" half, and all of it where the generated ones run short."""
    assert catalog.profile is not None
    risk = catalog.profile.data.risk
    rng = random.Random(f"{seed}:judge")
    yes: list[Example] = []
    tempting: list[Example] = [e for e in examples if e.candidate is not None]
    no: list[Example] = []
    for e in examples:
        if e.candidate is not None or e.command is None or e.split not in (*SPLITS, CALIB):
            continue
        parsed = parse(e.command, catalog)
        if parsed.help or parsed.version:
            continue

        def ask(command: ParsedCommand, asked: bool, why: str, e: Example = e) -> None:
            row = Example(e.query, None, "judge", e.template, e.split, f"judge:{why}", command.canonical, asked)
            (yes if asked else no).append(row)

        spec = parsed.spec()
        force = next((p for p in spec.options if p.name in risk.force), None) if spec else None
        if parsed.destructive or parsed.forced:
            ask(parsed, True, "asked")
            if parsed.forced and risk.confirms:
                ask(parsed.without(*risk.force), True, "confirming")
            elif parsed.destructive and force is not None:
                ask(ParsedCommand(parsed.subcommand, {**parsed.values, force.name: True}, parsed.group_flags,
                                  catalog=catalog), False, "force-not-asked")
        elif spec is not None and spec.destructive and any(parsed.values.get(n) for n in risk.dry_run):
            ask(parsed.without(*risk.dry_run), False, "preview")
        elif rng.random() < PERTURB_SHARE:
            other = _destructive_from(parsed, catalog, rng)
            if other is not None:
                ask(other, False, "other-ask")
    for group in (yes, tempting, no):
        rng.shuffle(group)
    half = cap // 2
    keep_no = min(len(tempting) + len(no), max(half, cap - len(yes)))
    keep_yes = min(len(yes), cap - keep_no)
    from_tempting = min(len(tempting), max(keep_no * 2 // 3, keep_no - len(no)))
    return yes[:keep_yes] + tempting[:from_tempting] + no[:keep_no - from_tempting]


def build(tool: ToolProfile, seed: int = 0, per_template: int = PER_TEMPLATE, authored: Path | None = None,
          vocab: Vocabulary | None = None) -> list[Example]:
    """Every split's examples (translations, then judge questions); ``authored`` is the folder of
    hand-written rows (default: the tool's ``data/authored/``), ``vocab`` the template vocabulary (default:
    the tool's own, if it has one)."""
    catalog = tool.catalog
    vocab = vocab or vocabulary_of(tool)
    rng = random.Random(seed)
    examples: list[Example] = templated_examples(vocab, catalog, seed, per_template, rng) if vocab else []
    heldout = vocab.heldout if vocab else _heldout(tool)
    examples += authored_examples(authored or tool.data_dir / "authored", heldout, catalog, seed)
    examples = [_working(e, catalog) for e in examples]
    # Identical (query, command) pairs add nothing; keep the first.
    seen: set[tuple[str, str | None, str | None]] = set()
    unique = []
    for example in examples:
        key = (example.query.lower(), example.command, example.candidate)
        if key not in seen:
            seen.add(key)
            unique.append(example)
    capped = _cap_train([e for e in unique if e.candidate is None], seed, tool.data.train_cap or TRAIN_CAP)
    return capped + judge_examples(capped + [e for e in unique if e.candidate is not None], catalog, seed,
                                   JUDGE_CAP if tool.data.judge_cap is None else tool.data.judge_cap)


def _working(example: Example, catalog: Catalog) -> Example:
    """The model learns the command the product offers: one the tool is known to crash on becomes the first
    working command that does its job (``crashes.alternatives``), so the answer offered in its place carries
    the model's own confidence. A crash with no alternative stays: the offer check refuses it."""
    if example.command is None:
        return example
    parsed = parse(example.command, catalog)
    instead = crashes.alternatives(parsed) if crashes.known_crash(parsed) else ()
    return replace(example, command=instead[0].canonical) if instead else example


def _heldout(tool: ToolProfile) -> set[str]:
    sources = tool.data_dir / "sources.yaml"
    if not sources.exists():
        return set()
    data = load_yaml(sources)
    return {str(p) for p in (data.get("heldout") or [])}


def templated_examples(vocab: Vocabulary, catalog: Catalog, seed: int, per_template: int,
                       rng: random.Random) -> list[Example]:
    """Requests from the vocabulary's templates, verbose wrappers, out-of-scope phrasings and compose.yaml."""
    cmd_names = sorted(catalog.commands)
    fill = SlotFiller(vocab, cmd_names)
    examples: list[Example] = []
    covered: set[str] = set()

    def emit(query: str, command: str | None, intent: str, template: str, split: str, where: str) -> None:
        if command is not None:
            try:
                command = parse(command, catalog).canonical
            except InvalidCommandError as exc:
                raise TrainingError(f"{where}: the target {command!r} is invalid: {exc}") from None
        examples.append(Example(query, command, intent, template, split))

    intents = vocab.intents
    owner: dict[str, str] = {}
    for target, templates in [*intents.items(), (OUT_OF_SCOPE, vocab.out_of_scope)]:
        for i, template in enumerate(templates):
            if owner.setdefault(template.lower(), target) != target or templates.count(template) > 1:
                raise TrainingError(f"{templates.where(i)}: the phrasing {template!r} is listed twice "
                                    f"({owner[template.lower()]}, {target}).")
    program = catalog.program + " "
    for target, templates in intents.items():
        if not target.startswith(program) or len(target.split()) < 2:
            raise TrainingError(f"{intents.where(target)}: a target must start with '{program}' and a subcommand.")
        subcommand = target.split()[1]
        covered.add(subcommand)
        count = _requests_per_template(target, per_template)
        for split, chosen in _assign_splits(vocab, templates, target, seed).items():
            for template in chosen:
                for _ in range(count):
                    query, command = _fill(vocab, fill, template, target, subcommand, rng)
                    emit(query, command, target, template, split, intents.where(target))

    wrappers = _assign_splits(vocab, vocab.verbose_wrappers, "verbose", seed)
    by_split: dict[str, list[Example]] = {s: [e for e in examples if e.command and e.command.startswith(program)
                                              and not any(o in e.command for o in vocab.verbose_skip)]
                                          for s in SPLITS}
    for split, chosen in wrappers.items():
        for wrapper in chosen:
            for base in rng.sample(by_split[split], min(len(by_split[split]), 16)):
                command = base.command.replace(program, f"{program}{vocab.verbose_option} ", 1)
                emit(wrapper.replace("{x}", base.query), command, "verbose", wrapper, split,
                     vocab.verbose_wrappers.where())

    for split, chosen in _assign_splits(vocab, vocab.out_of_scope, OUT_OF_SCOPE, seed).items():
        for template in chosen:
            for _ in range(_requests_per_template(template, per_template)):
                query, _ = _fill(vocab, fill, template, None, "", rng)
                emit(query, None, OUT_OF_SCOPE, template, split, "")

    examples += composed_examples(vocab, fill, seed, rng, catalog)
    missing = set(catalog.commands) - covered
    if missing:
        raise TrainingError(f"{intents.where()}: no intent covers {catalog.program} subcommand(s): "
                            f"{', '.join(sorted(missing))}.")
    return examples


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
                            "combination; lower PER_TEMPLATE or raise train_cap in the tool's profile.")
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
            "abstain": sum(r["command"] is None and r["candidate"] is None for r in rows),
            "judge": sum(r["candidate"] is not None for r in rows),
            "templates": len({r["template"] for r in rows}),
            "sources": dict(sorted(Counter(r["source"].split(":")[0] for r in rows).items())),
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def load_split(split: str, directory: Path) -> list[dict]:
    path = directory / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tool", help="the tool plugin (default: the default tool)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-template", type=int, default=PER_TEMPLATE)
    parser.add_argument("--out", type=Path, help="where the splits go (default: the tool's data/splits)")
    parser.add_argument("--authored", type=Path, help="folder of hand-written *.jsonl (default <data>/authored)")
    args = parser.parse_args(argv)
    try:
        tool = tools.chosen(args.tool)
        examples = build(tool, args.seed, args.per_template, args.authored)
    except NlcliError as exc:
        raise SystemExit(f"error: {exc}") from None
    manifest = write_splits(examples, args.out or tool.data_dir / "splits", args.seed)
    print(json.dumps(manifest["splits"], indent=2))


if __name__ == "__main__":
    main()
