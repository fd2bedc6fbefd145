"""User settings: ``$NLCLI_HOME/config.json``, all keys optional.

    {"keys": {"run": "ctrl+r", "copy": "ctrl+y"},   # binding id -> key(s)
     "shell_history": false,                         # append executed commands to a history file
     "history_file": "~/.bash_history",
     "threshold": 0.5}

A missing file means defaults; an unreadable one is reported, not fatal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from nlcli_wizard import paths


@dataclass
class Config:
    keys: dict[str, str] = field(default_factory=dict)
    shell_history: bool = False
    history_file: str = "~/.bash_history"
    threshold: float | None = None
    problem: str = ""  # why the file was ignored, for the UI to show


def load_config(path: Path | None = None) -> Config:
    path = path or paths.config_path()
    if not path.exists():
        return Config()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return Config(
            keys={str(k): str(v) for k, v in dict(data.get("keys", {})).items()},
            shell_history=bool(data.get("shell_history", False)),
            history_file=str(data.get("history_file", "~/.bash_history")),
            threshold=float(data["threshold"]) if data.get("threshold") is not None else None,
        )
    except (OSError, ValueError, TypeError) as exc:
        return Config(problem=f"Ignored {path} ({exc}); using default settings.")
