"""Write an argv as a line that a given shell reads back as exactly that argv.

The canonical form (:mod:`nlcli_wizard.validator`) is quoted the POSIX way, which bash reads right
but other shells do not: fish reads ``\\\\`` and ``\\'`` inside single quotes, so a value ending in a
backslash closes no quote and ``(touch x)`` after it runs as a command substitution; fish expands a
word starting with ``%self`` to its pid; zsh expands a word starting with ``=`` to a program's path.
:func:`join` quotes each word for the shell that will read the line (the shell binding's edit line,
the clipboard), and :func:`argv_as_run` is the argv that shell then hands the program — ``~`` expanded
where a word leaves it bare, as every one of these shells does — so running it without a shell
(ctrl+r) passes the same argv.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

SHELLS = ("bash", "zsh", "fish", "posix")
# Characters no shell here gives a meaning anywhere in a word (shlex's set; fish also reads a leading '%').
_SAFE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
_FISH_SAFE = re.compile(r"[A-Za-z0-9_@+=:,./-]+")


def expands_home(word: str) -> bool:
    """Whether the word's leading ``~`` is left bare for the shell to expand (``~`` or ``~/...``);
    ``~user`` and a ``~`` anywhere else are quoted and stay literal."""
    return word == "~" or (word.startswith("~/") and len(word) > 2)


def _posix(word: str) -> str:
    return word if _SAFE.fullmatch(word) else _single(word)


def _single(word: str) -> str:
    """Single quotes, always (``shlex.quote`` leaves a word of safe characters bare)."""
    return "'" + word.replace("'", "'\"'\"'") + "'"


def _zsh(word: str) -> str:
    # zsh's EQUALS option turns a word starting with '=' into a program's path ('=ls' -> /usr/bin/ls).
    return _single(word) if word.startswith("=") else _posix(word)


def _fish(word: str) -> str:
    if _FISH_SAFE.fullmatch(word):
        return word
    # Inside fish's single quotes only \\ and \' are escapes; everything else is literal.
    return "'" + word.replace("\\", "\\\\").replace("'", "\\'") + "'"


_QUOTERS = {"bash": _posix, "posix": _posix, "zsh": _zsh, "fish": _fish}


def quote_word(word: str, shell: str = "posix") -> str:
    """One word, quoted so ``shell`` reads it back unchanged (a bare leading ``~/`` stays bare)."""
    quoter = _QUOTERS[check_shell(shell)]
    if word == "~":
        return word
    if expands_home(word):
        return "~/" + quoter(word[2:])
    return quoter(word) if word else "''"


def join(argv: Sequence[str], shell: str = "posix") -> str:
    """The line ``shell`` splits back into ``argv`` (with ``~`` expanded where :func:`expands_home`)."""
    return " ".join(quote_word(word, shell) for word in argv)


def argv_as_run(argv: Sequence[str], home: str | None = None) -> list[str]:
    """What a shell hands the program for :func:`join`'s line: each bare ``~`` expanded to ``home``."""
    home = home if home is not None else os.path.expanduser("~")
    return [home + word[1:] if expands_home(word) else word for word in argv]


def check_shell(shell: str) -> str:
    if shell not in SHELLS:
        from nlcli_wizard.errors import UsageError

        raise UsageError(f"The shell '{shell}' is not supported; use one of {', '.join(SHELLS)}.")
    return shell


def detect_shell(environ: Mapping[str, str] | None = None) -> str:
    """The user's shell from ``$SHELL`` (``/usr/bin/fish`` -> ``fish``), ``posix`` when it is none of ours."""
    environ = os.environ if environ is None else environ
    name = os.path.basename(environ.get("SHELL", ""))
    return name if name in SHELLS else "posix"
