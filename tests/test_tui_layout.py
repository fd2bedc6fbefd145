"""The screen at the sizes people use: nothing cut at a border, nothing clipped (issue 12 item 5, issue 13)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from app.main import make_app
from app.widgets import CommandView, ConfidenceMeter, ConfirmDialog, FlagDialog, HelpPanel, HelpScroll, OutputLog
from tests.tui_support import ask, scripted

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
ANSWERS = {"by name": (" venvy ls -s name", 0.99), "30 days": (" venvy cleanup --days 30", 0.99)}


async def settle(pilot) -> None:
    """Same screen on every run: no blinking cursor, no latency in the status line."""
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    pilot.app.status_line.show("Ready · model scripted")
    await pilot.pause()


def inside(inner, outer) -> bool:
    return (outer.x <= inner.x and outer.y <= inner.y and inner.right <= outer.right
            and inner.bottom <= outer.bottom)


@SIZES
async def test_help_command_and_confidence_fit_and_the_log_takes_the_rest(size):
    app = make_app(scripted(ANSWERS))
    async with app.run_test(size=size) as pilot:
        await ask(pilot, "show my venvs sorted by name")
        await pilot.pause()
        screen = app.screen.region
        panel = app.query_one(HelpPanel)
        width = panel.content_size.width
        lines = panel.text.wrap(app.console, width)
        assert all(line.cell_len <= width for line in lines)
        # Every word of venvy's help is on the panel whole: no line ran past the border.
        assert panel.text.plain.split() == [word for line in lines for word in line.plain.split()]
        assert app.query_one(HelpScroll).max_scroll_x == 0
        assert "--sort" in panel.text.plain
        for widget in (app.query_one(CommandView), app.query_one(ConfidenceMeter)):
            assert widget.region.height > 0 and inside(widget.region, screen)
        meter = str(app.query_one(ConfidenceMeter).render())
        assert meter.endswith("99%  high") or meter.endswith("96%  high")
        log, left = app.query_one(OutputLog), app.query_one("#left")
        assert log.region.bottom == left.region.bottom  # the log runs down to the footer
        assert log.region.height >= size[1] // 3


@SIZES
def test_snapshot_after_a_translation_at(size, snap_compare):
    app = make_app(scripted(ANSWERS))

    async def run_before(pilot):
        await ask(pilot, "show my venvs sorted by name")
        await settle(pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=size)


async def dialog_fits(app) -> None:
    dialog = app.screen.query_one("#dialog")
    assert inside(dialog.region, app.screen.region)
    assert dialog.max_scroll_y == 0 and dialog.max_scroll_x == 0  # everything shows without scrolling
    for widget in dialog.query("*"):
        if widget.display and widget.region.area:
            assert inside(widget.region, dialog.content_region), widget


async def test_the_flag_dialog_fits_at_40x12():
    app = make_app(scripted(ANSWERS))
    async with app.run_test(size=(40, 12)) as pilot:
        await ask(pilot, "which venvs take the most size")
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, FlagDialog)
        await dialog_fits(app)
        texts = [str(label.render()) for label in app.screen.query("Label")]
        assert "request: which venvs take the most size" in texts
        assert any("escape cancels" in text for text in texts)


async def test_the_confirm_dialog_fits_at_40x12():
    app = make_app(scripted(ANSWERS))
    async with app.run_test(size=(40, 12)) as pilot:
        await ask(pilot, "remove venvs unused for 30 days")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await dialog_fits(app)
        texts = [str(label.render()) for label in app.screen.query("Label")]
        assert "[d] dry run first (venvy cleanup --days 30 --dry-run)" in texts
        await pilot.press("d")  # the keys the dialog names work without its buttons
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
