"""Fold the TUI's feedback log into the next train set.

    python -m training.merge_feedback                               # default feedback file, data/train.jsonl
    python -m training.merge_feedback --feedback fb.jsonl --out runs/train-merged.jsonl --weight 8

Corrections (verdict ``wrong`` with a corrected command, or ``NONE`` for
"venvy cannot do this") are validated and canonicalized, deduplicated by
request (the newest wins) and repeated ``--weight`` times so a handful of
them move a model trained on thousands of examples. Commands the user ran
successfully or copied count once as confirmations. Train examples for the
same request are replaced. Malformed lines are counted and skipped.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from nlcli_wizard import feedback, paths
from nlcli_wizard.errors import UsageError
from nlcli_wizard.prompt import ABSTAIN, normalize_query
from nlcli_wizard.validator import validate


def _key(query: str) -> str:
    return normalize_query(query).lower()


def feedback_examples(records: list[feedback.FeedbackRecord], weight: int) -> tuple[list[dict], Counter]:
    counts: Counter = Counter()
    latest: dict[str, tuple[str | None, int]] = {}
    for record in records:  # in file order, so the newest verdict wins
        try:
            key = _key(record.query)
        except UsageError:
            counts["invalid_query"] += 1
            continue
        if record.verdict == "wrong":
            if not record.corrected:
                counts["flag_without_correction"] += 1
                continue
            if record.corrected.strip() == ABSTAIN:
                target = None
            else:
                check = validate(record.corrected)
                if not check.ok:
                    counts["invalid_correction"] += 1
                    continue
                target = check.canonical
            if key in latest:
                counts["duplicate"] += 1
            latest[key] = (target, weight)
        elif (record.corrected or record.predicted) and (
            record.verdict in ("accepted", "copied") or record.exit_code == 0
        ):
            # What ran or was copied (possibly edited by the user) is the confirmed answer.
            check = validate(record.corrected or record.predicted)
            if not check.ok:
                counts["invalid_confirmation"] += 1
                continue
            if key in latest:
                counts["duplicate"] += 1
                if latest[key][1] > 1:
                    continue  # a confirmation never overrides an explicit correction
            latest[key] = (check.canonical, 1)
        else:
            counts["not_a_training_signal"] += 1
    queries = {_key(r.query): r.query for r in records if r.query.strip()}
    examples = []
    for key, (command, repeat) in latest.items():
        counts["corrections" if repeat > 1 else "confirmations"] += 1
        examples += [{"query": queries[key], "command": command, "intent": "feedback", "template": "feedback",
                      "split": "train"}] * repeat
    return examples, counts


def merge(train: list[dict], feedback_path: Path, weight: int = 8) -> tuple[list[dict], dict]:
    records, malformed = feedback.read(feedback_path)
    extra, counts = feedback_examples(records, weight)
    corrected = {_key(e["query"]) for e in extra}
    kept = [e for e in train if _key(e["query"]) not in corrected]
    report = {
        "feedback_file": str(feedback_path),
        "lines_read": len(records) + malformed,
        "malformed_skipped": malformed,
        **dict(counts),
        "train_examples_replaced": len(train) - len(kept),
        "examples_added": len(extra),
        "train_size": len(kept) + len(extra),
    }
    return kept + extra, report


def main(argv: list[str] | None = None) -> None:
    from training.dataset import load_split

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feedback", type=Path, default=None, help="default: $NLCLI_HOME/feedback.jsonl")
    parser.add_argument("--train", type=Path, help="base train JSONL (default: data/train.jsonl)")
    parser.add_argument("--out", type=Path, default=Path("runs/train-merged.jsonl"))
    parser.add_argument("--weight", type=int, default=8)
    args = parser.parse_args(argv)
    base = ([json.loads(x) for x in args.train.read_text().splitlines() if x.strip()] if args.train
            else load_split("train"))
    merged, report = merge(base, args.feedback or paths.feedback_path(), args.weight)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in merged))
    args.out.with_suffix(".report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
