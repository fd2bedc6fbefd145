"""``nlcli-tui``: start the app.

    nlcli-tui                      # interactive
    nlcli-tui "list my venvs"      # start with a request typed in
    cmd=$(nlcli-tui)               # ctrl+o prints the chosen command to stdout
    nlcli-tui --from-shell -- LINE # what the shell binding runs: escape then leaves LINE as it was
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from app.tui import NlcliApp
from nlcli_wizard.quoting import SHELLS
from nlcli_wizard.service import Wizard


def _measure(fd: int) -> tuple[int, int] | None:
    try:
        size = os.get_terminal_size(fd)
    except OSError:  # not a terminal
        return None
    return size.columns, size.lines


def terminal_size(environ: Mapping[str, str] | None = None, fds: Sequence[int] | None = None,
                  tty_path: str = "/dev/tty") -> tuple[int, int] | None:
    """(columns, lines) of the terminal the app draws on, for when stdout is not that terminal.

    Textual measures stdout, which ``cmd=$(nlcli-tui)`` captures, and would draw an 80x24 app on any
    terminal. The app draws on stderr, so the size is stderr's (``fds``), else the controlling
    terminal's (``tty_path``); COLUMNS and LINES win where set, as they do for Textual on a terminal
    stdout. None when none of them is a terminal.
    """
    environ = os.environ if environ is None else environ
    size = next(filter(None, map(_measure, (sys.__stderr__.fileno(),) if fds is None else fds)), None)
    if size is None:
        try:
            tty = os.open(tty_path, os.O_RDONLY | os.O_NOCTTY)
        except OSError:
            return None
        try:
            size = _measure(tty)
        finally:
            os.close(tty)
    if size is None:
        return None

    def override(name: str, measured: int) -> int:
        value = environ.get(name, "")
        return int(value) if value.isdigit() and int(value) > 0 else measured

    return override("COLUMNS", size[0]), override("LINES", size[1])


def _driver_class() -> type | None:
    """Textual's own driver, unless stdout is captured: then one that measures the terminal it draws on,
    on start and on every resize (SIGWINCH)."""
    if sys.platform == "win32" or sys.__stdout__.isatty():
        return None
    from textual.drivers.linux_driver import LinuxDriver

    class DrawnTerminalDriver(LinuxDriver):
        # The linux driver's one place that sizes the screen (the headless driver overrides it too).
        def _get_terminal_size(self) -> tuple[int, int]:
            return terminal_size() or super()._get_terminal_size()

    return DrawnTerminalDriver


def make_app(wizard: Wizard | None = None, initial_query: str = "", from_shell: bool = False,
             shell: str | None = None, tool: str | None = None) -> NlcliApp:
    return NlcliApp(wizard or Wizard(shell=shell, tool=tool), initial_query=initial_query, from_shell=from_shell,
                    driver_class=_driver_class())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nlcli-tui", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("query", nargs="*", help="a request to start with")
    parser.add_argument("--from-shell", action="store_true",
                        help="started by the shell's key binding: escape with nothing to cancel quits "
                             "without a command, leaving the edit line as it was")
    parser.add_argument("--tool", help="the tool plugin to start with (default: $NLCLI_TOOL, config.json's \"tool\", "
                                      "else the default tool); ctrl+p switches")
    parser.add_argument("--shell", choices=SHELLS,
                        help="quote the printed command for this shell (default: $SHELL's, else POSIX)")
    return parser.parse_args(argv)


def entry() -> None:
    args = parse_args()
    from nlcli_wizard.engine import silence_llama_logs

    silence_llama_logs()  # before anything loads: llama.cpp must not write on the TUI's screen
    from nlcli_wizard.errors import NlcliError

    try:
        app = make_app(initial_query=" ".join(args.query), from_shell=args.from_shell, shell=args.shell,
                       tool=args.tool)
    except NlcliError as exc:  # an unknown tool, or its program not installed: one sentence, no screen
        print(f"nlcli-tui: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    command = app.run()
    # Textual sets a non-zero return code when the app ended on an unhandled error;
    # a script running `cmd=$(nlcli-tui)` must see that, and no command.
    code = app.return_code or 0
    if command and code == 0:
        print(app.wizard.for_shell(command))
    sys.exit(code)


if __name__ == "__main__":
    entry()
