"""The feedback log: one JSON object a line, appended by the TUI, read by training.

Schema (version 1), one module so writer and reader cannot drift:

    {"v": 1, "timestamp": "2026-11-24T10:00:00+00:00", "query": "...",
     "predicted": "venvy ls" | null, "confidence": 0.93,
     "verdict": "wrong" | "accepted" | "executed" | "copied",
     "corrected": "venvy ls --sort size" | null, "exit_code": 0 | null,
     "model_id": "venvy-lora-..."}

Appends take an exclusive ``flock`` and write the whole line with a single
``os.write`` on an ``O_APPEND`` descriptor, so two app instances writing at
once interleave whole lines, never bytes. A write that fails part-way (a full
disk) is cut back to where the file ended, so the file always ends on a whole
line, and an append is acknowledged only after ``fsync``: a line the user was
told is saved is on disk.

Reading is strict (pydantic, as for config.json): a line whose fields have the
wrong type is skipped and counted by reason, never half-trusted.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, fields
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ConfigDict, ValidationError
from pydantic.dataclasses import dataclass

from nlcli_wizard import paths
from nlcli_wizard.errors import FeedbackError

SCHEMA_VERSION = 1
VERDICTS = ("wrong", "accepted", "executed", "copied")


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


def append(record: FeedbackRecord, path: Path | None = None) -> Path:
    path = path or paths.feedback_path()
    data = record.to_line().encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
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


def read(path: Path) -> tuple[list[FeedbackRecord], Counter[str]]:
    """All valid records, and the lines skipped counted by reason (``malformed_json``, ``bad_corrected``...)."""
    records: list[FeedbackRecord] = []
    skipped: Counter[str] = Counter()
    try:
        # "\n" only: splitlines() also breaks on U+2028, NEL and the like, which JSON leaves unescaped
        # inside a query, and would cut such a record in two.
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    except FileNotFoundError:
        return [], skipped
    for line in lines:
        if not line.strip():
            continue
        try:
            records.append(FeedbackRecord.from_json(json.loads(line)))
        except MalformedRecord as exc:
            skipped[exc.reason] += 1
        except ValueError:  # json.JSONDecodeError, or an integer with too many digits
            skipped["malformed_json"] += 1
    return records, skipped
