"""Copy text to the user's clipboard, wherever the user is, and say truthfully where it went.

On a desktop the text goes to the clipboard program of the session (wl-copy, xclip, xsel,
pbcopy). Over SSH (or on a headless box) there is none, or the wrong machine's, so it goes
through the terminal instead: the OSC 52 escape sequence, which the user's own terminal emulator
turns into a clipboard write on *their* machine.

The programs are run here rather than through pyperclip: pyperclip lets xclip write its errors
on the terminal the TUI draws on and never checks its exit status, so a stale ``DISPLAY`` looked
like a successful copy. Their stderr goes to a file, not a pipe: xclip forks a child that keeps
serving the selection and would hold a pipe open for as long as it runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass

SYSTEM = "system clipboard"
TERMINAL = "terminal clipboard (OSC 52)"
TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Copied:
    where: str  # SYSTEM or TERMINAL
    problem: str = ""  # why the system clipboard was not used, when it was tried and failed

    @property
    def message(self) -> str:
        if self.problem:
            return f"The system clipboard failed ({self.problem}); copied through the {self.where} instead."
        return f"Copied to the {self.where}."


def _programs(environ: Mapping[str, str]) -> list[list[str]]:
    if sys.platform == "darwin":
        return [["pbcopy"]]
    if sys.platform == "win32":
        return [["clip"]]
    programs = []
    if environ.get("WAYLAND_DISPLAY"):
        programs.append(["wl-copy"])
    if environ.get("DISPLAY"):
        programs += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    return [argv for argv in programs if shutil.which(argv[0])]


def _run(argv: list[str], text: str) -> str:
    """Feed ``text`` to a clipboard program; "" when it worked, else what went wrong, in a few words."""
    with tempfile.TemporaryFile() as errors:
        try:
            done = subprocess.run(argv, input=text.encode("utf-8"), stdout=subprocess.DEVNULL, stderr=errors,
                                  timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return f"{argv[0]} did not answer in {TIMEOUT_S:.0f} s"
        except OSError as exc:
            return f"{argv[0]}: {exc.strerror}"
        if done.returncode == 0:
            return ""
        errors.seek(0)
        said = " ".join(errors.read(400).decode("utf-8", "replace").split())
        return f"{argv[0]}: {said}" if said else f"{argv[0]} exited with {done.returncode}"


def copy(text: str, osc52: Callable[[str], None], environ: Mapping[str, str] | None = None) -> Copied:
    """Copy ``text``: to the session's clipboard program when there is one that works, else by OSC 52."""
    environ = os.environ if environ is None else environ
    remote = bool(environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"))
    has_display = bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))
    problems = []
    if not remote or has_display:
        for argv in _programs(environ):
            problem = _run(argv, text)
            if not problem:
                return Copied(SYSTEM)
            problems.append(problem)
    osc52(text)
    return Copied(TERMINAL, "; ".join(problems))
