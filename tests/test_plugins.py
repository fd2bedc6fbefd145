"""A tool is a plugin: a toy click group registered through the entry-point group, with no edit of the core.

The toy package is written to a temporary folder with a ``dist-info`` that declares its entry point, exactly
as ``pip install`` would leave it, and that folder is put on ``sys.path``: the registry finds it through
``importlib.metadata`` like any installed plugin.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from nlcli_wizard import tools
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.errors import DataFileError, UnknownToolError
from nlcli_wizard.service import Wizard
from nlcli_wizard.tools import load_profile

TOY = '''
import click
from pathlib import Path

from nlcli_wizard.tools import load_profile


@click.group()
@click.version_option("0.1")
def cli():
    """A toy tool."""


@cli.command()
@click.argument("name")
@click.option("--times", type=int, default=1)
@click.option("--shout", is_flag=True)
def greet(name, times, shout):
    """Greet someone."""


@cli.command()
@click.argument("target")
@click.option("--force", is_flag=True, help="Do not ask")
@click.option("--dry-run", is_flag=True)
def wipe(target, force, dry_run):
    """Wipe a target."""


def profile():
    return load_profile(Path(__file__).resolve().parent)
'''

TOOL_YAML = '''
name: toy
program: toy
group: toytool:cli
distribution: toytool
version: "0.1"
install: pip install toytool
describe: a toy CLI
group_options: [version]
out_of_scope: toy cannot do this.
risk:
  destructive: [wipe]
  force: [force]
  dry_run: [dry_run]
  confirms: true
'''


@pytest.fixture
def toy(tmp_path, monkeypatch):
    package = tmp_path / "toytool"
    package.mkdir()
    (package / "__init__.py").write_text(TOY)
    (package / "tool.yaml").write_text(textwrap.dedent(TOOL_YAML))
    info = tmp_path / "toytool-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toytool\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[nlcli_wizard.tools]\ntoy = toytool:profile\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for cached in (tools._registered, tools.load):
        cached.cache_clear()
    yield tools
    sys.modules.pop("toytool", None)
    for cached in (tools._registered, tools.load):
        cached.cache_clear()


def test_a_toy_click_group_registered_by_entry_point_translates_with_no_core_edit(toy):
    assert {"toy", "venvy", "sqlite-utils"} <= set(toy.names())
    profile = toy.load("toy")
    assert profile.installed_version() == "0.1" and set(profile.catalog.commands) == {"greet", "wipe"}
    engine = ScriptedEngine({"bob three times": (" toy greet bob --times 3", 0.99),
                             "wipe scratch": (" toy wipe scratch", 0.99),
                             "who wiped": (" toy wipe scratch --force", 0.99)},
                            judgements={"who wiped": 0.02})
    wizard = Wizard(lambda tool: engine, tool="toy")
    greeting = wizard.translate("greet bob three times")
    assert greeting.command == "toy greet bob --times 3" and greeting.tool == "toy"
    assert "Usage: toy greet" in wizard.help_for("greet")
    # Its profile says wipe destroys and --force skips its confirmation: the safety checks apply as they do to
    # any tool's destructive command.
    assert wizard.translate("wipe scratch").command == "toy wipe scratch"
    refused = wizard.translate("who wiped scratch?")
    assert refused.command is None and refused.rule == "safety.not-asked"
    assert wizard.dry_run_variant("toy wipe scratch") == "toy wipe scratch --dry-run"
    # An answer of another tool is no valid command of this one.
    assert not wizard.validate("venvy ls").ok


def test_the_tool_comes_from_the_option_the_environment_or_the_config(toy, monkeypatch):
    assert toy.chosen("toy").name == "toy"
    monkeypatch.setenv("NLCLI_TOOL", "toy")
    assert toy.chosen(None, "venvy").name == "toy"
    monkeypatch.delenv("NLCLI_TOOL")
    assert toy.chosen(None, "sqlite-utils").name == "sqlite-utils"
    assert toy.chosen(None, None).name == "venvy"  # the installed tool whose profile says default: true
    with pytest.raises(UnknownToolError, match="No tool called 'nope' is installed; installed: .*toy"):
        toy.chosen("nope")


@pytest.mark.parametrize(("edit", "where", "what"), [
    (("program: toy", "program: [toy]"), ":3", "'program'"),
    (("  confirms: true", "  confirms: maybe"), ":15", "'risk.confirms'"),
    (("install: pip install toytool", "install: pip install toytool\nflavour: sweet"), ":8", "'flavour'"),
    (("group: toytool:cli", "group: not a reference"), ":4", "'group'"),
    (("risk:", "risk: [unclosed"), ":12", ""),
])
def test_a_malformed_profile_is_reported_with_its_file_and_line(tmp_path, edit, where, what):
    (tmp_path / "tool.yaml").write_text(textwrap.dedent(TOOL_YAML).replace(*edit))
    with pytest.raises(DataFileError) as err:
        load_profile(tmp_path)
    message = str(err.value)
    assert f"{tmp_path / 'tool.yaml'}{where}" in message and what in message and "\n" not in message


def test_a_tool_whose_program_is_not_installed_says_how_to_install_it(tmp_path):
    (tmp_path / "tool.yaml").write_text(textwrap.dedent(TOOL_YAML).replace("group: toytool:cli",
                                                                           "group: not_installed_anywhere:cli"))
    from nlcli_wizard.errors import ToolMissingError

    with pytest.raises(ToolMissingError, match="toy is not installed in this environment; install it with "
                                               "'pip install toytool'"):
        load_profile(tmp_path).catalog  # noqa: B018 - building the catalog imports the group


def test_each_tools_feedback_corrections_and_history_are_its_own(nlcli_home):
    venvy_engine = ScriptedEngine({"": (" venvy stats", 0.99)})
    sqlite_engine = ScriptedEngine({"": (" sqlite-utils tables pets.db", 0.99)})
    venvy = Wizard(lambda tool: venvy_engine, tool="venvy")
    sqlite = Wizard(lambda tool: sqlite_engine, tool="sqlite-utils")
    venvy.remember("show me the numbers of pets.db")
    sqlite.remember("what tables are in pets.db")
    assert venvy.history() == ["show me the numbers of pets.db"] and sqlite.history() == ["what tables are in pets.db"]
    venvy.flag(venvy.translate("show me the numbers of pets.db"), "venvy size")
    # The same words to another tool get that tool's model, not the venvy correction.
    answered = sqlite.translate("show me the numbers of pets.db")
    assert answered.source == "model" and answered.command == "sqlite-utils tables pets.db"
    assert venvy.translate("show me the numbers of pets.db").source == "correction"
    assert [c.query for c in sqlite.corrections.all()] == []
    # Switching tools in one Wizard (the TUI's palette) brings that tool's corrections and history.
    venvy.switch("sqlite-utils")
    assert venvy.program == "sqlite-utils" and venvy.history() == ["what tables are in pets.db"]
    assert venvy.corrections.all() == []


def test_a_value_form_needs_exactly_one_of_suffix_and_value(tmp_path):
    yaml = textwrap.dedent(TOOL_YAML).replace("risk:", "value_forms:\n  - {param: order, said: 'desc'}\nrisk:", 1)
    (tmp_path / "tool.yaml").write_text(yaml)
    with pytest.raises(DataFileError, match="exactly one of suffix and value"):
        load_profile(tmp_path)
