"""``nlcli-wizard shell-init``: real bash, zsh and fish in tmux, the edit line read back with capture-pane.

A stand-in TUI ($NLCLI_TUI) records the request it was given and prints a fixed command, so the
shell plumbing is tested without the model; one test runs the real app on a scripted engine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nlcli_wizard.errors import UsageError
from nlcli_wizard.shell import snippet
from tests.conftest import ROOT, run_cli

PROMPT = "READY> "
MARK = PROMPT.strip()  # capture-pane drops trailing spaces


def need(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed (apt-get install -y {program})")
    return path


class Tmux:
    """One shell in a private tmux server, sized so a command fits on one row."""

    def __init__(self, tmp: Path, argv: list[str], env: dict[str, str]) -> None:
        self.socket = str(tmp / "tmux.sock")
        self.env = {**os.environ, **env}
        self._tmux("new-session", "-d", "-x", "160", "-y", "30", *argv)

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=True,
                              env=self.env, timeout=30).stdout

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-l", text)

    def press(self, *keys: str) -> None:
        self._tmux("send-keys", *keys)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def prompt_line(self) -> str:
        """The last line that shows the prompt: the shell's edit line."""
        lines = [line for line in self.screen().splitlines() if line.startswith(MARK)]
        return lines[-1][len(MARK):].strip() if lines else ""

    def wait_for(self, check, what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True, env=self.env)


def start_shell(shell: str, tmp: Path, tui: str, key: str = "ctrl+g") -> Tmux:
    """``shell`` with only the snippet loaded and a plain prompt, waiting at its prompt."""
    path = need(shell)
    code = snippet(shell, key, program="/nonexistent/nlcli-tui")  # $NLCLI_TUI must win
    env = {"NLCLI_TUI": tui, "TERM": "xterm-256color"}
    if shell == "bash":
        rc = tmp / "bashrc"
        rc.write_text(f"PS1='{PROMPT}'\n{code}")
        argv = [path, "--noprofile", "--rcfile", str(rc), "-i"]
    elif shell == "zsh":
        (tmp / ".zshrc").write_text(f"PROMPT='{PROMPT}'\nbindkey -e\n{code}")
        env["ZDOTDIR"] = str(tmp)
        argv = [path, "-i"]
    else:
        rc = tmp / "config.fish"
        rc.write_text(f"function fish_prompt; printf '{PROMPT}'; end\nset -g fish_greeting\n{code}")
        argv = [path, "--no-config", "-i", "-C", f"source {rc}"]
    session = Tmux(tmp, argv, env)
    session.wait_for(lambda: MARK in session.screen(), f"the {shell} prompt")
    return session


def fake_tui(tmp: Path, output: str) -> str:
    """A stand-in for nlcli-tui: records its arguments, prints ``output`` (as ctrl+o would)."""
    script = tmp / "fake-tui"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {tmp}/args\nprintf '%s' '{output}'\n")
    script.chmod(0o755)
    return str(script)


SHELL_NAMES = ["bash", "zsh", "fish"]


@pytest.mark.parametrize("shell", SHELL_NAMES)
def test_accepted_command_replaces_the_edit_line_unexecuted(shell, tmp_path):
    ran = tmp_path / "ran"
    session = start_shell(shell, tmp_path, fake_tui(tmp_path, f"touch {ran}"))
    try:
        session.type("show my venvs sorted by size")
        session.press("C-g")
        session.wait_for(lambda: session.prompt_line() == f"touch {ran}", "the command on the edit line")
        assert (tmp_path / "args").read_text() == f"--from-shell\n--shell\n{shell}\n--\nshow my venvs sorted by size\n"
        time.sleep(0.3)
        assert not ran.exists()  # on the line, not executed
        session.type("_2")  # the cursor is at the end of the new line
        session.press("Enter")
        session.wait_for(lambda: Path(f"{ran}_2").exists(), "the edited command to run on enter")
    finally:
        session.close()


@pytest.mark.parametrize("shell", SHELL_NAMES)
def test_quitting_without_a_command_leaves_the_line_as_it_was(shell, tmp_path):
    session = start_shell(shell, tmp_path, fake_tui(tmp_path, ""))
    try:
        session.type("list my venvs")
        session.press("C-g")
        session.wait_for(lambda: (tmp_path / "args").exists(), "the stand-in TUI to run")
        time.sleep(0.3)
        assert session.prompt_line() == "list my venvs"
    finally:
        session.close()


def test_key_option_binds_another_key(tmp_path):
    session = start_shell("bash", tmp_path, fake_tui(tmp_path, "venvy stats"), key="alt+e")
    try:
        session.type("stats please")
        session.press("C-g")  # no longer bound to the TUI
        time.sleep(0.3)
        assert not (tmp_path / "args").exists()
        session.press("M-e")
        session.wait_for(lambda: session.prompt_line() == "venvy stats", "the command on the edit line")
    finally:
        session.close()


REAL_TUI = f"""\
import sys
sys.path.insert(0, {str(ROOT)!r})
from app.main import make_app, parse_args
from nlcli_wizard.config import Config
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.service import Wizard

args = parse_args()
engine = ScriptedEngine({{"sorted by size": (" venvy list --sort size", 0.99)}})
app = make_app(Wizard(lambda tool: engine, config=Config(), shell=args.shell), initial_query=" ".join(args.query),
               from_shell=args.from_shell)
command = app.run()
with open(sys.argv[0] + ".exit", "w") as done:  # the exit code, for the test to read
    done.write(str(app.return_code or 0))
if command and not app.return_code:
    print(app.wizard.for_shell(command))
"""


def real_tui(tmp: Path) -> str:
    script = tmp / "tui.py"
    script.write_text(REAL_TUI)
    launcher = tmp / "tui"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} {script} \"$@\"\n")
    launcher.chmod(0o755)
    return str(launcher)


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_real_tui_translates_the_line_and_ctrl_o_puts_its_answer_back(shell, tmp_path):
    """The app itself (on a scripted engine) draws on the terminal inside the key binding."""
    session = start_shell(shell, tmp_path, real_tui(tmp_path))
    try:
        session.type("show my venvs sorted by size")
        session.press("C-g")
        session.wait_for(lambda: "ctrl+r run" in session.screen(), "the TUI to show its answer")
        assert "venvy list --sort size" in session.screen()
        # The app fills the terminal (160 columns), not Textual's 80-column fallback for a piped stdout.
        title = next(line for line in session.screen().splitlines() if "nlcli-wizard" in line)
        assert title.index("nlcli-wizard") > 50, title
        session.press("C-o")
        session.wait_for(lambda: session.prompt_line() == "venvy list --sort size", "the answer on the edit line")
    finally:
        session.close()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_escape_in_the_real_tui_leaves_the_line_as_it_was(shell, tmp_path):
    """Started from the binding, escape with nothing to cancel quits as ctrl+q does: exit 0, no command."""
    session = start_shell(shell, tmp_path, real_tui(tmp_path))
    try:
        session.type("show my venvs sorted by size")
        session.press("C-g")
        session.wait_for(lambda: "ctrl+r run" in session.screen(), "the TUI to show its answer")
        session.press("Escape")
        session.wait_for(lambda: (tmp_path / "tui.py.exit").exists(), "the TUI to quit on escape")
        assert (tmp_path / "tui.py.exit").read_text() == "0"
        session.wait_for(lambda: session.prompt_line() == "show my venvs sorted by size", "the line as it was")
        assert "venvy list" not in session.screen()
    finally:
        session.close()


def test_cli_prints_the_snippet_and_refuses_bad_keys_and_shells():
    out = run_cli("shell-init", "zsh", "--key", "alt+e")
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    assert "bindkey -M emacs '^[e' __nlcli_wizard_edit_line" in text and "zle reset-prompt" in text
    bad = run_cli("shell-init", "bash", "--key", "ctrl+m")
    assert bad.returncode == 2 and "is Enter in a terminal" in bad.stderr.decode()
    assert run_cli("shell-init", "tcsh").returncode == 2


@pytest.mark.parametrize("key", ["g", "ctrl+gg", "shift+g", "ctrl+1", "ctrl+c"])
def test_unbindable_keys_are_usage_errors(key):
    with pytest.raises(UsageError, match="cannot be bound|in a terminal"):
        snippet("bash", key)
