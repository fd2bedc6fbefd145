"""Time from starting nlcli-tui to the first translation on screen, real model: cold and with the warm server.

    python benchmarks/tui_startup.py            # prints JSON figures; targets: warm <= 0.8 s, cold <= 2 s

Each measurement is a fresh process that imports the app and runs it headless (Textual's test driver) with a
request given on the command line, as the shell's ctrl+g does (`nlcli-tui --from-shell -- "..."`). "cold"
loads the model in the app's process; "warm" sends the request to the background model, started beforehand.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

ONE_RUN = r"""
import asyncio, json, sys, time
started = time.perf_counter()
from app.main import make_app

async def main():
    binding = True  # started as ctrl+g starts it: the request comes from the shell's edit line
    app = make_app(initial_query="show my venvs sorted by name", from_shell=binding)
    async with app.run_test(size=(110, 34)) as pilot:
        while app.translation is None:
            await asyncio.sleep(0.005)
        print(json.dumps({"first_translation_s": round(time.perf_counter() - started, 3), "command": app.command}))

asyncio.run(main())
"""


def run(server: bool) -> dict:
    env = {**os.environ, "NLCLI_SERVER": "1" if server else "0"}
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", ONE_RUN], capture_output=True, text=True, env=env, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["process_s"] = round(time.perf_counter() - began, 3)
    return figures


def main() -> dict:
    from nlcli_wizard import server

    cold = [run(server=False) for _ in range(3)]
    client = server.start()
    warm = [run(server=True) for _ in range(5)] if client else []
    return {
        "cold_first_translation_median_s": statistics.median(r["first_translation_s"] for r in cold),
        "warm_first_translation_median_s": statistics.median(r["first_translation_s"] for r in warm) if warm else None,
        "command": (warm or cold)[-1]["command"],
        "targets": {"warm_first_translation_median_s": 0.8, "cold_first_translation_median_s": 2.0},
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
