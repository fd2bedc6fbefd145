"""Time from starting nlcli-tui to the first translation on screen, real model.

    python benchmarks/tui_startup.py            # prints JSON figures; target: first translation <= 2 s

Runs the app headless (Textual's test driver) with a request given on the
command line, as `nlcli-tui "show my venvs sorted by size"` does.
"""

from __future__ import annotations

import asyncio
import json
import time


async def main() -> dict:
    from app.main import make_app

    started = time.perf_counter()
    app = make_app(initial_query="show my venvs sorted by size")
    figures: dict = {}
    async with app.run_test(size=(110, 34)) as pilot:
        while app.translation is None:
            await asyncio.sleep(0.01)
        figures["first_translation_s"] = round(time.perf_counter() - started, 3)
        figures["command"] = app.command
        app.query_one("#query").value = ""
        await pilot.press(*"which venv is active", "enter")
        while app.busy:
            await asyncio.sleep(0.005)
        figures["second_command"] = app.command
    figures["targets"] = {"first_translation_s": 2.0}
    return figures


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))
