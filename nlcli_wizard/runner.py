"""Run a validated command of the tool: an argv list, never a shell.

Output is streamed line by line to a callback; :func:`run_checked` folds a traceback into one line
(:mod:`nlcli_wizard.crashes`). Commands that may ask the tool's own yes/no question (destructive ones
without a force or dry-run parameter, in a tool that confirms) need the real terminal;
:func:`needs_terminal` says which, and the TUI hands the terminal over for those.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from nlcli_wizard.catalog import Catalog
from nlcli_wizard.crashes import Folder, RunResult, alternatives
from nlcli_wizard.errors import InvalidCommandError
from nlcli_wizard.quoting import argv_as_run
from nlcli_wizard.validator import ParsedCommand, parse


def tool_executable(catalog: Catalog) -> str:
    """The tool's program from this environment first (the one the catalog was read from)."""
    beside = Path(sys.executable).parent / catalog.program
    if beside.exists():
        return str(beside)
    found = shutil.which(catalog.program)
    if not found:
        assert catalog.profile is not None
        raise catalog.profile.missing()
    return found


def argv_for(command: str, catalog: Catalog) -> list[str]:
    """The exact argv to execute: re-validated, each bare ``~`` the command shows expanded as the
    user's shell would expand it (:func:`nlcli_wizard.quoting.argv_as_run`)."""
    parsed = parse(command, catalog)
    return [tool_executable(catalog), *argv_as_run(parsed.tokens())[1:]]


def needs_terminal(parsed: ParsedCommand) -> bool:
    """Whether the tool may ask its own question while it runs: a destructive command of a tool that
    confirms, without the parameter that skips the question."""
    assert parsed.catalog is not None and parsed.catalog.profile is not None
    return parsed.destructive and parsed.catalog.profile.data.risk.confirms and not parsed.forced


def run_streaming(command: str, catalog: Catalog, on_line: Callable[[str], None], timeout: float | None = None,
                  columns: int | None = None) -> int:
    """Run with output piped to ``on_line``; stdin is closed so a prompt cannot hang. ``columns`` is the
    width the output is shown in: the tool lays its tables out to it."""
    argv = argv_for(command, catalog)
    width = str(columns) if columns else os.environ.get("COLUMNS", "100")
    env = {**os.environ, "COLUMNS": width, "TERM": "dumb", "NO_COLOR": "1"}
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace", env=env)
    except FileNotFoundError:
        assert catalog.profile is not None
        raise catalog.profile.missing() from None
    assert proc.stdout is not None
    for line in proc.stdout:
        on_line(line.rstrip("\n"))
    return proc.wait(timeout=timeout)


def run_checked(command: str, catalog: Catalog, on_line: Callable[[str], None], timeout: float | None = None,
                columns: int | None = None) -> RunResult:
    """:func:`run_streaming`, with a crash folded into one :class:`~nlcli_wizard.crashes.Crash`
    (its traceback held back from ``on_line``) and the working commands that do the same job."""
    folder = Folder(on_line, catalog.program)
    code = run_streaming(command, catalog, folder, timeout, columns)
    crash = folder.crash(code)
    instead = tuple(p.canonical for p in alternatives(parse(command, catalog))) if crash else ()
    return RunResult(code, crash, instead)


def run_in_terminal(command: str, catalog: Catalog) -> int:
    """Run attached to the real terminal (the tool may ask a question).

    When stdout is captured (``cmd=$(nlcli-tui)``), the tool's output goes to
    stderr, which is the terminal, so only the chosen command is captured."""
    argv = argv_for(command, catalog)
    stdout = None if sys.stdout.isatty() else sys.stderr
    try:
        return subprocess.call(argv, stdout=stdout)
    except FileNotFoundError:
        assert catalog.profile is not None
        raise catalog.profile.missing() from None


def dry_run_variant(command: str, catalog: Catalog) -> str | None:
    """The same command with its dry-run parameter, where the tool offers one."""
    parsed = parse(command, catalog)
    spec = parsed.spec()
    assert catalog.profile is not None
    option = next((p for p in spec.options if p.name in catalog.profile.data.risk.dry_run), None) if spec else None
    if option is None:
        return None
    try:
        return parse(parsed.canonical + " " + option.long, catalog).canonical
    except InvalidCommandError:
        return None
