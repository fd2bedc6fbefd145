"""The TUI's exit status says when it ended on an error (issue 13, finding 1)."""

from __future__ import annotations

import functools
import sys

import pytest

from app import main as tui_main
from app.main import make_app
from nlcli_wizard.config import Config
from nlcli_wizard.service import Wizard


def test_the_tui_exits_non_zero_when_it_ends_on_an_error(monkeypatch, capsys):
    def broken_engine():
        raise RuntimeError("an unexpected failure inside the engine")

    app = make_app(Wizard(broken_engine, config=Config()))
    monkeypatch.setattr(app, "run", functools.partial(app.run, headless=True, size=(80, 24)))
    monkeypatch.setattr(tui_main, "make_app", lambda *args, **kwargs: app)
    monkeypatch.setattr(sys, "argv", ["nlcli-tui"])
    with pytest.raises(SystemExit) as exited:
        tui_main.entry()
    assert exited.value.code not in (0, None)
    assert capsys.readouterr().out == ""  # no command is printed for a crashed session


@pytest.mark.parametrize("from_shell", [True, False])
async def test_escape_quits_without_a_command_only_when_started_from_the_shell(from_shell):
    from nlcli_wizard.engine import ScriptedEngine

    engine = ScriptedEngine({"": (" venvy current", 0.99)})
    app = make_app(Wizard(lambda tool: engine, config=Config()), from_shell=from_shell)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"where am i", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+n")  # first escape closes the refinement line: something to close
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.command == "venvy current"
        await pilot.press("escape")  # nothing left to cancel or close
        await pilot.pause()
        assert app.is_running is not from_shell
    assert app.return_value is None and not app.return_code  # as ctrl+q: exit 0, no command printed
