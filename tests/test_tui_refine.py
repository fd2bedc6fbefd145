"""Revise an answer with a follow-up (issue 12 item 3): ctrl+n opens a line whose text is appended to the
answered request, and the model translates the two together."""

from __future__ import annotations

import json

from app.main import make_app
from app.widgets import RefineInput
from nlcli_wizard.config import Config
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.prompt import build_prompt
from nlcli_wizard.service import Wizard

SIZE = (110, 34)


def app_on(engine: ScriptedEngine):
    return make_app(Wizard(lambda tool: engine, config=Config()))


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def ask(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await settle(pilot)


def command_text(app) -> str:
    return str(app.query_one("#command").render())


async def test_refine_translates_the_combined_request_and_its_answer_replaces_the_old(nlcli_home, monkeypatch):
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    engine = ScriptedEngine({"venvs, as json": (" venvy ls --format json", 0.99),
                             "list my venvs": (" venvy ls", 0.99)})
    app = app_on(engine)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "list my venvs")
        assert app.command == "venvy ls"
        await pilot.press("ctrl+n")
        await pilot.pause()
        line = app.query_one(RefineInput)
        assert line.has_focus and line.request == "list my venvs"
        await pilot.press(*"as json", "enter")
        await settle(pilot)
        assert build_prompt("list my venvs, as json") in engine.prompts[-1]  # the model sees both together
        assert app.command == "venvy ls --format json" and command_text(app) == "venvy ls --format json"
        assert app.translation is not None and app.translation.query == "list my venvs, as json"
        assert not app.query(RefineInput)  # the line closed; the request shows what was translated
        assert app.query_input.value == "list my venvs, as json"
        await pilot.press("ctrl+y")  # copy: the feedback names the combined request
        await pilot.pause()
    assert app.wizard.history()[-1] == "list my venvs, as json"
    rows = [json.loads(line) for line in (nlcli_home / "feedback.jsonl").read_text().splitlines()]
    assert rows[-1]["query"] == "list my venvs, as json" and rows[-1]["predicted"] == "venvy ls --format json"


async def test_escape_closes_the_refinement_and_changes_nothing():
    engine = ScriptedEngine({"list my venvs": (" venvy ls", 0.99)})
    app = app_on(engine)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "list my venvs")
        reason = str(app.query_one("#reason").render())
        await pilot.press("ctrl+n", *"as json")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert not app.query(RefineInput)
        assert app.query_input.has_focus
        assert len(engine.prompts) == 1  # nothing was translated again
        assert app.command == "venvy ls" and command_text(app) == "venvy ls"
        assert str(app.query_one("#reason").render()) == reason
        assert app.translation is not None and app.translation.query == "list my venvs"
        assert app.is_running  # escape closed the line; it did not quit


async def test_refining_before_any_answer_is_refused_with_a_notice():
    engine = ScriptedEngine({"": (" venvy ls", 0.99)})
    app = app_on(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not app.query(RefineInput)
        assert any("Translate a request first; then ctrl+n refines it" in n.message for n in app._notifications)
        assert engine.prompts == []


async def test_an_empty_refinement_is_refused_and_the_line_stays_open():
    engine = ScriptedEngine({"": (" venvy ls", 0.99)})
    app = app_on(engine)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "list my venvs")
        await pilot.press("ctrl+n", "space", "enter")
        await settle(pilot)
        assert app.query(RefineInput)
        assert any("The refinement is empty" in n.message for n in app._notifications)
        assert len(engine.prompts) == 1


async def test_refine_follows_a_remapped_key_in_the_palette(nlcli_home):
    engine = ScriptedEngine({"": (" venvy ls", 0.99)})
    app = make_app(Wizard(lambda tool: engine, config=Config(keys={"refine": "f6"})))
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "list my venvs")
        palette = {command.title: command.help for command in app.get_system_commands(app.screen)}
        assert palette["Refine"] == "Refine (f6)"
        await pilot.press("f6")
        await pilot.pause()
        assert app.query(RefineInput)
