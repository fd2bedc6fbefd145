"""The user's corrections, applied at once: a flagged request gets the user's answer back.

The feedback log (:mod:`nlcli_wizard.feedback`) stays the one store. A correction is a
``wrong`` record with a ``corrected`` command (or ``NONE``); a ``wrong`` record without one
says the answer it names is wrong and nothing replaces it, so it withdraws the request's
earlier correction — which is how ``nlcli-wizard corrections --forget N`` forgets: it appends
such a record, and never rewrites the file another process may be appending to.

A request matches a correction up to case, whitespace and punctuation, and, for requests of
at least :data:`TYPO_MIN_WORDS` words, one typo (edit distance 1 on the normalized text); a
short request is too easily a different request one letter away ("ls" vs "rm"-like pairs).
The latest record for a request wins. A correction venvy's parser now rejects (venvy changed,
or the file was edited) is ignored with a notice rather than offered.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nlcli_wizard import feedback
from nlcli_wizard.feedback import FeedbackRecord
from nlcli_wizard.prompt import ABSTAIN
from nlcli_wizard.translator import Translation
from nlcli_wizard.validator import validate

TYPO_MIN_WORDS = 4


@dataclass(frozen=True)
class Notice:
    """Something the user should know about their request that is not the answer itself."""

    text: str


@dataclass(frozen=True)
class Correction:
    """The user's answer for a request: ``command`` is None for "venvy cannot do this" (NONE)."""

    query: str
    command: str | None
    timestamp: str
    key: str


def normalize(query: str) -> str:
    """The request up to case, whitespace and punctuation: ``"Show my venvs, by SIZE!"`` -> ``"show my venvs by size"``.

    Punctuation becomes a space rather than vanishing, so "size,age" and "size age" meet.
    """
    spaced = "".join(" " if unicodedata.category(ch).startswith(("P", "Z", "C")) else ch
                     for ch in unicodedata.normalize("NFKC", query))
    return " ".join(spaced.casefold().split())


def within_one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by at most one insertion, deletion or substitution."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    # After the first difference the rest must match, skipping one character of b (insertion)
    # or one of each (substitution).
    return a[i:] == b[i + 1:] or (len(a) == len(b) and a[i + 1:] == b[i + 1:])


def latest(records: Iterable[FeedbackRecord]) -> dict[str, Correction]:
    """Each request's standing correction (by normalized key), in file order so the last one wins;
    a ``wrong`` record without a correction withdraws the request's earlier one."""
    standing: dict[str, Correction] = {}
    for record in records:
        if record.verdict != "wrong":
            continue
        key = normalize(record.query)
        if not key:
            continue
        corrected = (record.corrected or "").strip()
        if not corrected:
            standing.pop(key, None)
            continue
        command = None if corrected.upper() == ABSTAIN else corrected
        standing.pop(key, None)  # re-insert, so the listing is ordered by the latest change
        standing[key] = Correction(record.query, command, record.timestamp, key)
    return standing


class Corrections:
    """The corrections in one feedback file, re-read whenever the file changes (another
    instance may have saved one), so a correction applies at once everywhere."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._standing: dict[str, Correction] = {}

    def all(self) -> list[Correction]:
        """Standing corrections, oldest change first."""
        self._refresh()
        return list(self._standing.values())

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
        except OSError:
            # No file, or one that cannot be read (a parent that is a file, no permission): no corrections.
            # Saving one reports the problem; translating must not fail over it.
            self._standing, self._stamp = {}, None
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:
                records, _skipped = feedback.read(self.path)
            except OSError:
                records = []
            self._standing = latest(records)
            self._stamp = stamp

    def find(self, query: str) -> Correction | None:
        key = normalize(query)
        if not key:
            return None
        self._refresh()
        if key in self._standing:
            return self._standing[key]
        if len(key.split()) < TYPO_MIN_WORDS:
            return None
        near = [c for c in self._standing.values()
                if len(c.key.split()) >= TYPO_MIN_WORDS and within_one_edit(key, c.key)]
        return near[-1] if near else None  # the most recently changed of equally near ones

    def answer(self, query: str, model_id: str = "") -> Translation | Notice | None:
        """The user's own answer for ``query`` as a Translation (``source="correction"``), a Notice
        when the standing correction no longer validates, or None when there is none."""
        started = time.perf_counter()
        found = self.find(query)
        if found is None:
            return None
        common = dict(query=query, model_id=model_id, source="correction")
        if found.command is None:
            return Translation(
                command=None, confidence=1.0, abstained=True, latency_s=time.perf_counter() - started,
                reason=f"You said venvy cannot do this (your correction for '{found.query}'); "
                       "'nlcli-wizard corrections' lists your corrections and can forget one.",
                **common,
            )
        check = validate(found.command)
        if not check.ok or check.parsed is None:
            return Notice(f"Your correction '{found.command}' for '{found.query}' is not a valid venvy command "
                          f"any more ({check.reason}); it is ignored and the model answers instead.")
        parsed = check.parsed
        return Translation(
            command=parsed.canonical, confidence=1.0, abstained=False, reason="",
            latency_s=time.perf_counter() - started, candidate=parsed.canonical, subcommand=parsed.subcommand,
            used_options=tuple(parsed.used_options()), parsed=parsed, **common,
        )

    def forget(self, number: int, model_id: str = "") -> Correction:
        """Withdraw the ``number``-th correction of :meth:`all` (1-based) by appending a record;
        raises UsageError for a number that names none."""
        from nlcli_wizard.errors import UsageError

        standing = self.all()
        if not 1 <= number <= len(standing):
            count = f"1 to {len(standing)}" if standing else "none: there are no corrections"
            raise UsageError(f"There is no correction number {number} (valid: {count}); "
                             "'nlcli-wizard corrections' lists them.")
        target = standing[number - 1]
        feedback.append(FeedbackRecord(query=target.query, predicted=target.command or ABSTAIN, confidence=1.0,
                                       verdict="wrong", model_id=model_id, corrected=None), self.path)
        return target
