"""The user's corrections, applied at once: a flagged request gets the user's answer back.

The feedback log (:mod:`nlcli_wizard.feedback`) stays the one store. A correction is a
``wrong`` record with a ``corrected`` command (or ``NONE``); a ``wrong`` record without one
says the answer it names is wrong and nothing replaces it, so it withdraws the request's
earlier correction — which is how ``nlcli-wizard corrections --forget N`` forgets: it appends
such a record, and never rewrites the file another process may be appending to.

A correction answers only the same request: the same words up to case, runs of whitespace and
the punctuation that ends it — and every value of the correction (a name, a path, a number) that
the saved request wrote must stand in the new one exactly, case and all. "…api1…" never gets the
correction saved for "…api2…", "30 days" not the one for "300 days", "not delete" not the one for
"now delete", ``~/work-api`` not the one for ``~/work/api``. A request one letter or one case away
gets a :class:`Notice` naming the similar correction, never the answer. A correction that deletes
is still judged by the safety gate, like any answer. The latest record for a request wins; one
venvy's parser now rejects (venvy changed, or the file was edited) is ignored with a notice.

The file is read once and then only what was appended (:func:`feedback.scan` from an offset); an
index in ``$NLCLI_HOME/cache/`` carries that offset and the standing corrections to the next process,
so a long feedback file costs a translate nothing once indexed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from nlcli_wizard import feedback, jsonsafe, paths
from nlcli_wizard.catalog import Catalog
from nlcli_wizard.errors import FeedbackError
from nlcli_wizard.feedback import FeedbackRecord
from nlcli_wizard.prompt import ABSTAIN
from nlcli_wizard.tools import ToolProfile
from nlcli_wizard.translator import Translation
from nlcli_wizard.validator import ParsedCommand, validate

TYPO_MIN_WORDS = 4
_TRAILING = ".,;:!?\u2026 \t"
INDEX_VERSION = 2
# Bytes of the file's start the index remembers, to notice a file replaced by another of the same size.
_HEAD_BYTES = 4096


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
    """The request up to case, runs of whitespace and its closing punctuation:
    ``"  Show my VENVS  sorted by SIZE?! "`` -> ``"show my venvs sorted by size"``. Nothing else is
    folded: punctuation inside ("~/work-api", "size,age") and unicode forms stay as typed."""
    return " ".join(query.split()).rstrip(_TRAILING).casefold()


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


def values_of(parsed: ParsedCommand) -> list[str]:
    """The names, paths and numbers a command sets, as text (flags and choices, which the tool reads
    in any case, are not among them)."""
    return [text for _param, kind, text in parsed.texts() if kind in ("path", "string", "int", "float")]


def same_values(saved: str, query: str, command: str | None, catalog: Catalog) -> bool:
    """Does ``query`` keep, exactly, every value of ``command`` that ``saved`` (the corrected request) wrote?"""
    if command is None:
        return True
    check = validate(command, catalog)
    if not check.ok or check.parsed is None:
        return True  # judged when it answers: an invalid correction is refused with its own notice
    return all(value in query for value in values_of(check.parsed) if value in saved)


def tool_of(record: FeedbackRecord) -> str | None:
    """The tool a record was given for: its own field, or (an older record) the program its commands run."""
    if record.tool:
        return record.tool
    for command in (record.corrected, record.predicted):
        if command and command.strip().upper() != ABSTAIN:
            return command.split()[0]
    return None


def latest(records: Iterable[FeedbackRecord], standing: dict[str, Correction] | None = None,
           tool: ToolProfile | None = None) -> dict[str, Correction]:
    """Each request's standing correction (by normalized key), in file order so the last one wins;
    a ``wrong`` record without a correction withdraws the request's earlier one. With ``tool``, only that
    tool's records count."""
    standing = {} if standing is None else standing
    names = {tool.name, tool.program} if tool is not None else None
    for record in records:
        if record.verdict != "wrong" or (names is not None and tool_of(record) not in names):
            continue
        key = normalize(record.query)
        if not key:
            continue
        corrected = (record.corrected or "").strip()
        standing.pop(key, None)  # re-inserted below, so the listing is ordered by the latest change
        if corrected:
            command = None if corrected.upper() == ABSTAIN else corrected
            standing[key] = Correction(record.query, command, record.timestamp, key)
    return standing


class Corrections:
    """One tool's corrections in one feedback file, kept up to date with what other instances append."""

    def __init__(self, path: Path, tool: ToolProfile, index_dir: Path | None = None) -> None:
        self.path = path
        self.tool = tool
        self.catalog = tool.catalog
        self.index_path = (index_dir or path.parent / "cache") / f"corrections-{tool.name}.json"
        self._where: tuple[int, int, str] | None = None  # (device, inode, hash of the head) of what was read
        self._offset = 0
        self._standing: dict[str, Correction] = {}
        self._load_index()

    def all(self) -> list[Correction]:
        """Standing corrections, oldest change first."""
        self._refresh()
        return list(self._standing.values())

    # -- reading only what is new ------------------------------------------
    def _head(self) -> str:
        with self.path.open("rb") as handle:
            return hashlib.sha256(handle.read(_HEAD_BYTES)).hexdigest()

    def _refresh(self) -> None:
        try:
            info = self.path.stat()
            head = self._head() if info.st_size else ""
        except OSError:
            # No file, or one that cannot be read (a parent that is a file, no permission): no corrections.
            # Saving one reports the problem; translating must not fail over it.
            self._standing, self._where, self._offset = {}, None, 0
            return
        where = (info.st_dev, info.st_ino, head if info.st_size >= _HEAD_BYTES else "")
        if where[:2] != (self._where or (None, None))[:2] or info.st_size < self._offset or (
                self._where and self._where[2] and where[2] != self._where[2]):
            self._standing, self._offset = {}, 0  # another file, or one cut short: read it from the start
        if info.st_size == self._offset and self._where is not None:
            return
        try:
            records = []
            for record, _reason, end in feedback.scan(self.path, self._offset):
                self._offset = end
                if record is not None and record.verdict == "wrong":
                    records.append(record)
        except (OSError, FeedbackError):
            self._standing, self._where, self._offset = {}, None, 0
            return
        latest(records, self._standing, self.tool)
        self._where = where
        self._save_index()

    def _load_index(self) -> None:
        try:
            data = jsonsafe.loads(self.index_path.read_text(encoding="utf-8"), max_chars=50_000_000)
            if data.get("v") != INDEX_VERSION or data.get("feedback") != str(self.path):
                return
            self._where = tuple(data["where"])
            self._offset = int(data["offset"])
            self._standing = {c["key"]: Correction(**c) for c in data["standing"]}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self._where, self._offset, self._standing = None, 0, {}  # no index, or a broken one: read the file

    def _save_index(self) -> None:
        """Best effort: without an index the next process reads the file whole, nothing worse."""
        data = {"v": INDEX_VERSION, "feedback": str(self.path), "where": list(self._where or ()),
                "offset": self._offset, "standing": [asdict(c) for c in self._standing.values()]}
        try:
            paths.private_dir(self.index_path.parent)
            fd, temporary = tempfile.mkstemp(dir=self.index_path.parent, prefix=".corrections-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False)
            os.replace(temporary, self.index_path)
        except OSError:
            pass

    # -- answering -----------------------------------------------------------
    def find(self, query: str) -> Correction | None:
        """The correction saved for this very request, or None."""
        key = normalize(query)
        if not key:
            return None
        self._refresh()
        found = self._standing.get(key)
        if found is not None and same_values(found.query, query, found.command, self.catalog):
            return found
        return None

    def similar(self, query: str) -> Correction | None:
        """A correction for a request that differs by one letter or in a value's case: shown, never used."""
        key = normalize(query)
        if not key:
            return None
        self._refresh()
        same_words = self._standing.get(key)
        if same_words is not None:
            return same_words
        if len(key.split()) < TYPO_MIN_WORDS:
            return None
        near = [c for c in self._standing.values() if len(c.key.split()) >= TYPO_MIN_WORDS and within_one_edit(key, c.key)]
        return near[-1] if near else None

    def answer(self, query: str, model_id: str = "", gate=None) -> Translation | Notice | None:
        """The user's own answer for ``query`` as a Translation (``source="correction"``), a Notice when a
        correction exists but cannot answer (a similar request's, one no longer valid, or one the safety
        gate ``gate(query, parsed)`` refuses: it returns a reason or None), or None when there is none."""
        started = time.perf_counter()
        found = self.find(query)
        if found is None:
            near = self.similar(query)
            if near is None:
                return None
            return Notice(f"You corrected a similar request ('{near.query}' → {near.command or 'NONE'}); it is "
                          "not used for this one, whose words or values differ. The model answers instead.")
        common = dict(query=query, model_id=model_id, source="correction")
        if found.command is None:
            return Translation(
                command=None, confidence=1.0, abstained=True, latency_s=time.perf_counter() - started,
                reason=f"You said {self.catalog.program} cannot do this (your correction for '{found.query}'); "
                       "'nlcli-wizard corrections' lists your corrections and can forget one.",
                **common,
            )
        check = validate(found.command, self.catalog)
        if not check.ok or check.parsed is None:
            return Notice(f"Your correction '{found.command}' for '{found.query}' is not a valid {self.catalog.program} command "
                          f"any more ({check.reason}); it is ignored and the model answers instead.")
        parsed = check.parsed
        refused = gate(query, parsed) if gate is not None else None
        if refused:
            return Notice(f"Your correction '{found.command}' deletes, and the safety gate holds it back: {refused} "
                          "The model answers instead.")
        return Translation(
            command=parsed.canonical, confidence=1.0, abstained=False, reason="",
            latency_s=time.perf_counter() - started, candidate=parsed.canonical, subcommand=parsed.subcommand,
            used_options=tuple(parsed.used_options()), parsed=parsed, tool=self.tool.name, **common,
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
                                       verdict="wrong", model_id=model_id, corrected=None, tool=self.tool.name),
                        self.path)
        return target
