"""A tool's own crashes: found by probing it in a sandbox, never offered, told in one line when run anyway."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from app.main import make_app
from app.widgets import OutputLog
from nlcli_wizard import runner
from nlcli_wizard.config import Config
from nlcli_wizard.crashes import Folder, alternatives, crash_in, invocations, known_crash, probe
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.service import Wizard
from nlcli_wizard.translator import Translator
from tests.tooling import SQLITE, VENVY, parse

KNOWN_CRASHES = VENVY.profile.data.crashes

TRACEBACK = """\
Traceback (most recent call last):
  File "/venv/bin/venvy", line 8, in <module>
    sys.exit(main())
  File "/venv/lib/python3.11/site-packages/venvy/registry.py", line 218, in list_all
    cursor.execute(f"SELECT * FROM venvs ORDER BY {sort_by} DESC")
sqlite3.OperationalError: no such column: size""".splitlines()


def test_the_probe_finds_exactly_the_known_crashes_and_their_alternatives_work():
    """Fails when venvy's behaviour changes: a fixed crash, a new one, or an alternative that stopped working."""
    results = {r.command: r for r in probe(VENVY)}
    crashed = {command: r.crash.summary for command, r in results.items() if r.crash is not None}
    assert crashed == {
        "venvy ls --sort size": "venvy crashed: sqlite3.OperationalError: no such column: size",
        "venvy ls --sort project": "venvy crashed: sqlite3.OperationalError: no such column: project",
    }
    assert set(crashed) == set(KNOWN_CRASHES)
    for offered in {a for alts in KNOWN_CRASHES.values() for a in alts}:
        assert results[offered].exit_code == 0, offered


def test_the_probe_never_runs_a_deleting_command_without_dry_run():
    catalog = VENVY
    probed = list(invocations(catalog))
    assert not any(" drop-" in c or "--truncate" in c for c in invocations(SQLITE))
    deleting = [c for c in probed if catalog.command(c.split()[1]) and catalog.command(c.split()[1]).destructive]
    assert deleting and all("--dry-run" in c and "--force" not in c for c in deleting)
    assert not any(c.startswith("venvy remove") for c in probed)
    assert {"venvy ls --sort size", "venvy list --sort size", "venvy size --format json"} <= set(probed)


def test_a_traceback_becomes_one_line_and_ordinary_output_passes():
    crash = crash_in(["Listing…", *TRACEBACK], "venvy")
    assert crash is not None and crash.summary == "venvy crashed: sqlite3.OperationalError: no such column: size"
    assert crash.traceback == tuple(TRACEBACK)
    assert crash_in(["no venvs registered"]) is None
    shown: list[str] = []
    fold = Folder(shown.append, "venvy")
    for line in ["Listing…", *TRACEBACK]:
        fold(line)
    assert fold.crash(1) == crash and shown == ["Listing…"]
    shown.clear()
    fold = Folder(shown.append)  # a successful run that prints the word: nothing is hidden
    for line in ["a", "Traceback (most recent call last):", "b"]:
        fold(line)
    assert fold.crash(0) is None and shown == ["a", "Traceback (most recent call last):", "b"]


def _alternatives(command: str) -> tuple[str, ...]:
    return tuple(p.canonical for p in alternatives(parse(command)))


def test_alternatives_do_the_same_job_and_keep_the_format():
    assert _alternatives("venvy ls -s size") == ("venvy list --sort size", "venvy size")
    assert _alternatives("venvy ls --sort size --format json") == ("venvy list --format json --sort size",
                                                                   "venvy size --format json")
    assert _alternatives("venvy ls --format simple --sort size") == ("venvy list --format simple --sort size",
                                                                     "venvy size")  # size has no 'simple'
    assert _alternatives("venvy ls --sort project") == ()
    assert _alternatives("venvy ls") == ()
    # A group flag mends nothing: the crash is matched without it, and the alternative keeps it.
    assert _alternatives("venvy --verbose ls --sort size") == ("venvy --verbose list --sort size",
                                                               "venvy --verbose size")


def test_known_crashes_are_matched_on_the_job():
    assert known_crash(parse("venvy ls -s size -f json")) and known_crash(parse("venvy ls --sort project"))
    assert not known_crash(parse("venvy ls --sort name"))


def test_a_command_the_tool_crashes_on_is_never_offered():
    """The answer is the working command, with the reason and the model's own confidence in it; a crashing
    command with no alternative is refused."""
    engine = ScriptedEngine({"sorted by size": (" venvy ls --sort size", 0.99),
                             "by project": (" venvy ls --sort project", 0.99)})
    translator = Translator(engine, VENVY)
    offered = translator.translate("show my venvs sorted by size")
    assert offered.command == "venvy list --sort size" and offered.rule == "crash.known"
    assert "crashes on venvy ls --sort size" in offered.note and offered.confidence > 0.5
    assert any(grammar and "venvy list --sort size" in grammar for grammar in engine.grammars)
    refused = translator.translate("show my venvs by project")
    assert refused.command is None and refused.rule == "crash.known" and "no other command" in refused.reason


def test_running_a_crashing_command_folds_the_traceback():
    lines: list[str] = []
    result = runner.run_checked("venvy ls --sort size", VENVY, lines.append)
    assert result.exit_code == 1 and result.crash is not None
    assert "sqlite3.OperationalError" in result.crash.summary
    assert not any("Traceback" in line for line in lines)
    assert result.alternatives == ("venvy list --sort size", "venvy size")


def log_lines(app) -> list[str]:
    return [line.text for line in app.query_one(OutputLog).lines]


@pytest.mark.parametrize("size", [(110, 34), (80, 24)])
async def test_tui_runs_an_edited_crashing_command_folds_it_and_offers_the_working_one(size):
    """The answer for the README's first example is the working command, said why before it runs; a user who
    edits it back to the crashing one and runs it sees the crash in one line and the fix offered again."""
    engine = ScriptedEngine({"sorted by size": (" venvy ls --sort size", 0.99)})
    app = make_app(Wizard(lambda tool: engine, config=Config()))
    async with app.run_test(size=size) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"show my venvs sorted by size", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert app.command == "venvy list --sort size"
        assert any("crashes on venvy ls --sort size; venvy list --sort size does the same job" in n.message
                   for n in app._notifications)
        await pilot.press("ctrl+e", *["backspace"] * 30, *"venvy ls --sort size", "enter")
        await pilot.pause()
        assert app.command == "venvy ls --sort size"
        await pilot.press("ctrl+r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        lines = log_lines(app)
        assert lines[0] == "$ venvy ls --sort size"
        # Wrapped at the panel's edge, never cut: the summary reads whole across its rows.
        summary = "✗ venvy crashed: sqlite3.OperationalError: no such column: size"
        assert "".join(summary.split()) in "".join("".join(lines).split())
        assert not any("Traceback" in line or "File " in line for line in lines)
        assert lines[-1] == "[exit code 1]"
        assert app.command == "venvy list --sort size"
        assert "does the same job" in str(app.reason_line.render())
        # The folded traceback is one palette command away.
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"traceback")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        shown = "".join("".join(log_lines(app)).split())  # wrapped rows, read as one text
        assert "Traceback(mostrecentcalllast):" in shown
        assert shown.endswith("sqlite3.OperationalError:nosuchcolumn:size")
        # The offered command works.
        await pilot.press("ctrl+r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert log_lines(app)[-1] == "[exit code 0]"

