"""A warm model: one background process per user holds the base model and the tools' adapters.

Loading the model is most of a one-shot translation (1 s of 1.04 s), and the shell's ctrl+g pays it every
time; two model processes on two cores run 5x slower than one after the other. So the CLI, the TUI and
the shell binding send their requests to ``nlcli-wizard serve`` when it is up, and start it on first use
(``"server": false`` in config.json turns that off):

- a unix socket in the user's runtime directory (``$XDG_RUNTIME_DIR/nlcli-wizard``, else
  ``/tmp/nlcli-wizard-<uid>``), the directory 0700 and the socket 0600, and the peer's uid checked on every
  connection (``SO_PEERCRED``);
- one JSON line per request, the answer streamed back as JSON lines (chunks, retries, the translation), so a
  client shows the command forming as in-process decoding does;
- one request at a time on the model, the others queued (two clients never run two models on the cores);
- the base model loaded once, each tool's adapter switched to in milliseconds; an adapter file that changes
  is loaded again, and a client whose code differs from the server's (an upgrade) gets it replaced;
- it exits after ``idle`` seconds without a request (default 10 minutes).

A client that cannot reach a server, or whose server dies or hangs mid-request, answers in-process instead
and replaces the server for the next request: no request is lost.

    nlcli-wizard serve              # run in the foreground (clients start it this way, detached)
    nlcli-wizard serve --status     # is one up, with which model and tools
    nlcli-wizard serve --stop
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from nlcli_wizard import errors, jsonsafe, paths
from nlcli_wizard.errors import NlcliError

if TYPE_CHECKING:
    from nlcli_wizard.engine import Engine
    from nlcli_wizard.service import Wizard
    from nlcli_wizard.translator import Chunk, Retry, Translation, Translator
    from nlcli_wizard.validator import ParsedCommand

DEFAULT_IDLE_S = 600.0
# How long a client waits for each line of an answer before it takes the server for hung.
EVENT_TIMEOUT_S = 30.0
# How long a client waits for a server it started to come up (it loads the model first).
START_TIMEOUT_S = 15.0
MAX_LINE = 1_000_000


def env_choice() -> bool | None:
    """``$NLCLI_SERVER`` as a choice: False for 0/false/no/empty, True for anything else, None when unset
    (then config.json decides)."""
    override = os.environ.get("NLCLI_SERVER")
    return None if override is None else override.strip() not in ("0", "false", "no", "")


def runtime_dir() -> Path:
    """The user's private runtime directory for the socket (0700, ours, or an error)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(base) / "nlcli-wizard" if base and Path(base).is_dir() else Path(f"/tmp/nlcli-wizard-{os.getuid()}")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise errors.ModelError(f"{folder} is not a private directory of yours (owner {info.st_uid}, mode "
                                f"{oct(info.st_mode & 0o777)}); remove it, and the server will make its own.")
    return folder


def socket_path() -> Path:
    return runtime_dir() / "server.sock"


def code_stamp() -> str:
    """What the running code is: its files' names, sizes and times. A client and a server that differ are
    different versions of the program (an upgrade, an edit): the server gives way."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")) + sorted(root.rglob("*.yaml")):
        info = path.stat()
        digest.update(f"{path.relative_to(root)}:{info.st_size}:{info.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def _file_stamp(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        info = path.stat()
    except OSError:
        return "missing"
    return f"{info.st_size}:{info.st_mtime_ns}"


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end of a unix socket (None where the system cannot say)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    return uid


def _send(stream, event: dict) -> None:
    stream.write((json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8"))
    stream.flush()


# -- the server ------------------------------------------------------------------------------------

class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: Path, engine_factory: Callable[[], Engine], idle_s: float = DEFAULT_IDLE_S,
                 allowed_uid: int | None = None, stamp: str | None = None) -> None:
        self.engine = engine_factory()
        self.model_lock = threading.Lock()
        self.idle_s = idle_s
        self.allowed_uid = os.getuid() if allowed_uid is None else allowed_uid
        self.stamp = stamp or code_stamp()
        self.started = time.monotonic()
        self.last_request = time.monotonic()
        self.requests = 0
        self._translators: dict[tuple, Translator] = {}
        self._wizards: dict[tuple, Wizard] = {}
        self._adapter_stamps: dict[Path, str] = {}
        if path.exists() or path.is_symlink():
            path.unlink()  # a stale socket of a server that died; a live one was checked by the caller
        old = os.umask(0o177)
        try:
            super().__init__(str(path), Handler)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        self.path = path
        threading.Thread(target=self._watch_idle, daemon=True).start()

    def _watch_idle(self) -> None:
        while True:
            time.sleep(min(1.0, self.idle_s / 4))
            with self.model_lock:  # a request in progress is not idleness
                idle = time.monotonic() - self.last_request
            if idle >= self.idle_s:
                threading.Thread(target=self.shutdown, daemon=True).start()
                return

    def translator(self, tool_name: str, adapter: str | None, threshold: float | None) -> Translator:
        """The tool's translator with its adapter on the engine (loaded again when the file changed)."""
        from nlcli_wizard import tools
        from nlcli_wizard.translator import Translator

        tool = tools.load(tool_name)
        path = Path(adapter) if adapter else None
        stamp = _file_stamp(path)
        use = getattr(self.engine, "use_adapter", None)
        if path is not None and self._adapter_stamps.get(path, stamp) != stamp and use is not None:
            self.engine._adapters.pop(path, None)  # the file changed on disk: read it again
            self.engine.adapter_path = None
            self._translators = {k: v for k, v in self._translators.items() if k[1] != adapter}
        if path is not None:
            self._adapter_stamps[path] = stamp
        if use is not None:
            use(path)
        key = (tool_name, adapter, threshold)
        if key not in self._translators:
            self._translators[key] = Translator(self.engine, tool.catalog, threshold=threshold)
        return self._translators[key]

    def wizard(self, home: str, tool: str | None, threshold: float | None) -> Wizard:
        """The whole service (corrections, safety, crash alternatives) for a client of this user whose data
        directory is ``home``, on this server's model: a one-shot ``translate`` then costs its client no more
        than a socket. Kept while the client's config.json is unchanged, so its corrections index stays warm.
        The tool is the client's ``--tool``/``$NLCLI_TOOL``, else its config's, else the default: never this
        process's own environment, which was the first client's."""
        from dataclasses import replace

        from nlcli_wizard import tools
        from nlcli_wizard.config import load_config
        from nlcli_wizard.service import Wizard

        folder = Path(home)
        config_file = folder / "config.json"
        key = (home, tool, threshold, _file_stamp(config_file))
        wizard = self._wizards.get(key)
        if wizard is None:
            config = load_config(config_file)
            if threshold is not None:
                config = replace(config, threshold=threshold)
            name = tool or config.tool
            profile = tools.load(name) if name else tools.chosen(environ={})
            wizard = Wizard(config=config, feedback_path=folder / "feedback.jsonl", tool=profile, use_server=False)
            self._wizards = {k: v for k, v in self._wizards.items() if k[:3] != key[:3]}  # an older config's
            self._wizards[key] = wizard
        shipped = wizard.tool.adapter
        wizard.translator = self.translator(wizard.tool.name, str(shipped) if shipped.exists() else None,
                                            wizard.config.threshold)
        return wizard

    def status(self) -> dict:
        return {"pid": os.getpid(), "model": getattr(self.engine, "model_id", ""), "stamp": self.stamp,
                "uptime_s": round(time.monotonic() - self.started, 1), "requests": self.requests,
                "idle_s": self.idle_s, "tools": sorted({k[0] for k in self._translators})}


class Handler(socketserver.StreamRequestHandler):
    server: Server

    def handle(self) -> None:
        line = self.rfile.readline(MAX_LINE)  # read before refusing, so the client sees the refusal, not a reset
        uid = peer_uid(self.request)
        if uid is not None and uid != self.server.allowed_uid:
            _send(self.wfile, {"event": "error", "type": "ModelError",
                               "message": "This server belongs to another user; it answers only its owner."})
            return
        try:
            request = jsonsafe.loads(line.decode("utf-8", errors="replace"))
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError:
            _send(self.wfile, {"event": "error", "type": "UsageError", "message": "The request is not a JSON object."})
            return
        op = request.get("op")
        if op == "status":
            _send(self.wfile, {"event": "status", **self.server.status()})
            return
        if op == "stop":
            _send(self.wfile, {"event": "stopped"})
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return
        if request.get("stamp") != self.server.stamp:
            # Another version of the code asks: this server gives way, the client starts its own.
            _send(self.wfile, {"event": "stale"})
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return
        with self.server.model_lock:
            self.server.requests += 1
            try:
                if op == "ask":
                    self._ask(request)
                    return
                from nlcli_wizard.validator import validate

                translator = self.server.translator(str(request.get("tool")), request.get("adapter"),
                                                    request.get("threshold"))
                if op == "translate":
                    for event in translator.stream(str(request.get("query", ""))):
                        _send(self.wfile, _event(event))
                elif op == "judge":
                    parsed = validate(str(request.get("command")), translator.catalog).parsed
                    p = translator.judge(str(request.get("query")), parsed) if parsed is not None else None
                    _send(self.wfile, {"event": "judged", "p": p, "bar": translator.judge_bar})
                else:
                    _send(self.wfile, {"event": "error", "type": "UsageError", "message": f"Unknown op {op!r}."})
            except NlcliError as exc:
                _send(self.wfile, {"event": "error", "type": type(exc).__name__, "message": str(exc)})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away; the next one is served
            finally:
                self.server.last_request = time.monotonic()


    def _ask(self, request: dict) -> None:
        """A whole one-shot translation: the notices, then the answer with its command quoted for the client's
        shell; ``declined`` where the client's config.json says not to use the server."""
        from nlcli_wizard.corrections import Notice
        from nlcli_wizard.quoting import check_shell, join
        from nlcli_wizard.translator import Translation

        threshold = request.get("threshold")
        wizard = self.server.wizard(str(request.get("home")), request.get("tool") or None,
                                    float(threshold) if isinstance(threshold, (int, float)) else None)
        if not wizard.config.server and not request.get("wanted"):
            _send(self.wfile, {"event": "declined"})
            return
        shell = check_shell(str(request.get("shell") or "posix"))
        for event in wizard.stream(str(request.get("query", ""))):
            if isinstance(event, Notice):
                _send(self.wfile, {"event": "notice", "text": event.text})
            elif isinstance(event, Translation):
                line = join(event.parsed.tokens(), shell) if event.command and event.parsed is not None else None
                _send(self.wfile, {"event": "answer", "translation": event.to_json(), "line": line})
                return


def _event(event: Chunk | Retry | Translation) -> dict:
    from nlcli_wizard.translator import Chunk, Retry

    if isinstance(event, Chunk):
        return {"event": "chunk", "text": event.text}
    if isinstance(event, Retry):
        return {"event": "retry", "reason": event.reason}
    return {"event": "translation", "translation": event.to_json()}


def serve(engine_factory: Callable[[], Engine] | None = None, idle_s: float = DEFAULT_IDLE_S,
          path: Path | None = None) -> None:
    """Run a server in this process until it is stopped or idle."""
    from nlcli_wizard.engine import LlamaEngine

    path = path or socket_path()
    server = Server(path, engine_factory or LlamaEngine, idle_s)
    (path.parent / "server.pid").write_text(str(os.getpid()))
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        with contextlib.suppress(OSError):
            path.unlink()


# -- the client ------------------------------------------------------------------------------------

class ServerGone(Exception):
    """The server did not answer (not running, died, hung, or gave way to a newer version)."""


class Client:
    def __init__(self, path: Path | None = None, timeout: float = EVENT_TIMEOUT_S) -> None:
        self.path = path or socket_path()
        self.timeout = timeout
        self.stamp = code_stamp()

    def _request(self, request: dict) -> Iterator[dict]:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.path))
            uid = peer_uid(sock)
            if uid is not None and uid != os.getuid():
                raise ServerGone("the socket belongs to another user")
            sock.sendall((json.dumps({**request, "stamp": self.stamp}, ensure_ascii=False) + "\n").encode("utf-8"))
            stream = sock.makefile("rb")
            while True:
                line = stream.readline(MAX_LINE)
                if not line:
                    raise ServerGone("the server closed the connection")
                event = jsonsafe.loads(line.decode("utf-8", errors="replace"))
                if event.get("event") == "stale":
                    raise ServerGone("the server is another version and gave way")
                if event.get("event") == "error":
                    error = getattr(errors, str(event.get("type")), None)
                    if isinstance(error, type) and issubclass(error, NlcliError):
                        raise _rebuilt(error, str(event.get("message")))
                    raise errors.ModelError(str(event.get("message")))
                yield event
                if event.get("event") in ("translation", "answer", "declined", "judged", "status", "stopped"):
                    return
        except (OSError, ValueError) as exc:  # refused, reset, timed out, garbled
            raise ServerGone(str(exc)) from None
        finally:
            sock.close()

    def status(self) -> dict:
        return next(self._request({"op": "status"}))

    def stop(self) -> None:
        list(self._request({"op": "stop"}))

    def stream(self, tool: str, query: str, adapter: Path | None, threshold: float | None) -> Iterator[dict]:
        yield from self._request({"op": "translate", "tool": tool, "query": query,
                                  "adapter": str(adapter) if adapter else None, "threshold": threshold})

    def ask(self, query: str, tool: str | None, home: Path, threshold: float | None, shell: str,
            wanted: bool) -> Iterator[dict]:
        """A whole translation by the server's service (see :meth:`Server.wizard`): ``notice`` events, then
        ``answer`` (or ``declined``)."""
        yield from self._request({"op": "ask", "query": query, "tool": tool, "home": str(home),
                                  "threshold": threshold, "shell": shell, "wanted": wanted})

    def judge(self, tool: str, query: str, command: str, adapter: Path | None) -> tuple[float | None, float]:
        event = next(e for e in self._request({"op": "judge", "tool": tool, "query": query, "command": command,
                                               "adapter": str(adapter) if adapter else None, "threshold": None}))
        return event.get("p"), float(event.get("bar", 0.5))


def _rebuilt(error: type[NlcliError], message: str) -> NlcliError:
    try:
        instance = error.__new__(error)
        NlcliError.__init__(instance, message)
        if hasattr(error, "reason") or error is errors.InvalidCommandError:
            instance.reason = message  # type: ignore[attr-defined]
        return instance
    except TypeError:
        return errors.ModelError(message)


def start(timeout: float = START_TIMEOUT_S, idle_s: float | None = None) -> Client | None:
    """A client of a running server: the one up, else one started now (detached, its output in
    ``$NLCLI_HOME/server.log``). None when none comes up in ``timeout``."""
    client = Client()
    with contextlib.suppress(ServerGone):
        client.status()
        return client
    log = paths.home() / "server.log"
    paths.private_dir(log.parent)
    argv = [sys.executable, "-m", "nlcli_wizard", "serve"] + (["--idle", str(idle_s)] if idle_s else [])
    with open(log, "ab") as out:
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
                         close_fds=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        with contextlib.suppress(ServerGone):
            client.status()
            return client
    return None


def retire() -> None:
    """Stop a server that stopped answering (hung, or half dead), so the next client starts a fresh one."""
    import signal

    folder = runtime_dir()
    with contextlib.suppress(OSError, ValueError):
        pid = int((folder / "server.pid").read_text())
        os.kill(pid, signal.SIGKILL)
    for name in ("server.sock", "server.pid"):
        with contextlib.suppress(OSError):
            (folder / name).unlink()


class RemoteTranslator:
    """A translator whose model is the server's: the same events, from the server's stream."""

    def __init__(self, client: Client, catalog, tool: str, adapter: Path | None, threshold: float | None) -> None:
        self.client, self.catalog, self.tool = client, catalog, tool
        self.adapter, self.threshold = adapter, threshold
        self.model_id = ""
        self.judge_bar = 0.5

    def stream(self, query: str) -> Iterator[Chunk | Retry | Translation]:
        from nlcli_wizard.translator import Chunk, Retry

        for event in self.client.stream(self.tool, query, self.adapter, self.threshold):
            kind = event.get("event")
            if kind == "chunk":
                yield Chunk(str(event.get("text", "")))
            elif kind == "retry":
                yield Retry(str(event.get("reason", "")))
            elif kind == "translation":
                yield self._translation(event["translation"])

    def _translation(self, data: dict) -> Translation:
        from nlcli_wizard.translator import Translation
        from nlcli_wizard.validator import validate

        data = dict(data)
        data["used_options"] = tuple(data.get("used_options") or ())
        shown = data.get("candidate")
        check = validate(shown, self.catalog) if shown else None
        translation = Translation(**data, parsed=check.parsed if check and check.ok else None)
        self.model_id = translation.model_id
        return translation

    def translate(self, query: str) -> Translation:
        from nlcli_wizard.translator import Translation

        for event in self.stream(query):
            if isinstance(event, Translation):
                return event
        raise ServerGone("the stream ended without a translation")

    def judge(self, query: str, parsed: ParsedCommand) -> float | None:
        p, self.judge_bar = self.client.judge(self.tool, query, parsed.canonical, self.adapter)
        return p
