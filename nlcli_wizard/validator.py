"""Is a line exactly one valid venvy invocation? And what is its canonical form?

Parsing goes through venvy's own click parsers (``make_parser``), which check
option names, arity and required arguments without touching the filesystem, so
``--path /not/here`` is valid syntax even though venvy would later complain
that the directory does not exist. Choices and integers are checked here.

The canonical form is what the model is trained to write and what two
commands are compared by: long option names, arguments first, options in
venvy's declaration order (options before a ``--`` when an argument starts
with ``-``), values that equal the default dropped, values quoted with
``shlex.quote``, so that the canonical form parses back to the same command
with every value intact (a backslash is a literal character, as in a Windows
path, never an escape). So ``venvy ls -s size -f table`` and
``venvy ls --sort size`` are the same command. One equivalence comes from what
venvy does rather than from its declarations: ``scan --path ~`` searches
``Path.home()`` exactly as ``scan --home`` does, and is written that way.
"""

from __future__ import annotations

import shlex
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import click

from nlcli_wizard.catalog import Catalog, CommandSpec, ParamSpec, _unset, _venvy_group, load_catalog
from nlcli_wizard.errors import InvalidCommandError
from nlcli_wizard.quoting import join, quote_word

# Anything a shell would treat as a second command, a redirection or an
# expansion. We never run a shell, but a command that *looks* like it pipes
# or chains would mislead the user who copies it into one.
SHELL_METACHARACTERS = (";", "|", "&", "$", "`", ">", "<", "\n", "\r")
# Characters no value should hold: controls (a tab included), format characters (zero-width, bidi
# overrides), private use, unassigned, line and paragraph separators. A value with one would run as
# something other than what the user sees.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
MAX_COMMAND_LENGTH = 1000


@dataclass(frozen=True)
class ParsedCommand:
    subcommand: str | None
    verbose: bool = False
    version: bool = False
    help: bool = False
    # Explicit, non-default values keyed by click parameter name.
    values: dict[str, Any] = field(default_factory=dict)

    def spec(self, catalog: Catalog | None = None) -> CommandSpec | None:
        catalog = catalog or load_catalog()
        return catalog.command(self.subcommand) if self.subcommand else None

    def tokens(self) -> list[str]:
        """argv, the program first, every value as it is (``~`` unexpanded: see
        :func:`nlcli_wizard.quoting.argv_as_run` for what a shell hands the program)."""
        argv = ["venvy"]
        if self.version:
            return argv + ["--version"]
        if self.verbose:
            argv.append("--verbose")
        if self.subcommand is None:
            return argv + (["--help"] if self.help else [])
        argv.append(self.subcommand)
        spec = self.spec()
        assert spec is not None
        if self.help:
            return argv + ["--help"]
        arguments = [str(self.values[p.name]) for p in spec.arguments if p.name in self.values]
        options = []
        for param in spec.options:
            if param.name not in self.values:
                continue
            options.append(param.long)
            if param.takes_value:
                options.append(str(self.values[param.name]))
        if any(a.startswith("-") and a != "-" for a in arguments):
            # An argument such as '--help' or '-x' would be read as an option: it goes after '--',
            # and the options before it, since after '--' everything is an argument.
            return argv + options + ["--"] + arguments
        return argv + arguments + options

    @property
    def canonical(self) -> str:
        return join(self.tokens())

    def used_options(self) -> list[str]:
        """Long names of the options this command sets (the help panel highlights them)."""
        spec = self.spec()
        if spec is None:
            return []
        return [p.long for p in spec.options if p.name in self.values]


def quote(token: str) -> str:
    """``shlex.quote``, but a leading ``~/`` stays bare so a shell still expands it."""
    return quote_word(token)


def split_words(line: str) -> list[str]:
    """Shell-like words, with quotes as a POSIX shell reads them but a backslash taken literally.

    Users paste Windows paths (``C:\\Users\\ana\\envs``), where POSIX splitting would eat
    every backslash and change the value. The canonical form never needs a backslash escape:
    ``shlex.quote`` quotes with single quotes only.
    """
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = ""
    return list(lexer)


def _click_error(exc: click.ClickException) -> str:
    return exc.format_message().rstrip(".") + "."


def _check_value(command: str, param: ParamSpec, raw: Any) -> Any:
    label = param.long if not param.is_argument else param.name.upper()
    if param.kind == "flag":
        return bool(raw)
    text = str(raw)
    if text == "":
        raise InvalidCommandError(f"'venvy {command}' got an empty value for {label}.")
    if param.kind == "choice":
        lowered = text.lower()  # venvy declares its choices case-insensitive
        if lowered not in param.choices:
            raise InvalidCommandError(
                f"'{text}' is not a valid value for {label} of 'venvy {command}'; choose one of: "
                + ", ".join(param.choices) + "."
            )
        return lowered
    if param.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise InvalidCommandError(f"{label} of 'venvy {command}' needs a whole number, not '{text}'.") from None
    return text


def _is_default(param: ParamSpec, value: Any) -> bool:
    if param.default is None:
        return param.kind == "flag" and value is False
    if param.kind == "flag":
        return value == param.default
    return str(value).lower() == str(param.default).lower()


def _asked_for_help(cmd: click.Command, ctx: click.Context, opts: dict[str, Any]) -> bool:
    option = cmd.get_help_option(ctx)
    return option is not None and bool(opts.get(option.name))


def _reject_shell_syntax(line: str) -> None:
    for char in SHELL_METACHARACTERS:
        if char in line:
            shown = {"\n": "a newline", "\r": "a carriage return"}.get(char, f"'{char}'")
            raise InvalidCommandError(
                f"The command contains {shown}, which a shell would treat as more than one venvy invocation.", line
            )
    bad = next((c for c in line if unicodedata.category(c) in _INVISIBLE_CATEGORIES), None)
    if bad is not None:
        name = unicodedata.name(bad, "a control character").lower()
        raise InvalidCommandError(f"The command contains an invisible or control character (U+{ord(bad):04X}, "
                                  f"{name}); type the value without it.", line)


def parse(line: str, catalog: Catalog | None = None) -> ParsedCommand:
    """Parse one command line; raise :class:`InvalidCommandError` with a precise reason."""
    catalog = catalog or load_catalog()
    if not isinstance(line, str) or not line.strip():
        raise InvalidCommandError("The command is empty.", str(line))
    if len(line) > MAX_COMMAND_LENGTH:
        raise InvalidCommandError(f"The command is longer than {MAX_COMMAND_LENGTH} characters.", line[:80])
    _reject_shell_syntax(line)
    try:
        argv = split_words(line)
    except ValueError as exc:
        raise InvalidCommandError(f"The command cannot be split into words ({exc}).", line) from None
    if not argv:
        raise InvalidCommandError("The command is empty.", line)
    if argv[0] != catalog.program:
        raise InvalidCommandError(f"The command runs '{argv[0]}', not venvy.", line)

    group = _venvy_group()
    group_ctx = click.Context(group, info_name=catalog.program)
    try:
        group_opts, rest, _ = group.make_parser(group_ctx).parse_args(argv[1:])
    except click.ClickException as exc:
        raise InvalidCommandError(_click_error(exc), line) from None
    verbose = bool(group_opts.get("verbose"))
    if group_opts.get("version"):
        if rest:
            raise InvalidCommandError("'venvy --version' takes no subcommand.", line)
        return ParsedCommand(subcommand=None, version=True)
    if not rest:
        if _asked_for_help(group, group_ctx, group_opts):
            return ParsedCommand(subcommand=None, verbose=verbose, help=True)
        raise InvalidCommandError("The command names no venvy subcommand.", line)

    name, sub_args = rest[0], rest[1:]
    spec = catalog.command(name)
    if spec is None:
        raise InvalidCommandError(
            f"venvy has no subcommand '{name}'; it has: {', '.join(catalog.commands)}.", line
        )
    cmd = group.commands[name]
    sub_ctx = click.Context(cmd, info_name=name, parent=group_ctx)
    try:
        opts, extra, _ = cmd.make_parser(sub_ctx).parse_args(sub_args)
    except click.ClickException as exc:
        raise InvalidCommandError(f"'venvy {name}': {_click_error(exc)}", line) from None
    if extra:
        raise InvalidCommandError(f"'venvy {name}' got an unexpected extra argument '{extra[0]}'.", line)
    if _asked_for_help(cmd, sub_ctx, opts):
        return ParsedCommand(subcommand=name, verbose=verbose, help=True)

    values: dict[str, Any] = {}
    for param in spec.params:
        raw = opts.get(param.name)
        if raw is None or _unset(raw):
            if param.required:
                raise InvalidCommandError(f"'venvy {name}' needs {param.name.upper()}.", line)
            continue
        value = _check_value(name, param, raw)
        if not _is_default(param, value):
            values[param.name] = value
    if name == "scan" and values.get("path") in ("~", "~/"):
        # venvy scan: `if path: search_paths = [path] elif home: [Path.home()]`
        del values["path"]
        values["home"] = True
    return ParsedCommand(subcommand=name, verbose=verbose, values=values)


@dataclass(frozen=True)
class Validation:
    ok: bool
    reason: str = ""
    parsed: ParsedCommand | None = None

    @property
    def canonical(self) -> str | None:
        return self.parsed.canonical if self.parsed else None


def validate(line: str, catalog: Catalog | None = None) -> Validation:
    """Like :func:`parse`, but returns the verdict instead of raising."""
    try:
        return Validation(ok=True, parsed=parse(line, catalog))
    except InvalidCommandError as exc:
        return Validation(ok=False, reason=exc.reason)


def canonicalize(line: str) -> str:
    return parse(line).canonical


def equivalent(a: str, b: str) -> bool:
    """Same venvy invocation? Invalid lines are never equivalent to anything."""
    va, vb = validate(a), validate(b)
    return va.ok and vb.ok and va.canonical == vb.canonical
