"""venvy's own crashes: told in one line, with a working command that does the same job.

venvy 0.2.0 dies with a 40-line sqlite traceback on some valid invocations. A run's output is
passed through :class:`Folder`, which holds a traceback back from the log and turns it into one
readable :class:`Crash` ("venvy crashed: sqlite3.OperationalError: no such column: size"); the
traceback stays available to show on request.

Which invocations crash is not kept by hand: :func:`probe` runs every non-destructive invocation
the catalog describes (each subcommand bare, each flag, each choice, a value for each other
option; deleting subcommands only with ``--dry-run``) against a throwaway registered venv in a
sandbox HOME, and reports the ones that crash. ``python -m nlcli_wizard.crashes`` prints them;
a test holds :data:`KNOWN_CRASHES` to what the probe finds, so a venvy that changes fails it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from nlcli_wizard.catalog import Catalog, ParamSpec, load_catalog
from nlcli_wizard.errors import InvalidCommandError
from nlcli_wizard.quoting import argv_as_run
from nlcli_wizard.validator import parse

TRACEBACK_START = "Traceback (most recent call last):"
# The line that ends a traceback names the exception: "sqlite3.OperationalError: no such column: size"
# (a bare "KeyboardInterrupt" has no message).
_EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning)|[A-Z]\w*)"
                             r"(?::\s?(?P<message>.*))?$")

# venvy 0.2.0's crashing invocations (the probe's findings, held to them by tests/test_crashes.py)
# and, where one exists, a command that does the same job and works.
KNOWN_CRASHES: dict[str, tuple[str, ...]] = {
    "venvy ls --sort size": ("venvy list --sort size", "venvy size"),
    "venvy ls --sort project": (),
}


@dataclass(frozen=True)
class Crash:
    """A Python exception that ended a venvy run."""

    exception: str  # "sqlite3.OperationalError"
    message: str  # "no such column: size"
    traceback: tuple[str, ...] = field(default=(), repr=False)

    @property
    def summary(self) -> str:
        return f"venvy crashed: {self.exception}: {self.message}" if self.message else f"venvy crashed: {self.exception}"


def crash_in(lines: list[str]) -> Crash | None:
    """The crash a run's output ends on, or None: the last traceback's closing exception line."""
    starts = [i for i, line in enumerate(lines) if line.strip() == TRACEBACK_START]
    if not starts:
        return None
    tail = lines[starts[-1]:]
    # After the header, frames and source lines are indented; the first unindented line names the exception.
    for line in tail[1:]:
        if line and not line[0].isspace():
            found = _EXCEPTION_LINE.match(line.strip())
            if found:
                return Crash(found["type"], (found["message"] or "").strip(), tuple(tail))
            break
    return None


class Folder:
    """Passes a run's lines on, except a traceback, which is held back for :meth:`crash`."""

    def __init__(self, on_line: Callable[[str], None]) -> None:
        self._on_line = on_line
        self._held: list[str] = []
        self._all: list[str] = []

    def __call__(self, line: str) -> None:
        self._all.append(line)
        if self._held or line.strip() == TRACEBACK_START:
            self._held.append(line)
        else:
            self._on_line(line)

    def crash(self, exit_code: int) -> Crash | None:
        """The crash, if the run failed on one; otherwise the held lines were output after all
        (a program may print the word Traceback), and they are passed on now."""
        found = crash_in(self._held) if exit_code != 0 else None
        if found is None:
            for line in self._held:
                self._on_line(line)
        self._held = []
        return found


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    crash: Crash | None = None
    alternatives: tuple[str, ...] = ()  # working commands that do the crashed command's job


def _job(command: str) -> tuple[str, str | None] | None:
    """The command without its output format (crashes are matched on the job), and that format."""
    try:
        parsed = parse(command)
    except InvalidCommandError:
        return None
    job = replace(parsed, values={k: v for k, v in parsed.values.items() if k != "format"})
    return job.canonical, parsed.values.get("format")


def known_crash(command: str) -> bool:
    """Whether venvy 0.2.0 is known to crash on this command (whatever its output format)."""
    job = _job(command)
    return job is not None and job[0] in KNOWN_CRASHES


def alternatives(command: str) -> tuple[str, ...]:
    """Working commands that do the job of a command venvy crashes on (canonical; none if unknown).

    The options that only shape the output (``--format``) are carried over where the alternative has them."""
    job = _job(command)
    if job is None:
        return ()
    core, fmt = job
    found = []
    for alternative in KNOWN_CRASHES.get(core, ()):
        candidates = [f"{alternative} --format {fmt}", alternative] if fmt else [alternative]
        for candidate in candidates:
            try:
                found.append(parse(candidate).canonical)
                break
            except InvalidCommandError:
                continue
    return tuple(found)


# -- the probe -------------------------------------------------------------

# Inside the sandbox HOME, so each probe command reads the same on every machine.
PROBE_VENV = "~/project/.venv"
PROBE_NAME = "probe-env"


def _values(param: ParamSpec, venv: str, name: str) -> list[str]:
    if param.kind == "choice":
        return list(param.choices)
    if param.kind == "int":
        return ["3"]
    if param.kind == "path":
        return [venv]
    return [name]


def invocations(catalog: Catalog, venv: str = PROBE_VENV, name: str = PROBE_NAME) -> Iterator[str]:
    """Every invocation the probe runs: non-destructive, one option (or choice) at a time."""
    yield "venvy --version"
    yield "venvy -v ls"
    for command in catalog.commands.values():
        base = f"venvy {command.name}"
        if command.deletes:
            if not any(p.name == "dry_run" for p in command.options):
                continue  # nothing to probe safely (venvy remove has no dry run)
            base += " --dry-run"
        for argument in command.arguments:
            if argument.required:
                base += f" {name}"
        yield base
        for argument in command.arguments:
            if not argument.required:
                yield f"{base} {venv if argument.kind == 'path' else name}"
        for option in command.options:
            if option.name in ("dry_run", "force"):
                continue  # already on for deleting commands; --force alone would delete
            if option.kind == "flag":
                yield f"{base} {option.long}"
                continue
            for value in _values(option, venv, name):
                yield f"{base} {option.long} {value}"


@dataclass(frozen=True)
class Probe:
    command: str
    exit_code: int
    crash: Crash | None


def _run(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> tuple[int, list[str]]:
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                              env=env, cwd=cwd, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, [f"timed out after {timeout:.0f} s"]
    return done.returncode, (done.stdout + done.stderr).splitlines()


def _sandbox_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache"), "XDG_DATA_HOME": str(home / ".local/share"),
           "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return env


def probe(venvy: str | None = None, workers: int = 4, timeout: float = 60.0) -> list[Probe]:
    """Run each invocation in its own sandbox HOME, a copy of one holding a registered throwaway venv.

    Own copies, because runs sharing one registry interfere: two at once can meet sqlite's lock, and
    one (register, cache --clear, track) changes what the next one sees."""
    from nlcli_wizard.runner import venvy_executable

    venvy = venvy or venvy_executable()
    catalog = load_catalog()
    with tempfile.TemporaryDirectory(prefix="venvy-probe-") as tmp:
        template = Path(tmp) / "template"
        venv = template / PROBE_VENV.removeprefix("~/")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
        code, output = _run([venvy, "register", str(venv), "--name", PROBE_NAME], _sandbox_env(template), template,
                            timeout)
        if code != 0:
            raise RuntimeError("venvy could not register the probe's venv: " + " ".join(output[-3:]))

        def one(numbered: tuple[int, str]) -> Probe:
            number, command = numbered
            home = Path(tmp) / f"home-{number}"
            shutil.copytree(template, home, symlinks=True)
            # "~" is the sandbox HOME here, not this process's.
            argv = argv_as_run(parse(command).tokens(), home=str(home))[1:]
            code, output = _run([venvy, *argv], _sandbox_env(home), home, timeout)
            return Probe(command, code, crash_in(output) if code != 0 else None)

        # Each run is a separate process; a few at once keep the probe at seconds, not a minute.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, enumerate(parse(c).canonical for c in invocations(catalog))))


def main() -> None:
    """``python -m nlcli_wizard.crashes``: the invocations venvy crashes on, one JSON line each."""
    for result in probe():
        if result.crash is not None:
            print(json.dumps({"command": result.command, "exit_code": result.exit_code,
                              "crash": result.crash.summary}))


if __name__ == "__main__":
    main()
