import json

import pytest

from nlcli_wizard.catalog import load_catalog
from nlcli_wizard.validator import validate
from training.dataset import SPLITS, build, write_splits


def test_dataset_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_splits(build(seed=3), a, 3)
    write_splits(build(seed=3), b, 3)
    for split in SPLITS:
        assert (a / f"{split}.jsonl").read_bytes() == (b / f"{split}.jsonl").read_bytes()
    assert build(seed=4) != build(seed=3)


def test_every_target_is_valid_and_canonical():
    examples = build()
    for ex in examples:
        if ex.command is not None:
            result = validate(ex.command)
            assert result.ok, (ex, result.reason)
            assert result.canonical == ex.command


def test_test_templates_never_appear_in_train_or_val():
    examples = build()
    templates = {s: {e.template for e in examples if e.split == s} for s in SPLITS}
    assert not templates["test"] & templates["train"]
    assert not templates["test"] & templates["val"]
    assert not templates["val"] & templates["train"]
    assert len(templates["test"]) >= 80


def test_test_phrasings_differ_from_train_by_more_than_synonyms():
    """"delete the venv {name}" in train would teach "remove the environment {name}" in test."""
    from training.dataset import template_key

    examples = build(seed=0)
    keys = {s: {(e.intent, template_key(e.template)) for e in examples if e.split == s} for s in SPLITS}
    assert template_key("Delete the VENV {name}!") == template_key("remove the environment {name}")
    assert template_key("scan ~") != template_key("scan")
    assert not keys["test"] & keys["train"]
    assert not keys["test"] & keys["val"]
    assert not keys["val"] & keys["train"]


def test_covers_every_subcommand_verbose_and_out_of_scope():
    examples = build()
    train = [e for e in examples if e.split == "train"]
    used = {validate(e.command).parsed.subcommand for e in train if e.command}
    assert set(load_catalog().commands) <= used
    assert any(e.command and e.command.startswith("venvy --verbose ") for e in train)
    abstain = sum(e.command is None for e in train)
    assert 0.08 < abstain / len(train) < 0.3


def test_slot_values_vary_widely():
    commands = [e.command for e in build() if e.command and e.command.startswith("venvy register ")]
    assert len(set(commands)) > 0.8 * len(commands)


def test_the_bare_word_venv_asks_for_type_venv_only_where_the_request_filters_by_kind():
    """ "show venv envs on this machine" means every environment to most people,
    so the dataset never labels it --type venv; "environments of type venv" is."""
    import re

    for ex in build():
        if ex.command and "--type venv" in ex.command and not re.search(r"plain venv|python -m venv", ex.query, re.I):
            assert re.search(r"\b(type|only|just|made|created|filter|ones)\b", ex.query, re.I), ex


def test_shipped_splits_match_the_builder(tmp_path):
    """data/ in the repo is exactly what the builder produces."""
    from nlcli_wizard import paths

    manifest = write_splits(build(), tmp_path, 0)
    shipped = json.loads((paths.data_dir() / "manifest.json").read_text())
    assert manifest == shipped


def test_no_request_is_labelled_with_two_commands():
    targets: dict[str, set] = {}
    for ex in build():
        targets.setdefault(ex.query.lower(), set()).add(ex.command)
    assert {q: t for q, t in targets.items() if len(t) > 1} == {}


def test_a_template_listed_under_two_intents_fails_the_build(monkeypatch):
    from training import dataset

    monkeypatch.setattr(dataset, "MORE", {**dataset.MORE, "venvy stats": ["list my venvs"]})
    with pytest.raises(ValueError, match="list my venvs"):
        build()
