"""``Wizard``: the one object the TUI talks to.

It owns the tool in use (switchable), the translator (loaded lazily, off the UI thread), the tool's help
text, validation, running commands, the feedback log, query history and the user's shell history. The
TUI never imports the engine, the validator or the feedback module directly, so a test can hand it a
Wizard built on :class:`~nlcli_wizard.engine.ScriptedEngine`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from nlcli_wizard import feedback, paths, prompt, runner, safety, tools
from nlcli_wizard.checks import Offer
from nlcli_wizard.config import Config, load_config
from nlcli_wizard.corrections import Corrections, Notice
from nlcli_wizard.crashes import RunResult
from nlcli_wizard.errors import FeedbackError, NlcliError
from nlcli_wizard.feedback import FeedbackRecord
from nlcli_wizard.prompt import normalize_query
from nlcli_wizard.quoting import check_shell, detect_shell, expands_home, join
from nlcli_wizard.tools import ToolProfile
from nlcli_wizard.translator import Event, Retry, Translation, Translator
from nlcli_wizard.validator import ParsedCommand, Validation, parse, validate

if TYPE_CHECKING:
    from nlcli_wizard.engine import Engine

HISTORY_LIMIT = 500


def default_engine(tool: ToolProfile) -> Engine:
    """The base model with the tool's adapter (``$NLCLI_ADAPTER`` overrides it)."""
    from nlcli_wizard.engine import LlamaEngine

    return LlamaEngine(adapter_path=paths.default_adapter(tool.adapter))


def server_wanted(config: Config) -> bool:
    """Whether to answer through the warm server: ``$NLCLI_SERVER`` (0 or 1) when set, else config.json."""
    from nlcli_wizard.server import env_choice

    choice = env_choice()
    return config.server if choice is None else choice


class Wizard:
    def __init__(
        self,
        engine_factory: Callable[[ToolProfile], Engine] = default_engine,
        config: Config | None = None,
        feedback_path: Path | None = None,
        shell: str | None = None,
        tool: ToolProfile | str | None = None,
        use_server: bool | None = None,
    ) -> None:
        self._engine_factory = engine_factory
        # The shell that reads the commands we hand out (the edit line, the clipboard).
        self.shell = check_shell(shell) if shell else detect_shell()
        self.config = config or load_config()
        self.feedback_path = feedback_path or paths.feedback_path()
        self.translator: Translator | None = None
        self._generation = threading.Lock()
        self.tool = tool if isinstance(tool, ToolProfile) else tools.chosen(tool, self.config.tool)
        self.catalog = self.tool.catalog
        self.corrections = Corrections(self.feedback_path, self.tool)
        # The warm server (nlcli_wizard.server) answers when it can: by default whenever the model is the
        # shipped one, unless config.json turns it off.
        wanted = server_wanted(self.config)
        self.use_server = wanted and engine_factory is default_engine if use_server is None else use_server and wanted

    def switch(self, tool: ToolProfile | str) -> None:
        """Use another tool from now on: its catalog, its corrections and history, and (loaded on the next
        request) its adapter."""
        profile = tool if isinstance(tool, ToolProfile) else tools.load(tool)
        if profile.name == self.tool.name:
            return
        with self._generation:
            self.tool, self.catalog = profile, profile.catalog
            self.corrections = Corrections(self.feedback_path, profile)
            self.translator = None

    @property
    def program(self) -> str:
        return self.catalog.program

    # -- the model ---------------------------------------------------------
    def load(self) -> None:
        """Blocking: reach the warm server, or load the model here (call from a worker thread)."""
        if self.translator is not None:
            return
        if self.use_server:
            from nlcli_wizard import server

            try:
                client = server.start()
            except NlcliError:
                client = None  # no private runtime directory: answer in-process
            if client is not None:
                self.translator = server.RemoteTranslator(client, self.catalog, self.tool.name,
                                                          paths.default_adapter(self.tool.adapter), self.config.threshold)
                return
        self._load_here()

    def _load_here(self) -> None:
        self.translator = Translator(self._engine_factory(self.tool), self.catalog, threshold=self.config.threshold)

    @property
    def ready(self) -> bool:
        return self.translator is not None

    @property
    def model_id(self) -> str:
        return self.translator.model_id if self.translator else ""

    def stream(self, query: str) -> Iterator[Event | Notice]:
        """Translate; one generation at a time. A cancelled stream still holds
        the model until its next token, so a new one waits instead of
        entering llama.cpp from a second thread.

        The user's own correction for the request answers first, without the model (``source="correction"``)
        unless it is destructive, which the model judges as it judges its own answers; one that no longer
        validates, or that the safety checks hold back, is skipped with a :class:`Notice`."""
        normalize_query(query)  # an empty or over-long request is refused before any lookup
        own = self.corrections.answer(query, self.model_id, gate=self._gate)
        if isinstance(own, Translation):
            yield own
            return
        if own is not None:
            yield own
        self.load()
        assert self.translator is not None
        with self._generation:
            try:
                yield from self.translator.stream(query)
            except Exception as exc:  # noqa: BLE001 - only the server's disappearance is handled, below
                from nlcli_wizard.server import ServerGone

                if not isinstance(exc, ServerGone):
                    raise
                # The server died, hung or gave way mid-request: this request is answered here, and the next
                # one starts a server again.
                from nlcli_wizard.server import retire

                retire()
                yield Retry("The background model stopped answering; translating in this process instead.")
                self._load_here()
                yield from self.translator.stream(query)

    def _gate(self, query: str, parsed: ParsedCommand) -> str | None:
        """The safety checks' reason for holding back a destructive correction, or None: the user's own answer
        for a request destroys only where the request plainly asks for it, as a model answer does."""
        if not safety.guarded(parsed):
            return None
        self.load()
        assert self.translator is not None
        with self._generation:
            verdict = safety.check(Offer(normalize_query(query), parsed, 1.0, self.catalog, 0.0,
                                         self.translator.judge, self.translator.judge_bar,
                                         read=self.translator.read))
        return None if verdict is None or not verdict.refuses else verdict.message

    def translate(self, query: str, on_notice: Callable[[str], None] | None = None) -> Translation:
        """:meth:`stream`, collected: the CLI's one way in, so it answers as the TUI does."""
        for event in self.stream(query):
            if isinstance(event, Notice):
                if on_notice:
                    on_notice(event.text)
            elif isinstance(event, Translation):
                return event
        raise AssertionError("stream ended without a translation")

    def refine(self, request: str, refinement: str) -> str:
        """The request a follow-up makes of an answered one ("list my venvs" + "only conda ones");
        it is translated, remembered and recorded as one request. A UsageError says why not
        (an empty follow-up, a combination over the length limit)."""
        return prompt.refine(request, refinement)

    # -- the tool ------------------------------------------------------------
    def help_for(self, subcommand: str | None, width: int | None = None) -> str:
        return self.catalog.help_text(subcommand, width)

    def validate(self, line: str) -> Validation:
        return validate(line, self.catalog)

    def for_shell(self, command: str) -> str:
        """``command`` quoted for :attr:`shell`, which reads it back as the argv ``command`` shows
        (:mod:`nlcli_wizard.quoting`): what ctrl+o puts on the edit line and ctrl+y copies."""
        return join(parse(command, self.catalog).tokens(), self.shell)

    def expansion_note(self, command: str) -> str:
        """What running ``command`` without a shell does that its text leaves to one: a bare ``~`` is
        expanded to the home directory, as the shell would ("" when nothing is)."""
        tokens = parse(command, self.catalog).tokens()
        if not any(expands_home(token) for token in tokens):
            return ""
        return f"~ is {os.path.expanduser('~')} (expanded as your shell would)"

    def needs_terminal(self, parsed: ParsedCommand) -> bool:
        return runner.needs_terminal(parsed)

    def destructive(self, parsed: ParsedCommand) -> bool:
        return parsed.destructive

    def dry_run_variant(self, command: str) -> str | None:
        return runner.dry_run_variant(command, self.catalog)

    def run(self, command: str, on_line: Callable[[str], None], columns: int | None = None) -> RunResult:
        """Run with output to ``on_line`` (laid out for ``columns``); a crash comes back folded, with
        working alternatives."""
        return runner.run_checked(command, self.catalog, on_line, columns=columns)

    def run_in_terminal(self, command: str) -> int:
        return runner.run_in_terminal(command, self.catalog)

    # -- what the user tells us --------------------------------------------
    def record(self, verdict: str, query: str, predicted: str | None, confidence: float,
               corrected: str | None = None, exit_code: int | None = None, rule: str = "") -> Path:
        """Append one feedback line; raises FeedbackError with a readable message."""
        record = FeedbackRecord(query=query, predicted=predicted, confidence=round(confidence, 4), verdict=verdict,
                                model_id=self.model_id, corrected=corrected, exit_code=exit_code, tool=self.tool.name,
                                rule=rule or None)
        return feedback.append(record, self.feedback_path)

    def flag(self, translation: Translation, correction: str) -> Path:
        """The user says ``translation`` was wrong and ``correction`` (a canonical
        command, or ABSTAIN for "the tool cannot do this") is right: record it as
        a correction of the model's own answer, whatever the user had edited since."""
        return self.record("wrong", translation.query, translation.candidate, translation.confidence,
                           corrected=correction, rule=translation.rule)

    def record_use(self, translation: Translation, verdict: str, command: str,
                   exit_code: int | None = None) -> Path:
        """The user ran or copied ``command`` for ``translation``; a command that
        differs from the model's answer was edited first, and that is a correction too."""
        corrected = command if command != translation.candidate else None
        return self.record(verdict, translation.query, translation.candidate, translation.confidence,
                           corrected=corrected, exit_code=exit_code, rule=translation.rule)

    def add_to_shell_history(self, command: str) -> Path | None:
        if not self.config.shell_history:
            return None
        path = Path(os.path.expanduser(self.config.history_file))
        try:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(command + "\n")
        except OSError as exc:
            raise FeedbackError(f"Cannot append to the shell history {path} ({exc.strerror}).") from None
        return path

    # -- query history -----------------------------------------------------
    def history(self) -> list[str]:
        """The requests typed for this tool, oldest first (the last HISTORY_LIMIT)."""
        path = paths.history_path(self.tool.name)
        legacy = paths.home() / "history.txt"  # before history was kept by tool: the default tool's
        if not path.exists() and self.tool.data.default and legacy.exists():
            path = legacy
        try:
            handle = feedback.open_for_reading(path)
        except (OSError, FeedbackError):
            return []  # a FIFO or a directory where the history should be: no history, not a hang
        if handle is None:
            return []
        with handle:
            # The last HISTORY_LIMIT lines of at most the file's last megabyte: a huge file costs nothing.
            size = os.fstat(handle.fileno()).st_size
            handle.seek(max(0, size - 1_000_000))
            lines = handle.read().decode("utf-8", errors="replace").split("\n")
        return [line for line in lines if line.strip()][-HISTORY_LIMIT:]

    def remember(self, query: str) -> None:
        """Keep a request the translator would accept; a rejected one (empty, too long) is not kept,
        so up-arrow never brings back 20 kB of pasted text. The file is private (0600): requests are."""
        from nlcli_wizard.errors import UsageError

        try:
            normalize_query(query)
        except UsageError:
            return
        one_line = " ".join(query.split()) + "\n"
        path = paths.history_path(self.tool.name)
        try:
            paths.private_dir(path.parent)
            fd = feedback.private_fd(path, os.O_WRONLY | os.O_APPEND)
        except (OSError, FeedbackError):
            return  # history is a convenience; losing it must not interrupt the user
        try:
            os.write(fd, one_line.encode("utf-8"))
        except OSError:
            pass
        finally:
            os.close(fd)
