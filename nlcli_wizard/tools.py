"""Tools are plugins: a click CLI, a profile of what its commands risk, and the data the model learns from.

A tool plugin is a Python package registered under the entry-point group ``nlcli_wizard.tools``; the
entry point is a function returning its :class:`ToolProfile`, usually ``load_profile(folder)`` on the
folder that holds its ``tool.yaml``::

    [project.entry-points."nlcli_wizard.tools"]
    mytool = "mytool_nlcli:profile"

The profile is what the click tree cannot say: which commands delete or overwrite and which parameters
skip a confirmation or make a dry run, which numbers count days, how the tool's choices are named in
words, the sentence for a request it cannot do, commands it is known to crash on, where its data and its
adapter live. Everything else — subcommands, options, types, choices, defaults, help — is read from the
click group itself (:mod:`nlcli_wizard.catalog`). The tools this project ships are registered exactly like
third-party ones (``pyproject.toml``), so a third tool needs no edit of the core.

Which tool a command line, the CLI or the TUI uses: ``--tool``, else ``$NLCLI_TOOL``, else ``"tool"`` in
config.json, else the one installed tool, else the installed tool whose profile says ``default: true``.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nlcli_wizard.errors import DataFileError, ToolMissingError, UnknownToolError
from nlcli_wizard.yamlfile import LDict, LList, load_yaml

if TYPE_CHECKING:
    import click

    from nlcli_wizard.catalog import Catalog

ENTRY_POINT_GROUP = "nlcli_wizard.tools"
ENV_TOOL = "NLCLI_TOOL"


# -- the profile's schema (tool.yaml) -------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Risk(_Strict):
    """What running a command can destroy, and what the tool does about it."""

    # Subcommands that delete or overwrite data (without their dry-run parameter).
    destructive: tuple[str, ...] = ()
    # Parameters that make any subcommand destructive when set: "transform --drop", "insert --truncate".
    destructive_params: dict[str, tuple[str, ...]] = {}
    # Parameters that skip the tool's own confirmation (they are judged like a deletion).
    force: tuple[str, ...] = ()
    # Parameters that make a destructive subcommand a harmless preview.
    dry_run: tuple[str, ...] = ()
    # Whether the tool itself asks y/N before it destroys anything (some do; others drop a table at once).
    confirms: bool = False
    # Paths a destructive command must not take as its target: inside one of the tool's objects, or
    # not such an object at all (regular expressions, matched case-insensitively).
    not_targets: dict[str, tuple[str, ...]] = {}


class ChoiceFamily(_Strict):
    """Choice values a request names in words ("only conda ones", "as json"); see nlcli_wizard.coverage."""

    values: tuple[str, ...]
    # anywhere: the value names itself wherever it stands; ordered: only after a word of ordering ("sorted by
    # size"); a regular expression: only where it matches (group 1 is the value).
    mentioned: str = "anywhere"


class Equivalence(_Strict):
    """A value that does what another setting does: ``scan --path ~`` is ``scan --home``."""

    command: str
    param: str
    values: tuple[str, ...]
    becomes: dict[str, Any]


class ValueForm(_Strict):
    """A value the request says in other words: the request's own span plus a suffix (sqlite-utils'
    ``--order 'price desc'`` for "by price, highest first"), or a fixed value (``--fmt github`` for "as
    markdown"). ``said`` is a regular expression the casefolded request must match."""

    param: str
    said: str
    suffix: str | None = None
    value: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ValueForm:
        if (self.suffix is None) == (self.value is None):
            raise ValueError("give exactly one of suffix and value")
        return self


class ProfileData(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    program: str
    group: str = Field(pattern=r"^[\w.]+:[\w.]+$")  # "package.module:attribute" of the click group
    distribution: str
    version: str
    install: str
    describe: str
    default: bool = False
    group_options: tuple[str, ...] = ()
    out_of_scope: str
    risk: Risk = Risk()
    day_params: tuple[str, ...] = ()
    # Parameters whose value is code (SQL, Python): offered only when the request spells it out.
    code_params: dict[str, tuple[str, ...]] = {}
    choice_families: dict[str, ChoiceFamily] = {}
    equivalences: tuple[Equivalence, ...] = ()
    # Asks no command of the tool does, joined to a request ("... and activate it"): regular expressions.
    other_actions: tuple[str, ...] = ()
    # Asks the tool does that the English list of other actions would read as another program's ("... and put it
    # in the table"): regular expressions, matched where such an action starts.
    own_actions: tuple[str, ...] = ()
    # Values said in other words (see ValueForm).
    value_forms: tuple[ValueForm, ...] = ()
    # Parameters whose value may repeat a span another value already uses (a column that is also the primary
    # key); every other value takes a span of its own.
    shared_values: tuple[str, ...] = ()
    few_shot: tuple[tuple[str, str | None], ...] = ()
    crashes: dict[str, tuple[str, ...]] = {}
    probe: dict[str, Any] = {}
    # Evaluation files kept apart from the project (../shared/eval), by split name.
    outside_eval: dict[str, str] = {}
    adapter: str = "model/adapter.gguf"
    # Fine-tune epochs for this tool's train split: as many as fit the 30-minute CPU budget (training.pipeline).
    train_epochs: float | None = Field(default=None, gt=0, le=10)
    # At most this many train translations and judge questions (all splits); defaults in training.dataset.
    train_cap: int | None = Field(default=None, gt=0)
    judge_cap: int | None = Field(default=None, ge=0)
    # "module:function" comparing an offered command's effect with the gold commands' (eval --execute).
    execution: str | None = Field(default=None, pattern=r"^[\w.]+:[\w.]+$")


def _where(data: Any, loc: tuple) -> str:
    """The file:line of a pydantic error location in data read by load_yaml."""
    node, where = data, getattr(data, "where", lambda key=None: "?")()
    for key in loc:
        if isinstance(node, (LDict, LList)):
            try:
                where = node.where(key)
                node = node[key]
                continue
            except (KeyError, IndexError, TypeError):
                break
        break
    return where


# -- the profile -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ToolProfile:
    """A tool: its profile data, its folder, and (lazily) its click tree as a catalog."""

    data: ProfileData
    folder: Path
    group_loader: Callable[[], click.Group] = field(repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def program(self) -> str:
        return self.data.program

    @property
    def data_dir(self) -> Path:
        """The tool's vocabulary, authored requests and splits."""
        return self.folder / "data"

    @property
    def adapter(self) -> Path:
        return self.folder / self.data.adapter

    @property
    def corpora(self) -> Path:
        """Requests the safety tests run: adversarial ones and plain destructive ones."""
        return self.folder / "corpora"

    def group(self) -> click.Group:
        """The tool's click group; ToolMissingError (with the install line) when it is not installed."""
        return self.group_loader()

    def installed_version(self) -> str | None:
        try:
            return version(self.data.distribution)
        except PackageNotFoundError:
            return None

    @cached_property
    def catalog(self) -> Catalog:
        from nlcli_wizard.catalog import build_catalog

        return build_catalog(self)

    def execution_check(self) -> Callable | None:
        """The tool's execution check (see ``execution`` in its profile), or None."""
        if not self.data.execution:
            return None
        module_name, attribute = self.data.execution.split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def missing(self) -> ToolMissingError:
        return ToolMissingError(self.program, self.data.install)


def _group_loader(reference: str, profile: ProfileData) -> Callable[[], click.Group]:
    module_name, attribute = reference.split(":")

    def load() -> click.Group:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ToolMissingError(profile.program, profile.install) from exc
        target: Any = module
        for part in attribute.split("."):
            target = getattr(target, part)
        return target

    return cache(load)


def load_profile(folder: Path) -> ToolProfile:
    """The profile in ``folder/tool.yaml``; a DataFileError names the file and line of any mistake."""
    path = folder / "tool.yaml"
    raw = load_yaml(path, DataFileError)
    if not isinstance(raw, LDict):
        raise DataFileError(f"{path}:1: the profile must be a mapping of settings.")
    try:
        data = ProfileData.model_validate(_plain(raw))
    except ValidationError as exc:
        error = exc.errors()[0]
        place = ".".join(str(p) for p in error["loc"])
        raise DataFileError(f"{_where(raw, error['loc'])}: '{place}' {error['msg'].lower()}.") from None
    for pattern in (*data.other_actions, *data.own_actions, *(f.said for f in data.value_forms),
                    *(p for ps in data.risk.not_targets.values() for p in ps),
                    *(f.mentioned for f in data.choice_families.values() if f.mentioned not in ("anywhere", "ordered"))):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise DataFileError(f"{path}: the pattern {pattern!r} is not a regular expression ({exc}).") from None
    return ToolProfile(data, folder, _group_loader(data.group, data))


def _plain(value: Any) -> Any:
    """LDict/LList as the plain dicts and lists pydantic's strict mode takes (lists become tuples where the
    schema says tuple: strict mode takes a list for a tuple field only in JSON mode, so convert here)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


# -- the registry ----------------------------------------------------------------------------------

@cache
def _registered() -> dict[str, Any]:
    return {point.name: point for point in entry_points(group=ENTRY_POINT_GROUP)}


def names() -> list[str]:
    """The installed tools, by name."""
    return sorted(_registered())


@cache
def load(name: str) -> ToolProfile:
    """The installed tool called ``name``; UnknownToolError listing the installed ones otherwise."""
    point = _registered().get(name)
    if point is None:
        raise UnknownToolError(f"No tool called '{name}' is installed; installed: {', '.join(names()) or 'none'}.")
    profile = point.load()()
    if not isinstance(profile, ToolProfile) or profile.name != name:
        raise UnknownToolError(f"The plugin registered as '{name}' ({point.value}) returned no profile of that name.")
    return profile


def chosen(explicit: str | None = None, configured: str | None = None,
           environ: Mapping[str, str] | None = None) -> ToolProfile:
    """The tool to use: ``explicit`` (--tool), else $NLCLI_TOOL (of ``environ``, default this process's), else
    ``configured`` (config.json), else the only installed tool, else the one whose profile says
    ``default: true``."""
    name = explicit or (os.environ if environ is None else environ).get(ENV_TOOL) or configured
    if name:
        return load(name)
    installed = names()
    if len(installed) == 1:
        return load(installed[0])
    defaults = [n for n in installed if load(n).data.default]
    if len(defaults) == 1:
        return load(defaults[0])
    raise UnknownToolError(f"Choose a tool with --tool or {ENV_TOOL}; installed: {', '.join(installed) or 'none'}.")

