"""Copy text to the user's clipboard, wherever the user is.

pyperclip reaches the local desktop clipboard. Over SSH (or on a headless
box) it has none, or the wrong machine's, so the text goes through the
terminal instead: the OSC 52 escape sequence, which the user's own terminal
emulator turns into a clipboard write on *their* machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pyperclip

SYSTEM = "system clipboard"
TERMINAL = "terminal clipboard (OSC 52)"


def copy(text: str, osc52: Callable[[str], None]) -> str:
    """Copy and return which clipboard was used."""
    remote = bool(os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"))
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if not remote or has_display:
        try:
            pyperclip.copy(text)
            return SYSTEM
        except pyperclip.PyperclipException:
            pass  # no clipboard program here: fall through to the terminal
    osc52(text)
    return TERMINAL
