"""JSON from files a user (or anyone who can write them) controls, parsed within bounds.

``json.loads`` recurses once per nesting level: a line of 100,000 ``[`` raised RecursionError out
of every reader (translate, corrections, the TUI, the feedback merge). :func:`loads` measures the
nesting first and refuses what is deeper than any file of ours can be, or longer than it can be.
"""

from __future__ import annotations

import json
import re

MAX_DEPTH = 32
MAX_CHARS = 1_000_000

# A string literal (its escapes included) or a bracket; brackets inside strings are skipped whole.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


class JSONLimitError(ValueError):
    """Text nested deeper or longer than :data:`MAX_DEPTH` / :data:`MAX_CHARS` allow."""


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (strings excluded)."""
    deepest = level = 0
    for match in _TOKENS.finditer(text):
        char = match.group(0)
        if char in "[{":
            level += 1
            deepest = max(deepest, level)
        elif char in "]}":
            level -= 1
    return deepest


def loads(text: str, max_depth: int = MAX_DEPTH, max_chars: int = MAX_CHARS):
    """``json.loads`` that raises :class:`JSONLimitError` (a ValueError) for text too long or too deep."""
    if len(text) > max_chars:
        raise JSONLimitError(f"it is longer than {max_chars} characters")
    if depth(text) > max_depth:
        raise JSONLimitError(f"it is nested deeper than {max_depth} levels")
    return json.loads(text)
