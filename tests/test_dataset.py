import json

import pytest

from tests.tooling import VENVY, VENVY_TOOL, validate
from training.dataset import CALIB, SPLITS, authored_examples, build, write_splits

AUTHORED = [
    {"q": "list my envs as json pls", "command": "venvy ls -f json", "persona": "devops"},
    {"q": "how big is each env", "command": "venvy size", "persona": "newbie"},
    {"q": "order me a pizza", "command": None, "persona": "newbie"},
    {"q": "nuke every env older than a month", "command": "venvy cleanup --days 30", "persona": "datasci"},
    {"q": "register ./venv as scratch", "command": "venvy register ./venv --name scratch", "persona": "trickster"},
]


def _write_authored(folder, rows) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def authored_dir(tmp_path_factory):
    """A fixed set of hand-written rows, so these tests do not move while people add to data/venvy/authored."""
    folder = tmp_path_factory.mktemp("authored")
    _write_authored(folder, AUTHORED)
    return folder


@pytest.fixture(scope="module")
def examples(authored_dir):
    return build(VENVY_TOOL, seed=0, authored=authored_dir)


def test_dataset_is_deterministic(tmp_path, authored_dir):
    a, b = tmp_path / "a", tmp_path / "b"
    write_splits(build(VENVY_TOOL, seed=3, authored=authored_dir), a, 3)
    write_splits(build(VENVY_TOOL, seed=3, authored=authored_dir), b, 3)
    for split in (*SPLITS, CALIB):
        assert (a / f"{split}.jsonl").read_bytes() == (b / f"{split}.jsonl").read_bytes()
    assert build(VENVY_TOOL, seed=4, authored=authored_dir) != build(VENVY_TOOL, seed=3, authored=authored_dir)


def test_the_model_learns_the_working_command_not_one_the_tool_crashes_on(tmp_path):
    """A request whose command venvy crashes on is taught with the working command the product offers in
    its place; a crash with no alternative keeps its command (the offer check refuses it)."""
    rows = [{"q": "envs, biggest first", "command": "venvy ls -s size", "persona": "a"},
            {"q": "envs biggest first as json", "command": "venvy --verbose ls --sort size -f json", "persona": "a"},
            {"q": "envs grouped by project", "command": "venvy ls --sort project", "persona": "a"}]
    _write_authored(tmp_path, rows)
    taught = {e.query: e.command for e in build(VENVY_TOOL, seed=0, authored=tmp_path) if e.candidate is None}
    assert taught["envs, biggest first"] == "venvy list --sort size"
    assert taught["envs biggest first as json"] == "venvy --verbose list --format json --sort size"
    assert taught["envs grouped by project"] == "venvy ls --sort project"


def test_every_target_is_valid_and_canonical(examples):
    for ex in examples:
        if ex.command is not None:
            result = validate(ex.command)
            assert result.ok, (ex, result.reason)
            assert result.canonical == ex.command


def test_test_templates_never_appear_in_train_or_val(examples):
    templates = {s: {e.template for e in examples if e.split == s} for s in SPLITS}
    assert not templates["test"] & templates["train"]
    assert not templates["test"] & templates["val"]
    assert not templates["val"] & templates["train"]
    assert len(templates["test"]) >= 80


def test_test_phrasings_differ_from_train_by_more_than_synonyms(examples):
    """"delete the venv {name}" in train would teach "remove the environment {name}" in test."""
    from training.dataset import template_key, vocabulary_of

    vocab = vocabulary_of(VENVY_TOOL)
    keys = {s: {(e.intent, template_key(e.template, vocab)) for e in examples if e.split == s and e.candidate is None}
            for s in SPLITS}
    assert template_key("Delete the VENV {name}!", vocab) == template_key("remove the environment {name}", vocab)
    assert template_key("scan ~", vocab) != template_key("scan", vocab)
    assert not keys["test"] & keys["train"]
    assert not keys["test"] & keys["val"]
    assert not keys["val"] & keys["train"]


def test_covers_every_subcommand_verbose_and_out_of_scope(examples):
    train = [e for e in examples if e.split == "train"]
    used = {validate(e.command).parsed.subcommand for e in train if e.command}
    assert {e.split for e in examples if e.candidate is not None} <= {"train", "val", "test", "calib"}
    assert set(VENVY.commands) <= used
    assert any(e.command and e.command.startswith("venvy --verbose ") for e in train)
    train = [e for e in train if e.candidate is None]
    abstain = sum(e.command is None for e in train)
    assert 0.05 < abstain / len(train) < 0.3  # templates and this test's few authored rows


def test_the_shipped_train_split_teaches_abstention():
    """With other authors' rows (about 15 % out of scope) the shipped split abstains in 8-30 % of its rows."""
    train = json.loads((VENVY_TOOL.data_dir / "splits" / "manifest.json").read_text())["splits"]["train"]
    assert 0.08 < train["abstain"] / train["examples"] < 0.3


def test_slot_values_vary_widely(examples):
    commands = [e.command for e in examples if e.command and e.command.startswith("venvy register ")]
    assert len(set(commands)) > 0.8 * len(commands)


def test_the_bare_word_venv_asks_for_type_venv_only_where_the_request_filters_by_kind(examples):
    """ "show venv envs on this machine" means every environment to most people,
    so the dataset never labels it --type venv; "environments of type venv" is."""
    import difflib
    import re

    for ex in examples:
        if not ex.source.startswith("authored") and ex.command and "--type venv" in ex.command and not re.search(r"plain venv|python -m venv", ex.query, re.I):
            # a typo the generator adds ("JUSST VENV ENVIRONMENTS") may hit the word itself
            words = re.findall(r"[a-z]+", ex.query.lower())
            assert any(difflib.SequenceMatcher(None, w, k).ratio() >= 0.8 for w in words
                       for k in ("type", "only", "just", "made", "created", "filter", "ones")), ex


def test_shipped_splits_match_the_builder(tmp_path):
    """data/ in the repo is exactly what the builder produces."""
    manifest = write_splits(build(VENVY_TOOL), tmp_path, 0)
    shipped = json.loads((VENVY_TOOL.data_dir / "splits" / "manifest.json").read_text())
    assert manifest == shipped


def test_no_request_is_labelled_with_two_commands(examples):
    targets: dict[str, set] = {}
    for ex in examples:
        if ex.candidate is None:  # a judge question is no label of the request
            targets.setdefault(ex.query.lower(), set()).add(ex.command)
    assert {q: t for q, t in targets.items() if len(t) > 1} == {}


def _vocab_copy(tmp_path, edit):
    """The shipped vocabulary folder with one file edited by ``edit(name, text) -> text``."""
    import shutil

    VOCAB_DIR = VENVY_TOOL.data_dir

    folder = tmp_path / "vocab"
    shutil.copytree(VOCAB_DIR, folder, ignore=shutil.ignore_patterns("authored"))
    for path in folder.glob("*.yaml"):
        path.write_text(edit(path.name, path.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def _line_of(folder, name, text):
    return folder.joinpath(name).read_text(encoding="utf-8").splitlines().index(text) + 1


def test_a_template_listed_under_two_intents_fails_the_build_at_its_line(tmp_path, authored_dir):
    from nlcli_wizard.errors import TrainingError
    from training.vocab import load_vocabulary

    def edit(name, text):
        return text.replace("  venvy stats:\n", "  venvy stats:\n  - list my venvs\n", 1) if name == "intents.yaml" else text

    folder = _vocab_copy(tmp_path, edit)
    lines = folder.joinpath("intents.yaml").read_text().splitlines()
    line = lines.index("  venvy stats:") + 2
    with pytest.raises(TrainingError, match=rf"intents\.yaml:{line}: the phrasing 'list my venvs' is listed twice"):
        build(VENVY_TOOL, authored=authored_dir, vocab=load_vocabulary(folder))


@pytest.mark.parametrize("name, old, new, shown, reason", [
    ("intents.yaml", "  - list my venvs\n", "  - list my venvs in {colour}\n", "  - list my venvs in {colour}",
     "no slot '{colour}'"),
    ("intents.yaml", "  - list my venvs\n", "  - 42\n", "  - 42", "phrasings must be non-empty text"),
    ("intents.yaml", "  - '{x} with verbose output'\n", "  - with verbose output\n", "  - with verbose output",
     "must hold {x}"),
    ("style.yaml", "- - venvs\n", "- - \n", "- - ", "two or more words"),
    ("style.yaml", "  cue: ", "  clue: ", None, "exactly slot, word, say and cue"),
    ("slots.yaml", 'never_alone:\n  scan: ["~"]\n', "never_alone: 3\n", "never_alone: 3",
     "'never_alone' must be a mapping"),
    ("slots.yaml", "  cmd: subcommand\n", "  cmd: subcommand\n  cmd: name\n", "  cmd: name", "listed twice"),
])
def test_a_malformed_vocabulary_entry_is_reported_with_its_file_and_line(tmp_path, name, old, new, shown, reason):
    from nlcli_wizard.errors import TrainingError
    from training.vocab import load_vocabulary

    def edit(file, text):
        if file != name:
            return text
        assert old in text
        return text.replace(old, new, 1)

    folder = _vocab_copy(tmp_path, edit)
    text = folder.joinpath(name).read_text().splitlines()
    line = text.index(shown) + 1 if shown else next(i for i, t in enumerate(text, 1) if t.startswith("  clue: ")) - 3
    with pytest.raises(TrainingError, match=rf"{name.replace('.', '[.]')}:{line}: .*{reason}"):
        load_vocabulary(folder)


def test_a_target_venvy_rejects_fails_the_build_at_its_line(tmp_path, authored_dir):
    from nlcli_wizard.errors import TrainingError
    from training.vocab import load_vocabulary

    folder = _vocab_copy(tmp_path, lambda name, text: text.replace(
        "  venvy stats:\n", "  venvy stats --colour:\n", 1) if name == "intents.yaml" else text)
    line = _line_of(folder, "intents.yaml", "  venvy stats --colour:")
    with pytest.raises(TrainingError, match=rf"intents\.yaml:{line}: the target 'venvy stats --colour' is invalid"):
        build(VENVY_TOOL, authored=authored_dir, vocab=load_vocabulary(folder))


def test_held_out_personas_go_to_calibration_only(examples):
    """Confidence is fitted on voices the adapter never trained on."""
    calib = [e for e in examples if e.split == CALIB and e.candidate is None]
    assert {e.source for e in calib} == {"authored:datasci", "authored:trickster"}
    for e in examples:
        if e.source in ("authored:datasci", "authored:trickster", "authored:scripter"):
            assert e.split == CALIB, e
    others = [e for e in examples if e.source in ("authored:devops", "authored:newbie")]
    assert {e.split for e in others} <= {"train", "val"} and others
    # Commands are stored canonical: "-f json" is written "--format json".
    assert any(e.command == "venvy ls --format json" for e in others)


def test_every_example_says_where_it_came_from(examples):
    sources = {e.source.split(":")[0] for e in examples}
    assert sources == {"template", "composed", "authored", "judge"}


def test_an_authored_row_with_an_invalid_command_fails_with_its_file_and_line(tmp_path):
    from nlcli_wizard.errors import TrainingError

    rows = [*AUTHORED[:2], {"q": "list venvs by colour", "command": "venvy ls --sort colour", "persona": "devops"}]
    _write_authored(tmp_path, rows)
    with pytest.raises(TrainingError, match=r"a\.jsonl:3: .*'colour' is not a valid value"):
        authored_examples(tmp_path, {"datasci"}, VENVY)


@pytest.mark.parametrize("line, reason", [
    ('{"q": "list venvs", "command": "venvy ls"', "not JSON"),
    ('{"q": "", "command": "venvy ls", "persona": "x"}', "'q' must be"),
    ('{"q": "list venvs", "command": "venvy ls"}', "'persona' must"),
    ('{"q": "list venvs", "command": 3, "persona": "x"}', "'command' must"),
    ('["list venvs"]', "JSON object"),
])
def test_a_malformed_authored_row_fails_with_its_file_and_line(tmp_path, line, reason):
    from nlcli_wizard.errors import TrainingError

    (tmp_path / "b.jsonl").write_text('{"q": "ls", "command": "venvy ls", "persona": "x"}\n\n' + line + "\n")
    with pytest.raises(TrainingError, match=rf"b\.jsonl:3: .*{reason}"):
        authored_examples(tmp_path, set(), VENVY)


def test_the_train_split_stays_within_the_fine_tune_budget(examples):
    from training.dataset import TRAIN_CAP, _cap_train

    assert sum(e.split == "train" for e in examples) <= TRAIN_CAP
    capped = _cap_train(examples, 0, cap=sum(e.split == "train" for e in examples) - 300)
    assert sum(e.split == "train" for e in capped) == sum(e.split == "train" for e in examples) - 300
    # Only composed requests are dropped, and every combination keeps some.
    assert {e.source for e in examples if e not in capped} == {"composed"}
    signatures = {e.intent for e in examples if e.source == "composed" and e.split == "train"}
    assert signatures == {e.intent for e in capped if e.source == "composed" and e.split == "train"}


def test_hand_written_look_alikes_are_kept_before_generated_no_questions():
    """The judgement learns "no" mostly from the look-alikes people wrote (scarce), not only from the
    generated ones (plentiful): they fill two thirds of the "no" half when there are enough of them."""
    from training.dataset import Example, judge_examples

    asked = [Example(f"remove env{i}", f"venvy remove env{i}", "remove", f"t{i}", "train", "authored:x")
             for i in range(200)]
    looks = [Example(f"who removed env{i}?", None, "judge", f"l{i}", "train", "judge:tempting:x",
                     f"venvy remove env{i}", False) for i in range(300)]
    questions = judge_examples(asked + looks, VENVY, seed=0, cap=300)
    no = [q for q in questions if q.asked is False]
    tempting = [q for q in no if q.source.startswith("judge:tempting")]
    assert len(no) == 150 and len(tempting) == 100  # 200 "no" (force-not-asked) were generated beside them
    assert len(judge_examples(asked + looks[:10], VENVY, seed=0, cap=300)) == 300
