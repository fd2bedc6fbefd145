import click
from venvy.cli import main as venvy_main

from tests.tooling import VENVY


def test_catalog_has_every_venvy_subcommand():
    catalog = VENVY
    assert set(catalog.commands) == set(venvy_main.commands)
    assert len(catalog.commands) == 17


def test_group_verbose_option_is_read():
    verbose = next(p for p in VENVY.group_options if p.name == "verbose")
    assert set(verbose.opts) == {"-v", "--verbose"}
    assert verbose.kind == "flag"


def test_options_carry_types_choices_defaults_and_short_names():
    catalog = VENVY
    sort = catalog.command("ls").option("-s")
    assert sort.long == "--sort" and sort.kind == "choice"
    assert set(sort.choices) == {"name", "recent", "size", "project"}
    assert sort.default == "recent"
    days = catalog.command("cleanup").option("--days")
    assert days.kind == "int" and days.default == 90 and "-d" in days.opts
    remove = catalog.command("remove")
    assert remove.arguments[0].required
    assert catalog.command("scan").option("--path").kind == "path"
    assert "Sort by field" in sort.help


def test_every_click_parameter_is_in_the_catalog():
    catalog = VENVY
    for name, cmd in venvy_main.commands.items():
        spec = catalog.command(name)
        assert {p.name for p in cmd.params} == {p.name for p in spec.params}, name
        for param in cmd.params:
            if isinstance(param, click.Option):
                assert spec.option(param.opts[0]) is not None


def test_help_text_is_venvys_own():
    text = VENVY.help_text("ls")
    assert text.startswith("Usage: venvy ls [OPTIONS]")
    assert "--sort [name|recent|size|project]" in text
