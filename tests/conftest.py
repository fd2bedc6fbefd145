"""Shared fixtures: every test gets its own NLCLI_HOME; the base model is
assembled once per session and linked into each home (it is 253 MB)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory) -> Path:
    """A home whose models/ holds the verified base GGUF (and later hf-base)."""
    home = Path(os.environ.get("NLCLI_TEST_CACHE") or tmp_path_factory.mktemp("shared-home"))
    old = os.environ.get("NLCLI_HOME")
    os.environ["NLCLI_HOME"] = str(home)
    try:
        from nlcli_wizard.modelfiles import ensure_base_model

        ensure_base_model()
    finally:
        if old is None:
            os.environ.pop("NLCLI_HOME", None)
        else:
            os.environ["NLCLI_HOME"] = old
    return home


@pytest.fixture(autouse=True)
def nlcli_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "nlcli-home"
    home.mkdir()
    monkeypatch.setenv("NLCLI_HOME", str(home))
    # No warm server unless a test asks for one (tests/test_server.py): each would outlive its test.
    monkeypatch.setenv("NLCLI_SERVER", "0")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))
    (tmp_path / "runtime").mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))  # venvy writes ~/.venvy
    (tmp_path / "user-home").mkdir()
    return home


@pytest.fixture
def model_home(nlcli_home, shared_home) -> Path:
    """NLCLI_HOME with the base model (and the training cache) linked in."""
    (nlcli_home / "models").symlink_to(shared_home / "models", target_is_directory=True)
    (shared_home / "hf-base").parent.mkdir(exist_ok=True)
    if (shared_home / "hf-base").exists():
        (nlcli_home / "hf-base").symlink_to(shared_home / "hf-base", target_is_directory=True)
    return nlcli_home


@pytest.fixture(scope="session")
def engine(shared_home):
    """The real model with the shipped adapter, loaded once per session."""
    from nlcli_wizard import tools
    from nlcli_wizard.engine import LlamaEngine

    return LlamaEngine(model_path=shared_home / "models" / "gemma-3-270m-q4_k_m.gguf",
                       adapter_path=tools.load("venvy").adapter)


class FakeClipboard:
    """A clipboard program stand-in: ``xclip`` on PATH that keeps each copy in a file, or fails as a
    real one does with a stale DISPLAY (a message on stderr, exit 1)."""

    def __init__(self, tmp_path: Path, monkeypatch, fail: bool = False) -> None:
        self.store = tmp_path / "clipboard"
        bin_dir = tmp_path / "clipboard-bin"
        bin_dir.mkdir()
        script = bin_dir / "xclip"
        body = ('echo "Error: Can\'t open display: :99" >&2\nexit 1\n' if fail
                else f'cat >> {self.store}\nprintf "\\n" >> {self.store}\n')
        script.write_text("#!/bin/sh\n" + body)
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("DISPLAY", ":99")
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        monkeypatch.delenv("SSH_CONNECTION", raising=False)
        monkeypatch.delenv("SSH_TTY", raising=False)

    def texts(self) -> list[str]:
        return self.store.read_text().splitlines() if self.store.exists() else []


@pytest.fixture
def clipboard(tmp_path, monkeypatch) -> FakeClipboard:
    return FakeClipboard(tmp_path, monkeypatch)


def run_cli(*args: str, stdin: bytes | None = None, env: dict | None = None, timeout: float = 300):
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "nlcli_wizard", *args],
        input=stdin, capture_output=True, timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})},
    )
