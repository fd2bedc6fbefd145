"""The TUI's widgets. Each renders state it is given; none calls the core."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RichLog, Static

from nlcli_wizard.confidence import confidence_word
from nlcli_wizard.display import visible
from nlcli_wizard.prompt import ABSTAIN
from nlcli_wizard.validator import ParsedCommand, Validation


def plain(text: str) -> Text:
    """Text from the user, the model, the tool or a file, shown exactly as it is.

    Textual parses a ``str`` given to a Label, a Static or a border title as
    markup, so ``[/]`` in a request or a path raises ``MarkupError`` and kills
    the app; a ``Text`` is never parsed. Every such string goes through here.
    """
    return Text(visible(text))


class PlainInput(Input):
    """An input that shows every control character as a visible one (see :func:`visible`) and keeps
    the characters themselves in its value: a tab pasted inside a path stays a tab in the request,
    where the translation refuses it by name, instead of becoming a picture nobody typed."""

    @property
    def _value(self) -> Text:
        # Textual's Input renders its value through this property (its password mode does the same);
        # a picture is one cell, so the cursor stays where the character is.
        text = Text(visible(self.value, keep_layout=False), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text


class PlainLine(Static):
    """A line of text that is shown as it is (see :func:`plain`)."""

    def show(self, text: str) -> None:
        self.update(plain(text))


class StatusLine(PlainLine):
    """What the app is doing: loading, translating, running."""


class ReasonLine(PlainLine):
    """Why there is no command, or what the user can do with the one shown."""


class CommandView(PlainLine):
    """The command being written, the command offered, or "No command"."""

    def show_abstained(self) -> None:
        self.show("No command")
        self.add_class("abstained")

    def show(self, text: str) -> None:
        if text:
            self.remove_class("abstained")
        super().show(text)


class OutputLog(RichLog):
    """The tool's output, line by line, never parsed as markup."""

    def __init__(self, **kwargs) -> None:
        # min_width=1: RichLog renders at 78 columns at least by default and crops what its panel cannot show.
        super().__init__(wrap=True, markup=False, highlight=False, min_width=1, **kwargs)

    def add(self, line: str) -> None:
        self.write(plain(line))

    @property
    def columns(self) -> int:
        """The width a program's output fits in here without wrapping (its own tables laid out to it)."""
        return max(20, self.scrollable_content_region.width - 1)


class EditorSlot(Vertical):
    """Where the command editor or the refinement line opens below the command (one at a time)."""

    @property
    def is_open(self) -> bool:
        return bool(self.children)

    def holds(self, kind: type) -> bool:
        """Whether what is open here is a ``kind`` (the editor, the refinement line)."""
        return any(isinstance(child, kind) for child in self.children)


class RefineInput(PlainInput):
    """One line that refines the answered request ("only conda ones", "as json"); enter sends it."""

    def __init__(self, request: str, hint: str, **kwargs) -> None:
        super().__init__(placeholder="e.g. only conda ones · as json · preview first", **kwargs)
        self.request = request  # what the refinement is appended to
        self.border_title = plain(f"refine: {request}")
        self.border_subtitle = plain(hint)


class HelpScroll(ScrollableContainer):
    """Scrolls the help panel and names the help it shows in its border."""

    def name_help(self, title: str) -> None:
        self.border_title = plain(title)


class QueryInput(PlainInput):
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

    def replace_history(self, history: list[str]) -> None:
        """Another tool's requests (the tool was switched)."""
        self.history = list(history)
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
    ConfidenceMeter.user { color: $accent; }
    """

    value: reactive[float | None] = reactive(None)
    # "correction" when the command is the user's own: the meter says so instead of the model's score.
    source: reactive[str] = reactive("model")

    def render(self) -> Text:
        if self.value is None:
            return Text("confidence  —", style="dim")
        if self.source == "correction":
            return Text("✓ yours      your own correction, not the model's answer")
        word = confidence_word(self.value)
        tail = f"  {self.value:4.0%}  {word}"
        # On a narrow screen the bar shrinks and then the label goes, so the percentage and the word stay.
        room = self.size.width - len(tail)
        label = "confidence  " if room >= len("confidence  ") + 5 else ""
        width = max(5, min(20, room - len(label)))
        filled = round(self.value * width)
        return Text(f"{label}{'█' * filled}{'░' * (width - filled)}{tail}")

    def watch_value(self, value: float | None) -> None:
        self.remove_class("high", "medium", "low")
        if value is not None:
            self.add_class(confidence_word(value))

    def watch_source(self, source: str) -> None:
        self.set_class(source == "correction", "user")


class HelpPanel(Static):
    """The tool's own --help for a subcommand, with the options in use highlighted.

    The help is laid out for the panel's own width, again whenever that width
    changes, so its words wrap where click wraps them rather than at the border.
    """

    text: Text = Text()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._layout: Callable[[int], str] = lambda width: ""
        self._used: tuple[str, ...] = ()

    def show(self, layout: Callable[[int], str], used: tuple[str, ...] = ()) -> None:
        """``layout(width)`` returns the help text for ``width`` columns."""
        self._layout, self._used = layout, used
        self._render_help()

    def on_resize(self) -> None:
        self._render_help()

    def _render_help(self) -> None:
        width = self.content_size.width
        if width <= 0:
            return  # not laid out yet; on_resize comes back with a width
        # A word longer than the panel (a choice list such as [name|recent|size|project])
        # still wraps at the panel's edge instead of running past it.
        self.text = Text(self._layout(width), overflow="fold")
        for option in self._used:
            self.text.highlight_words([option], style="bold reverse")
        self.update(self.text)


class ValidatedInput(Vertical):
    """An input whose text is checked as a command of the tool on every keystroke."""

    DEFAULT_CSS = """
    ValidatedInput { height: auto; }
    ValidatedInput .status { height: auto; padding: 0 1; }
    ValidatedInput .status.ok { color: $success; }
    ValidatedInput .status.bad { color: $error; }
    """

    @dataclass
    class Accepted(Message):
        command: str  # canonical
        parsed: ParsedCommand | None  # None for the abstain word

    def __init__(self, value: str, validate: Callable[[str], Validation], allow_abstain: bool = False,
                 program: str = "the tool", **kwargs) -> None:
        super().__init__(**kwargs)
        self._program = program
        self._value = value
        self._validate = validate
        self._allow_abstain = allow_abstain
        self.canonical: str | None = None
        self.parsed: ParsedCommand | None = None
        self.problem = ""

    @property
    def field(self) -> PlainInput:
        return self.query_one(PlainInput)

    @property
    def status(self) -> Label:
        return self.query_one(Label)

    def compose(self) -> ComposeResult:
        yield PlainInput(self._value, id="command-input", select_on_focus=False)
        yield Label(classes="status")

    def on_mount(self) -> None:
        # A second key in the same read as the one that opened the editor (ctrl+e ctrl+e, ctrl+e ctrl+o)
        # may close it, or end the app, before it mounts: then there is nothing left to set up.
        if not self.query(PlainInput) or not self.is_attached:
            return
        self._check(self._value)
        self.field.focus()
        self.field.cursor_position = len(self.field.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._check(event.value)

    def _check(self, value: str) -> None:
        statuses = self.query(Label)
        if not statuses:
            return  # being removed
        status = statuses.first()
        status.remove_class("ok", "bad")
        if self._allow_abstain and value.strip().upper() == ABSTAIN:
            self.canonical, self.parsed, self.problem = ABSTAIN, None, ""
            status.update(plain(f"✓ {self._program} cannot do this request"))
            status.add_class("ok")
            return
        result = self._validate(value)
        self.canonical = result.canonical if result.ok else None
        self.parsed = result.parsed if result.ok else None
        self.problem = "" if result.ok else result.reason
        status.update(plain(f"✓ {result.canonical}" if result.ok else f"✗ {result.reason}"))
        status.add_class("ok" if result.ok else "bad")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.canonical is None:
            self.app.bell()
            self.notify(f"Fix the command first: {self.problem}", severity="warning", markup=False)
            return
        self.post_message(self.Accepted(self.canonical, self.parsed))


class FlagDialog(ModalScreen[str | None]):
    """Flag a wrong answer: correct it (validated), enter saves, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="flag-cancel")]

    def __init__(self, query: str, predicted: str | None, validate: Callable[[str], Validation],
                 program: str = "the tool") -> None:
        super().__init__()
        self.request = query
        self.predicted = predicted
        self._validate = validate
        self._program = program

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Label("Flag as wrong: what should it be?", classes="title")
            yield Label(plain(f"request: {self.request}"))
            yield Label(plain(f"answer:  {self.predicted or '(no command)'}"))
            yield ValidatedInput(self.predicted or self._program + " ", self._validate, allow_abstain=True,
                                 program=self._program)
            yield Label(f"enter saves · {ABSTAIN} if {self._program} can't do it · escape cancels", classes="hint")

    def on_validated_input_accepted(self, event: ValidatedInput.Accepted) -> None:
        event.stop()  # the app's own editor handles the same message
        self.dismiss(event.command)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[str]):
    """Before a destructive command: run it, dry-run it first, or cancel."""

    BINDINGS = [
        Binding("escape,n", "choose('cancel')", "Cancel", id="confirm-cancel"),
        Binding("y", "choose('run')", "Run", id="confirm-run"),
        Binding("d", "choose('dry-run')", "Dry run", id="confirm-dry-run"),
    ]

    def __init__(self, command: str, dry_run: str | None, tool_confirms: bool = False) -> None:
        super().__init__()
        self.command = command
        self.dry_run = dry_run
        self.tool_confirms = tool_confirms

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Label("This command deletes or overwrites data" + (" (and asks you again before it does):"
                        if self.tool_confirms else ":"), classes="title")
            yield Label(plain(f"  {self.command}"))
            if self.dry_run:
                yield Label(plain(f"[d] dry run first ({self.dry_run})"))
            yield Label(plain("[y] run it   [n/escape] cancel"))
            with Horizontal(classes="buttons"):
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
