import json
import os
import subprocess
import sys

import pytest

from nlcli_wizard import feedback
from nlcli_wizard.errors import FeedbackError
from nlcli_wizard.feedback import FeedbackRecord


def _record(i=0, verdict="wrong"):
    return FeedbackRecord(query=f"list venvs {i}", predicted="venvy list", confidence=0.7, verdict=verdict,
                          model_id="m", corrected="venvy ls" if verdict == "wrong" else None)


def test_append_and_read_round_trip(nlcli_home):
    path = feedback.append(_record())
    assert path == nlcli_home / "feedback.jsonl"
    row = json.loads(path.read_text())
    assert row["verdict"] == "wrong" and row["corrected"] == "venvy ls" and row["v"] == 1 and row["timestamp"]
    records, skipped = feedback.read(path)
    assert records == [_record().__class__(**{**row})] and skipped == 0


def test_malformed_lines_are_counted_not_fatal(tmp_path):
    path = tmp_path / "fb.jsonl"
    good = _record().to_line()
    path.write_text(good + "{not json\n" + '{"v": 1}\n' + '"a string"\n' + good.replace('"wrong"', '"maybe"') + good)
    records, skipped = feedback.read(path)
    assert len(records) == 2 and skipped == 4


def test_unknown_verdict_is_refused():
    with pytest.raises(ValueError):
        _record(verdict="meh")


def test_unwritable_location_is_a_clear_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.access(locked, os.W_OK):  # root ignores permissions
        target = tmp_path / "file-not-dir" / "fb.jsonl"
        (tmp_path / "file-not-dir").write_text("")
    else:
        target = locked / "fb.jsonl"
    with pytest.raises(FeedbackError) as err:
        feedback.append(_record(), target)
    assert "Cannot write feedback" in str(err.value)


WRITER = """
import sys
from nlcli_wizard import feedback
from nlcli_wizard.feedback import FeedbackRecord
for i in range(200):
    feedback.append(FeedbackRecord(query=sys.argv[2] + str(i) + "x" * 3000, predicted=None, confidence=0.1,
                                   verdict="copied", model_id="m"), __import__("pathlib").Path(sys.argv[1]))
"""


def test_two_writers_at_once_lose_nothing(tmp_path):
    path = tmp_path / "fb.jsonl"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag]) for tag in ("a", "b")]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    records, skipped = feedback.read(path)
    assert skipped == 0 and len(records) == 400
