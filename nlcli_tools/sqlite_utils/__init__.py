"""sqlite-utils 4.2.1, the second tool: its profile (``tool.yaml``), data (``data/``), adapter (``model/``) and
the requests its safety tests run (``corpora/``). Install it with ``pip install "nlcli-wizard[sqlite-utils]"``."""

from __future__ import annotations

from pathlib import Path

from nlcli_wizard.tools import ToolProfile, load_profile


def profile() -> ToolProfile:
    return load_profile(Path(__file__).resolve().parent)
