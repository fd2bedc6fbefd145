"""Measure a translator on a labelled split, next to two baselines, in one run.

Correctness is canonical equivalence (``venvy ls -s size`` = ``venvy ls
--sort size``), not string match. Baselines: the base model with few-shot
prompting and no adapter, and nearest-neighbour retrieval over the train set
(character 3-gram TF-IDF, cosine). Confidence is scored on the model's own
answer, offered or not: a calibrated 0.8 should be right 80 % of the time.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nlcli_wizard.confidence import HIGH as HIGH_CONFIDENCE
from nlcli_wizard.errors import UsageError
from nlcli_wizard.translator import Translation, Translator
from nlcli_wizard.validator import validate


@dataclass
class Outcome:
    expected: str | None  # the first accepted command; None = out of scope
    translation: Translation
    accepted: tuple[str, ...] = ()  # every accepted command (defaults to expected)
    style: str = ""

    def __post_init__(self) -> None:
        if not self.accepted and self.expected is not None:
            self.accepted = (self.expected,)

    @property
    def options(self) -> int:
        """How many options and arguments the expected command sets (0 for out of scope)."""
        check = validate(self.expected) if self.expected else None
        return len(check.parsed.values) if check and check.ok else 0

    @property
    def answer(self) -> str | None:
        """What the model answered: its candidate command, or None for NONE."""
        t = self.translation
        return t.candidate if t.candidate else None

    @property
    def correct(self) -> bool:
        """Right as offered to the user (abstaining on an out-of-scope request is right)."""
        t = self.translation
        if self.expected is None:
            return t.command is None
        return t.command is not None and any(_same(t.command, a) for a in self.accepted)

    @property
    def answer_correct(self) -> bool:
        if self.expected is None:
            return self.answer is None
        return self.answer is not None and any(_same(self.answer, a) for a in self.accepted)


def _same(a: str, b: str) -> bool:
    va, vb = validate(a), validate(b)
    return va.ok and vb.ok and va.canonical == vb.canonical


@dataclass
class Report:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)

    def _in_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.expected is not None]

    def _out_of_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.expected is None]

    @property
    def accuracy(self) -> float:
        return sum(o.correct for o in self.outcomes) / max(1, len(self.outcomes))

    @property
    def invalid(self) -> int:
        return sum(1 for o in self.outcomes if o.translation.command and not validate(o.translation.command).ok)

    @property
    def abstention_recall(self) -> float:
        oos = self._out_of_scope()
        return sum(o.translation.abstained for o in oos) / max(1, len(oos))

    @property
    def abstention_precision(self) -> float:
        abstained = [o for o in self.outcomes if o.translation.abstained]
        return sum(o.expected is None for o in abstained) / max(1, len(abstained))

    @property
    def wrongly_abstained(self) -> float:
        ins = self._in_scope()
        return sum(o.translation.abstained for o in ins) / max(1, len(ins))

    def calibration_bins(self, n_bins: int = 10) -> list[tuple[float, float, int]]:
        """(mean confidence, accuracy, count) per confidence bin."""
        bins: dict[int, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            bins[min(n_bins - 1, int(o.translation.confidence * n_bins))].append(o)
        return [
            (statistics.fmean(o.translation.confidence for o in group),
             sum(o.answer_correct for o in group) / len(group), len(group))
            for _, group in sorted(bins.items())
        ]

    @property
    def ece(self) -> float:
        total = max(1, len(self.outcomes))
        return sum(n / total * abs(conf - acc) for conf, acc, n in self.calibration_bins())

    def latency(self, q: float) -> float:
        values = sorted(o.translation.latency_s for o in self.outcomes)
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(math.ceil(q * len(values))) - 1)]

    @property
    def in_scope_accuracy(self) -> float:
        ins = self._in_scope()
        return sum(o.correct for o in ins) / max(1, len(ins))

    def high(self) -> list[Outcome]:
        """Commands offered at the confidence the UI calls high."""
        return [o for o in self.outcomes if o.translation.command and o.translation.confidence >= HIGH_CONFIDENCE]

    @property
    def high_precision(self) -> float:
        high = self.high()
        return sum(o.correct for o in high) / max(1, len(high))

    @property
    def deleting_offered_out_of_scope(self) -> int:
        """Deleting commands offered for requests venvy should not act on."""
        from nlcli_wizard.catalog import load_catalog

        catalog = load_catalog()
        count = 0
        for o in self._out_of_scope():
            check = validate(o.translation.command) if o.translation.command else None
            spec = check.parsed.spec(catalog) if check and check.ok else None
            count += bool(spec and spec.deletes and not check.parsed.values.get("dry_run"))
        return count

    def by(self, key: Callable[[Outcome], str]) -> dict[str, tuple[int, int]]:
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            table[key(o)][0] += o.correct
            table[key(o)][1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(table.items())}

    def per_style(self) -> dict[str, tuple[int, int]]:
        return self.by(lambda o: o.style or "(none)")

    def per_option_count(self) -> dict[str, tuple[int, int]]:
        return self.by(lambda o: "out of scope" if o.expected is None else f"{o.options} option(s)")

    def per_subcommand(self) -> dict[str, tuple[int, int]]:
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            key = "(out of scope)" if o.expected is None else (validate(o.expected).parsed.subcommand or "(group)")
            table[key][0] += o.correct
            table[key][1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(table.items())}

    def summary(self) -> dict:
        return {
            "name": self.name,
            "n": len(self.outcomes),
            "accuracy": round(self.accuracy, 4),
            "invalid": self.invalid,
            "abstention_recall": round(self.abstention_recall, 4),
            "abstention_precision": round(self.abstention_precision, 4),
            "wrongly_abstained": round(self.wrongly_abstained, 4),
            "ece": round(self.ece, 4),
            "in_scope_accuracy": round(self.in_scope_accuracy, 4),
            "high_offered": len(self.high()),
            "high_precision": round(self.high_precision, 4),
            "deleting_offered_out_of_scope": self.deleting_offered_out_of_scope,
            "latency_p50_s": round(self.latency(0.5), 4),
            "latency_p95_s": round(self.latency(0.95), 4),
            "retried": sum(o.translation.retried for o in self.outcomes),
        }


def run(name: str, translate: Callable[[str], Translation], examples: Iterable[dict], progress=None) -> Report:
    report = Report(name)
    for i, ex in enumerate(examples):
        try:
            translation = translate(ex["query"])
        except UsageError as exc:
            translation = Translation(ex["query"], None, 0.0, True, str(exc), 0.0)
        accepted = tuple(ex["accepted"]) if "accepted" in ex else ((ex["command"],) if ex["command"] else ())
        report.outcomes.append(Outcome(accepted[0] if accepted else None, translation, accepted, ex.get("style", "")))
        if progress:
            progress(i + 1)
    return report


class NearestNeighbour:
    """Retrieval baseline: answer with the command of the most similar train request."""

    def __init__(self, train: list[dict]) -> None:
        self.train = train
        self.df: Counter[str] = Counter()
        grams = [self._grams(ex["query"]) for ex in train]
        for g in grams:
            self.df.update(set(g))
        self.vectors = [self._weigh(g) for g in grams]

    @staticmethod
    def _grams(text: str) -> Counter[str]:
        text = f"  {text.lower()}  "
        return Counter(text[i:i + 3] for i in range(len(text) - 2))

    def _weigh(self, grams: Counter[str]) -> dict[str, float]:
        n = len(self.train) + 1
        vec = {g: c * math.log(n / (1 + self.df.get(g, 0))) for g, c in grams.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {g: v / norm for g, v in vec.items()}

    def translate(self, query: str) -> Translation:
        started = time.perf_counter()
        q = self._weigh(self._grams(query))
        scores = [sum(w * vec.get(g, 0.0) for g, w in q.items()) for vec in self.vectors]
        best = max(range(len(scores)), key=scores.__getitem__)
        command = self.train[best]["command"]
        return Translation(
            query=query, command=command, confidence=max(0.0, min(1.0, scores[best])), abstained=command is None,
            reason="" if command else "nearest neighbour is out of scope", latency_s=time.perf_counter() - started,
            candidate=command, model_id="nearest-neighbour",
        )


def few_shot_translator(engine) -> Callable[[str], Translation]:
    """The base model, no adapter, a few demonstrations in the prompt.

    No grammar retry: the base model's answers are mostly invalid, and a
    constrained retry costs ~75 ms a token, which would make the baseline
    take most of an hour. Its invalid answers count as abstentions."""
    from nlcli_wizard.prompt import few_shot_prompt

    return Translator(engine, prompt=few_shot_prompt, retry=False).translate


def reliability_png(report: Report, path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    bins = report.calibration_bins()
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.bar([b[0] for b in bins], [b[1] for b in bins], width=0.08, alpha=0.7, label="accuracy in bin")
    for conf, acc, n in bins:
        ax.annotate(str(n), (conf, acc), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=7)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{report.name}: ECE {report.ece:.3f}")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


# Requests written apart from the project: reports count them but never reprint them, so their words cannot
# find their way from a committed report into the project's data.
UNQUOTED_SPLITS = frozenset({"outside"})


def markdown(reports: list[Report], split: str, png: Path | None, extra: dict | None = None) -> str:
    lines = [f"# nlcli-wizard evaluation ({split} split)", ""]
    if extra:
        lines += [f"- {k}: {v}" for k, v in extra.items()] + [""]
    lines += ["| system | n | accuracy | invalid | abstain recall | abstain precision | in-scope abstained | ECE | p50 s | p95 s |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in reports:
        s = r.summary()
        lines.append(
            f"| {s['name']} | {s['n']} | {s['accuracy']:.1%} | {s['invalid']} | {s['abstention_recall']:.1%} | "
            f"{s['abstention_precision']:.1%} | {s['wrongly_abstained']:.1%} | {s['ece']:.3f} | "
            f"{s['latency_p50_s']:.3f} | {s['latency_p95_s']:.3f} |"
        )
    main = reports[0]
    s = main.summary()
    lines += ["", f"In scope: **{s['in_scope_accuracy']:.1%}** right. Offered at high confidence (>= "
              f"{HIGH_CONFIDENCE:.0%}): {s['high_offered']}, of which **{s['high_precision']:.1%}** right. "
              f"Deleting commands offered for out-of-scope requests: {s['deleting_offered_out_of_scope']}."]
    tables = [("subcommand", main.per_subcommand()), ("number of options", main.per_option_count())]
    if any(o.style for o in main.outcomes):
        tables.insert(0, ("style", main.per_style()))
    for title, table in tables:
        lines += ["", f"## Per {title} ({main.name})", "", f"| {title} | correct | n | accuracy |", "|---|---|---|---|"]
        for name, (ok, n) in table.items():
            lines.append(f"| {name} | {ok} | {n} | {ok / n:.0%} |")
    if png:
        lines += ["", f"![reliability diagram]({png.name})"]
    errors = [(number, o) for number, o in enumerate(main.outcomes, 1) if not o.correct][:25]
    if errors:
        lines += ["", f"## Errors ({main.name}, first {len(errors)})", "", "| request | expected | got |", "|---|---|---|"]
        for number, o in errors:
            got = o.translation.command or f"(abstained: {o.translation.candidate or 'NONE'})"
            request = f"request {number} ({o.style or 'no style'})" if split in UNQUOTED_SPLITS else o.translation.query
            lines.append(f"| {request} | {o.expected or 'NONE'} | {got} |")
    return "\n".join(lines) + "\n"


def write_report(reports: list[Report], out_dir: Path, split: str, extra: dict | None = None,
                 also: dict[str, Report] | None = None) -> Path:
    """The report on ``split`` (with baselines), then the adapter's figures on each ``also`` split."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png = reliability_png(reports[0], out_dir / "reliability.png")
    path = out_dir / "eval-report.md"
    text = markdown(reports, split, png, extra)
    for name, report in (also or {}).items():
        section = markdown([report], name, None).replace(f"# nlcli-wizard evaluation ({name} split)",
                                                         f"# The same adapter on the {name} split")
        text += "\n" + section.replace("\n#", "\n##")
    path.write_text(text)
    summaries = [r.summary() for r in reports] + [{**r.summary(), "split": name} for name, r in (also or {}).items()]
    (out_dir / "eval-report.json").write_text(json.dumps(summaries, indent=2) + "\n")
    return path


def evaluate(
    examples: list[dict],
    train: list[dict],
    out_dir: Path,
    split: str = "test",
    adapter: Path | str | None = "default",
    model: Path | None = None,
    threshold: float | None = None,
    baselines: bool = True,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
    also: dict[str, list[dict]] | None = None,
) -> tuple[list[Report], Path]:
    """The adapter, then (optionally) both baselines, on the same examples, and the adapter alone on
    each ``also`` split (e.g. requests written apart from the project); writes one report."""
    import gc

    from nlcli_wizard.engine import LlamaEngine

    engine = LlamaEngine(model_path=model, adapter_path=adapter)
    name = engine.model_id
    reports = [run(name, Translator(engine, threshold=threshold).translate, examples, progress and progress(name, len(examples)))]
    extra = {"examples": len(examples), "model": name, "load_s": round(engine.load_seconds, 3)}
    translate = Translator(engine, threshold=threshold).translate
    also_reports = {split_name: run(name, translate, rows, progress and progress(f"{name} on {split_name}", len(rows)))
                    for split_name, rows in (also or {}).items()}
    if baselines:
        del engine
        gc.collect()  # llama.cpp frees a model only when it is collected
        base = LlamaEngine(model_path=model, adapter_path=None)
        reports.append(run("base model, few-shot", few_shot_translator(base), examples,
                           progress and progress("few-shot", len(examples))))
        reports.append(run("nearest neighbour", NearestNeighbour(train).translate, examples))
    return reports + list(also_reports.values()), write_report(reports, out_dir, split, extra, also_reports)
