"""Key bindings that put nlcli-tui on the shell's own edit line.

    eval "$(nlcli-wizard shell-init bash)"        # in ~/.bashrc
    eval "$(nlcli-wizard shell-init zsh)"         # in ~/.zshrc
    nlcli-wizard shell-init fish | source         # in ~/.config/fish/config.fish

The key (ctrl+g unless ``--key`` says otherwise) hands what is typed on the edit line to
``nlcli-tui`` as its request. The TUI draws on the terminal (stderr) and prints the command
the user accepts with ctrl+o on stdout, which the binding puts on the edit line, cursor at
the end, for the user to review and run — never runs it. Quitting with escape (the TUI is started
with ``--from-shell``) or ctrl+q prints nothing and leaves the line as it was. ``$NLCLI_TUI`` replaces the TUI program (the tests use a stand-in).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from nlcli_wizard.errors import UsageError
from nlcli_wizard.quoting import quote_word

SHELLS = ("bash", "zsh", "fish")
ENV_TUI = "NLCLI_TUI"

# Keys a terminal or the shell already gives another meaning: Tab, Enter, newline and
# backspace arrive as these control codes, and ctrl+c/z/s/q are taken by the terminal itself.
_RESERVED = {"i": "Tab", "m": "Enter", "j": "Enter", "h": "Backspace", "c": "interrupt", "z": "suspend",
             "s": "flow control", "q": "flow control"}


def _key(key: str) -> tuple[str, str]:
    """``"ctrl+g"`` -> ``("ctrl", "g")``; a UsageError for a key a shell binding cannot take."""
    modifier, _, letter = key.strip().lower().partition("+")
    if modifier not in ("ctrl", "alt") or len(letter) != 1 or not letter.isascii() or not letter.isalpha():
        raise UsageError(f"The key '{key}' cannot be bound; use ctrl+LETTER or alt+LETTER, e.g. --key ctrl+g.")
    if modifier == "ctrl" and letter in _RESERVED:
        raise UsageError(f"The key '{key}' is {_RESERVED[letter]} in a terminal; choose another, e.g. --key ctrl+g.")
    return modifier, letter


def tui_program() -> str:
    """nlcli-tui beside this Python first, so the binding works in a shell whose PATH lacks the venv."""
    beside = Path(sys.executable).parent / "nlcli-tui"
    if beside.exists():
        return str(beside)
    return shutil.which("nlcli-tui") or "nlcli-tui"


def snippet(shell: str, key: str = "ctrl+g", program: str | None = None, tool: str | None = None) -> str:
    """The shell code to ``eval``: a function that runs the TUI on the edit line, bound to ``key``; with
    ``tool``, the TUI starts on that tool."""
    modifier, letter = _key(key)
    if shell not in SHELLS:
        raise UsageError(f"The shell '{shell}' is not supported; use one of {', '.join(SHELLS)}.")
    program = quote_word(program or tui_program(), shell)
    options = f"--from-shell --shell {shell}" + (f" --tool {quote_word(tool, shell)}" if tool else "")
    if shell == "bash":
        seq = f"\\C-{letter}" if modifier == "ctrl" else f"\\e{letter}"
        return _BASH.format(program=program, seq=seq, key=key, options=options)
    if shell == "zsh":
        seq = f"^{letter.upper()}" if modifier == "ctrl" else f"^[{letter}"
        return _ZSH.format(program=program, seq=seq, key=key, options=options)
    seq = f"\\c{letter}" if modifier == "ctrl" else f"\\e{letter}"
    return _FISH.format(program=program, seq=seq, key=key, options=options)


# The TUI reads the terminal on stdin (/dev/tty: a widget's own stdin is not always it) and draws
# on stderr; only the accepted command comes out on stdout. It measures the terminal it draws on
# itself (app.main.terminal_size), so a resize while it is open redraws at the new size.
# --from-shell makes escape leave the line as it was; --shell quotes the command the way that shell
# reads it back (nlcli_wizard.quoting); "--" keeps a line that starts with "-" a request rather than
# an option.
_BASH = """\
# nlcli-wizard: {key} turns the edit line into a command (nlcli-tui; ctrl+o accepts, escape or ctrl+q leaves it)
__nlcli_wizard_edit_line() {{
    local cmd
    cmd=$("${{NLCLI_TUI:-{program}}}" {options} -- "$READLINE_LINE" </dev/tty) || return 0
    if [[ -n $cmd ]]; then
        READLINE_LINE=$cmd
        READLINE_POINT=${{#cmd}}
    fi
}}
bind -m emacs -x '"{seq}": __nlcli_wizard_edit_line'
bind -m vi-insert -x '"{seq}": __nlcli_wizard_edit_line'
"""

_ZSH = """\
# nlcli-wizard: {key} turns the edit line into a command (nlcli-tui; ctrl+o accepts, escape or ctrl+q leaves it)
__nlcli_wizard_edit_line() {{
    local cmd
    cmd=$("${{NLCLI_TUI:-{program}}}" {options} -- "$BUFFER" </dev/tty)
    if [[ $? -eq 0 && -n $cmd ]]; then
        BUFFER=$cmd
        CURSOR=${{#BUFFER}}
    fi
    zle reset-prompt
}}
zle -N __nlcli_wizard_edit_line
bindkey -M emacs '{seq}' __nlcli_wizard_edit_line
bindkey -M viins '{seq}' __nlcli_wizard_edit_line
"""

_FISH = """\
# nlcli-wizard: {key} turns the edit line into a command (nlcli-tui; ctrl+o accepts, escape or ctrl+q leaves it)
function __nlcli_wizard_edit_line
    set -l tui {program}
    set -q NLCLI_TUI; and set tui $NLCLI_TUI
    set -l cmd ($tui {options} -- (commandline | string collect) </dev/tty | string collect)
    # A TUI that failed or was quit printed nothing: the line stays as it was.
    if test -n "$cmd"
        commandline -r -- $cmd
        commandline -C (string length -- $cmd)
    end
    commandline -f repaint
end
bind {seq} __nlcli_wizard_edit_line
bind -M insert {seq} __nlcli_wizard_edit_line
"""
