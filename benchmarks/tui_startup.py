"""Time from starting nlcli-tui to the first translation on screen, real model.

    python benchmarks/tui_startup.py            # prints JSON figures; target: first translation <= 2 s

Runs the app headless (Textual's test driver) with a request given on the
command line, as `nlcli-tui "show my venvs sorted by size"` does, and also
measures how long the UI thread is blocked while the model generates (key
presses are answered from it, so this is what "typing stays responsive"
means).
"""

from __future__ import annotations

import asyncio
import json
import time


async def main() -> dict:
    from app.main import make_app
    from app.tui import NlcliApp

    started = time.perf_counter()
    app = make_app(initial_query="show my venvs sorted by size")
    figures: dict = {}
    async with app.run_test(size=(110, 34)) as pilot:
        while app.translation is None:
            await asyncio.sleep(0.01)
        figures["first_translation_s"] = round(time.perf_counter() - started, 3)
        figures["command"] = app.command
        # Responsiveness: during a second translation, how late do UI-loop ticks run?
        worst = 0.0
        await pilot.press(*"which venv is active", "enter")
        while app.busy or not isinstance(app, NlcliApp):
            tick = time.perf_counter()
            await asyncio.sleep(0.005)
            worst = max(worst, time.perf_counter() - tick - 0.005)
        figures["worst_ui_stall_ms_while_generating"] = round(worst * 1000, 1)
        figures["second_command"] = app.command
    figures["targets"] = {"first_translation_s": 2.0}
    return figures


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))
