"""The warm server: one model process for every client, queued requests, private socket, recovery."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nlcli_wizard import server
from nlcli_wizard.config import Config
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.service import Wizard
from nlcli_wizard.translator import Retry, Translation
from tests.conftest import ROOT


@dataclass
class Timed(ScriptedEngine):
    """A scripted engine that notes when each request's decoding ran."""

    spans: list[tuple[float, float]] = field(default_factory=list)

    def generate(self, prompt, *, grammar=None, max_tokens=64, shapes=()):
        start = time.monotonic()
        yield from super().generate(prompt, grammar=grammar, max_tokens=max_tokens, shapes=shapes)
        self.spans.append((start, time.monotonic()))


@pytest.fixture
def running(tmp_path):
    """A server in a thread, on a scripted engine; stopped after the test."""
    started = []

    def start(engine, **kwargs):
        path = tmp_path / "runtime" / "s.sock"
        path.parent.mkdir(exist_ok=True, mode=0o700)
        srv = server.Server(path, lambda: engine, **kwargs)
        thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        started.append(srv)
        return srv, server.Client(path, timeout=10)

    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


def test_two_clients_at_once_are_answered_one_after_the_other(running):
    engine = Timed({"one": (" venvy stats", 0.99), "two": (" venvy current", 0.99)}, delay=0.05)
    srv, client = running(engine)
    answers = {}

    def ask(query):
        remote = server.RemoteTranslator(client, __import__("tests.tooling").tooling.VENVY, "venvy", None, None)
        answers[query] = remote.translate(query)

    threads = [threading.Thread(target=ask, args=(q,)) for q in ("ask one", "ask two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers["ask one"].command == "venvy stats" and answers["ask two"].command == "venvy current"
    (a_start, a_end), (b_start, b_end) = sorted(engine.spans)
    assert a_end <= b_start  # never two decodings on the cores at once
    assert client.status()["requests"] == 2


def test_a_client_streams_the_same_events_as_in_process_decoding(running):
    srv, client = running(ScriptedEngine({"": (" venvy ls -s name", 0.99)}))
    from tests.tooling import VENVY

    remote = server.RemoteTranslator(client, VENVY, "venvy", None, None)
    events = list(remote.stream("list my venvs by name"))
    assert "".join(e.text for e in events[:-1]) == " venvy ls -s name"
    final = events[-1]
    assert isinstance(final, Translation) and final.command == "venvy ls --sort name"
    assert final.parsed is not None and final.parsed.canonical == final.command


def test_the_socket_is_private_and_a_foreign_uid_is_refused(running):
    srv, client = running(ScriptedEngine(), allowed_uid=os.getuid() + 1)
    assert oct(Path(srv.path).stat().st_mode & 0o777) == "0o600"
    with pytest.raises(Exception, match="belongs to another user"):
        client.status()


def test_a_stale_socket_is_no_server_and_a_new_one_replaces_it(tmp_path, running):
    path = tmp_path / "runtime" / "s.sock"
    path.parent.mkdir(mode=0o700, exist_ok=True)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()  # the file stays, nothing listens: a server that died
    with pytest.raises(server.ServerGone):
        server.Client(path, timeout=2).status()
    srv, client = running(ScriptedEngine())
    assert client.status()["pid"] == os.getpid()


def test_an_idle_server_exits_and_removes_its_socket(tmp_path):
    path = tmp_path / "idle.sock"
    srv = server.Server(path, ScriptedEngine, idle_s=0.4)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_client_of_another_version_makes_the_server_give_way(running):
    srv, client = running(ScriptedEngine())
    client.stamp = "another-version"
    with pytest.raises(server.ServerGone, match="gave way"):
        list(client.stream("venvy", "list my venvs", None, None))
    time.sleep(0.5)
    with pytest.raises(server.ServerGone):
        server.Client(srv.path, timeout=1).status()


@dataclass
class Adapters(ScriptedEngine):
    """A scripted engine that records which adapter files it loaded."""

    loads: list[str] = field(default_factory=list)
    _adapters: dict = field(default_factory=dict)
    adapter_path: Path | None = None

    def use_adapter(self, adapter):
        if adapter is not None and adapter not in self._adapters:
            self._adapters[adapter] = adapter.read_text()
            self.loads.append(self._adapters[adapter])
        self.adapter_path = adapter


def test_a_changed_adapter_file_is_loaded_again(running, tmp_path):
    adapter = tmp_path / "a.gguf"
    adapter.write_text("first")
    engine = Adapters({"": (" venvy stats", 0.99)})
    srv, client = running(engine)
    list(client.stream("venvy", "stats please", adapter, None))
    list(client.stream("venvy", "stats again", adapter, None))
    assert engine.loads == ["first"]
    adapter.write_text("second, retrained")
    list(client.stream("venvy", "stats once more", adapter, None))
    assert engine.loads == ["first", "second, retrained"]


SLOW_SERVER = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from nlcli_wizard import server
from nlcli_wizard.engine import ScriptedEngine
server.serve(lambda: ScriptedEngine({{"": (" venvy stats --verbose", 0.99)}}, delay=0.5), idle_s=60)
"""


def test_a_server_killed_mid_request_still_gets_the_request_answered(tmp_path, monkeypatch):
    """The client notices the dead server, answers in-process, and the next client starts a new one."""
    monkeypatch.setenv("NLCLI_SERVER", "1")
    script = tmp_path / "slow_server.py"
    script.write_text(SLOW_SERVER.format(root=str(ROOT)))
    proc = subprocess.Popen([sys.executable, str(script)], stderr=subprocess.PIPE)
    try:
        client = server.Client()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                client.status()
                break
            except server.ServerGone:
                time.sleep(0.05)
        here = ScriptedEngine({"": (" venvy stats", 0.99)})
        wizard = Wizard(lambda tool: here, config=Config(), use_server=True)
        threading.Timer(0.6, proc.kill).start()  # mid-answer: the slow engine writes a token every 0.5 s
        events = list(wizard.stream("stats please"))
        assert any(isinstance(e, Retry) and "stopped answering" in e.reason for e in events)
        final = events[-1]
        assert isinstance(final, Translation) and final.command == "venvy stats"  # answered, in-process
        assert not (server.runtime_dir() / "server.sock").exists()
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_serve_status_and_stop_from_the_command_line(running, monkeypatch):
    from nlcli_wizard import cli

    srv, client = running(ScriptedEngine())
    monkeypatch.setattr(server, "socket_path", lambda: srv.path)
    assert cli.main(["serve", "--status"]) == 0
    assert cli.main(["serve", "--stop"]) == 0
    time.sleep(0.5)
    assert cli.main(["serve", "--status"]) == 1


@pytest.fixture
def at_socket(monkeypatch):
    """A server in a thread at the user's own socket path, where a one-shot ``translate`` looks for one."""
    started = []

    def start(engine):
        monkeypatch.setenv("NLCLI_SERVER", "1")
        srv = server.Server(server.socket_path(), lambda: engine)
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


def test_a_one_shot_translate_is_answered_whole_by_the_server(at_socket, monkeypatch, capsys):
    from nlcli_wizard import cli

    srv = at_socket(ScriptedEngine({"": (" venvy ls -s name", 0.99)}))
    monkeypatch.setattr(cli, "_wizard", lambda args: pytest.fail("the client built its own service"))
    assert cli.main(["translate", "--json", "list my venvs by name"]) == 0
    answer = __import__("json").loads(capsys.readouterr().out)
    assert answer["command"] == "venvy ls --sort name" and answer["model_id"] == "scripted"
    assert srv.requests == 1
    assert cli.main(["translate", "--command-only", "--shell", "fish", "list my venvs by name"]) == 0
    assert capsys.readouterr().out == "venvy ls --sort name\n"


def test_the_server_answers_with_the_clients_corrections_and_tool(at_socket, monkeypatch, tmp_path, capsys):
    """The server's process was started by another client: what it answers with is the asking client's
    data directory (its corrections) and its --tool, never the server's own environment."""
    from nlcli_wizard import cli, feedback
    from nlcli_wizard.feedback import FeedbackRecord

    at_socket(ScriptedEngine({"dogs": (" sqlite-utils rows pets.db dogs", 0.99), "": (" venvy ls", 0.99)}))
    mine = tmp_path / "my-home"
    feedback.append(FeedbackRecord(query="show my envs", predicted="venvy ls", confidence=0.9, verdict="wrong",
                                   model_id="scripted", corrected="venvy ls --sort name", tool="venvy"),
                    mine / "feedback.jsonl")
    assert cli.main(["translate", "--json", "show my envs"]) == 0
    assert __import__("json").loads(capsys.readouterr().out)["command"] == "venvy ls"  # not this home's
    monkeypatch.setenv("NLCLI_HOME", str(mine))
    assert cli.main(["translate", "--json", "show my envs"]) == 0
    answer = __import__("json").loads(capsys.readouterr().out)
    assert answer["command"] == "venvy ls --sort name" and answer["source"] == "correction"
    # A relative NLCLI_HOME is the client's directory's, not the server's: it travels absolute.
    with monkeypatch.context() as m:
        m.chdir(tmp_path)
        m.setenv("NLCLI_HOME", "my-home")
        sent = []
        m.setattr(server.Client, "_request", lambda self, request: iter(sent.append(request) or ()))
        args = cli.build_parser().parse_args(["translate", "show my envs"])
        assert cli._ask_server(args, "show my envs") is None  # no answer came back
        assert sent[0]["home"] == str(mine)
    monkeypatch.setenv("NLCLI_TOOL", "sqlite-utils")
    assert cli.main(["translate", "--json", "show the rows of dogs in pets.db"]) == 0
    assert __import__("json").loads(capsys.readouterr().out)["command"] == "sqlite-utils rows pets.db dogs"


def test_a_config_that_turns_the_server_off_is_answered_in_process(at_socket, monkeypatch, capsys):
    from nlcli_wizard import cli, paths

    srv = at_socket(ScriptedEngine({"": (" venvy ls", 0.99)}))
    monkeypatch.delenv("NLCLI_SERVER")
    paths.config_path().write_text('{"server": false}')
    monkeypatch.setattr(cli, "_engine", lambda args, tool: ScriptedEngine({"": (" venvy stats", 0.99)}))
    assert cli.main(["translate", "--json", "how much space"]) == 0
    assert __import__("json").loads(capsys.readouterr().out)["command"] == "venvy stats"
    assert srv.requests == 1  # asked, and it declined


def test_a_one_shot_client_loads_no_model_tool_or_validation_code(at_socket):
    """What keeps the shell binding's one-shot near the model's own time: with a server up, the client
    process imports neither the model (llama_cpp, numpy), the tools' click groups, nor pydantic."""
    at_socket(ScriptedEngine({"": (" venvy ls", 0.99)}))
    probe = ("import sys, runpy; sys.argv = ['nlcli-wizard', 'translate', 'list my venvs']\n"
             "try:\n    runpy.run_module('nlcli_wizard', run_name='__main__')\nexcept SystemExit as e:\n"
             "    heavy = [m for m in ('pydantic', 'numpy', 'llama_cpp', 'click', 'venvy', 'yaml') if m in sys.modules]\n"
             "    print('exit', e.code, 'heavy', heavy)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.stdout.splitlines()[0] == "venvy ls", out.stderr
    assert out.stdout.splitlines()[-1] == "exit 0 heavy []"
