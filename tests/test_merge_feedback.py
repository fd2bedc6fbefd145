import json

from nlcli_wizard.feedback import FeedbackRecord, append
from training.merge_feedback import merge


def _write(path, records, junk=()):
    for record in records:
        append(record, path)
    with path.open("a") as handle:
        for line in junk:
            handle.write(line + "\n")


def _rec(query, verdict="wrong", corrected=None, predicted="venvy ls", exit_code=None):
    return FeedbackRecord(query=query, predicted=predicted, confidence=0.5, verdict=verdict, model_id="m",
                          corrected=corrected, exit_code=exit_code)


def test_merge_adds_weighted_validated_corrections_and_skips_junk(tmp_path):
    path = tmp_path / "fb.jsonl"
    _write(path, [
        _rec("biggest envs", corrected="venvy size -n 5"),
        _rec("biggest envs", corrected="venvy size -n 3"),       # newer correction wins
        _rec("bad fix", corrected="venvy ls; rm -rf /"),          # invalid correction: skipped
        _rec("make a venv", corrected="NONE"),                     # "venvy cannot do this"
        _rec("no fix given"),                                      # a flag without a correction
        _rec("ran fine", verdict="executed", predicted="venvy stats", exit_code=0),
        _rec("ran badly", verdict="executed", predicted="venvy stats", exit_code=1),
        _rec("edited then copied", verdict="copied", predicted="venvy ls", corrected="venvy ls -s size"),
    ], junk=["{broken", "[]", '{"v": 1, "query": ""}'])
    train = [{"query": "Biggest envs", "command": "venvy size", "intent": "x", "template": "x", "split": "train"},
             {"query": "list my venvs", "command": "venvy ls", "intent": "x", "template": "x", "split": "train"}]
    merged, report = merge(train, path, weight=4)
    by_query: dict[str, list] = {}
    for example in merged:
        by_query.setdefault(example["query"], []).append(example["command"])
    assert by_query["biggest envs"] == ["venvy size --top 3"] * 4
    assert "Biggest envs" not in by_query  # the conflicting train example is replaced
    assert by_query["make a venv"] == [None] * 4
    assert by_query["ran fine"] == ["venvy stats"]
    assert by_query["edited then copied"] == ["venvy ls --sort size"]
    assert "bad fix" not in by_query and "ran badly" not in by_query and "no fix given" not in by_query
    assert by_query["list my venvs"] == ["venvy ls"]
    assert report["malformed_skipped"] == 3
    assert report["invalid_correction"] == 1
    assert report["flag_without_correction"] == 1
    assert report["corrections"] == 2 and report["confirmations"] == 2
    assert report["train_examples_replaced"] == 1
    json.dumps(report)


def test_missing_feedback_file_merges_nothing(tmp_path):
    train = [{"query": "q", "command": "venvy ls", "intent": "x", "template": "x", "split": "train"}]
    merged, report = merge(train, tmp_path / "none.jsonl")
    assert merged == train and report["examples_added"] == 0
