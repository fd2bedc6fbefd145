"""Text from the user, the model and venvy is shown as it is, never parsed as markup (issue 13, finding 1)."""

from __future__ import annotations

from app.main import make_app
from app.widgets import ConfirmDialog, FlagDialog
from tests.tui_support import ask, scripted

SIZE = (110, 34)


def shown(widget) -> str:
    return str(widget.render())


async def test_a_request_and_a_streamed_answer_with_brackets_are_shown_as_typed():
    app = make_app(scripted({"venvs [/]": (" venvy ls --path [/", 0.99), "scan [/]": (" venvy scan --path [/]", 0.99)}))
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "list my venvs [/]")
        assert app.is_running
        assert shown(app.query_one("#command")) == "No command"  # 'ls' has no --path: an abstention, not a crash
        await pilot.press("ctrl+a", "ctrl+k")
        await ask(pilot, "scan [/] please")
        assert shown(app.query_one("#command")) == "venvy scan --path '[/]'"


async def test_a_command_with_brackets_typed_in_the_editor_is_shown_and_confirmed_as_typed():
    app = make_app(scripted({"30 days": (" venvy cleanup --days 30", 0.99)}))
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "remove venvs unused for 30 days")
        await pilot.press("ctrl+e")
        await pilot.pause()
        await pilot.press(*(["backspace"] * len("venvy cleanup --days 30")), *"venvy remove '[/]'")
        await pilot.pause()
        assert shown(app.query_one("#edit-command .status")) == "✓ venvy remove '[/]'"
        await pilot.press("enter")
        await pilot.pause()
        assert shown(app.query_one("#command")) == "venvy remove '[/]'"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        texts = [shown(label) for label in app.screen.query("Label")]
        assert any("venvy remove '[/]'" in text for text in texts)
        assert "[y] run it   [n/escape] cancel" in texts  # the key hints are text too
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running


async def test_flagging_a_request_and_a_correction_written_as_markup_shows_them_literally(nlcli_home):
    app = make_app(scripted({"bold": (" venvy ls", 0.9)}))
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "[bold red]x[/] bold")
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, FlagDialog)
        texts = [shown(label) for label in app.screen.query("Label")]
        assert "request: [bold red]x[/] bold" in texts
        await pilot.press(*(["backspace"] * len("venvy ls")), *"[bold red]x[/]")
        await pilot.pause()
        status = shown(app.screen.query_one(".status"))
        assert status.startswith("✗ ") and "[bold" in status
        await pilot.press("enter")  # refused with a notice that quotes the reason
        await pilot.pause()
        assert isinstance(app.screen, FlagDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
