"""The feedback log: one JSON object a line, appended by the TUI, read by training.

Schema (version 1), one module so writer and reader cannot drift:

    {"v": 1, "timestamp": "2026-11-24T10:00:00+00:00", "query": "...",
     "predicted": "venvy ls" | null, "confidence": 0.93,
     "verdict": "wrong" | "accepted" | "executed" | "copied",
     "corrected": "venvy ls --sort size" | null, "exit_code": 0 | null,
     "model_id": "venvy-lora-..."}

Appends take an exclusive ``flock`` and write the whole line with a single
``os.write`` on an ``O_APPEND`` descriptor, so two app instances writing at
once interleave whole lines, never bytes.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from nlcli_wizard import paths
from nlcli_wizard.errors import FeedbackError

SCHEMA_VERSION = 1
VERDICTS = ("wrong", "accepted", "executed", "copied")


@dataclass(frozen=True)
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
    def from_json(cls, data: dict) -> FeedbackRecord:
        """Raise ValueError/TypeError/KeyError for anything that is not a v1 record."""
        if not isinstance(data, dict) or data.get("v") != SCHEMA_VERSION:
            raise ValueError("not a version-1 feedback record")
        record = cls(
            query=str(data["query"]),
            predicted=data.get("predicted"),
            confidence=float(data.get("confidence", 0.0)),
            verdict=data["verdict"],
            model_id=str(data.get("model_id", "")),
            corrected=data.get("corrected"),
            exit_code=data.get("exit_code"),
            timestamp=str(data.get("timestamp", "")),
        )
        if not record.query.strip():
            raise ValueError("empty query")
        return record


def append(record: FeedbackRecord, path: Path | None = None) -> Path:
    path = path or paths.feedback_path()
    data = record.to_line().encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise FeedbackError(
            f"Cannot write feedback to {path} ({exc.strerror}); set NLCLI_HOME to a writable directory."
        ) from None
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
        written = os.write(fd, data)
        if written != len(data):
            raise FeedbackError(f"Only part of a feedback line reached {path}; the disk may be full.")
    except OSError as exc:
        raise FeedbackError(f"Cannot write feedback to {path} ({exc.strerror}).") from None
    finally:
        os.close(fd)  # closing releases the lock
    return path


def read(path: Path) -> tuple[list[FeedbackRecord], int]:
    """All valid records and the number of lines skipped as malformed."""
    records, skipped = [], 0
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return [], 0
    for line in lines:
        if not line.strip():
            continue
        try:
            records.append(FeedbackRecord.from_json(json.loads(line)))
        except (ValueError, TypeError, KeyError):
            skipped += 1
    return records, skipped
