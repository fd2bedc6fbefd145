"""Fold the TUI's feedback log into the next train set.

    python -m training.merge_feedback                               # the default tool's feedback and train split
    python -m training.merge_feedback --tool sqlite-utils --feedback fb.jsonl --out runs/train-merged.jsonl

Only the tool's own records count (their ``tool``, or for an older record the program its commands run).
Corrections (verdict ``wrong`` with a corrected command, or ``NONE`` for
"the tool cannot do this") are validated and canonicalized, deduplicated by
request (the newest wins) and repeated ``--weight`` times so a handful of
them move a model trained on thousands of examples. A ``wrong`` record with no
correction (what ``nlcli-wizard corrections --forget`` appends) withdraws the
request's earlier correction, as it does for the app, so a forgotten correction
is not trained on. Commands the user ran successfully or copied count once as
confirmations. Train examples for the
same request are replaced. No line stops the merge: malformed lines, requests
the prompt refuses (empty, too long) and records that teach nothing are
skipped, and the report counts them by reason.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from nlcli_wizard import feedback, paths, tools
from nlcli_wizard.catalog import Catalog
from nlcli_wizard.corrections import normalize as same_request
from nlcli_wizard.corrections import tool_of
from nlcli_wizard.errors import EmptyQueryError, QueryTooLongError, UsageError
from nlcli_wizard.prompt import ABSTAIN, normalize_query
from nlcli_wizard.validator import validate

_QUERY_REJECTED = {EmptyQueryError: "empty_query", QueryTooLongError: "query_too_long"}


def _key(query: str) -> str:
    """The request as the prompt sees it, case-folded; UsageError where the prompt would refuse it."""
    return normalize_query(query).lower()


def feedback_examples(records: list[feedback.FeedbackRecord], weight: int,
                      catalog: Catalog) -> tuple[list[dict], Counter]:
    """Train examples from feedback, and counts: corrections, confirmations, superseded, skip reasons.

    A record never stops the merge: one that cannot teach anything is counted under ``skipped_<reason>``.
    """
    counts: Counter = Counter()
    # key -> (request, command or None for NONE, is_correction); the kind is kept apart from the weight,
    # so --weight 1 still tells a correction from a confirmation.
    latest: dict[str, tuple[str, str | None, bool]] = {}
    names = {catalog.program, catalog.profile.name if catalog.profile else catalog.program}
    for record in records:  # in file order, so the newest verdict wins
        if tool_of(record) not in names:
            counts["skipped_another_tool"] += 1
            continue
        try:
            key = _key(record.query)
        except UsageError as exc:
            counts["skipped_" + _QUERY_REJECTED.get(type(exc), "query_rejected")] += 1
            continue
        if record.verdict == "wrong":
            if not record.corrected or not record.corrected.strip():
                # The app matches a withdrawal up to case and punctuation (corrections.normalize):
                # every correction it withdraws there is withdrawn here.
                withdrawn = [k for k, (query, _, is_correction) in latest.items()
                             if is_correction and same_request(query) == same_request(record.query)]
                for k in withdrawn:
                    del latest[k]
                counts["withdrawn" if withdrawn else "skipped_flag_without_correction"] += 1
                continue
            if record.corrected.strip() == ABSTAIN:
                target = None
            else:
                check = validate(record.corrected, catalog)
                if not check.ok:
                    counts["skipped_invalid_correction"] += 1
                    continue
                target = check.canonical
            if key in latest:
                counts["superseded"] += 1
            latest[key] = (record.query, target, True)
        elif (record.corrected or record.predicted) and (
            record.verdict in ("accepted", "copied") or record.exit_code == 0
        ):
            # What ran or was copied (possibly edited by the user) is the confirmed answer.
            check = validate(record.corrected or record.predicted or "", catalog)
            if not check.ok:
                counts["skipped_invalid_confirmation"] += 1
                continue
            if key in latest:
                counts["superseded"] += 1
                if latest[key][2]:
                    continue  # a confirmation never overrides an explicit correction
            latest[key] = (record.query, check.canonical, False)
        else:
            counts["skipped_not_a_training_signal"] += 1
    examples = []
    for query, command, is_correction in latest.values():
        counts["corrections" if is_correction else "confirmations"] += 1
        examples += [{"query": query, "command": command, "intent": "feedback", "template": "feedback",
                      "split": "train"}] * (weight if is_correction else 1)
    return examples, counts


def _replaced_by(example: dict, keys: set[str]) -> bool:
    try:
        return _key(example["query"]) in keys
    except UsageError:
        return False  # no feedback record can share a request the prompt refuses


def merge(train: list[dict], feedback_path: Path, catalog: Catalog, weight: int = 8) -> tuple[list[dict], dict]:
    """The train set with feedback folded in, and a report; ``skipped`` counts every unused line by reason."""
    records, malformed = feedback.read(feedback_path)
    extra, counts = feedback_examples(records, weight, catalog)
    corrected = {_key(e["query"]) for e in extra}
    kept = [e for e in train if not _replaced_by(e, corrected)]
    skipped = malformed + Counter({reason.removeprefix("skipped_"): n for reason, n in counts.items()
                                   if reason.startswith("skipped_")})
    report = {
        "feedback_file": str(feedback_path),
        "lines_read": len(records) + sum(malformed.values()),
        "corrections": counts["corrections"],
        "confirmations": counts["confirmations"],
        "superseded": counts["superseded"],
        "withdrawn": counts["withdrawn"],
        "skipped": sum(skipped.values()),
        "skipped_by_reason": dict(sorted(skipped.items())),
        "train_examples_replaced": len(train) - len(kept),
        "examples_added": len(extra),
        "train_size": len(kept) + len(extra),
    }
    return kept + extra, report


def main(argv: list[str] | None = None) -> None:
    from training.dataset import load_split

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tool", help="the tool plugin (default: the default tool)")
    parser.add_argument("--feedback", type=Path, default=None, help="default: $NLCLI_HOME/feedback.jsonl")
    parser.add_argument("--train", type=Path, help="base train JSONL (default: the tool's data/splits/train.jsonl)")
    parser.add_argument("--out", type=Path, default=Path("runs/train-merged.jsonl"))
    parser.add_argument("--weight", type=int, default=8, help="how many times each correction is repeated")
    args = parser.parse_args(argv)
    if args.weight < 1:
        parser.error("--weight must be at least 1: each correction goes into the train set that many times.")
    tool = tools.chosen(args.tool)
    base = ([json.loads(x) for x in args.train.read_text().splitlines() if x.strip()] if args.train
            else load_split("train", tool.data_dir / "splits"))
    merged, report = merge(base, args.feedback or paths.feedback_path(), tool.catalog, args.weight)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in merged))
    args.out.with_suffix(".report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
