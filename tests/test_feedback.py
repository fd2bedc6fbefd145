import json
import os
import subprocess
import sys

import pytest

from nlcli_wizard import feedback
from nlcli_wizard.config import Config
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.errors import FeedbackError
from nlcli_wizard.feedback import FeedbackRecord
from nlcli_wizard.service import Wizard


def _record(i=0, verdict="wrong"):
    return FeedbackRecord(query=f"list venvs {i}", predicted="venvy list", confidence=0.7, verdict=verdict,
                          model_id="m", corrected="venvy ls" if verdict == "wrong" else None)


def test_append_and_read_round_trip(nlcli_home):
    path = feedback.append(_record())
    assert path == nlcli_home / "feedback.jsonl"
    row = json.loads(path.read_text())
    assert row["verdict"] == "wrong" and row["corrected"] == "venvy ls" and row["v"] == 1 and row["timestamp"]
    records, skipped = feedback.read(path)
    assert records == [_record().__class__(**{**row})] and not skipped


def test_malformed_lines_are_counted_not_fatal(tmp_path):
    path = tmp_path / "fb.jsonl"
    good = _record().to_line()
    path.write_text(good + "{not json\n" + '{"v": 1}\n' + '"a string"\n' + good.replace('"wrong"', '"maybe"') + good
                    + good.replace('"venvy ls"', "123") + good.replace('"exit_code": null', '"exit_code": "0"')
                    + good.replace('"query": "list venvs 0"', '"query": " "') + "9" * 5000 + "\n")
    records, skipped = feedback.read(path)
    assert len(records) == 2
    assert skipped == {"malformed_json": 2, "missing_query": 1, "not_a_v1_record": 1, "bad_verdict": 1,
                       "bad_corrected": 1, "bad_exit_code": 1, "empty_query": 1}


def test_a_query_with_unicode_line_breaks_reads_back_whole(tmp_path):
    record = FeedbackRecord(query="list\u2028my\x85venvs\x1c\x0b\r", predicted=None, confidence=0.1,
                            verdict="copied", model_id="m")
    feedback.append(record, tmp_path / "fb.jsonl")
    assert feedback.read(tmp_path / "fb.jsonl") == ([record], {})


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
    assert not skipped and len(records) == 400


# -- a full disk -----------------------------------------------------------------------------------

def _fill_until_full(path, first=0):
    """Append ever-varying records until the disk refuses one; the acknowledged ones, in order."""
    acknowledged = []
    for i in range(first, first + 10_000):
        record = FeedbackRecord(query=f"list venvs {i} " + "x" * (300 + 97 * i % 1500), predicted="venvy ls",
                                confidence=0.5, verdict="copied", model_id="m")
        try:
            feedback.append(record, path)
        except FeedbackError:
            return acknowledged
        acknowledged.append(record)
    pytest.fail("the disk never filled up")


def _assert_whole_and_complete(path, acknowledged):
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    records, skipped = feedback.read(path)
    assert not skipped and records == acknowledged


@pytest.fixture
def tiny_disk(tmp_path):
    mountpoint = tmp_path / "tiny"
    mountpoint.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mountpoint)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a 64 kB tmpfs here (needs root): {done.stderr.strip()}")
    yield mountpoint
    subprocess.run(["umount", str(mountpoint)], check=True)


def test_a_full_disk_never_leaves_a_fragment_nor_loses_an_acknowledged_line(tiny_disk):
    path = tiny_disk / "feedback.jsonl"
    ballast = tiny_disk / "ballast"
    ballast.write_bytes(b"0" * 16_384)  # freed later, as a user would free space
    acknowledged = _fill_until_full(path)
    assert acknowledged  # some fitted before the disk filled up
    _assert_whole_and_complete(path, acknowledged)
    ballast.unlink()
    acknowledged += _fill_until_full(path, first=len(acknowledged))
    _assert_whole_and_complete(path, acknowledged)


def test_a_short_write_is_cut_back_to_the_last_whole_line(tmp_path, monkeypatch):
    path = tmp_path / "fb.jsonl"
    first, lost, third = _record(1), _record(2), _record(3)
    feedback.append(first, path)
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[: len(data) // 2]))
    with pytest.raises(FeedbackError) as err:
        feedback.append(lost, path)
    monkeypatch.setattr(os, "write", real_write)
    feedback.append(third, path)
    _assert_whole_and_complete(path, [first, third])
    assert str(err.value) == f"Cannot write feedback to {path} (No space left on device); the line was not saved."


def test_an_append_after_a_fragment_starts_on_its_own_line(tmp_path):
    path = tmp_path / "fb.jsonl"
    first, third = _record(1), _record(3)
    path.write_text(first.to_line() + _record(2).to_line()[:25])  # left by an older version
    feedback.append(third, path)
    records, skipped = feedback.read(path)
    assert records == [first, third] and skipped == {"malformed_json": 1}


# -- query history ---------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "   \n\t", "\u200b\u200b", "x" * 501, "list my venvs " * 1500],
                         ids=["empty", "blank", "zero-width", "501-chars", "20-kB"])
def test_a_rejected_request_never_goes_to_the_query_history(nlcli_home, query):
    wizard = Wizard(ScriptedEngine, config=Config())
    wizard.remember("list my venvs")
    wizard.remember(query)
    assert wizard.history() == ["list my venvs"]
    assert (nlcli_home / "history" / "venvy.txt").read_text() == "list my venvs\n"
