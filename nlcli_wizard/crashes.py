"""A tool's own crashes: told in one line, with a working command that does the same job.

venvy 0.2.0 dies with a 40-line sqlite traceback on some valid invocations. A run's output is passed
through :class:`Folder`, which holds a traceback back from the log and turns it into one readable
:class:`Crash` ("venvy crashed: sqlite3.OperationalError: no such column: size"); the traceback stays
available to show on request. A command the tool is known to crash on is never offered as the answer:
:func:`check` replaces it by the working command that does the same job (rule ``crash.known``).

Which invocations crash is not kept by hand: :func:`probe` runs every non-destructive invocation the
catalog describes (each subcommand bare, each flag, each choice, a value for each other option;
destructive subcommands only with their dry run) in a sandbox HOME the tool's profile sets up, and
reports the ones that crash. ``python -m nlcli_wizard.crashes --tool NAME`` prints them; a test holds the
profile's ``crashes`` to what the probe finds, so a tool that changes fails it.
"""

from __future__ import annotations

import argparse
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

from nlcli_wizard.catalog import Catalog, ParamSpec
from nlcli_wizard.checks import Offer, Verdict
from nlcli_wizard.errors import InvalidCommandError
from nlcli_wizard.quoting import argv_as_run
from nlcli_wizard.validator import ParsedCommand, parse

TRACEBACK_START = "Traceback (most recent call last):"
# The line that ends a traceback names the exception: "sqlite3.OperationalError: no such column: size"
# (a bare "KeyboardInterrupt" has no message).
_EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning)|[A-Z]\w*)"
                             r"(?::\s?(?P<message>.*))?$")


@dataclass(frozen=True)
class Crash:
    """A Python exception that ended a venvy run."""

    exception: str  # "sqlite3.OperationalError"
    message: str  # "no such column: size"
    traceback: tuple[str, ...] = field(default=(), repr=False)

    program: str = "the tool"

    @property
    def summary(self) -> str:
        what = f"{self.exception}: {self.message}" if self.message else self.exception
        return f"{self.program} crashed: {what}"


def crash_in(lines: list[str], program: str = "the tool") -> Crash | None:
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
                return Crash(found["type"], (found["message"] or "").strip(), tuple(tail), program)
            break
    return None


class Folder:
    """Passes a run's lines on, except a traceback, which is held back for :meth:`crash`."""

    def __init__(self, on_line: Callable[[str], None], program: str = "the tool") -> None:
        self._on_line = on_line
        self._program = program
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
        found = crash_in(self._held, self._program) if exit_code != 0 else None
        if found is None:
            for line in self._held:
                self._on_line(line)
        self._held = []
        return found


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    crash: Crash | None = None
    alternatives: tuple[str, ...] = ()  # working commands (canonical) that do the crashed command's job


def _job(parsed: ParsedCommand) -> tuple[str, str | None]:
    """The command without its output format and group flags (crashes are matched on the job: ``--verbose``
    does not mend one), and that format."""
    job = replace(parsed, values={k: v for k, v in parsed.values.items() if k not in ("format", "output_format")},
                  group_flags=())
    fmt = parsed.values.get("format", parsed.values.get("output_format"))
    return job.canonical, fmt


def _known(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    return dict(catalog.profile.data.crashes) if catalog.profile else {}


def known_crash(parsed: ParsedCommand) -> bool:
    """Whether the tool is known to crash on this command (whatever its output format)."""
    assert parsed.catalog is not None
    return _job(parsed)[0] in _known(parsed.catalog)


def alternatives(parsed: ParsedCommand) -> tuple[ParsedCommand, ...]:
    """Working commands that do the job of a command the tool crashes on (none if unknown).

    The options that only shape the output (``--format``) are carried over where the alternative has them."""
    catalog = parsed.catalog
    assert catalog is not None
    core, fmt = _job(parsed)
    found = []
    for alternative in _known(catalog).get(core, ()):
        candidates = [f"{alternative} --format {fmt}", alternative] if fmt else [alternative]
        for candidate in candidates:
            try:
                found.append(replace(parse(candidate, catalog), group_flags=parsed.group_flags))
                break
            except InvalidCommandError:
                continue
    return tuple(found)


def check(offer: Offer) -> Verdict | None:
    """A command the tool is known to crash on is replaced by the first working command that does its job;
    refused when there is none (``crash.known``)."""
    parsed = offer.parsed
    if not known_crash(parsed):
        return None
    program = offer.catalog.program
    version = offer.catalog.version
    instead = alternatives(parsed)
    if not instead:
        return Verdict("crash.known", f"{program} {version} crashes on {parsed.canonical} and no other command does "
                                      "its job, so it is not offered.")
    return Verdict("crash.known", f"{program} {version} crashes on {parsed.canonical}; {instead[0].canonical} does "
                                  "the same job and is offered instead.", repair=instead[0])


# -- the probe -------------------------------------------------------------


def _values(param: ParamSpec, values: dict[str, str]) -> list[str]:
    if param.kind == "choice":
        return list(param.choices)
    if param.kind in ("int", "float"):
        return ["3"]
    return [values.get(param.kind, values.get("string", "x"))]


def invocations(catalog: Catalog) -> Iterator[str]:
    """Every invocation the probe runs: non-destructive, one option (or choice) at a time."""
    assert catalog.profile is not None
    profile = catalog.profile.data
    values = {k: str(v) for k, v in profile.probe.get("values", {}).items()}
    program = catalog.program
    yield f"{program} --version"
    for command in catalog.commands.values():
        base = f"{program} {command.name}"
        if command.destructive:
            dry_run = next((p for p in command.options if p.name in profile.risk.dry_run), None)
            if dry_run is None:
                continue  # nothing to probe safely: it destroys and has no dry run
            base += f" {dry_run.long}"
        for argument in command.arguments:
            if argument.required:
                base += " " + _values(argument, values)[0]
        yield base
        for argument in command.arguments:
            if not argument.required:
                yield f"{base} {_values(argument, values)[0]}"
        destroying = (*profile.risk.dry_run, *profile.risk.force, *profile.risk.destructive_params.get(command.name, ()))
        for option in command.options:
            if option.name in destroying or option.repeated or option.nargs > 1:
                continue  # already on for destructive commands; force, drop or truncate would destroy
            if option.kind == "flag":
                yield f"{base} {option.long}"
                continue
            for value in _values(option, values):
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


def probe(catalog: Catalog, workers: int = 4, timeout: float = 60.0) -> list[Probe]:
    """Run each invocation in its own sandbox HOME, a copy of one the profile's ``probe.setup`` prepared.

    Own copies, because runs sharing one state interfere: two at once can meet sqlite's lock, and one
    (register, cache --clear, track) changes what the next one sees."""
    from nlcli_wizard.runner import tool_executable

    assert catalog.profile is not None
    program = tool_executable(catalog)
    with tempfile.TemporaryDirectory(prefix="nlcli-probe-") as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        for step in catalog.profile.data.probe.get("setup", ()):
            argv = argv_as_run([str(word) for word in step], home=str(template))
            argv = [sys.executable if word == "python" else program if word == catalog.program else word
                    for word in argv]
            code, output = _run(argv, _sandbox_env(template), template, timeout)
            if code != 0:
                raise RuntimeError(f"the probe's setup step {step} failed: " + " ".join(output[-3:]))

        def one(numbered: tuple[int, str]) -> Probe:
            number, command = numbered
            home = Path(tmp) / f"home-{number}"
            shutil.copytree(template, home, symlinks=True)
            # "~" is the sandbox HOME here, not this process's.
            argv = argv_as_run(parse(command, catalog).tokens(), home=str(home))[1:]
            code, output = _run([program, *argv], _sandbox_env(home), home, timeout)
            return Probe(command, code, crash_in(output, catalog.program) if code != 0 else None)

        # Each run is a separate process; a few at once keep the probe at seconds, not a minute.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, enumerate(parse(c, catalog).canonical for c in invocations(catalog))))


def main(argv: list[str] | None = None) -> None:
    """``python -m nlcli_wizard.crashes --tool NAME``: the invocations the tool crashes on, one JSON line each."""
    from nlcli_wizard import tools

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--tool", help="the tool to probe (default: the default tool)")
    args = parser.parse_args(argv)
    for result in probe(tools.chosen(args.tool).catalog):
        if result.crash is not None:
            print(json.dumps({"command": result.command, "exit_code": result.exit_code,
                              "crash": result.crash.summary}))


if __name__ == "__main__":
    main()
