"""Is a line exactly one valid invocation of the tool? And what is its canonical form?

Parsing goes through the tool's own click parsers (``make_parser``), which check option names, arity
and required arguments without touching the filesystem, so ``--path /not/here`` is valid syntax even
though the tool would later complain that the directory does not exist. Choices and numbers are
checked here.

The canonical form is what the model is trained to write and what two commands are compared by: long
option names, arguments first, options in the tool's declaration order (options before a ``--`` when an
argument starts with ``-``), a repeated option once per value, values that equal the default dropped,
values quoted the POSIX way (:mod:`nlcli_wizard.quoting`), so that the canonical form parses back to the
same command with every value intact (a backslash is a literal character, as in a Windows path, never an
escape). So ``venvy ls -s size -f table`` and ``venvy ls --sort size`` are the same command. A tool's
profile may add equivalences that come from what the tool does rather than from its declarations (venvy's
``scan --path ~`` searches the home directory exactly as ``scan --home`` does, and is written that way).
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import click

from nlcli_wizard.catalog import Catalog, CommandSpec, ParamSpec, unset
from nlcli_wizard.errors import InvalidCommandError
from nlcli_wizard.quoting import join, quote_word

# Anything a shell would treat as a second command, a redirection or an expansion, outside quotes. We
# never run a shell, but a command that *looks* like it pipes or chains would mislead the user who copies
# it into one. Inside quotes they are a value's own characters (SQL's "where age > 3").
SHELL_METACHARACTERS = (";", "|", "&", "$", "`", ">", "<")
# Characters no value should hold: controls (a tab included), format characters (zero-width, bidi
# overrides), private use, unassigned, line and paragraph separators. A value with one would run as
# something other than what the user sees.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
MAX_COMMAND_LENGTH = 1000


@dataclass(frozen=True)
class ParsedCommand:
    subcommand: str | None
    # Explicit, non-default values keyed by click parameter name; a repeated parameter's is a tuple.
    values: dict[str, Any] = field(default_factory=dict)
    # Group-level flags that are set, by parameter name ("verbose").
    group_flags: tuple[str, ...] = ()
    version: bool = False
    help: bool = False
    catalog: Catalog | None = field(default=None, compare=False, repr=False)

    def spec(self) -> CommandSpec | None:
        assert self.catalog is not None
        return self.catalog.command(self.subcommand) if self.subcommand else None

    def _group_option(self, name: str) -> str:
        assert self.catalog is not None
        return next((p.long for p in self.catalog.group_options if p.name == name), f"--{name}")

    def tokens(self) -> list[str]:
        """argv, the program first, every value as it is (``~`` unexpanded: see
        :func:`nlcli_wizard.quoting.argv_as_run` for what a shell hands the program)."""
        assert self.catalog is not None
        argv = [self.catalog.program]
        if self.version:
            return argv + [self._group_option("version")]
        argv += [self._group_option(name) for name in self.group_flags]
        if self.subcommand is None:
            return argv + (["--help"] if self.help else [])
        argv.append(self.subcommand)
        spec = self.spec()
        assert spec is not None
        if self.help:
            return argv + ["--help"]
        arguments: list[str] = []
        for param in spec.arguments:
            if param.name in self.values:
                value = self.values[param.name]
                arguments += [str(v) for v in value] if param.repeated else [str(value)]
        options: list[str] = []
        for param in spec.options:
            if param.name not in self.values:
                continue
            value = self.values[param.name]
            if param.kind == "flag":
                options.append(param.long if value else param.off[0])
                continue
            for occurrence in (value if param.multiple else (value,)):
                options.append(param.long)
                options += [str(v) for v in occurrence] if param.nargs > 1 else [str(occurrence)]
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

    def texts(self) -> list[tuple[ParamSpec, str, str]]:
        """Every value the command sets, one text each (a repeated or multi-part one per part), with its
        parameter and its kind: what grounding checks against the request."""
        spec = self.spec()
        if spec is None or self.help:
            return []
        out = []
        for param in spec.params:
            if param.name not in self.values or param.kind == "flag":
                continue
            value = self.values[param.name]
            kinds = [kind for kind, _ in param.parts] or [param.kind] * max(1, param.nargs)
            for occurrence in (value if param.repeated else (value,)):
                parts = occurrence if isinstance(occurrence, tuple) else (occurrence,)
                out += [(param, kind, str(part)) for kind, part in zip(kinds, parts, strict=False)]
        return out

    @property
    def destructive(self) -> bool:
        """Does running it delete or overwrite data (the tool's profile says which commands and parameters
        do; a dry run does not)?"""
        spec = self.spec()
        if spec is None or self.help or self.version:
            return False
        assert self.catalog is not None and self.catalog.profile is not None
        risk = self.catalog.profile.data.risk
        if any(self.values.get(name) for name in risk.dry_run):
            return False
        triggers = risk.destructive_params.get(spec.name, ())
        return spec.destructive or any(self.values.get(name) for name in triggers)

    @property
    def forced(self) -> bool:
        """Does it set a parameter that skips the tool's own confirmation?"""
        assert self.catalog is not None and self.catalog.profile is not None
        return any(self.values.get(name) for name in self.catalog.profile.data.risk.force)

    def without(self, *names: str) -> ParsedCommand:
        """The same command without these parameters."""
        return ParsedCommand(self.subcommand, {k: v for k, v in self.values.items() if k not in names},
                             self.group_flags, self.version, self.help, self.catalog)


def quote(token: str) -> str:
    """``shlex.quote``, but a leading ``~/`` stays bare so a shell still expands it."""
    return quote_word(token)


def split_words(line: str) -> list[str]:
    """Shell-like words, with quotes as a POSIX shell reads them but a backslash taken literally.

    Users paste Windows paths (``C:\\Users\\ana\\envs``), where POSIX splitting would eat
    every backslash and change the value. The canonical form never needs a backslash escape:
    it quotes with single quotes only.
    """
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = ""
    return list(lexer)


def _click_error(exc: click.ClickException) -> str:
    return exc.format_message().rstrip(".") + "."


def _convert(command: str, param: ParamSpec, kind: str, choices: tuple[str, ...], raw: Any) -> Any:
    label = param.long if not param.is_argument else param.name.upper()
    text = str(raw)
    if text == "":
        raise InvalidCommandError(f"'{command}' got an empty value for {label}.")
    if kind == "choice":
        # Choices are matched regardless of case (the tools here declare them so) and written
        # the way the tool declares them.
        match = next((c for c in choices if c.lower() == text.lower()), None)
        if match is None:
            raise InvalidCommandError(f"'{text}' is not a valid value for {label} of '{command}'; choose one of: "
                                      + ", ".join(choices) + ".")
        return match
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise InvalidCommandError(f"{label} of '{command}' needs a whole number, not '{text}'.") from None
    if kind == "float":
        try:
            number = float(text)
        except ValueError:
            raise InvalidCommandError(f"{label} of '{command}' needs a number, not '{text}'.") from None
        return int(number) if number.is_integer() and "." not in text else number
    return text


def _check_value(command: str, param: ParamSpec, raw: Any) -> Any:
    if param.kind == "flag":
        return bool(raw)

    def one(item: Any) -> Any:
        if param.parts:
            return tuple(_convert(command, param, kind, choices, part)
                         for (kind, choices), part in zip(param.parts, item, strict=True))
        if param.nargs > 1:
            return tuple(_convert(command, param, param.kind, param.choices, part) for part in item)
        return _convert(command, param, param.kind, param.choices, item)

    if param.repeated:
        return tuple(one(item) for item in raw)
    return one(raw)


def _is_default(param: ParamSpec, value: Any) -> bool:
    if param.repeated:
        return not value
    if param.default is None:
        return param.kind == "flag" and value is False and not param.off
    if param.kind == "flag":
        return value == param.default
    return str(value).lower() == str(param.default).lower()


def _asked_for_help(cmd: click.Command, ctx: click.Context, opts: dict[str, Any]) -> bool:
    option = cmd.get_help_option(ctx)
    return option is not None and bool(opts.get(option.name))


def holds_invisible(text: str) -> bool:
    """Does the text hold a character the validator refuses in a command (control, invisible, unassigned)?"""
    return any(unicodedata.category(c) in _INVISIBLE_CATEGORIES for c in text)


def _reject_shell_syntax(line: str) -> None:
    bad = next((c for c in line if unicodedata.category(c) in _INVISIBLE_CATEGORIES), None)
    if bad is not None:
        if bad in "\n\r":
            shown = {"\n": "a newline", "\r": "a carriage return"}[bad]
            raise InvalidCommandError(f"The command contains {shown}, which a shell would treat as more than one "
                                      "command.", line)
        name = unicodedata.name(bad, "a control character").lower()
        raise InvalidCommandError(f"The command contains an invisible or control character (U+{ord(bad):04X}, "
                                  f"{name}); type the value without it.", line)
    quote_char = ""
    for char in line:
        if quote_char:
            if char == quote_char:
                quote_char = ""
        elif char in "'\"":
            quote_char = char
        elif char in SHELL_METACHARACTERS:
            raise InvalidCommandError(
                f"The command contains '{char}' outside quotes, which a shell would treat as more than one "
                "command.", line)


def parse(line: str, catalog: Catalog) -> ParsedCommand:
    """Parse one command line of the tool ``catalog`` describes; raise :class:`InvalidCommandError` with a
    precise reason."""
    program = catalog.program
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
    if argv[0] != program:
        raise InvalidCommandError(f"The command runs '{argv[0]}', not {program}.", line)

    group = catalog.group
    assert group is not None
    group_ctx = click.Context(group, info_name=program, **group.context_settings)
    try:
        group_opts, rest, _ = group.make_parser(group_ctx).parse_args(argv[1:])
    except click.ClickException as exc:
        raise InvalidCommandError(_click_error(exc), line) from None
    flags = tuple(p.name for p in catalog.group_options if p.kind == "flag" and p.name != "version"
                  and group_opts.get(p.name) and not unset(group_opts.get(p.name)))
    if group_opts.get("version") and not unset(group_opts.get("version")):
        if rest:
            raise InvalidCommandError(f"'{program} --version' takes no subcommand.", line)
        return ParsedCommand(subcommand=None, version=True, catalog=catalog)
    if not rest:
        if _asked_for_help(group, group_ctx, group_opts):
            return ParsedCommand(subcommand=None, group_flags=flags, help=True, catalog=catalog)
        raise InvalidCommandError(f"The command names no {program} subcommand.", line)

    name, sub_args = rest[0], rest[1:]
    default = getattr(group, "default_cmd_name", None)  # click-default-group's implied subcommand
    if catalog.command(name) is None and default and catalog.command(default) is not None and re.search(r"[./\\]", name):
        # Only where the first word is a file ("PROGRAM pets.db 'select ...'"): an unknown word is an
        # invented subcommand, not the first argument of the implied one.
        name, sub_args = default, rest
    spec = catalog.command(name)
    if spec is None:
        raise InvalidCommandError(f"{program} has no subcommand '{name}'; it has: {', '.join(catalog.commands)}.",
                                  line)
    cmd = group.commands[name]
    sub_ctx = click.Context(cmd, info_name=name, parent=group_ctx, **cmd.context_settings)
    label = f"{program} {name}"
    try:
        opts, extra, _ = cmd.make_parser(sub_ctx).parse_args(sub_args)
    except click.ClickException as exc:
        raise InvalidCommandError(f"'{label}': {_click_error(exc)}", line) from None
    if extra:
        raise InvalidCommandError(f"'{label}' got an unexpected extra argument '{extra[0]}'.", line)
    if _asked_for_help(cmd, sub_ctx, opts):
        return ParsedCommand(subcommand=name, group_flags=flags, help=True, catalog=catalog)

    values: dict[str, Any] = {}
    for param in spec.params:
        raw = opts.get(param.name)
        if raw is None or unset(raw) or (param.repeated and not raw):
            if param.required:
                raise InvalidCommandError(f"'{label}' needs {param.name.upper()}.", line)
            continue
        value = _check_value(label, param, raw)
        if not _is_default(param, value):
            values[param.name] = value
    profile = catalog.profile
    for rule in profile.data.equivalences if profile is not None else ():
        if rule.command == name and str(values.get(rule.param)) in rule.values:
            del values[rule.param]
            values.update(rule.becomes)
    return ParsedCommand(subcommand=name, values=values, group_flags=flags, catalog=catalog)


@dataclass(frozen=True)
class Validation:
    ok: bool
    reason: str = ""
    parsed: ParsedCommand | None = None

    @property
    def canonical(self) -> str | None:
        return self.parsed.canonical if self.parsed else None


def validate(line: str, catalog: Catalog) -> Validation:
    """Like :func:`parse`, but returns the verdict instead of raising."""
    try:
        return Validation(ok=True, parsed=parse(line, catalog))
    except InvalidCommandError as exc:
        return Validation(ok=False, reason=exc.reason)


def canonicalize(line: str, catalog: Catalog) -> str:
    return parse(line, catalog).canonical


def equivalent(a: str, b: str, catalog: Catalog) -> bool:
    """The same invocation? Invalid lines are never equivalent to anything."""
    va, vb = validate(a, catalog), validate(b, catalog)
    return va.ok and vb.ok and va.canonical == vb.canonical
