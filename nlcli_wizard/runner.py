"""Run a validated venvy command: an argv list, never a shell.

Output is streamed line by line to a callback; :func:`run_checked` folds a
venvy traceback into one line (:mod:`nlcli_wizard.crashes`). Commands that may ask venvy's
own yes/no question (deleting without ``--force``/``--dry-run``) need the
real terminal; :func:`needs_terminal` says which, and the TUI hands the
terminal over for those.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from nlcli_wizard.crashes import Folder, RunResult, alternatives
from nlcli_wizard.errors import InvalidCommandError, VenvyMissingError
from nlcli_wizard.quoting import argv_as_run
from nlcli_wizard.validator import ParsedCommand, parse


def venvy_executable() -> str:
    """venvy from this environment first (the one the catalog was read from)."""
    beside = Path(sys.executable).parent / "venvy"
    if beside.exists():
        return str(beside)
    found = shutil.which("venvy")
    if not found:
        raise VenvyMissingError()
    return found


def argv_for(command: str) -> list[str]:
    """The exact argv to execute: re-validated, each bare ``~`` the command shows expanded as the
    user's shell would expand it (:func:`nlcli_wizard.quoting.argv_as_run`)."""
    parsed = parse(command)
    return [venvy_executable(), *argv_as_run(parsed.tokens())[1:]]


def needs_terminal(parsed: ParsedCommand) -> bool:
    spec = parsed.spec()
    if spec is None or not spec.deletes:
        return False
    return not (parsed.values.get("force") or parsed.values.get("dry_run"))


def run_streaming(command: str, on_line: Callable[[str], None], timeout: float | None = None,
                  columns: int | None = None) -> int:
    """Run with output piped to ``on_line``; stdin is closed so a prompt cannot hang. ``columns`` is the
    width the output is shown in: venvy lays its tables out to it."""
    argv = argv_for(command)
    width = str(columns) if columns else os.environ.get("COLUMNS", "100")
    env = {**os.environ, "COLUMNS": width, "TERM": "dumb", "NO_COLOR": "1"}
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace", env=env)
    except FileNotFoundError:
        raise VenvyMissingError() from None
    assert proc.stdout is not None
    for line in proc.stdout:
        on_line(line.rstrip("\n"))
    return proc.wait(timeout=timeout)


def run_checked(command: str, on_line: Callable[[str], None], timeout: float | None = None,
                columns: int | None = None) -> RunResult:
    """:func:`run_streaming`, with a venvy crash folded into one :class:`~nlcli_wizard.crashes.Crash`
    (its traceback held back from ``on_line``) and the working commands that do the same job."""
    folder = Folder(on_line)
    code = run_streaming(command, folder, timeout, columns)
    crash = folder.crash(code)
    return RunResult(code, crash, alternatives(command) if crash else ())


def run_in_terminal(command: str) -> int:
    """Run attached to the real terminal (venvy may ask a question).

    When stdout is captured (``cmd=$(nlcli-tui)``), venvy's output goes to
    stderr, which is the terminal, so only the chosen command is captured."""
    argv = argv_for(command)
    stdout = None if sys.stdout.isatty() else sys.stderr
    try:
        return subprocess.call(argv, stdout=stdout)
    except FileNotFoundError:
        raise VenvyMissingError() from None


def dry_run_variant(command: str) -> str | None:
    """The same command with ``--dry-run`` where venvy offers one."""
    parsed = parse(command)
    spec = parsed.spec()
    if spec is None or not any(p.name == "dry_run" for p in spec.options):
        return None
    try:
        return parse(parsed.canonical + " --dry-run").canonical
    except InvalidCommandError:
        return None
