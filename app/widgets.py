"""The TUI's widgets. Each renders state it is given; none calls the core."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from nlcli_wizard.confidence import confidence_word


class QueryInput(Input):
    """The request line, with up/down recall of earlier requests."""

    BINDINGS = [
        Binding("up", "history(-1)", "Earlier request", show=False, id="history-back"),
        Binding("down", "history(1)", "Later request", show=False, id="history-forward"),
    ]

    def __init__(self, history: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.history = list(history)
        self._cursor = len(self.history)

    def remember(self, query: str) -> None:
        if not self.history or self.history[-1] != query:
            self.history.append(query)
        self._cursor = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._cursor = max(0, min(len(self.history), self._cursor + step))
        self.value = self.history[self._cursor] if self._cursor < len(self.history) else ""
        self.cursor_position = len(self.value)


class ConfidenceMeter(Static):
    """A bar, a percentage and a word; colour follows the word."""

    DEFAULT_CSS = """
    ConfidenceMeter { height: 1; }
    ConfidenceMeter.high { color: $success; }
    ConfidenceMeter.medium { color: $warning; }
    ConfidenceMeter.low { color: $error; }
    """

    value: reactive[float | None] = reactive(None)

    def render(self) -> Text:
        if self.value is None:
            return Text("confidence  —", style="dim")
        width = 20
        filled = round(self.value * width)
        word = confidence_word(self.value)
        return Text(f"confidence  {'█' * filled}{'░' * (width - filled)}  {self.value:4.0%}  {word}")

    def watch_value(self, value: float | None) -> None:
        self.remove_class("high", "medium", "low")
        if value is not None:
            self.add_class(confidence_word(value))


class HelpPanel(Static):
    """venvy's own --help for a subcommand, with the options in use highlighted."""

    text: Text = Text()

    def show(self, help_text: str, used: tuple[str, ...] = ()) -> None:
        self.text = Text(help_text, no_wrap=True)
        for option in used:
            self.text.highlight_words([option], style="bold reverse")
        self.update(self.text)


class ValidatedInput(Vertical):
    """An input whose text is checked as a venvy command on every keystroke."""

    DEFAULT_CSS = """
    ValidatedInput { height: auto; }
    ValidatedInput .status { height: auto; padding: 0 1; }
    ValidatedInput .status.ok { color: $success; }
    ValidatedInput .status.bad { color: $error; }
    """

    @dataclass
    class Accepted(Message):
        command: str

    def __init__(self, value: str, validate, allow_none: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self._value = value
        self._validate = validate
        self._allow_none = allow_none
        self.canonical: str | None = None

    def compose(self) -> ComposeResult:
        yield Input(self._value, id="command-input", select_on_focus=False)
        yield Label("", classes="status")

    def on_mount(self) -> None:
        self._check(self._value)
        field = self.query_one(Input)
        field.focus()
        field.cursor_position = len(field.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._check(event.value)

    def _check(self, value: str) -> None:
        status = self.query_one(".status", Label)
        status.remove_class("ok", "bad")
        if self._allow_none and value.strip().upper() == "NONE":
            self.canonical = "NONE"
            status.update("✓ venvy cannot do this request")
            status.add_class("ok")
            return
        result = self._validate(value)
        self.canonical = result.canonical if result.ok else None
        status.update(f"✓ {result.canonical}" if result.ok else f"✗ {result.reason}")
        status.add_class("ok" if result.ok else "bad")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.canonical is None:
            self.app.bell()
            self.notify("Fix the command first: " + str(self.query_one(".status", Label).render()), severity="warning")
            return
        self.post_message(self.Accepted(self.canonical))


class FlagDialog(ModalScreen[str | None]):
    """Flag a wrong answer: correct it (validated), enter saves, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="flag-cancel")]

    def __init__(self, query: str, predicted: str | None, validate) -> None:
        super().__init__()
        self.request = query
        self.predicted = predicted
        self._validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Flag as wrong — what should it have been?", classes="title")
            yield Label(f"request: {self.request}")
            yield Label(f"answer:  {self.predicted or '(no command)'}")
            yield ValidatedInput(self.predicted or "venvy ", self._validate, allow_none=True)
            yield Label("enter saves the correction · type NONE if venvy cannot do it · escape cancels", classes="hint")

    def on_validated_input_accepted(self, event: ValidatedInput.Accepted) -> None:
        event.stop()  # the app's own editor handles the same message
        self.dismiss(event.command)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[str]):
    """Before a command that deletes: run it, dry-run it first, or cancel."""

    BINDINGS = [
        Binding("escape,n", "choose('cancel')", "Cancel", id="confirm-cancel"),
        Binding("y", "choose('run')", "Run", id="confirm-run"),
        Binding("d", "choose('dry-run')", "Dry run", id="confirm-dry-run"),
    ]

    def __init__(self, command: str, dry_run: str | None) -> None:
        super().__init__()
        self.command = command
        self.dry_run = dry_run

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("This command deletes environments:", classes="title")
            yield Label(f"  {self.command}")
            if self.dry_run:
                yield Label(f"[d] dry run first ({self.dry_run})")
            yield Label("[y] run it   [n/escape] cancel")
            with Vertical(classes="buttons"):
                if self.dry_run:
                    yield Button("Dry run", id="dry-run", variant="primary")
                yield Button("Run", id="run", variant="error")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_choose(self, choice: str) -> None:
        if choice == "dry-run" and not self.dry_run:
            return
        self.dismiss(choice)
