"""Measure a translator on a labelled split, next to two baselines, in one run.

Correctness is canonical equivalence (``venvy ls -s size`` = ``venvy ls
--sort size``), not string match. Besides accuracy the report counts what the
product is for and what it must never do: destructive requests answered right
(the plain ones: the gold command destroys), harm (a destructive command offered
that is not what was asked), and the misses by the rule that refused or changed
the answer. Baselines: the base model with few-shot
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

from nlcli_wizard import crashes
from nlcli_wizard.catalog import Catalog
from nlcli_wizard.confidence import HIGH as HIGH_CONFIDENCE
from nlcli_wizard.errors import UsageError
from nlcli_wizard.translator import Translation, Translator
from nlcli_wizard.validator import ParsedCommand, validate


@dataclass
class Outcome:
    expected: str | None  # the first accepted command; None = out of scope
    translation: Translation
    accepted: tuple[str, ...] = ()  # every accepted command (defaults to expected)
    style: str = ""
    catalog: Catalog | None = field(default=None, repr=False)
    # The execution check's verdict (eval --execute): does the offered command do what a gold command does?
    # None where it was not run (no command offered, no gold, or nothing the sandbox can run).
    same_effect: bool | None = None

    def __post_init__(self) -> None:
        if not self.accepted and self.expected is not None:
            self.accepted = (self.expected,)
        # A gold command the tool crashes on is answered by the working command that does its job (the
        # product offers that one instead, crash.known): it is right too.
        working = [alt.canonical for gold in map(self._parsed, self.accepted)
                   if gold is not None and crashes.known_crash(gold) for alt in crashes.alternatives(gold)]
        self.accepted += tuple(w for w in working if w not in self.accepted)

    def _parsed(self, command: str | None) -> ParsedCommand | None:
        check = validate(command, self.catalog) if command and self.catalog is not None else None
        return check.parsed if check and check.ok else None

    @property
    def options(self) -> int:
        """How many options and arguments the expected command sets (0 for out of scope)."""
        parsed = self._parsed(self.expected)
        return len(parsed.values) if parsed else 0

    @property
    def destructive_asked(self) -> bool:
        """Is the request a plain destructive one (its expected command destroys, or skips a confirmation)?"""
        parsed = self._parsed(self.expected)
        return parsed is not None and (parsed.destructive or parsed.forced)

    @property
    def harmful(self) -> bool:
        """A destructive (or confirmation-skipping) command offered that is not what was asked. The command that
        asks y/N first where the request skipped that (:attr:`confirming_instead`) is a miss, not harm: it does
        what was asked once the user says yes."""
        offered = self._parsed(self.translation.command)
        return (offered is not None and (offered.destructive or offered.forced) and not self.correct
                and not self.confirming_instead)

    @property
    def confirming_instead(self) -> bool:
        """Was the command offered an accepted one without its confirmation skip (where the tool asks first)?"""
        offered = self._parsed(self.translation.command)
        if offered is None or offered.forced or self.catalog is None or self.catalog.profile is None:
            return False
        risk = self.catalog.profile.data.risk
        return risk.confirms and any(
            gold.forced and gold.without(*risk.force).canonical == offered.canonical
            for gold in map(self._parsed, self.accepted) if gold is not None)

    @property
    def forced_harm(self) -> bool:
        offered = self._parsed(self.translation.command)
        return offered is not None and offered.forced and not self.correct

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
        return t.command is not None and any(self._same(t.command, a) for a in self.accepted)

    @property
    def answer_correct(self) -> bool:
        if self.expected is None:
            return self.answer is None
        return self.answer is not None and any(self._same(self.answer, a) for a in self.accepted)

    def _same(self, a: str, b: str) -> bool:
        pa, pb = self._parsed(a), self._parsed(b)
        return pa is not None and pb is not None and pa.canonical == pb.canonical

    @property
    def miss_rule(self) -> str:
        """Why a miss missed: the rule that refused or changed the answer, else what the model did."""
        t = self.translation
        if t.rule:
            return t.rule
        if t.command is None:
            return "model.none" if t.candidate is None else "abstained"
        return "model.wrong-command"


def _share_right(outcomes: list[Outcome]) -> float:
    """The share of these outcomes that are right (0 for none)."""
    return sum(o.correct for o in outcomes) / max(1, len(outcomes))


@dataclass
class Report:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)
    catalog: Catalog | None = field(default=None, repr=False)

    def _in_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.expected is not None]

    def _out_of_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.expected is None]

    @property
    def accuracy(self) -> float:
        return _share_right(self.outcomes)

    @property
    def invalid(self) -> int:
        return sum(1 for o in self.outcomes if o.translation.command and o._parsed(o.translation.command) is None)

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
        return _share_right(self._in_scope())

    def high(self) -> list[Outcome]:
        """Commands offered at the confidence the UI calls high."""
        return [o for o in self.outcomes if o.translation.command and o.translation.confidence >= HIGH_CONFIDENCE]

    @property
    def high_precision(self) -> float:
        return _share_right(self.high())

    @property
    def deleting_offered_out_of_scope(self) -> int:
        """Destructive commands offered for requests the tool should not act on."""
        return sum(o.harmful for o in self._out_of_scope())

    def _destructive(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.destructive_asked]

    @property
    def destructive_accuracy(self) -> float:
        """Plain destructive requests (the gold command destroys or skips a confirmation) answered right."""
        return _share_right(self._destructive())

    @property
    def harm(self) -> int:
        """Destructive commands offered that are not what was asked, whatever the request."""
        return sum(o.harmful for o in self.outcomes)

    def execution(self) -> dict[str, int]:
        """The execution check over the offered commands it could run."""
        run = [o for o in self.outcomes if o.same_effect is not None]
        return {"checked": len(run), "same_effect": sum(bool(o.same_effect) for o in run),
                "same_effect_though_written_differently": sum(bool(o.same_effect) and not o.correct for o in run),
                "different_effect_though_equivalent": sum(o.same_effect is False and o.correct for o in run)}

    def misses_by_rule(self) -> dict[str, int]:
        return dict(Counter(o.miss_rule for o in self.outcomes if not o.correct).most_common())

    def destructive_by_style(self) -> dict[str, tuple[int, int]]:
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for o in self._destructive():
            table[o.style or "(none)"][0] += o.correct
            table[o.style or "(none)"][1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(table.items())}

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
            parsed = o._parsed(o.expected)
            key = "(out of scope)" if o.expected is None else ((parsed.subcommand if parsed else None) or "(group)")
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
            "destructive_asked": len(self._destructive()),
            "destructive_accuracy": round(self.destructive_accuracy, 4),
            "harm": self.harm,
            "forced_harm": sum(o.forced_harm for o in self.outcomes),
            "confirming_instead": sum(o.confirming_instead for o in self.outcomes),
            "misses_by_rule": self.misses_by_rule(),
            **({"execution": self.execution()} if any(o.same_effect is not None for o in self.outcomes) else {}),
            "latency_p50_s": round(self.latency(0.5), 4),
            "latency_p95_s": round(self.latency(0.95), 4),
            "retried": sum(o.translation.retried for o in self.outcomes),
        }


def run(name: str, translate: Callable[[str], Translation], examples: Iterable[dict], catalog: Catalog,
        progress=None, execute: Callable | None = None) -> Report:
    """Translate every example; with ``execute`` (a tool's execution check), also run each offered command and
    its gold commands on a fixture and compare their effect."""
    report = Report(name, catalog=catalog)
    for i, ex in enumerate(examples):
        try:
            translation = translate(ex["query"])
        except UsageError as exc:
            translation = Translation(ex["query"], None, 0.0, True, str(exc), 0.0)
        accepted = tuple(ex["accepted"]) if "accepted" in ex else ((ex["command"],) if ex["command"] else ())
        outcome = Outcome(accepted[0] if accepted else None, translation, accepted, ex.get("style", ""), catalog)
        if execute is not None and translation.command and accepted:
            golds = [p for p in (outcome._parsed(a) for a in accepted) if p is not None]
            offered = outcome._parsed(translation.command)
            outcome.same_effect = execute(offered, golds) if offered is not None and golds else None
        report.outcomes.append(outcome)
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


def few_shot_translator(engine, catalog: Catalog) -> Callable[[str], Translation]:
    """The base model, no adapter, a few demonstrations (the tool profile's ``few_shot``) in the prompt.

    No grammar retry: the base model's answers are mostly invalid, and a
    constrained retry costs ~75 ms a token, which would make the baseline
    take most of an hour. Its invalid answers count as abstentions."""
    from functools import partial

    from nlcli_wizard.prompt import few_shot_prompt

    shots = catalog.profile.data.few_shot if catalog.profile else ()
    return Translator(engine, catalog, prompt=partial(few_shot_prompt, program=catalog.program, shots=shots),
                      retry=False).translate


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
UNQUOTED_SPLITS = frozenset({"outside", "outside2"})


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
              f"Plain destructive requests: {s['destructive_asked']}, of which **{s['destructive_accuracy']:.1%}** "
              f"right. Harm: **{s['harm']}** destructive commands offered that were not what was asked "
              f"({s['forced_harm']} skipping a confirmation; {s['deleting_offered_out_of_scope']} for out-of-scope "
              f"requests); {s['confirming_instead']} more asked to skip the confirmation and got the command that asks "
              "first."]
    if "execution" in s:
        e = s["execution"]
        lines += ["", f"Execution check: {e['checked']} offered commands run beside their gold commands on the same "
                      f"fixture; **{e['same_effect']}** did the same ({e['same_effect_though_written_differently']} of "
                      f"them written differently from every gold command)."]
    misses = main.misses_by_rule()
    if misses:
        lines += ["", f"## Misses by rule ({main.name})", "", "| rule | misses |", "|---|---|"]
        lines += [f"| {rule} | {n} |" for rule, n in misses.items()]
    tables = [("subcommand", main.per_subcommand()), ("number of options", main.per_option_count())]
    if any(o.style for o in main.outcomes):
        tables.insert(0, ("style", main.per_style()))
        if main.destructive_by_style():
            tables.insert(1, ("style, plain destructive requests", main.destructive_by_style()))
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
    catalog: Catalog,
    split: str = "test",
    adapter: Path | None = None,
    model: Path | None = None,
    threshold: float | None = None,
    baselines: bool = True,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
    also: dict[str, list[dict]] | None = None,
    execute: bool = False,
) -> tuple[list[Report], Path]:
    """The adapter, then (optionally) both baselines, on the same examples, and the adapter alone on
    each ``also`` split (e.g. requests written apart from the project); writes one report."""
    import gc

    from nlcli_wizard.engine import LlamaEngine

    engine = LlamaEngine(model_path=model, adapter_path=adapter)
    name = engine.model_id
    translate = Translator(engine, catalog, threshold=threshold).translate
    check = catalog.profile.execution_check() if execute and catalog.profile else None
    if execute and check is None:
        raise UsageError(f"{catalog.program} has no execution check (its profile names none).")
    reports = [run(name, translate, examples, catalog, progress and progress(name, len(examples)), check)]
    extra = {"tool": catalog.program, "examples": len(examples), "model": name, "load_s": round(engine.load_seconds, 3)}
    also_reports = {split_name: run(name, translate, rows, catalog,
                                    progress and progress(f"{name} on {split_name}", len(rows)), check)
                    for split_name, rows in (also or {}).items()}
    if baselines:
        del engine, translate
        gc.collect()  # llama.cpp frees a model only when it is collected
        base = LlamaEngine(model_path=model, adapter_path=None)
        reports.append(run("base model, few-shot", few_shot_translator(base, catalog), examples, catalog,
                           progress and progress("few-shot", len(examples))))
        reports.append(run("nearest neighbour", NearestNeighbour(train).translate, examples, catalog))
    return reports + list(also_reports.values()), write_report(reports, out_dir, split, extra, also_reports)
