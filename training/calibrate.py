"""Fit the adapter's confidence calibration on requests in voices it was not trained on.

    python -m training.calibrate models/venvy-lora.gguf
    python -m training.calibrate models/venvy-lora.gguf --examples data/val.jsonl

Runs the exported adapter through llama.cpp on data/calib.jsonl: requests
hand-written by other authors in voices that never reach train or validation
(``heldout`` in data/venvy/sources.yaml). A calibration fitted on the
template-made validation split said "99 %" to answers that were wrong on
other people's words; these requests make the same mistakes real ones do.
It fits a logistic map from the answer's log-probability and the error
signals of :func:`nlcli_wizard.confidence.signals` to P(correct), picks the
abstention threshold that is right most often on the same data, and stores
both in the adapter's ``.meta.json`` where the engine picks them up.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nlcli_wizard.confidence import confidence, fit_logistic
from nlcli_wizard.engine import LlamaEngine
from nlcli_wizard.evaluation import Outcome, run
from nlcli_wizard.translator import Translator


def choose_threshold(outcomes: list[Outcome], confidences: list[float]) -> float:
    """The threshold that maximizes accuracy as offered (a wrong command and a needless
    abstention both count as wrong) on these held-out outcomes; ties go to the higher one."""
    def accuracy(threshold: float) -> float:
        right = 0
        for o, c in zip(outcomes, confidences, strict=True):
            offered = o.translation.command is not None and c >= threshold
            right += (not offered) if o.expected is None else (offered and o.answer_correct)
        return right / max(1, len(outcomes))

    grid = [round(0.05 * i, 2) for i in range(1, 19)]
    return max(grid, key=lambda t: (round(accuracy(t), 6), t))


def calibrate(adapter: Path, examples: list[dict], log=print) -> dict:
    engine = LlamaEngine(adapter_path=adapter)
    engine.calibration = None  # fit on raw log-probabilities
    report = run("calibration", Translator(engine, threshold=0.0).translate, examples)
    scores = [o.translation.logprob for o in report.outcomes]
    evidence = [o.translation.evidence for o in report.outcomes]
    correct = [o.answer_correct for o in report.outcomes]
    calibration = fit_logistic(scores, evidence, correct)
    confidences = [confidence([s], calibration, e) for s, e in zip(scores, evidence, strict=True)]
    calibration["threshold"] = choose_threshold(report.outcomes, confidences)
    sources = sorted({ex.get("source", "") for ex in examples} - {""})
    calibration["fitted_on"] = (f"{len(examples)} requests ({', '.join(sources) or 'unlabelled'}), raw answer "
                                f"accuracy {sum(correct) / len(correct):.3f}")
    meta_path = adapter.with_suffix(".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    meta["calibration"] = calibration
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    log(f"calibration {calibration}")
    return calibration


def main(argv: list[str] | None = None) -> None:
    from training.dataset import load_split

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("adapter", type=Path)
    parser.add_argument("--examples", type=Path, help="a JSONL of {query, command} (default: data/calib.jsonl)")
    args = parser.parse_args(argv)
    examples = ([json.loads(x) for x in args.examples.read_text().splitlines() if x.strip()] if args.examples
                else load_split("calib"))
    calibrate(args.adapter, examples)


if __name__ == "__main__":
    main()
