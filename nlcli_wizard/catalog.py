"""venvy's commands, read from venvy's own click group at run time.

Nothing here lists venvy's commands by hand: a new venvy option shows up in
the validator, the grammar, the dataset and the help panel by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import click

from nlcli_wizard.errors import VenvyMissingError

ParamKind = Literal["flag", "choice", "int", "path", "string"]


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

    @property
    def long(self) -> str:
        """The spelling the canonical form uses: the first long option, else the first one."""
        longs = [o for o in self.opts if o.startswith("--")]
        return longs[0] if longs else self.opts[0]

    @property
    def takes_value(self) -> bool:
        return self.kind != "flag"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    help: str
    params: tuple[ParamSpec, ...]

    @property
    def arguments(self) -> tuple[ParamSpec, ...]:
        return tuple(p for p in self.params if p.is_argument)

    @property
    def options(self) -> tuple[ParamSpec, ...]:
        return tuple(p for p in self.params if not p.is_argument)

    def option(self, spelling: str) -> ParamSpec | None:
        return next((p for p in self.options if spelling in p.opts), None)

    @property
    def deletes(self) -> bool:
        """Whether running it can delete environments (the TUI asks first)."""
        return self.name in {"remove", "clean", "cleanup"}


@dataclass(frozen=True)
class Catalog:
    program: str
    version: str
    group_options: tuple[ParamSpec, ...]
    commands: dict[str, CommandSpec] = field(default_factory=dict)

    def command(self, name: str) -> CommandSpec | None:
        return self.commands.get(name)

    def help_text(self, name: str | None = None, width: int | None = None) -> str:
        """venvy's own ``--help`` output for a subcommand (or the group), laid
        out by click for ``width`` columns so a narrow panel keeps its columns."""
        group = _venvy_group()
        sizing = {"terminal_width": width, "max_content_width": width} if width else {}
        ctx = click.Context(group, info_name=self.program, **sizing)
        if name is None:
            return group.get_help(ctx)
        cmd = group.commands[name]
        return cmd.get_help(click.Context(cmd, info_name=name, parent=ctx, **sizing))


def _unset(value: Any) -> bool:
    # click 8.2+ marks "no default" with a sentinel object rather than None.
    return value is None or type(value).__name__ == "Sentinel"


def _param_spec(param: click.Parameter) -> ParamSpec:
    ptype = param.type
    choices: tuple[str, ...] = ()
    if isinstance(param, click.Option) and param.is_flag:
        kind: ParamKind = "flag"
    elif isinstance(ptype, click.Choice):
        kind = "choice"
        choices = tuple(str(c) for c in ptype.choices)
    elif isinstance(ptype, click.types.IntParamType):
        kind = "int"
    elif isinstance(ptype, click.Path):
        kind = "path"
    else:
        kind = "string"
    default = None if _unset(param.default) or callable(param.default) else param.default
    if kind == "flag":
        default = bool(default)
    return ParamSpec(
        name=param.name or "",
        is_argument=isinstance(param, click.Argument),
        kind=kind,
        opts=tuple(param.opts) + tuple(param.secondary_opts),
        choices=choices,
        default=default,
        required=bool(param.required),
        help=getattr(param, "help", None) or "",
    )


def _venvy_group() -> click.Group:
    try:
        from venvy.cli import main
    except ImportError as exc:
        raise VenvyMissingError() from exc
    return main


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0].strip() if text.strip() else ""


@cache
def load_catalog() -> Catalog:
    """Introspect venvy's click group (cached: it never changes in a process)."""
    from importlib.metadata import version

    group = _venvy_group()
    commands = {
        name: CommandSpec(
            name=name,
            help=_first_line(cmd.help or cmd.short_help or ""),
            params=tuple(_param_spec(p) for p in cmd.params),
        )
        for name, cmd in sorted(group.commands.items())
    }
    group_options = tuple(_param_spec(p) for p in group.params if p.name in ("verbose", "version"))
    return Catalog(program="venvy", version=version("venvy"), group_options=group_options, commands=commands)
