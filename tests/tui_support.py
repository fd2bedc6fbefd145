"""What the Pilot tests share: a Wizard on a scripted engine, and asking it a question."""

from __future__ import annotations

from nlcli_wizard.config import Config
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.service import Wizard


def scripted(answers=None, **kwargs) -> Wizard:
    engine = ScriptedEngine(answers or {}, **kwargs)
    return Wizard(lambda tool: engine, config=Config())


async def ask(pilot, text: str) -> None:
    """Type a request, press enter and wait until its translation is on screen."""
    await pilot.press(*text)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
