"""Where nlcli-wizard keeps its files.

Everything lives under one directory: ``$NLCLI_HOME`` when set (tests point it
at a temporary directory), otherwise the platform's user data dir
(``~/.local/share/nlcli-wizard`` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

ENV_HOME = "NLCLI_HOME"

# The repository (or installed package) root: models/ and data/ sit beside the
# nlcli_wizard package in both a checkout and an editable install.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def home() -> Path:
    override = os.environ.get(ENV_HOME)
    return Path(override).expanduser() if override else user_data_path("nlcli-wizard", appauthor=False)


def private_dir(path: Path) -> Path:
    """Create ``path`` and, when it lies inside it, the data directory above it, as 0700: what is kept there
    (requests, corrections, history) is the user's own."""
    top = home()
    if path != top and top in path.parents:
        top.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def base_model_path() -> Path:
    return home() / "models" / "gemma-3-270m-q4_k_m.gguf"


def feedback_path() -> Path:
    return home() / "feedback.jsonl"


def config_path() -> Path:
    return home() / "config.json"


def history_path(tool: str) -> Path:
    """The requests typed for one tool (up/down in the TUI)."""
    return home() / "history" / f"{tool}.txt"


def outside_eval_dir() -> Path:
    """Requests written apart from the project, for evaluation only (never training data): each tool's
    profile names its files there (``outside_eval``)."""
    return PROJECT_ROOT.parent / "shared" / "eval"


def default_adapter(shipped: Path | None) -> Path | None:
    """``$NLCLI_ADAPTER`` when set (empty for none), else the tool's shipped adapter when it exists."""
    override = os.environ.get("NLCLI_ADAPTER")
    if override is not None:
        return Path(override) if override else None
    return shipped if shipped is not None and shipped.exists() else None
