"""Text from users, the model, venvy and files, made safe to write on a terminal.

A terminal runs what it is sent: an ESC in a request, a model answer or venvy's output would be a live
escape sequence (colours, cursor moves, a retitled window), and a request from the shell's edit line can
hold one. Each control character is shown as one visible character instead, its Unicode control picture
(ESC -> U+241B), so lengths and cursor positions stay the same; C1 controls, which some terminals also
obey, have no pictures and become U+FFFD. The TUI and the CLI's human-readable output both use this.
"""

from __future__ import annotations

import json
import re

_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}
_PICTURES |= {code: "\ufffd" for code in range(0x80, 0xA0)}
_LAYOUT = {ord("\n"), ord("\t")}
_PICTURES_KEEPING_LAYOUT = {code: picture for code, picture in _PICTURES.items() if code not in _LAYOUT}
# What JSON leaves unescaped that a terminal may still obey or that reorders what is shown: C1 controls
# and the bidirectional and zero-width format characters.
_JSON_UNSAFE = re.compile("[\x80-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")


def visible(text: str, keep_layout: bool = True) -> str:
    """``text`` with every control character replaced by a visible one; newlines and
    tabs stay unless ``keep_layout`` is false (a one-line input shows them too)."""
    return text.translate(_PICTURES_KEEPING_LAYOUT if keep_layout else _PICTURES)


def json_line(data: object) -> str:
    """One JSON object for stdout: readable unicode, but nothing a terminal would act on (C0 controls
    are escaped by JSON itself; C1 and bidi controls here, as ``\\u`` escapes, which parse back the same)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(data, ensure_ascii=False))
