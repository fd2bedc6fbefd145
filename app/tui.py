"""The nlcli-tui application."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, RichLog, Static
from textual.worker import get_current_worker

from app import clipboard
from app.widgets import ConfidenceMeter, ConfirmDialog, FlagDialog, HelpPanel, QueryInput, ValidatedInput
from nlcli_wizard.errors import NlcliError
from nlcli_wizard.service import Wizard
from nlcli_wizard.translator import Chunk, Retry, Translation

# Actions that act on the current command; they are off while a dialog is open.
_COMMAND_ACTIONS = {"run", "copy", "edit", "flag", "print_and_quit"}


class NlcliApp(App[str | None]):
    CSS_PATH = "app.tcss"
    TITLE = "nlcli-wizard"
    SUB_TITLE = "venvy in plain words"

    BINDINGS = [
        Binding("ctrl+r", "run", "Run", priority=True, id="run"),
        Binding("ctrl+y", "copy", "Copy", priority=True, id="copy"),
        Binding("ctrl+e", "edit", "Edit", priority=True, id="edit"),
        Binding("ctrl+f", "flag", "Flag wrong", priority=True, id="flag"),
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+o", "print_and_quit", "Quit & print", priority=True, id="print-and-quit"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
    ]

    busy: reactive[bool] = reactive(False)

    @dataclass
    class ModelLoaded(Message):
        model_id: str

    @dataclass
    class ModelFailed(Message):
        error: str

    @dataclass
    class Streamed(Message):
        text: str

    @dataclass
    class Retried(Message):
        reason: str

    @dataclass
    class Finished(Message):
        translation: Translation

    @dataclass
    class Failed(Message):
        error: str

    @dataclass
    class RunFinished(Message):
        command: str
        exit_code: int | None
        error: str = ""

    def __init__(self, wizard: Wizard, initial_query: str = "") -> None:
        super().__init__()
        self.wizard = wizard
        self.initial_query = initial_query
        self.translation: Translation | None = None
        self.command: str | None = None  # what run/copy act on (maybe edited)
        self._streamed = ""
        self._pending: str | None = None
        self._load_error = ""

    # -- layout ------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield QueryInput(self.wizard.history(), placeholder="Describe what you want venvy to do, then press enter",
                         id="query")
        yield Static("Loading the model…", id="status")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Static("", id="command")
                yield ConfidenceMeter(id="confidence")
                yield Static("", id="reason")
                yield Vertical(id="editor")
                yield RichLog(id="output", wrap=True, markup=False, highlight=False)
            with ScrollableContainer(id="help-scroll"):
                yield HelpPanel(id="help")
        yield Footer()

    def on_mount(self) -> None:
        if self.wizard.config.keys:
            self.set_keymap(self.wizard.config.keys)
        if self.wizard.config.problem:
            self.notify(self.wizard.config.problem, severity="warning")
        self.query_one("#help-scroll").border_title = "venvy --help"
        self._show_help(None)
        self.query_one("#output", RichLog).border_title = "output"
        self.query_one("#query", QueryInput).value = self.initial_query
        self.query_one("#query").focus()
        if self.initial_query.strip():
            self._pending = self.initial_query.strip()  # translated as soon as the model is up
        self.load_model()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            yield SystemCommand(binding.description, f"{binding.description} ({binding.key})",
                                lambda action=binding.action: self.run_action(action))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in _COMMAND_ACTIONS and len(self.screen_stack) > 1:
            return False  # a dialog is open: its keys win
        return True

    # -- model loading -----------------------------------------------------
    @work(thread=True, exclusive=True, group="load")
    def load_model(self) -> None:
        try:
            self.wizard.load()
        except NlcliError as exc:
            self.post_message(self.ModelFailed(str(exc)))
            return
        self.post_message(self.ModelLoaded(self.wizard.model_id))

    def on_nlcli_app_model_loaded(self, message: ModelLoaded) -> None:
        self._status(f"Ready · model {message.model_id}")
        if self._pending:
            query, self._pending = self._pending, None
            self._start(query)

    def on_nlcli_app_model_failed(self, message: ModelFailed) -> None:
        self._load_error = message.error
        self._status(f"Model unavailable: {message.error}")
        self.notify(message.error, severity="error", timeout=10)

    # -- translating -------------------------------------------------------
    @on(Input.Submitted, "#query")
    def submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if not query:
            self.notify("Type a request first, e.g. 'list my venvs sorted by size'.", severity="warning")
            return
        if self.busy:
            self.notify("Still translating the last request; press escape to cancel it.", severity="warning")
            return
        if self._load_error:
            self.notify(self._load_error, severity="error")
            return
        self.query_one("#query", QueryInput).remember(query)
        self.wizard.remember(query)
        if not self.wizard.ready:
            self._pending = query
            self._status("Loading the model… your request will run as soon as it is ready")
            return
        self._start(query)

    def _start(self, query: str) -> None:
        self.busy = True
        self.translation, self.command, self._streamed = None, None, ""
        self._close_editor()
        self.query_one("#command", Static).remove_class("abstained")
        self.query_one("#command", Static).update("")
        self.query_one("#reason", Static).update("")
        self.query_one(ConfidenceMeter).value = None
        self._status("Translating…  (escape cancels)")
        self.translate(query)

    @work(thread=True, exclusive=True, group="translate")
    def translate(self, query: str) -> None:
        worker = get_current_worker()
        try:
            for event in self.wizard.stream(query):
                if worker.is_cancelled:
                    return
                if isinstance(event, Chunk):
                    self.post_message(self.Streamed(event.text))
                elif isinstance(event, Retry):
                    self.post_message(self.Retried(event.reason))
                else:
                    self.post_message(self.Finished(event))
        except NlcliError as exc:
            self.post_message(self.Failed(str(exc)))

    def on_nlcli_app_streamed(self, message: Streamed) -> None:
        self._streamed += message.text
        self.query_one("#command", Static).update(self._streamed.strip())

    def on_nlcli_app_retried(self, message: Retried) -> None:
        self._streamed = ""
        self.query_one("#command", Static).update("")
        self.query_one("#reason", Static).update(f"First answer was invalid ({message.reason}); retrying with venvy's grammar…")

    def on_nlcli_app_finished(self, message: Finished) -> None:
        self.busy = False
        t = message.translation
        self.translation = t
        self.command = t.command
        self.query_one(ConfidenceMeter).value = t.confidence
        command_view = self.query_one("#command", Static)
        if t.command:
            command_view.update(t.command)
            self.query_one("#reason", Static).update(
                "ctrl+r run · ctrl+y copy · ctrl+e edit · ctrl+f flag as wrong"
            )
        else:
            command_view.add_class("abstained")
            command_view.update("No command")
            self.query_one("#reason", Static).update(t.reason)
        self._show_help(t.subcommand, t.used_options)
        self._status(f"Ready · model {t.model_id} · {t.latency_s * 1000:.0f} ms")

    def on_nlcli_app_failed(self, message: Failed) -> None:
        self.busy = False
        self.query_one("#reason", Static).update(message.error)
        self.notify(message.error, severity="error")
        self._status("Ready")

    def watch_busy(self, busy: bool) -> None:
        self.set_class(busy, "locked")

    def _show_help(self, subcommand: str | None, used: tuple[str, ...] = ()) -> None:
        self.query_one("#help-scroll").border_title = f"venvy {subcommand} --help" if subcommand else "venvy --help"
        # click lays its help out for a width; below ~60 columns its option table
        # falls apart, so narrower panels scroll sideways instead.
        width = max(60, self.query_one("#help-scroll").size.width - 4)
        self.query_one(HelpPanel).show(self.wizard.help_for(subcommand, width), used)

    def _status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # -- actions on the command -------------------------------------------
    def _require_command(self) -> str | None:
        if self.busy:
            self.notify("Wait for the translation to finish (or press escape).", severity="warning")
            return None
        if not self.command:
            self.notify("There is no command yet; type a request and press enter.", severity="warning")
            return None
        return self.command

    def action_run(self) -> None:
        command = self._require_command()
        if command is None:
            return
        parsed = self.wizard.validate(command).parsed
        if parsed is not None and self.wizard.deletes(parsed):
            dry_run = self.wizard.dry_run_variant(command)

            def chosen(choice: str | None) -> None:
                if choice == "run":
                    self._execute(command)
                elif choice == "dry-run" and dry_run:
                    self._execute(dry_run)
                else:
                    self.notify("Cancelled; nothing was run.")

            self.push_screen(ConfirmDialog(command, dry_run), chosen)
            return
        self._execute(command)

    def _execute(self, command: str) -> None:
        log = self.query_one("#output", RichLog)
        log.write(f"$ {command}")
        parsed = self.wizard.validate(command).parsed
        if parsed is not None and self.wizard.needs_terminal(parsed):
            self._execute_in_terminal(command)
            return
        self._status(f"Running {command}…")
        self.run_venvy(command)

    def _execute_in_terminal(self, command: str) -> None:
        from textual.app import SuspendNotSupported

        try:
            with self.suspend():
                # stderr is the terminal even when stdout is captured by $(nlcli-tui).
                print(f"$ {command}", file=sys.stderr, flush=True)
                code = self.wizard.run_in_terminal(command)
                print(f"\n[exit code {code}] press enter to return to nlcli-tui ", end="", file=sys.stderr, flush=True)
                sys.stdin.readline()
        except SuspendNotSupported:
            self.post_message(self.RunFinished(command, None, "This command asks for confirmation and needs a real "
                                                              "terminal; run it from your shell instead."))
            return
        except NlcliError as exc:
            self.post_message(self.RunFinished(command, None, str(exc)))
            return
        self.post_message(self.RunFinished(command, code))

    @work(thread=True, group="run")
    def run_venvy(self, command: str) -> None:
        log = self.query_one("#output", RichLog)
        try:
            code = self.wizard.run(command, lambda line: self.call_from_thread(log.write, line))
        except NlcliError as exc:
            self.post_message(self.RunFinished(command, None, str(exc)))
            return
        self.post_message(self.RunFinished(command, code))

    def on_nlcli_app_run_finished(self, message: RunFinished) -> None:
        log = self.query_one("#output", RichLog)
        if message.error:
            log.write(f"✗ {message.error}")
            self.notify(message.error, severity="error")
            self._status("Ready")
            return
        log.write(f"[exit code {message.exit_code}]")
        self._status(f"Ran {message.command} · exit code {message.exit_code}")
        self._record("executed", message.command, exit_code=message.exit_code)
        try:
            if self.wizard.add_to_shell_history(message.command):
                self.notify("Added to your shell history.")
        except NlcliError as exc:
            self.notify(str(exc), severity="warning")

    def action_copy(self) -> None:
        command = self._require_command()
        if command is None:
            return
        where = clipboard.copy(command, self.copy_to_clipboard)
        self.notify(f"Copied to the {where}.")
        self._record("copied", command)

    def action_edit(self) -> None:
        editor = self.query_one("#editor", Vertical)
        if editor.children:
            self._close_editor()
            return
        if self.busy:
            self.notify("Wait for the translation to finish (or press escape).", severity="warning")
            return
        start = self.command or (self.translation.candidate if self.translation else None) or "venvy "
        editor.mount(ValidatedInput(start, self.wizard.validate, id="edit-command"))

    def on_validated_input_accepted(self, message: ValidatedInput.Accepted) -> None:
        self._adopt(message.command, "Edited · ctrl+r run · ctrl+y copy · ctrl+f flag the model's answer")
        self._close_editor()

    def _adopt(self, command: str, note: str) -> None:
        """Make a user-written command the one run and copy act on."""
        self.command = command
        command_view = self.query_one("#command", Static)
        command_view.remove_class("abstained")
        command_view.update(command)
        parsed = self.wizard.validate(command).parsed
        if parsed is not None:
            self._show_help(parsed.subcommand, tuple(parsed.used_options()))
        self.query_one("#reason", Static).update(note)

    def _close_editor(self) -> None:
        editor = self.query_one("#editor", Vertical)
        if editor.children:
            editor.remove_children()
            self.query_one("#query").focus()

    def action_flag(self) -> None:
        if self.busy or self.translation is None:
            self.notify("Translate a request first; then ctrl+f flags a wrong answer.", severity="warning")
            return
        t = self.translation
        shown = self.command or t.candidate

        def corrected(command: str | None) -> None:
            if command is None:
                self.notify("Flag cancelled; nothing was saved.")
                return
            self._record("wrong", t.candidate, corrected=command, notify_saved=True)
            if command != "NONE":
                self._adopt(command, "Your correction · ctrl+r run · ctrl+y copy")

        self.push_screen(FlagDialog(t.query, shown, self.wizard.validate), corrected)

    def _record(self, verdict: str, command: str | None, corrected: str | None = None,
                exit_code: int | None = None, notify_saved: bool = False) -> None:
        """Write feedback; a failure is shown, never fatal."""
        t = self.translation
        if t is None:
            return
        predicted = t.candidate
        if verdict in ("executed", "copied") and command != predicted:
            corrected = command  # the user edited it before using it
        try:
            path = self.wizard.record(verdict, t.query, predicted, t.confidence, corrected=corrected,
                                      exit_code=exit_code)
        except NlcliError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        if notify_saved:
            self.notify(f"Saved the correction to {path}; the next fine-tune learns from it.")

    def action_cancel(self) -> None:
        if self.query_one("#editor", Vertical).children:
            self._close_editor()
            return
        if self.busy:
            self.workers.cancel_group(self, "translate")
            self.busy = False
            self.query_one("#reason", Static).update("Cancelled.")
            self._status("Ready")

    def action_print_and_quit(self) -> None:
        self.exit(self.command)
