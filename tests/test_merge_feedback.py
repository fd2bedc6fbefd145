import json

import pytest

from nlcli_wizard.errors import UsageError
from nlcli_wizard.feedback import FeedbackRecord, append
from tests.tooling import VENVY, VENVY_TOOL
from training import merge_feedback
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
    merged, report = merge(train, path, VENVY, weight=4)
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
    assert report["skipped_by_reason"] == {"malformed_json": 1, "not_a_v1_record": 1, "missing_predicted": 1,
                                           "invalid_correction": 1, "flag_without_correction": 1,
                                           "not_a_training_signal": 1}
    assert report["skipped"] == 6 and report["lines_read"] == 11 and report["superseded"] == 1
    assert report["corrections"] == 2 and report["confirmations"] == 2
    assert report["train_examples_replaced"] == 1
    json.dumps(report)


def test_missing_feedback_file_merges_nothing(tmp_path):
    train = [{"query": "q", "command": "venvy ls", "intent": "x", "template": "x", "split": "train"}]
    merged, report = merge(train, tmp_path / "none.jsonl", VENVY)
    assert merged == train and report["examples_added"] == 0


def test_no_record_stops_the_merge_and_each_skip_has_its_reason(tmp_path, monkeypatch):
    path = tmp_path / "fb.jsonl"
    good = _rec("biggest envs", corrected="venvy size -n 3")
    _write(path, [
        _rec("list my venvs " * 43, corrected="venvy ls"),             # 602 characters: the prompt refuses it
        _rec("\u200b\u200d\u2060", corrected="venvy ls"),                # zero-width only: empty to the prompt
        _rec("\x00\x1b\x07\x85", verdict="copied", predicted="venvy stats"),  # control characters only
        _rec("refused by a newer prompt rule", corrected="venvy ls"),
        good,
    ], junk=[good.to_line().strip().replace('"venvy size -n 3"', "123"),   # "corrected": 123
             good.to_line().strip().replace('"exit_code": null', '"exit_code": "0"')])
    real = merge_feedback.normalize_query

    def prompt_rule(query):
        if query.startswith("refused"):
            raise UsageError("The request is refused by a rule this test adds.")
        return real(query)

    monkeypatch.setattr(merge_feedback, "normalize_query", prompt_rule)
    train = [{"query": "x" * 700, "command": "venvy ls", "intent": "x", "template": "x", "split": "train"}]
    merged, report = merge(train, path, VENVY, weight=2)
    assert merged == train + [{"query": "biggest envs", "command": "venvy size --top 3", "intent": "feedback",
                               "template": "feedback", "split": "train"}] * 2
    assert report["skipped_by_reason"] == {"query_too_long": 1, "empty_query": 2, "query_rejected": 1,
                                           "bad_corrected": 1, "bad_exit_code": 1}
    assert report["skipped"] == 6 and report["corrections"] == 1
    json.dumps(report)


@pytest.mark.parametrize("weight", [1, 3])
def test_corrections_stay_corrections_whatever_the_weight(tmp_path, weight):
    path = tmp_path / "fb.jsonl"
    _write(path, [
        _rec("biggest envs", corrected="venvy size -n 3"),
        _rec("biggest envs", verdict="copied", predicted="venvy size"),   # later, but only a confirmation
        _rec("show stats", verdict="executed", predicted="venvy stats", exit_code=0),
    ])
    merged, report = merge([], path, VENVY, weight=weight)
    assert [e["command"] for e in merged if e["query"] == "biggest envs"] == ["venvy size --top 3"] * weight
    assert [e["command"] for e in merged if e["query"] == "show stats"] == ["venvy stats"]
    assert report["corrections"] == 1 and report["confirmations"] == 1


def test_weight_below_one_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        merge_feedback.main(["--weight", "0", "--feedback", str(tmp_path / "fb.jsonl"), "--train",
                             str(tmp_path / "t.jsonl"), "--out", str(tmp_path / "out.jsonl")])
    assert done.value.code == 2 and "--weight must be at least 1" in capsys.readouterr().err


def test_a_forgotten_correction_is_not_trained_on(tmp_path):
    from nlcli_wizard.corrections import Corrections

    path = tmp_path / "fb.jsonl"
    _write(path, [
        _rec("Biggest envs!", corrected="venvy size -n 5"),     # withdrawn too: the same request to the app
        _rec("biggest envs", corrected="venvy size -n 3"),
        _rec("show stats", corrected="venvy stats"),
    ])
    corrections = Corrections(path, VENVY_TOOL)
    assert [c.query for c in corrections.all()] == ["biggest envs", "show stats"]
    corrections.forget(1)  # appends a "wrong" record with no correction
    assert [c.query for c in corrections.all()] == ["show stats"]
    train = [{"query": "biggest envs", "command": "venvy size", "intent": "x", "template": "x", "split": "train"}]
    merged, report = merge(train, path, VENVY, weight=3)
    assert [e["command"] for e in merged if e["query"].lower().startswith("biggest")] == ["venvy size"]
    assert [e["command"] for e in merged if e["query"] == "show stats"] == ["venvy stats"] * 3
    assert report["withdrawn"] == 1 and report["corrections"] == 1 and report["train_examples_replaced"] == 0
    assert "flag_without_correction" not in report["skipped_by_reason"]


def test_a_correction_after_a_withdrawal_stands(tmp_path):
    path = tmp_path / "fb.jsonl"
    _write(path, [
        _rec("biggest envs", corrected="venvy size -n 3"),
        _rec("biggest envs", predicted="venvy size --top 3"),   # forgotten
        _rec("biggest envs", corrected="venvy size -n 7"),     # corrected again later
    ])
    merged, report = merge([], path, VENVY, weight=2)
    assert [e["command"] for e in merged] == ["venvy size --top 7"] * 2
    assert report["withdrawn"] == 1
