"""The nlcli-tui application."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input
from textual.worker import get_current_worker

from app import clipboard
from app.widgets import (
    CommandView,
    ConfidenceMeter,
    ConfirmDialog,
    EditorSlot,
    FlagDialog,
    HelpPanel,
    HelpScroll,
    OutputLog,
    QueryInput,
    ReasonLine,
    RefineInput,
    StatusLine,
    ValidatedInput,
    visible,
)
from nlcli_wizard.config import KEY_BINDINGS, keys_in_force
from nlcli_wizard.corrections import Notice
from nlcli_wizard.crashes import Crash
from nlcli_wizard.errors import NlcliError
from nlcli_wizard.prompt import ABSTAIN
from nlcli_wizard.service import Wizard
from nlcli_wizard.translator import Chunk, Retry, Translation
from nlcli_wizard.validator import ParsedCommand

# Actions that act on the current command; they are off while a dialog is open.
_COMMAND_ACTIONS = {"run", "copy", "edit", "flag", "refine", "print_and_quit"}


class NlcliApp(App[str | None]):
    CSS_PATH = "app.tcss"
    TITLE = "nlcli-wizard"
    SUB_TITLE = "your command line in plain words"
    # Below 20 rows or 60 columns the dialogs drop their padding, buttons and input frame, so they fit.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (60, "-wide")]

    # One table (config.KEY_BINDINGS) serves these bindings and the checks of the user's remaps.
    BINDINGS = [Binding(b.key, b.action, b.description, show=b.footer, priority=b.priority, id=b.id)
                for b in KEY_BINDINGS]

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
        crash: Crash | None = None  # the tool's own traceback, folded
        alternatives: tuple[str, ...] = ()  # working commands that do the crashed one's job

    def __init__(self, wizard: Wizard, initial_query: str = "", from_shell: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.wizard = wizard
        self.initial_query = initial_query
        # Started by the shell's key binding on the edit line: escape with nothing to cancel leaves
        # that line as it was, as the shell's own line editor would.
        self.from_shell = from_shell
        self.translation: Translation | None = None
        self.command: str | None = None  # what run/copy act on (maybe edited)
        self._parsed: ParsedCommand | None = None  # self.command, parsed once
        self._streamed = ""
        self._pending: str | None = None
        self._load_error = ""
        self._traceback: tuple[str, ...] = ()  # the last crash of the tool, folded out of the log
        # Binding id -> the keys that trigger it once the user's remaps apply; hints and the palette name the first.
        self.keys = keys_in_force(self.wizard.config.keys)

    def _placeholder(self) -> str:
        return f"Describe what you want {self.wizard.program} to do, then press enter"

    def switch_tool(self, name: str) -> None:
        """Translate into another tool's commands from now on (the palette's "Use tool: ..."): its history,
        help and corrections; its adapter loads in the background."""
        if self.busy:
            self.notify(f"Wait for the translation to finish (or press {self.key('cancel')}).", severity="warning")
            return
        try:
            self.wizard.switch(name)
        except NlcliError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.translation, self.command, self._parsed = None, None, None
        self._close_editor()
        self.command_view.show("")
        self.reason_line.show("")
        self.meter.value = None
        self.sub_title = f"{self.wizard.program} in plain words"
        self.query_input.placeholder = self._placeholder()
        self.query_input.replace_history(self.wizard.history())
        self._show_help(None)
        self._load_error = ""
        self.status_line.show(f"Loading the {self.wizard.program} adapter…")
        self.load_model()
        self.notify(f"Now translating into {self.wizard.program} commands.")

    def key(self, binding_id: str) -> str:
        """The key in force for a binding, as the hints show it."""
        return self.keys[binding_id][0]

    def _hint(self, *actions: tuple[str, str]) -> str:
        return " · ".join(f"{self.key(binding_id)} {what}" for binding_id, what in actions)

    # -- the widgets, by type ----------------------------------------------
    @property
    def query_input(self) -> QueryInput:
        return self.query_one(QueryInput)

    @property
    def status_line(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def command_view(self) -> CommandView:
        return self.query_one(CommandView)

    @property
    def meter(self) -> ConfidenceMeter:
        return self.query_one(ConfidenceMeter)

    @property
    def reason_line(self) -> ReasonLine:
        return self.query_one(ReasonLine)

    @property
    def editor(self) -> EditorSlot:
        return self.query_one(EditorSlot)

    @property
    def output_log(self) -> OutputLog:
        return self.query_one(OutputLog)

    @property
    def help_scroll(self) -> HelpScroll:
        return self.query_one(HelpScroll)

    @property
    def help_panel(self) -> HelpPanel:
        return self.query_one(HelpPanel)

    # -- layout ------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield QueryInput(self.wizard.history(), placeholder=self._placeholder(), id="query")
        yield StatusLine("Loading the model…", id="status")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield CommandView(id="command")
                yield ConfidenceMeter(id="confidence")
                yield ReasonLine(id="reason")
                yield EditorSlot(id="editor")
                yield OutputLog(id="output")
            with HelpScroll(id="help-scroll"):
                yield HelpPanel(id="help")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.wizard.program} in plain words"
        if self.wizard.config.keys:
            self.set_keymap(self.wizard.config.keys)
        if self.wizard.config.problem:
            self.notify(self.wizard.config.problem, severity="warning")
        self._show_help(None)
        self.output_log.border_title = "output"
        self.query_input.value = self.initial_query
        self.query_input.focus()
        if self.initial_query.strip():
            self._pending = self.initial_query.strip()  # translated as soon as the model is up
        self.load_model()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        # Notices quote requests, commands, paths and the tool's errors: plain text unless asked otherwise.
        super().notify(visible(message), title=title, severity=severity, timeout=timeout, markup=markup)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding) and binding.id
            yield SystemCommand(binding.description, f"{binding.description} ({self.key(binding.id)})",
                                lambda action=binding.action: self.run_action(action))
        if self._traceback:
            yield SystemCommand(f"Show {self.wizard.program}'s traceback",
                                f"The last {self.wizard.program} crash in full, in the output log", self.show_traceback)
        from nlcli_wizard import tools

        for name in tools.names():
            if name != self.wizard.tool.name:
                yield SystemCommand(f"Use tool: {name}", f"Translate requests into {name} commands from now on",
                                    lambda name=name: self.switch_tool(name))

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
        self.status_line.show(f"Ready · model {message.model_id}")
        if self._pending:
            query, self._pending = self._pending, None
            self._start(query)

    def on_nlcli_app_model_failed(self, message: ModelFailed) -> None:
        self._load_error = message.error
        self.status_line.show(f"Model unavailable: {message.error}")
        self.notify(message.error, severity="error", timeout=10)

    # -- translating -------------------------------------------------------
    @on(Input.Submitted, "#query")
    def submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if not query:
            self.notify("Type a request first, e.g. 'list my venvs sorted by size'.", severity="warning")
            return
        if self.busy:
            self.notify(f"Still translating the last request; press {self.key('cancel')} to cancel it.",
                        severity="warning")
            return
        if self._load_error:
            self.notify(self._load_error, severity="error")
            return
        self.query_input.remember(query)
        self.wizard.remember(query)
        if not self.wizard.ready:
            self._pending = query
            self.status_line.show("Loading the model… your request will run as soon as it is ready")
            return
        self._start(query)

    def _start(self, query: str) -> None:
        self.busy = True
        self.translation, self.command, self._parsed, self._streamed = None, None, None, ""
        self._close_editor()
        self.command_view.show("")
        self.command_view.remove_class("abstained")
        self.reason_line.show("")
        self.meter.value = None
        self.status_line.show(f"Translating…  ({self.key('cancel')} cancels)")
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
                elif isinstance(event, Translation):
                    self.post_message(self.Finished(event))
                elif isinstance(event, Notice):
                    self.call_from_thread(self.notify, event.text, severity="warning", timeout=8)
        except NlcliError as exc:
            self.post_message(self.Failed(str(exc)))

    def on_nlcli_app_streamed(self, message: Streamed) -> None:
        self._streamed += message.text
        self.command_view.show(self._streamed.strip())

    def on_nlcli_app_retried(self, message: Retried) -> None:
        self._streamed = ""
        self.command_view.show("")
        # The reason is one sentence: an invalid answer, a changed value, or a value the answer left out.
        self.reason_line.show(f"{message.reason.rstrip('.')}; decoding again…")

    def on_nlcli_app_finished(self, message: Finished) -> None:
        self.busy = False
        t = message.translation
        self.translation = t
        self.command, self._parsed = t.command, t.parsed
        self.meter.source = t.source
        self.meter.value = t.confidence
        if t.command:
            self.command_view.show(t.command)
            hints = self._hint(("run", "run"), ("copy", "copy"), ("edit", "edit"), ("flag", "flag as wrong"),
                               ("refine", "refine"))
            # A repaired answer (the working command for one the tool crashes on, the one that asks y/N first)
            # says why it is not the model's own, before anything runs.
            self.reason_line.show(f"{t.note} · {hints}" if t.note else hints)
            if t.note:
                self.notify(t.note, severity="warning", timeout=10)
        else:
            self.command_view.show_abstained()
            self.reason_line.show(t.reason)
        self._show_help(t.subcommand, t.used_options)
        self.status_line.show(f"Ready · model {t.model_id} · {t.latency_s * 1000:.0f} ms")

    def on_nlcli_app_failed(self, message: Failed) -> None:
        self.busy = False
        self.reason_line.show(message.error)
        self.notify(message.error, severity="error")
        self.status_line.show("Ready")

    def watch_busy(self, busy: bool) -> None:
        self.set_class(busy, "locked")

    def _show_help(self, subcommand: str | None, used: tuple[str, ...] = ()) -> None:
        program = self.wizard.program
        self.help_scroll.name_help(f"{program} {subcommand} --help" if subcommand else f"{program} --help")
        self.help_panel.show(lambda width: self.wizard.help_for(subcommand, width), used)

    # -- actions on the command -------------------------------------------
    def _require_command(self) -> str | None:
        if self.busy:
            self.notify(f"Wait for the translation to finish (or press {self.key('cancel')}).", severity="warning")
            return None
        if not self.command:
            self.notify("There is no command yet; type a request and press enter.", severity="warning")
            return None
        return self.command

    def action_run(self) -> None:
        command, parsed = self._require_command(), self._parsed
        if command is None or parsed is None:
            return
        if self.wizard.destructive(parsed):
            dry_run = self.wizard.dry_run_variant(command)

            def chosen(choice: str | None) -> None:
                if choice == "run":
                    self._execute(command, parsed)
                elif choice == "dry-run" and dry_run:
                    self._execute(dry_run, self.wizard.validate(dry_run).parsed)
                else:
                    self.notify("Cancelled; nothing was run.")

            self.push_screen(ConfirmDialog(command, dry_run, self.wizard.tool.data.risk.confirms), chosen)
            return
        self._execute(command, parsed)

    def _execute(self, command: str, parsed: ParsedCommand | None) -> None:
        self.output_log.add(f"$ {command}")
        note = self.wizard.expansion_note(command)
        if note:
            self.output_log.add(f"  {note}")
        if parsed is not None and self.wizard.needs_terminal(parsed):
            self._execute_in_terminal(command)
            return
        self.status_line.show(f"Running {command}…")
        self.run_tool(command)

    def _execute_in_terminal(self, command: str) -> None:
        from textual.app import SuspendNotSupported

        try:
            with self.suspend():
                # stderr is the terminal even when stdout is captured by $(nlcli-tui).
                print(f"$ {visible(command)}", file=sys.stderr, flush=True)
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
    def run_tool(self, command: str) -> None:
        log = self.output_log
        try:
            result = self.wizard.run(command, lambda line: self.call_from_thread(log.add, line), columns=log.columns)
        except NlcliError as exc:
            self.post_message(self.RunFinished(command, None, str(exc)))
            return
        self.post_message(self.RunFinished(command, result.exit_code, crash=result.crash,
                                           alternatives=result.alternatives))

    def on_nlcli_app_run_finished(self, message: RunFinished) -> None:
        if message.error:
            self.output_log.add(f"✗ {message.error}")
            self.notify(message.error, severity="error")
            self.status_line.show("Ready")
            return
        if message.crash is not None:
            self._show_crash(message.command, message.crash, message.alternatives)
        self.output_log.add(f"[exit code {message.exit_code}]")
        self.status_line.show(f"Ran {message.command} · exit code {message.exit_code}")
        self._record_use("executed", message.command, exit_code=message.exit_code)
        try:
            if self.wizard.add_to_shell_history(message.command):
                self.notify("Added to your shell history.")
        except NlcliError as exc:
            self.notify(str(exc), severity="warning")

    def _show_crash(self, command: str, crash: Crash, alternatives: tuple[str, ...]) -> None:
        """One line for the tool's traceback (kept for the palette) and, where one exists, a working command
        that does the same job, offered as the current command."""
        self._traceback = crash.traceback
        self.output_log.add(f"✗ {crash.summary}")
        program = self.wizard.program
        self.output_log.add(f"  ({program}'s traceback is folded: ctrl+p › Show {program}'s traceback)")
        if alternatives:
            also = f" (or {', '.join(alternatives[1:])})" if alternatives[1:] else ""
            self._adopt(alternatives[0], self.wizard.validate(alternatives[0]).parsed,
                        f"{program} crashed on {command}; {alternatives[0]}{also} does the same job · "
                        + self._hint(("run", "run it"), ("copy", "copy")))

    def show_traceback(self) -> None:
        for line in self._traceback:
            self.output_log.add(line)

    def action_copy(self) -> None:
        command = self._require_command()
        if command is None:
            return
        copied = clipboard.copy(self.wizard.for_shell(command), self.copy_to_clipboard)
        self.notify(copied.message, severity="warning" if copied.problem else "information")
        self._record_use("copied", command)

    def action_edit(self) -> None:
        if self.editor.holds(ValidatedInput):
            self._close_editor()
            return
        if self.busy:
            self.notify(f"Wait for the translation to finish (or press {self.key('cancel')}).", severity="warning")
            return
        start = self.command or (self.translation.candidate if self.translation else None) or self.wizard.program + " "
        self._close_editor()  # the refinement line, if open: one thing below the command at a time
        self.editor.mount(ValidatedInput(start, self.wizard.validate, program=self.wizard.program, id="edit-command"))

    def action_refine(self) -> None:
        """Open a line whose text is appended to the answered request, which is then translated anew."""
        if self.busy:
            self.notify(f"Wait for the translation to finish (or press {self.key('cancel')}).", severity="warning")
            return
        if self.translation is None:
            self.notify(f"Translate a request first; then {self.key('refine')} refines it, e.g. 'only conda ones'.",
                        severity="warning")
            return
        if self.editor.holds(RefineInput):
            self.query_one(RefineInput).focus()
            return
        self._close_editor()
        line = RefineInput(self.translation.query, f"enter translates · {self.key('cancel')} closes", id="refine")
        self.editor.mount(line)
        line.focus()

    @on(Input.Submitted, "#refine")
    def refined(self, event: Input.Submitted) -> None:
        line = self.query_one(RefineInput)
        try:
            query = self.wizard.refine(line.request, event.value)
        except NlcliError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.query_input.value = query
        self.query_input.remember(query)
        self.wizard.remember(query)
        self._start(query)  # closes the line and puts the focus back on the request

    def on_validated_input_accepted(self, message: ValidatedInput.Accepted) -> None:
        self._adopt(message.command, message.parsed,
                    "Edited · " + self._hint(("run", "run"), ("copy", "copy"), ("flag", "flag the model's answer")))
        self._close_editor()

    def _adopt(self, command: str, parsed: ParsedCommand | None, note: str) -> None:
        """Make a user-written command the one run and copy act on."""
        self.command, self._parsed = command, parsed
        self.command_view.show(command)
        if parsed is not None:
            self._show_help(parsed.subcommand, tuple(parsed.used_options()))
        self.reason_line.show(note)

    def _close_editor(self) -> None:
        if self.editor.is_open:
            self.editor.remove_children()
            self.query_input.focus()

    def action_flag(self) -> None:
        if self.busy or self.translation is None:
            self.notify(f"Translate a request first; then {self.key('flag')} flags a wrong answer.",
                        severity="warning")
            return
        t = self.translation

        def corrected(command: str | None) -> None:
            if command is None:
                self.notify("Flag cancelled; nothing was saved.")
                return
            try:
                path = self.wizard.flag(t, command)
            except NlcliError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
            self.notify(f"Saved the correction to {path}: the same request gets it at once from now on, "
                        "and the next fine-tune learns from it.")
            if command != ABSTAIN:
                self._adopt(command, self.wizard.validate(command).parsed,
                            "Your correction · " + self._hint(("run", "run"), ("copy", "copy")))
                self.meter.source = "correction"

        self.push_screen(FlagDialog(t.query, self.command or t.candidate, self.wizard.validate, self.wizard.program),
                         corrected)

    def _record_use(self, verdict: str, command: str, exit_code: int | None = None) -> None:
        """Write feedback; a failure is shown, never fatal."""
        if self.translation is None:
            return
        try:
            self.wizard.record_use(self.translation, verdict, command, exit_code=exit_code)
        except NlcliError as exc:
            self.notify(str(exc), severity="error", timeout=8)

    def action_cancel(self) -> None:
        if self.editor.is_open:
            self._close_editor()
            return
        if self.busy:
            self.workers.cancel_group(self, "translate")
            self.busy = False
            self.reason_line.show("Cancelled.")
            self.status_line.show("Ready")
            return
        if self.from_shell:
            self.exit()  # as ctrl+q: no command printed, the shell's line stays as it was

    def action_print_and_quit(self) -> None:
        self.exit(self.command)
