import threading
import time

import pytest

from nlcli_wizard import runner
from nlcli_wizard.config import Config, load_config
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.errors import ToolMissingError, UsageError
from nlcli_wizard.service import Wizard
from tests.tooling import SQLITE, VENVY, parse


class CountingEngine(ScriptedEngine):
    active = 0
    most = 0

    def generate(self, prompt, *, grammar=None, max_tokens=64, shapes=()):
        type(self).active += 1
        type(self).most = max(type(self).most, type(self).active)
        try:
            yield from super().generate(prompt, grammar=grammar, max_tokens=max_tokens)
        finally:
            type(self).active -= 1


def test_one_generation_at_a_time_even_after_an_abandoned_stream():
    engine = CountingEngine({"": (" venvy ls --sort size --format json", 0.99)}, delay=0.05)
    wizard = Wizard(lambda tool: engine, config=Config())
    abandoned = wizard.stream("first")
    next(abandoned)  # started, then left mid-way as a cancelled worker would

    def second():
        list(wizard.stream("second"))

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.2)
    assert thread.is_alive()  # waits for the first stream to let go of the model
    abandoned.close()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert CountingEngine.most == 1


def test_shell_history_is_opt_in(tmp_path):
    history = tmp_path / "hist"
    off = Wizard(ScriptedEngine, config=Config(history_file=str(history)))
    assert off.add_to_shell_history("venvy ls") is None and not history.exists()
    on = Wizard(ScriptedEngine, config=Config(shell_history=True, history_file=str(history)))
    on.add_to_shell_history("venvy ls")
    on.add_to_shell_history("venvy stats")
    assert history.read_text() == "venvy ls\nvenvy stats\n"


def test_query_history_survives_restarts():
    Wizard(ScriptedEngine, config=Config()).remember("list\nmy venvs")
    assert Wizard(ScriptedEngine, config=Config()).history() == ["list my venvs"]


def test_bad_config_is_reported_not_fatal(nlcli_home):
    (nlcli_home / "config.json").write_text("{not json")
    config = load_config()
    assert config.problem.startswith("Ignored") and config.keys == {}
    (nlcli_home / "config.json").write_text('{"keys": {"copy": "f5"}, "shell_history": true}')
    assert load_config().keys == {"copy": "f5"} and load_config().shell_history


@pytest.mark.parametrize(
    ("command", "terminal", "dry_run"),
    [
        ("venvy remove old", True, None),
        ("venvy remove old --force", False, None),
        ("venvy cleanup --days 10", True, "venvy cleanup --days 10 --dry-run"),
        ("venvy cleanup --dry-run", False, "venvy cleanup --dry-run"),
        ("venvy clean --force", False, "venvy clean --dry-run --force"),
        ("venvy ls", False, None),
    ],
)
def test_which_commands_need_the_terminal_and_offer_a_dry_run(command, terminal, dry_run):
    assert runner.needs_terminal(parse(command)) is terminal
    assert runner.dry_run_variant(command, VENVY) == dry_run


def test_runs_real_venvy_without_a_shell(tmp_path):
    """Register a venv under a path with a space and a ~, then list it as JSON (HOME is a temp dir)."""
    import json
    import os

    venv = tmp_path / "user-home" / "my proj" / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert os.path.expanduser("~") == str(tmp_path / "user-home")
    lines: list[str] = []
    assert runner.run_streaming("venvy register '~/my proj/.venv' --name demo-env", VENVY, lines.append) == 0
    lines.clear()
    assert runner.run_streaming("venvy ls --format json", VENVY, lines.append) == 0
    listed = json.loads("\n".join(lines))
    assert [(v["name"], v["path"]) for v in listed] == [("demo-env", str(venv))]


def test_missing_venvy_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr("sys.executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissingError) as err:
        runner.argv_for("venvy ls", VENVY)
    assert "pip install venvy==0.2.0" in str(err.value)
    with pytest.raises(ToolMissingError) as err:
        runner.argv_for("sqlite-utils tables pets.db", SQLITE)
    assert 'pip install "nlcli-wizard[sqlite-utils]"' in str(err.value)


@pytest.mark.parametrize(("request_", "follow_up", "combined"), [
    ("list my venvs", "only conda ones", "list my venvs, only conda ones"),
    ("list my venvs.", "  as   json ", "list my venvs, as json"),          # no "venvs., as json"
    ("list my venvs, only conda ones", ", preview first", "list my venvs, only conda ones, preview first"),
])
def test_refine_appends_the_follow_up_as_the_training_data_does(request_, follow_up, combined):
    assert Wizard(lambda tool: ScriptedEngine(), config=Config()).refine(request_, follow_up) == combined


@pytest.mark.parametrize(("follow_up", "error"), [
    ("", "The refinement is empty"), (" \u200b, ", "The refinement is empty"), ("x" * 600, "at most 500"),
])
def test_refine_refuses_an_empty_or_over_long_follow_up(follow_up, error):
    with pytest.raises(UsageError, match=error):
        Wizard(lambda tool: ScriptedEngine(), config=Config()).refine("list my venvs", follow_up)
