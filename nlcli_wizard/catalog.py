"""A tool's commands, read from its own click group at run time.

Nothing here lists a tool's commands by hand: a new option shows up in the validator, the grammar, the
dataset and the help panel by itself. What the click tree cannot say (which commands destroy data, which
parameter skips a confirmation) comes from the tool's profile (:mod:`nlcli_wizard.tools`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import click

if TYPE_CHECKING:
    from nlcli_wizard.tools import ToolProfile

ParamKind = Literal["flag", "choice", "int", "float", "path", "string"]


@dataclass(frozen=True)
class ParamSpec:
    name: str
    is_argument: bool
    kind: ParamKind
    opts: tuple[str, ...] = ()  # every spelling, e.g. ("--sort", "-s")
    choices: tuple[str, ...] = ()
    default: Any = None  # None when click has no default
    required: bool = False
    help: str = ""
    # Values per occurrence: 2 for "--rename OLD NEW"; -1 for an argument that takes any number ("COLUMN...").
    nargs: int = 1
    # An option given once per value ("--column a --column b").
    multiple: bool = False
    # For an option of several values, each value's kind and choices ("--type COLUMN INTEGER|TEXT|...").
    parts: tuple[tuple[ParamKind, tuple[str, ...]], ...] = ()
    # The spelling that turns a boolean flag off ("--no-strict"), when it has one.
    off: tuple[str, ...] = ()

    @property
    def long(self) -> str:
        """The spelling the canonical form uses: the first long option, else the first one."""
        longs = [o for o in self.opts if o.startswith("--")]
        return longs[0] if longs else self.opts[0]

    @property
    def takes_value(self) -> bool:
        return self.kind != "flag"

    @property
    def repeated(self) -> bool:
        """Whether its value is a tuple: several occurrences, or an argument of any number of values."""
        return self.multiple or self.nargs == -1


@dataclass(frozen=True)
class CommandSpec:
    name: str
    help: str
    params: tuple[ParamSpec, ...]
    destructive: bool = False  # running it deletes or overwrites data (unless a dry run)

    @property
    def arguments(self) -> tuple[ParamSpec, ...]:
        return tuple(p for p in self.params if p.is_argument)

    @property
    def options(self) -> tuple[ParamSpec, ...]:
        return tuple(p for p in self.params if not p.is_argument)

    def option(self, spelling: str) -> ParamSpec | None:
        return next((p for p in self.options if spelling in p.opts), None)

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True)
class Catalog:
    program: str
    version: str
    group_options: tuple[ParamSpec, ...]
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    group: click.Group | None = field(default=None, repr=False, compare=False)
    profile: ToolProfile | None = field(default=None, repr=False, compare=False)

    def command(self, name: str) -> CommandSpec | None:
        return self.commands.get(name)

    def help_text(self, name: str | None = None, width: int | None = None) -> str:
        """The tool's own ``--help`` output for a subcommand (or the group), laid
        out by click for ``width`` columns so a narrow panel keeps its columns."""
        assert self.group is not None
        sizing = {"terminal_width": width, "max_content_width": width} if width else {}
        ctx = click.Context(self.group, info_name=self.program, **sizing)
        if name is None:
            return self.group.get_help(ctx)
        cmd = self.group.commands[name]
        return cmd.get_help(click.Context(cmd, info_name=name, parent=ctx, **sizing))


def unset(value: Any) -> bool:
    # click 8.2+ marks "no default" with a sentinel object rather than None.
    return value is None or type(value).__name__ == "Sentinel"


def _kind(ptype: click.ParamType) -> tuple[ParamKind, tuple[str, ...]]:
    if isinstance(ptype, click.Choice):
        return "choice", tuple(str(c) for c in ptype.choices)
    if isinstance(ptype, click.types.IntParamType):
        return "int", ()
    if isinstance(ptype, click.types.FloatParamType):
        return "float", ()
    if isinstance(ptype, (click.Path, click.File)):
        return "path", ()
    return "string", ()


def _param_spec(param: click.Parameter) -> ParamSpec:
    option = isinstance(param, click.Option)
    parts: tuple[tuple[ParamKind, tuple[str, ...]], ...] = ()
    if option and param.is_flag:
        kind: ParamKind = "flag"
        choices: tuple[str, ...] = ()
    elif isinstance(param.type, click.Tuple):
        parts = tuple(_kind(t) for t in param.type.types)
        kind, choices = "string", ()
    else:
        kind, choices = _kind(param.type)
    default = None if unset(param.default) or callable(param.default) else param.default
    if kind == "flag":
        default = None if param.secondary_opts and default is None else bool(default)
    if option and param.multiple and default == ():
        default = None
    return ParamSpec(
        name=param.name or "",
        is_argument=isinstance(param, click.Argument),
        kind=kind,
        opts=tuple(param.opts),
        choices=choices,
        default=default,
        required=bool(param.required),
        help=getattr(param, "help", None) or "",
        nargs=param.nargs,
        multiple=bool(option and param.multiple),
        parts=parts,
        off=tuple(param.secondary_opts) if option and param.is_flag else (),
    )


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def build_catalog(profile: ToolProfile) -> Catalog:
    """Introspect the tool's click group (ToolMissingError with the install line when it is not installed)."""
    group = profile.group()
    risk = profile.data.risk
    commands = {
        name: CommandSpec(
            name=name,
            help=_first_line(cmd.help or cmd.short_help or ""),
            params=tuple(_param_spec(p) for p in cmd.params if p.expose_value),
            destructive=name in risk.destructive,
        )
        for name, cmd in sorted(group.commands.items())
    }
    group_options = tuple(_param_spec(p) for p in group.params if p.name in profile.data.group_options)
    return Catalog(program=profile.program, version=profile.installed_version() or "", group_options=group_options,
                   commands=commands, group=group, profile=profile)
