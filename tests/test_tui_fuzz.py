"""Arbitrary text into the running app: the query input, the editor and the flag dialog (issue 13).

Markup, escape sequences, control characters, odd unicode and long strings go in as the request, as the model's
streamed answer, as an edited command and as a correction; the app must stay up, show the text (control
characters as their visible pictures) and never write a control character to the terminal.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.main import make_app
from app.widgets import EditorSlot, FlagDialog
from nlcli_wizard.config import Config
from nlcli_wizard.display import visible
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.service import Wizard

SIZE = (100, 30)
SPECIAL = st.sampled_from([
    "[/]", "[bold red]x[/]", "[", "]", "[/", "[@click=app.quit]q[/]", "\\[", "$", "\x1b[31m", "\x1b]0;title\x07",
    "\x00", "\r", "\n", "\t", "\x7f", "\x85", "\u2028", "\u202e", "\u200b", "\ufeff", "e\u0301", "👩‍👩‍👧", "中文",
    "𐐷" * 3, "venvy remove '[/]'", "venvy ls --path [/", "NONE",
])
TEXT = st.lists(st.one_of(SPECIAL, st.text(max_size=20)), max_size=8).map("".join) | st.text(min_size=300,
                                                                                             max_size=700)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_terminal_safe(app) -> None:
    shown = screen_text(app)
    assert not any(ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) < 0xA0 for c in shown), ascii(shown)


async def exercise(text: str) -> None:
    engine = ScriptedEngine({"list my venvs": (" venvy ls", 0.99)}, default=(" " + text, 0.9))
    app = make_app(Wizard(lambda tool: engine, config=Config()))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        # 1. the request, and the model streaming the same text back
        app.query_input.value = text
        assert app.query_input.value == text  # kept as typed (a tab in a path stays a tab), shown visibly
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
        assert_terminal_safe(app)
        # 2. the editor
        app.query_input.value = ""
        await pilot.press("ctrl+e")
        await pilot.pause()
        editor = app.query_one(EditorSlot)
        assert editor.is_open
        field = editor.query_one("#command-input")
        field.value = text
        await pilot.pause()
        assert field.value == text
        assert str(editor.query_one(".status").render())[:2] in ("✓ ", "✗ ")
        assert_terminal_safe(app)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
        # 3. the flag dialog: a request of the fuzzed text when it was translated, else a plain one
        if app.translation is None or app.translation.query != text:
            await pilot.press(*"list my venvs", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, FlagDialog)
        labels = [str(label.render()) for label in app.screen.query("Label")]
        assert f"request: {visible(app.translation.query)}" in labels
        correction = app.screen.query_one("#command-input")
        correction.value = text
        await pilot.pause()
        assert correction.value == text
        assert_terminal_safe(app)
        await pilot.press("enter")  # saved when it happens to be valid, refused with a notice when not
        await pilot.pause()
        if isinstance(app.screen, FlagDialog):
            await pilot.press("escape")
            await pilot.pause()
        assert app.is_running
        assert_terminal_safe(app)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_arbitrary_text_in_the_request_the_editor_and_the_flag_dialog(text):
    asyncio.run(exercise(text))
