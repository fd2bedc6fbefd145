"""Fit the adapter's confidence calibration on requests in voices it was not trained on.

    python -m training.calibrate nlcli_tools/venvy/model/venvy-lora.gguf
    python -m training.calibrate ADAPTER --tool sqlite-utils --examples my-calib.jsonl

Runs the exported adapter through llama.cpp on the tool's calib split: requests
hand-written by other authors in voices that never reach train or validation
(``heldout`` in the tool's data/sources.yaml). A calibration fitted on the
template-made validation split said "99 %" to answers that were wrong on
other people's words; these requests make the same mistakes real ones do.
It fits a logistic map from the answer's log-probability and the error
signals of :func:`nlcli_wizard.confidence.signals` to P(correct), picks the
abstention threshold that does best on the same data (a wrong command offered costs half what a right
one earns), and stores both in the adapter's ``.meta.json`` where the engine picks them up. It also
sets the bar the adapter's judgement of destructive commands must reach
(``judge_bar``), on the calib split's judge questions: a "yes" to a request that
did not ask costs five times a "no" to one that did.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nlcli_wizard.catalog import Catalog
from nlcli_wizard.confidence import confidence, fit_logistic
from nlcli_wizard.engine import LlamaEngine
from nlcli_wizard.evaluation import Outcome, run
from nlcli_wizard.prompt import judge_prompt, normalize_query
from nlcli_wizard.translator import Translator

# What a "yes" to a request that did not ask for the command costs, against a "no" to one that did.
FALSE_YES_COST = 5.0
# What offering a wrong command costs, against the one a right answer earns: the user may run it, where an
# abstention only asks them to rephrase (they see the command, its confidence and the tool's help first, and
# destructive commands have bars of their own). On the venvy adapters' calibration set this moves the
# threshold from wherever accuracy's flat top fell (0.05 to 0.55) to 0.6, for as many right answers and a
# fifth fewer wrong commands offered.
WRONG_OFFER_COST = 0.5


def choose_threshold(rows: list[dict], confidences: list[float]) -> float:
    """The threshold that does best on these held-out rows (see :func:`collect`): a right answer offered or a
    right abstention counts one, a wrong command offered costs :data:`WRONG_OFFER_COST`, a needless abstention
    nothing; ties go to the higher threshold. Counting a wrong command like an abstention left the choice to
    noise where accuracy is flat over the grid: one run's calibration chose 0.05, and offered a command for
    requests it should have turned down."""
    def worth(threshold: float) -> float:
        total = 0.0
        for r, c in zip(rows, confidences, strict=True):
            offered = r["offered"] and c >= threshold
            if r["expected"] is None:
                total += 1.0 if not offered else -WRONG_OFFER_COST
            elif offered:
                total += 1.0 if r["correct"] else -WRONG_OFFER_COST
        return total / max(1, len(rows))

    grid = [round(0.05 * i, 2) for i in range(1, 19)]
    return max(grid, key=lambda t: (round(worth(t), 6), t))


def collect(adapter: Path, examples: list[dict], catalog: Catalog) -> tuple[list[dict], list[dict]]:
    """Run the adapter on the examples: one row per request with what the calibration is fitted on, and one
    per judge question with the adapter's P(yes)."""
    engine = LlamaEngine(adapter_path=adapter)
    engine.calibration = None  # fit on raw log-probabilities
    translations = [ex for ex in examples if ex.get("candidate") is None]
    outcomes = run("calibration", Translator(engine, catalog, threshold=0.0).translate, translations, catalog).outcomes
    judged = [{"query": ex["query"], "candidate": ex["candidate"], "asked": bool(ex["asked"]),
               "p": engine.judge(judge_prompt(normalize_query(ex["query"]), ex["candidate"]))}
              for ex in examples if ex.get("candidate") is not None]
    return rows_from(outcomes), judged


def choose_judge_bar(judged: list[dict]) -> dict:
    """The P(yes) bar with the least cost on these questions (a false yes costs FALSE_YES_COST)."""
    grid = [round(0.05 * i, 2) for i in range(6, 20)]

    def cost(bar: float) -> float:
        false_yes = sum(1 for r in judged if not r["asked"] and r["p"] >= bar)
        false_no = sum(1 for r in judged if r["asked"] and r["p"] < bar)
        return FALSE_YES_COST * false_yes + false_no

    bar = min(grid, key=lambda b: (cost(b), -b)) if judged else 0.5
    asked = [r for r in judged if r["asked"]]
    not_asked = [r for r in judged if not r["asked"]]
    return {"judge_bar": bar,
            "judge_fitted_on": f"{len(asked)} asked / {len(not_asked)} not asked; at the bar "
                               f"{sum(r['p'] >= bar for r in asked)} yes / "
                               f"{sum(r['p'] >= bar for r in not_asked)} false yes"}


def rows_from(outcomes: list[Outcome]) -> list[dict]:
    """The model's own answers: a request the scope check turned away never reached the model, so it says
    nothing about how the model's probabilities relate to being right."""
    return [{"query": o.translation.query, "expected": o.expected, "answer": o.answer,
             "offered": o.translation.command is not None, "correct": o.answer_correct,
             "logprob": o.translation.logprob, "evidence": o.translation.evidence}
            for o in outcomes if o.translation.source == "model"]


def fit(rows: list[dict]) -> dict:
    """The calibration and the threshold that is right most often on these rows."""
    calibration = fit_logistic([r["logprob"] for r in rows], [r["evidence"] for r in rows], [r["correct"] for r in rows])
    confidences = [confidence([r["logprob"]], calibration, r["evidence"]) for r in rows]
    calibration["threshold"] = choose_threshold(rows, confidences)
    return calibration


def calibrate(adapter: Path, examples: list[dict], catalog: Catalog, log=print, outcomes: Path | None = None) -> dict:
    """Fit on the adapter's answers to ``examples`` (or on rows saved by an earlier run in ``outcomes``,
    which saves the ~4 minutes of decoding when only the fit changes) and store it in the adapter's meta."""
    if outcomes is not None and outcomes.exists():
        saved = [json.loads(line) for line in outcomes.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [r for r in saved if "candidate" not in r]
        judged = [r for r in saved if "candidate" in r]
    else:
        rows, judged = collect(adapter, examples, catalog)
        if outcomes is not None:
            outcomes.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows + judged),
                                encoding="utf-8")
    calibration = fit(rows)
    calibration.update(choose_judge_bar(judged))
    sources = sorted({ex.get("source", "").split(":")[0] for ex in examples} - {""})
    correct = sum(r["correct"] for r in rows)
    calibration["fitted_on"] = (f"{len(rows)} requests ({', '.join(sources) or 'unlabelled'}), raw answer "
                                f"accuracy {correct / max(1, len(rows)):.3f}")
    meta_path = adapter.with_suffix(".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    meta["calibration"] = calibration
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    log(f"calibration {calibration}")
    return calibration


def main(argv: list[str] | None = None) -> None:
    from nlcli_wizard import tools
    from training.dataset import load_split

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("adapter", type=Path)
    parser.add_argument("--tool", help="the tool plugin (default: the default tool)")
    parser.add_argument("--examples", type=Path, help="a JSONL of {query, command} (default: the tool's calib split)")
    parser.add_argument("--outcomes", type=Path, help="save the adapter's answers here, or refit from them if the "
                        "file exists")
    args = parser.parse_args(argv)
    tool = tools.chosen(args.tool)
    examples = ([json.loads(x) for x in args.examples.read_text().splitlines() if x.strip()] if args.examples
                else load_split("calib", tool.data_dir / "splits"))
    calibrate(args.adapter, examples, tool.catalog, outcomes=args.outcomes)


if __name__ == "__main__":
    main()
