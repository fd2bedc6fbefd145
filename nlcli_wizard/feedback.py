"""The feedback log: one JSON object a line, appended by the TUI, read by training.

Schema (version 1), one module so writer and reader cannot drift:

    {"v": 1, "timestamp": "2026-11-24T10:00:00+00:00", "query": "...",
     "predicted": "venvy ls" | null, "confidence": 0.93,
     "verdict": "wrong" | "accepted" | "executed" | "copied",
     "corrected": "venvy ls --sort size" | null, "exit_code": 0 | null,
     "model_id": "venvy-lora-...", "tool": "venvy" | null, "rule": "safety.not-asked" | null}

``tool`` keys a record to the tool it was given for (older records have none: their command's program
says which); ``rule`` is the check that refused or repaired the answer, if one did.

Appends take an exclusive ``flock`` and write the whole line with a single
``os.write`` on an ``O_APPEND`` descriptor, so two app instances writing at
once interleave whole lines, never bytes. A write that fails part-way (a full
disk) is cut back to where the file ended, so the file always ends on a whole
line, and an append is acknowledged only after ``fsync``: a line the user was
told is saved is on disk.

Reading is strict (pydantic, as for config.json): a line whose fields have the
wrong type is skipped and counted by reason, never half-trusted. It streams
(:func:`scan`, from any byte offset, so a reader that has seen the start reads
only what was appended since), skips a line longer or more deeply nested than
a record can be, and refuses a path that is no regular file (a FIFO would hang,
``/dev/zero`` would fill memory). The file holds people's requests: it is
created 0600 in a 0700 directory, and tightened to 0600 when found looser.
"""

from __future__ import annotations

import json
import os
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, fields
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ConfigDict, ValidationError
from pydantic.dataclasses import dataclass

from nlcli_wizard import jsonsafe, paths
from nlcli_wizard.errors import FeedbackError

SCHEMA_VERSION = 1
VERDICTS = ("wrong", "accepted", "executed", "copied")
# A record is a few hundred bytes (requests are at most 500 characters); a longer line is no record.
MAX_LINE_BYTES = 64 * 1024


# Strict: JSON's types only, so "corrected": 123 or "exit_code": "0" is refused rather than coerced,
# whether a record is read back or built by the app.
@dataclass(frozen=True, config=ConfigDict(strict=True))
class FeedbackRecord:
    query: str
    predicted: str | None
    confidence: float
    verdict: str
    model_id: str
    corrected: str | None = None
    exit_code: int | None = None
    timestamp: str = ""
    v: int = SCHEMA_VERSION
    tool: str | None = None
    rule: str | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {self.verdict!r}")
        if not self.timestamp:
            object.__setattr__(self, "timestamp", datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def to_line(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: object) -> FeedbackRecord:
        """The record, or MalformedRecord whose ``reason`` names what is wrong with it."""
        if not isinstance(data, dict) or data.get("v") != SCHEMA_VERSION:
            raise MalformedRecord("not_a_v1_record")
        try:
            # Unknown keys are left out, so a later schema's extra fields do not hide its records.
            record = cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
        except ValidationError as exc:
            error = exc.errors()[0]
            if not error["loc"]:  # only __post_init__ judges the record as a whole: the verdict
                raise MalformedRecord("bad_verdict") from None
            problem = "missing" if error["type"] == "missing" else "bad"
            raise MalformedRecord(f"{problem}_{error['loc'][0]}") from None
        if not record.query.strip():
            raise MalformedRecord("empty_query")
        return record


class MalformedRecord(ValueError):
    """A feedback line that is not a valid record; ``reason`` is a short key for reports."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not a valid feedback record ({reason})")
        self.reason = reason


def not_a_file(path: Path, mode: int) -> FeedbackError | None:
    """The error for a feedback path that is no regular file (a FIFO, a device, a directory), else None."""
    if stat.S_ISREG(mode):
        return None
    kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a directory" if stat.S_ISDIR(mode) else "not a regular file")
    return FeedbackError(f"{path} is {kind}, not a feedback file; move it away and a new one is started.")


def private_fd(path: Path, flags: int) -> int:
    """Open a file of ours, created 0600 and tightened to 0600 when an older version left it looser;
    a FeedbackError when it is no regular file."""
    fd = os.open(path, flags | os.O_CREAT | os.O_NONBLOCK, 0o600)
    try:
        info = os.fstat(fd)
        problem = not_a_file(path, info.st_mode)
        if problem is not None:
            raise problem
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            os.fchmod(fd, 0o600)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def append(record: FeedbackRecord, path: Path | None = None) -> Path:
    path = path or paths.feedback_path()
    data = record.to_line().encode("utf-8")
    try:
        paths.private_dir(path.parent)
        fd = private_fd(path, os.O_RDWR | os.O_APPEND)
    except OSError as exc:
        raise FeedbackError(
            f"Cannot write feedback to {path} ({exc.strerror}); set NLCLI_HOME to a writable directory."
        ) from None
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
        end = os.fstat(fd).st_size
        if end and os.pread(fd, 1, end - 1) != b"\n":
            data = b"\n" + data  # a fragment left by an older version or a crash stays its own (skipped) line
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(28, "No space left on device")  # a short write is how a full disk shows first
            os.fsync(fd)
        except OSError:
            # Cut back to the last whole line, so the next append does not glue onto a fragment.
            os.ftruncate(fd, end)
            raise
    except OSError as exc:
        raise FeedbackError(
            f"Cannot write feedback to {path} ({exc.strerror}); the line was not saved."
        ) from None
    finally:
        os.close(fd)  # closing releases the lock
    return path


def parse_line(raw: bytes) -> FeedbackRecord:
    """One line's record; MalformedRecord (``too_long``, ``malformed_json``, ``bad_<field>``...) when it is none."""
    if len(raw) > MAX_LINE_BYTES:
        raise MalformedRecord("too_long")
    try:
        data = jsonsafe.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:  # json.JSONDecodeError, too deep, or an integer with too many digits
        raise MalformedRecord("malformed_json") from None
    return FeedbackRecord.from_json(data)


def open_for_reading(path: Path):
    """The feedback file as a binary stream, or None when there is none; FeedbackError when it is no
    regular file. Opened without blocking, so a FIFO put in its place is refused, not waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    try:
        problem = not_a_file(path, os.fstat(fd).st_mode)
        if problem is not None:
            raise problem
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def scan(path: Path, offset: int = 0) -> Iterator[tuple[FeedbackRecord | None, str, int]]:
    """Each whole line from byte ``offset`` on: (the record or None, why it was skipped, the offset after it).

    A last line without its newline is not read: it is being written, or a fragment a crash left, which the
    next append puts on a line of its own. Memory stays flat however long the file is."""
    handle = open_for_reading(path)
    if handle is None:
        return
    with handle:
        handle.seek(offset)
        position = offset
        while True:
            # "\n" only: U+2028, NEL and the like stay inside a query (JSON leaves them unescaped).
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            if not raw.endswith(b"\n"):
                if len(raw) <= MAX_LINE_BYTES:
                    return  # a last line still without its newline
                while raw and not raw.endswith(b"\n"):  # an overlong line: skipped, never held whole
                    raw = handle.readline(MAX_LINE_BYTES)
                position = handle.tell()
                yield None, "too_long", position
                continue
            position += len(raw)
            if not raw.strip():
                continue
            try:
                yield parse_line(raw.rstrip(b"\n")), "", position
            except MalformedRecord as exc:
                yield None, exc.reason, position


def read(path: Path) -> tuple[list[FeedbackRecord], Counter[str]]:
    """All valid records, and the lines skipped counted by reason (``malformed_json``, ``bad_corrected``...);
    a last line without its newline counts as ``malformed_json``."""
    records: list[FeedbackRecord] = []
    skipped: Counter[str] = Counter()
    end = 0
    for record, reason, after in scan(path):
        end = after
        if record is None:
            skipped[reason] += 1
        else:
            records.append(record)
    try:
        size = path.stat().st_size
    except OSError:
        size = end
    if size > end:
        skipped["malformed_json"] += 1
    return records, skipped
