"""A saved correction answers its request at once, in this process and the next, before any retraining."""

from __future__ import annotations

import json

import pytest

from app.main import make_app
from app.widgets import ConfidenceMeter
from nlcli_wizard import feedback
from nlcli_wizard.config import Config
from nlcli_wizard.corrections import Corrections, Notice, normalize, within_one_edit
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.errors import UsageError
from nlcli_wizard.feedback import FeedbackRecord
from nlcli_wizard.service import Wizard
from nlcli_wizard.translator import Translation
from tests.conftest import run_cli
from tests.tooling import VENVY_TOOL

REQUEST = "show my venvs sorted by size"


def correct(path, query: str, command: str | None, verdict: str = "wrong") -> None:
    feedback.append(FeedbackRecord(query=query, predicted="venvy ls --sort size", confidence=0.99,
                                   verdict=verdict, model_id="scripted", corrected=command), path)


@pytest.fixture
def wizard(nlcli_home) -> Wizard:
    engine = ScriptedEngine({"": (" venvy size", 0.99)}, judgements={"what happens": 0.05})
    return Wizard(lambda tool: engine, config=Config())


def test_normalize_ignores_case_whitespace_and_closing_punctuation_only():
    assert normalize("  Show my VENVS  sorted by\tsize?! ") == "show my venvs sorted by size"
    assert normalize("size,age") != normalize("size age")  # punctuation inside a request is kept
    assert normalize("~/work-api") != normalize("~/work/api")
    assert normalize("ｆｕｌｌ") != normalize("full")  # no unicode folding
    assert within_one_edit("sorted by size", "sortd by size")
    assert within_one_edit("sorted by size", "sorted by sizes")
    assert not within_one_edit("sorted by size", "sortd by sise")


def test_a_flagged_request_gets_the_correction_without_the_model(wizard):
    wizard.load()
    first = wizard.translate(REQUEST)
    assert first.command == "venvy size" and first.source == "model"
    wizard.flag(first, "venvy list --sort size")
    for same in (REQUEST, "Show my venvs sorted by SIZE!", "show  my venvs sorted by size."):
        again = wizard.translate(same)
        assert (again.command, again.source, again.confidence) == ("venvy list --sort size", "correction", 1.0)
        assert again.to_json()["source"] == "correction" and again.parsed is not None
    assert len(wizard.translator.engine.prompts) == 1  # the model answered once, the correction since


def test_a_similar_request_gets_a_notice_never_the_correction(wizard):
    correct(wizard.feedback_path, REQUEST, "venvy list --sort size")
    correct(wizard.feedback_path, "list venvs", "venvy list")
    for near in ("show my venvs sortd by size", "show my venvs sorted by sizes", "Show my venvs, sorted by size"):
        events = list(wizard.stream(near))
        assert isinstance(events[0], Notice) and "You corrected a similar request" in events[0].text
        assert events[-1].source == "model"
    assert not any(isinstance(e, Notice) for e in wizard.stream("show my venvs sortd by sise"))  # two edits
    assert wizard.translate("list venv").source == "model"  # short requests: exact only, and no notice
    assert wizard.translate("List venvs!").command == "venvy list"


# Each pair: the request a correction was saved for, and one that must NOT get it (found in the second
# bad-input campaign: matching that ignored punctuation, unicode form and one typo answered these).
OTHER_REQUESTS = [
    ("remove the env called api1 without asking", "venvy remove api1 --force", "remove the env called api2 without asking"),
    ("clean up envs unused for 30 days", "venvy cleanup --days 30", "clean up envs unused for 300 days"),
    ("now delete old-api", "venvy remove old-api", "not delete old-api"),
    ("list envs under ~/work-api", "venvy list --path ~/work-api", "list envs under ~/work/api"),
    ("remove the venv Billing", "venvy remove Billing", "remove the venv billing"),
    ("info on env ①②③", "venvy info '①②③'", "info on env 123"),
    ("scan ｆｕｌｌ please", "venvy scan --path 'ｆｕｌｌ'", "scan full please"),
]


@pytest.mark.parametrize(("saved", "command", "other"), OTHER_REQUESTS)
def test_a_correction_never_answers_another_request(wizard, saved, command, other):
    correct(wizard.feedback_path, saved, command)
    assert wizard.translate(saved).command == command  # its own request gets it...
    answer = wizard.translate(other)
    assert answer.source == "model" and answer.command != command  # ...another one never


def test_a_deleting_correction_still_passes_the_safety_gate(wizard):
    correct(wizard.feedback_path, "what happens if I remove api1", "venvy remove api1")
    events = list(wizard.stream("what happens if I remove api1"))
    assert isinstance(events[0], Notice) and "safety gate" in events[0].text
    assert events[-1].source == "model"
    correct(wizard.feedback_path, "remove api1 without asking", "venvy remove api1 --force")
    assert wizard.translate("remove api1 without asking").command == "venvy remove api1 --force"


def test_the_index_carries_the_corrections_to_the_next_process_and_only_new_lines_are_read(tmp_path, monkeypatch):
    path = tmp_path / "feedback.jsonl"
    for i in range(50):
        correct(path, f"request number {i}", "venvy ls")
    first = Corrections(path, VENVY_TOOL)
    assert len(first.all()) == 50
    size = path.stat().st_size
    correct(path, REQUEST, "venvy size")
    offsets = []
    real_scan = feedback.scan
    monkeypatch.setattr(feedback, "scan", lambda p, offset=0: offsets.append(offset) or real_scan(p, offset))
    second = Corrections(path, VENVY_TOOL)  # a new process: the index says where the first one stopped
    assert second.find(REQUEST).command == "venvy size"
    assert offsets == [size]
    assert second.find(REQUEST) is not None and offsets == [size]  # nothing new: nothing read
    # A file replaced by another (the same size or not) is read again from its start.
    path.write_text(path.read_text().replace("request number 1\"", "request number X\""))
    third = Corrections(path, VENVY_TOOL)
    assert third.find("request number X") is not None and third.find("request number 1") is None
    assert offsets[-1] == 0


def test_the_later_correction_wins_and_none_abstains(wizard):
    correct(wizard.feedback_path, REQUEST, "venvy list --sort size")
    correct(wizard.feedback_path, REQUEST.upper(), "venvy size")
    correct(wizard.feedback_path, REQUEST, None, verdict="executed")  # a use is not a correction
    assert wizard.translate(REQUEST).command == "venvy size"
    correct(wizard.feedback_path, REQUEST, "NONE")
    t = wizard.translate(REQUEST)
    assert t.abstained and t.command is None and t.source == "correction"
    assert "You said venvy cannot do this" in t.reason


def test_a_correction_venvy_now_rejects_is_ignored_with_a_notice(wizard):
    correct(wizard.feedback_path, REQUEST, "venvy list --sort size")
    correct(wizard.feedback_path, REQUEST, "venvy ls --sort weight")  # written by hand, or an older venvy
    events = list(wizard.stream(REQUEST))
    assert isinstance(events[0], Notice) and "venvy ls --sort weight" in events[0].text
    assert "not a valid venvy command" in events[0].text
    final = events[-1]
    assert isinstance(final, Translation) and final.source == "model" and final.command == "venvy size"
    notices: list[str] = []
    wizard.translate(REQUEST, on_notice=notices.append)
    assert len(notices) == 1


def test_forget_appends_a_record_and_brings_the_model_back(wizard):
    correct(wizard.feedback_path, "list my venvs please", "venvy list")
    correct(wizard.feedback_path, REQUEST, "venvy size")
    corrections = Corrections(wizard.feedback_path, VENVY_TOOL)
    assert [c.query for c in corrections.all()] == ["list my venvs please", REQUEST]
    before = wizard.feedback_path.read_text()
    gone = corrections.forget(2)
    assert gone.command == "venvy size"
    after = wizard.feedback_path.read_text()
    assert after.startswith(before) and after.count("\n") == before.count("\n") + 1  # appended, not rewritten
    assert wizard.translate(REQUEST).source == "model"
    assert wizard.translate("list my venvs please").command == "venvy list"
    with pytest.raises(UsageError, match="no correction number 5"):
        corrections.forget(5)
    correct(wizard.feedback_path, REQUEST, "venvy list --sort size")  # a new correction after forgetting
    assert wizard.translate(REQUEST).command == "venvy list --sort size"


def test_a_new_process_sees_the_correction_at_once(nlcli_home):
    """The CLI answers from a correction another process saved, without loading any model."""
    correct(nlcli_home / "feedback.jsonl", REQUEST, "venvy list --sort size")
    missing_model = ["--model", str(nlcli_home / "no-such-model.gguf")]  # proves the model is never loaded
    out = run_cli("translate", "--json", "Show my venvs sorted by size!", *missing_model)
    assert out.returncode == 0, out.stderr
    row = json.loads(out.stdout)
    assert (row["command"], row["source"], row["abstained"]) == ("venvy list --sort size", "correction", False)
    batch = run_cli("translate", "--batch", "-", *missing_model, stdin=b"show my venvs sorted by size\n")
    assert json.loads(batch.stdout)["source"] == "correction"
    text = run_cli("translate", REQUEST, *missing_model).stdout.decode().splitlines()
    assert text == ["venvy list --sort size", "your correction (not the model's answer; "
                                              "'nlcli-wizard corrections' lists them)"]
    listed = run_cli("corrections", "--json")
    assert [json.loads(line)["command"] for line in listed.stdout.decode().splitlines()] == ["venvy list --sort size"]
    forgot = run_cli("corrections", "--forget", "1")
    assert forgot.returncode == 0 and "Forgot your correction" in forgot.stdout.decode()
    assert "No corrections yet" in run_cli("corrections").stdout.decode()
    after = run_cli("translate", "--json", REQUEST, *missing_model)
    assert after.returncode == 3  # now the model is asked, and it is missing
    bad = run_cli("corrections", "--forget", "1")
    assert bad.returncode == 2 and "no correction number 1" in bad.stderr.decode()


async def test_tui_labels_a_correction_as_the_users_own(nlcli_home):
    engine = ScriptedEngine({"sorted by size": (" venvy size", 0.99)})
    app = make_app(Wizard(lambda tool: engine, config=Config()))
    async with app.run_test(size=(110, 34)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"show my venvs sorted by size", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        meter = app.query_one(ConfidenceMeter)
        assert "%  high" in str(meter.render())  # the model's score
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press(*["backspace"] * 30, *"venvy size", "enter")
        await pilot.pause()
        assert app.command == "venvy size"
        assert "your own correction" in str(meter.render()) and "%" not in str(meter.render())
        # The same request again (case and closing punctuation changed) is answered by the correction at once.
        await pilot.press(*["backspace"] * 40, *"Show my venvs sorted by SIZE!", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert app.command == "venvy size" and app.translation.source == "correction"
        assert "your own correction" in str(meter.render())
        assert len(engine.prompts) == 1


@pytest.mark.parametrize("where", ["a-file/feedback.jsonl", "feedback-dir"])
def test_an_unreadable_feedback_file_means_no_corrections_not_a_crash(tmp_path, where):
    (tmp_path / "a-file").write_text("")
    (tmp_path / "feedback-dir").mkdir()
    engine = ScriptedEngine({"": (" venvy ls", 0.99)})
    wizard = Wizard(lambda tool: engine, config=Config(), feedback_path=tmp_path / where)
    assert wizard.translate("list my venvs").source == "model"
