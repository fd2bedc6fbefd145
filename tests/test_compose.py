import itertools
import json
import random
import shlex

import pytest

from nlcli_wizard.errors import TrainingError
from tests.tooling import VENVY, VENVY_TOOL, validate
from training import compose
from training.dataset import build
from training.vocab import load_yaml

VOCAB_DIR = VENVY_TOOL.data_dir


@pytest.fixture(scope="module")
def train(tmp_path_factory):
    folder = tmp_path_factory.mktemp("authored")
    (folder / "a.jsonl").write_text(json.dumps({"q": "ls", "command": "venvy ls", "persona": "x"}) + "\n")
    return [e for e in build(VENVY_TOOL, seed=0, authored=folder) if e.split == "train"]


def _exclusive() -> dict[str, list[frozenset[str]]]:
    data = load_yaml(VOCAB_DIR / "compose.yaml")
    return {name: [frozenset(p) for p in spec.get("exclusive") or []] for name, spec in data["subcommands"].items()}


def _params_set(command: str) -> tuple[str, set[str]]:
    parsed = validate(command).parsed
    spec = parsed.spec()
    names = {p.name: (p.name.upper() if p.is_argument else p.long) for p in spec.params}
    return parsed.subcommand, {names[n] for n in parsed.values}


def test_every_option_appears_in_train_with_every_option_it_may_go_with(train):
    """Options are taught together, not only one at a time: path + sort, top + json, type + format."""
    seen: dict[str, set[frozenset[str]]] = {}
    for e in train:
        if e.command and validate(e.command).parsed.subcommand and "--help" not in e.command:
            sub, params = _params_set(e.command)
            seen.setdefault(sub, set()).update(frozenset(p) for p in itertools.combinations(sorted(params), 2))
            seen[sub].update(frozenset([p]) for p in params)
    exclusive = _exclusive()
    for name, spec in VENVY.commands.items():
        # A flag on by default (list --fast) is never written: the canonical command drops defaults.
        params = [p.name.upper() if p.is_argument else p.long for p in spec.params
                  if not (p.kind == "flag" and p.default is True)]
        for p in params:
            assert frozenset([p]) in seen.get(name, set()), (name, p)
        for a, b in itertools.combinations(params, 2):
            if frozenset([a, b]) not in exclusive.get(name, []):
                assert frozenset([a, b]) in seen[name], (name, a, b)


def test_exclusive_options_never_meet(train):
    exclusive = _exclusive()
    for e in train:
        if e.source == "composed":
            sub, params = _params_set(e.command)
            assert not any(pair <= params for pair in exclusive.get(sub, [])), e


def test_composed_values_are_copied_from_the_request(train):
    """A path or name in the command is a verbatim span of the request."""
    catalog = VENVY
    checked = 0
    for e in train:
        if e.source != "composed":
            continue
        parsed = validate(e.command).parsed
        spec = catalog.command(parsed.subcommand)
        for param in spec.params:
            if param.kind in ("path", "string") and param.name in parsed.values:
                assert str(parsed.values[param.name]) in e.query, e
                checked += 1
    assert checked > 500


def test_windows_paths_and_spaces_reach_the_command_intact(train):
    commands = [e.command for e in train if e.source == "composed"]
    assert any("\\" in c for c in commands)
    spaced = [c for c in commands if "Kim Lee" in c or "client work" in c or "My Projects" in c]
    assert spaced
    for c in spaced:
        assert any(" " in token for token in shlex.split(c))


def _spec(tmp_path, text: str):
    path = tmp_path / "compose.yaml"
    path.write_text(text)
    catalog = VENVY

    def known(name):
        spec = catalog.command(name)
        return None if spec is None else [p.name.upper() if p.is_argument else p.long for p in spec.params]

    return compose.parse_spec(load_yaml(path), known)


@pytest.mark.parametrize("text, line, reason", [
    ("subcommands:\n  ls:\n    heads: [list venvs]\n    params:\n      --colour:\n        post: [x]\n", 5,
     "no parameter '--colour'"),
    ("subcommands:\n  lsx:\n    heads: [list venvs]\n", 2, "no subcommand 'lsx'"),
    ("subcommands:\n  ls:\n    heads: [list venvs]\n    params:\n      --sort:\n        slot: ls.sort\n"
     "        post: [sorted, 'by {v}']\n", 7, "must hold {v}"),
    ("subcommands:\n  ls:\n    heads: []\n", 3, "heads of ls must be a non-empty list"),
    ("subcommands:\n  ls:\n    heads: [a, 3]\n", 3, "must be phrases"),
    ("subcommands:\n  ls:\n    heads: [a\n", 4, "expected"),
    ("subcommands:\n  ls:\n    heads: [a]\n    heads: [b]\n", 4, "listed twice"),
    ("subcommands:\n  ls:\n    heads: [a]\n    params:\n      --sort:\n        slot: ls.sort\n        pots: ['{v}']\n",
     7, "unknown key 'pots'"),
])
def test_a_malformed_entry_is_reported_with_its_file_and_line(tmp_path, text, line, reason):
    with pytest.raises(TrainingError, match=rf"compose\.yaml:{line}: .*{reason}"):
        _spec(tmp_path, text)


def test_every_allowed_combination_is_composed(tmp_path):
    subs, _ = _spec(tmp_path, "subcommands:\n  scan:\n    heads: [scan]\n    exclusive: [[--home, --path]]\n"
                              "    params:\n      --home: {post: [at home]}\n      --path: {slot: dir, post: ['in {v}']}\n"
                              "      --depth: {slot: depth, pre: ['{v} deep']}\n")
    combos = {frozenset(c) for c in subs[0].combinations()}
    assert combos == {frozenset(), frozenset({"--home"}), frozenset({"--path"}), frozenset({"--depth"}),
                      frozenset({"--home", "--depth"}), frozenset({"--path", "--depth"})}
    made = compose.compose_one("venvy", subs[0], ("--path", "--depth"), random.Random(1),
                               lambda slot, sub, rng: ("/x", "/x") if slot == "dir" else ("4", "four"), shlex.quote)
    assert made.command == "venvy scan --path /x --depth 4"
    assert "/x" in made.query and "four deep" in made.query
    assert made.key.startswith("scan | scan | ")


def test_a_request_that_rules_an_option_out_never_gets_it(train):
    """"remove x, but ask me first" is `venvy remove x`, never --force."""
    denied = [e for e in train if e.source == "composed" and "ask me first" in e.query.lower()]
    assert denied
    assert not any("--force" in e.command for e in denied)


def test_a_denying_fragment_with_a_value_is_reported_with_its_line(tmp_path):
    text = ("subcommands:\n  remove:\n    heads: ['remove {ENVIRONMENT}']\n    params:\n      ENVIRONMENT: {slot: name, post: ['{v}']}\n"
            "      --force:\n        post: [now]\n        denied:\n          - ask me\n          - 'not {v}'\n")
    with pytest.raises(TrainingError, match=r"compose\.yaml:10: a denying fragment"):
        _spec(tmp_path, text)
