"""``cmd=$(nlcli-tui)``: the app draws at the size of the terminal it draws on, not Textual's 80x24
fallback for a stdout that is not a terminal (issue 12, shell integration)."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import sys
import termios

import pytest

from app import main as tui_main
from app.main import parse_args, terminal_size


@pytest.fixture
def terminal():
    """A pseudo-terminal 132 columns by 43 lines; yields its fd."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 43, 132, 0, 0))
    yield follower
    os.close(leader)
    os.close(follower)


@pytest.fixture
def pipe():
    read, write = os.pipe()
    yield write
    os.close(read)
    os.close(write)


def test_the_size_is_the_terminal_the_app_draws_on(terminal, pipe, tmp_path):
    not_a_tty = tmp_path / "file"
    not_a_tty.write_text("")
    assert terminal_size({}, fds=[pipe, terminal], tty_path=str(not_a_tty)) == (132, 43)
    # COLUMNS and LINES win, one at a time, as they do for Textual on a terminal stdout.
    assert terminal_size({"COLUMNS": "100", "LINES": "x"}, fds=[terminal]) == (100, 43)


def test_the_controlling_terminal_answers_when_stderr_is_not_one(terminal, pipe):
    assert terminal_size({}, fds=[pipe], tty_path=os.ttyname(terminal)) == (132, 43)


def test_no_terminal_anywhere_means_no_size(pipe, tmp_path):
    assert terminal_size({}, fds=[pipe], tty_path=str(tmp_path / "missing")) is None


def test_a_captured_stdout_gets_a_driver_that_measures_the_drawn_terminal(monkeypatch):
    from textual.drivers.linux_driver import LinuxDriver

    monkeypatch.setattr(sys, "__stdout__", io.StringIO())  # what $(...) gives: not a terminal
    monkeypatch.setattr(tui_main, "terminal_size", lambda: (132, 43))
    driver = tui_main._driver_class()
    assert driver is not None and issubclass(driver, LinuxDriver)
    assert driver._get_terminal_size(object.__new__(driver)) == (132, 43)  # on start and on each SIGWINCH


def test_a_terminal_stdout_keeps_textuals_own_driver(monkeypatch, terminal):
    with os.fdopen(os.dup(terminal), "w") as stdout:
        monkeypatch.setattr(sys, "__stdout__", stdout)
        assert tui_main._driver_class() is None


def test_from_shell_is_a_flag_before_the_request():
    args = parse_args(["--from-shell", "--", "-rf my venvs"])
    assert args.from_shell and args.query == ["-rf my venvs"]
    assert not parse_args(["list", "my", "venvs"]).from_shell
