import json
import math
import string

import pytest

from nlcli_wizard import cli, config
from nlcli_wizard.config import (
    DEFAULT_KEYS,
    KEY_BINDINGS,
    check_key_remaps,
    finite_probability,
    keys_in_force,
    load_config,
)
from nlcli_wizard.errors import ConfigError, UsageError


def _load(nlcli_home, data) -> config.Config:
    path = nlcli_home / "config.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return load_config(path)


# -- numbers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "-1", "2", "1.0001", "", "half", True, None, [],
                                   math.nan, math.inf, -0.5, 3])
def test_finite_probability_refuses_what_is_not_a_number_from_0_to_1(value):
    with pytest.raises(ConfigError) as err:
        finite_probability(value, "'threshold' in meta.json")
    message = str(err.value)
    assert isinstance(err.value, UsageError)
    assert message.startswith("'threshold' in meta.json must be a number from 0 to 1, not ")
    assert message.endswith(".") and "\n" not in message and not message.endswith("not .")


@pytest.mark.parametrize(("value", "expected"), [("0", 0.0), (" 0.25 ", 0.25), ("1", 1.0), (0, 0.0), (1, 1.0),
                                                 (0.5, 0.5)])
def test_finite_probability_accepts_0_to_1(value, expected):
    assert finite_probability(value, "x") == expected


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "2", "abc"])
def test_cli_threshold_out_of_range_is_a_usage_error_before_any_model_loads(value, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_engine", lambda *a, **k: pytest.fail("the model was loaded"))
    with pytest.raises(SystemExit) as done:
        cli.main(["translate", "--threshold", value, "list my venvs"])
    assert done.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.endswith(f"the threshold must be a number from 0 to 1, not {value}.")
    assert "Traceback" not in last


@pytest.mark.parametrize("raw", ['"nan"', "NaN", "Infinity", "-1", "2", "true", '"0.5"'])
def test_config_threshold_must_be_a_finite_number_from_0_to_1(nlcli_home, raw):
    loaded = _load(nlcli_home, '{"threshold": ' + raw + ', "shell_history": true}')
    assert loaded.threshold is None  # the adapter's calibrated threshold applies
    assert loaded.shell_history is True  # the rest of the file still counts
    assert len(loaded.problems) == 1 and "'threshold'" in loaded.problem and "from 0 to 1" in loaded.problem


def test_config_threshold_in_range_is_used(nlcli_home):
    assert _load(nlcli_home, {"threshold": 0.3}).threshold == 0.3
    assert _load(nlcli_home, {"threshold": 1}).threshold == 1.0


# -- typed fields ----------------------------------------------------------------------------------

def test_each_bad_setting_is_one_message_and_the_rest_still_applies(nlcli_home):
    loaded = _load(nlcli_home, {"shell_history": "false", "history_file": 3, "colour": "red", "threshold": 0.4,
                                "keys": {"copy": "f5"}})
    assert loaded.shell_history is False  # the string "false" is not true
    assert loaded.history_file == "~/.bash_history"
    assert loaded.threshold == 0.4 and loaded.keys == {"copy": "f5"}
    assert len(loaded.problems) == 3
    by_key = {name: [p for p in loaded.problems if f"'{name}'" in p] for name in ("shell_history", "history_file",
                                                                                   "colour")}
    assert all(len(found) == 1 for found in by_key.values()), loaded.problems
    assert "true or false" in by_key["shell_history"][0] and '"false"' in by_key["shell_history"][0]
    assert "not a setting" in by_key["colour"][0]
    assert loaded.problem == "\n".join(loaded.problems)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '"keys"', "\udcff"])
def test_an_unreadable_file_means_defaults_and_one_message(nlcli_home, text):
    path = nlcli_home / "config.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    loaded = load_config(path)
    assert loaded.problem.startswith(f"Ignored {path}") and loaded.keys == {} and loaded.threshold is None


def test_a_missing_file_is_silent_defaults(nlcli_home):
    assert load_config(nlcli_home / "none.json") == config.Config()


def test_keys_must_be_an_object(nlcli_home):
    loaded = _load(nlcli_home, {"keys": ["copy", "f5"], "shell_history": True})
    assert loaded.keys == {} and loaded.shell_history is True and "'keys'" in loaded.problem


# -- key remaps ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("remaps", "words"), [
    ({"bogus": "f5"}, "names no binding"),
    ({"copy": "ctrl+shift+banana"}, "names no key"),
    ({"copy": "hyper+ctrl+"}, "no key after"),
    ({"copy": "ctl+y"}, "unknown modifier"),
    ({"copy": "ctrl+ctrl+y"}, "repeats a modifier"),
    ({"copy": 5}, "must be a key"),
    ({"copy": ""}, "must be a key"),
    ({"quit": "a"}, "typed into the request"),
    ({"quit": "A"}, "typed into the request"),
    ({"quit": "shift+a"}, "typed into the request"),
    ({"flag": "?"}, "typed into the request"),
    ({"flag": "space"}, "typed into the request"),
    ({"copy": "up"}, "already used by the app"),
    ({"copy": "ctrl+m"}, "already used by the app"),
    ({"copy": "ctrl+r"}, "same key ctrl+r"),                 # run would be left without a key
    ({"copy": "f5", "edit": "F5"}, "same key f5"),           # two actions on one key
    ({"quit": "f5,ctrl+e"}, "same key ctrl+e"),
])
def test_a_bad_remap_is_reported_and_every_binding_keeps_a_key(remaps, words):
    accepted, problems = check_key_remaps(remaps)
    assert accepted == {}
    assert len(problems) == 1 and words in problems[0], problems
    assert keys_in_force(remaps) == {binding_id: (key,) for binding_id, key in DEFAULT_KEYS.items()}


def test_good_remaps_apply_in_textual_form_beside_a_bad_one():
    accepted, problems = check_key_remaps({"copy": "F5, shift+ctrl+y", "quit": "a", "edit": "alt+e"})
    assert accepted == {"copy": "f5,ctrl+shift+y", "edit": "alt+e"}
    assert len(problems) == 1 and "keys.quit" in problems[0]
    in_force = keys_in_force({"copy": "F5, shift+ctrl+y", "quit": "a", "edit": "alt+e"})
    assert in_force["copy"] == ("f5", "ctrl+shift+y") and in_force["quit"] == ("ctrl+q",)
    assert in_force["edit"] == ("alt+e",) and in_force["run"] == ("ctrl+r",)


def test_keys_can_be_swapped_when_the_other_binding_moves_away():
    accepted, problems = check_key_remaps({"copy": "ctrl+r", "run": "ctrl+y"})
    assert problems == [] and accepted == {"copy": "ctrl+r", "run": "ctrl+y"}


def test_a_dropped_remap_that_frees_no_key_drops_the_remap_that_relied_on_it():
    # run and edit clash on f5 -> both dropped -> run is back on ctrl+r, which copy wanted
    accepted, problems = check_key_remaps({"copy": "ctrl+r", "run": "f5", "edit": "f5"})
    assert accepted == {} and len(problems) == 2
    assert len(set(sum(keys_in_force({"copy": "ctrl+r", "run": "f5", "edit": "f5"}).values(), ()))) == len(DEFAULT_KEYS)


def test_config_file_remaps_are_checked(nlcli_home):
    loaded = _load(nlcli_home, {"keys": {"copy": "ctrl+r", "quit": "a", "edit": "f2", "nope": "f3"}})
    assert loaded.keys == {"edit": "f2"} and len(loaded.problems) == 3


def test_the_binding_table_has_distinct_ids_actions_and_keys():
    assert len({b.id for b in KEY_BINDINGS}) == len({b.action for b in KEY_BINDINGS}) == len(DEFAULT_KEYS)
    assert len(set(DEFAULT_KEYS.values())) == len(DEFAULT_KEYS)
    assert check_key_remaps(DEFAULT_KEYS) == (dict(DEFAULT_KEYS), [])


def test_key_names_are_the_ones_textual_uses():
    from textual.keys import Keys, _character_to_key

    textual_names = {key.value for key in Keys} | {_character_to_key(c) for c in string.printable.strip()}
    ours = config._NAMED_KEYS | config._PRINTABLE
    assert ours <= textual_names, ours - textual_names
    assert [config.parse_key(c) for c in string.punctuation] == [_character_to_key(c) for c in string.punctuation]
