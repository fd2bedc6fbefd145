import pytest

from tests.tooling import VENVY_TOOL
from training import dataset, finetune, pipeline

SPLITS = VENVY_TOOL.data_dir / "splits"


class _Stop(Exception):
    pass


def test_a_trial_run_writes_its_splits_under_out_and_leaves_the_repo_data_alone(tmp_path, monkeypatch):
    before = {p.name: p.read_bytes() for p in SPLITS.glob("*.json*")}
    examples = [dataset.Example("list my venvs", "venvy ls", "venvy ls", "list my venvs", "train")]
    monkeypatch.setattr(dataset, "build", lambda tool, seed: examples)
    seen = {}

    def train_cpu(train, run_dir, config):
        seen["train"], seen["run_dir"] = train, run_dir
        raise _Stop  # the fine-tune itself is not what this test is about

    monkeypatch.setattr(finetune, "train_cpu", train_cpu)
    with pytest.raises(_Stop):
        pipeline.main(["--tool", "venvy", "--out", str(tmp_path / "try")])
    assert (tmp_path / "try" / "data" / "train.jsonl").exists()
    assert [e["query"] for e in seen["train"]] == ["list my venvs"]
    assert seen["run_dir"] == tmp_path / "try" / "run"
    assert {p.name: p.read_bytes() for p in SPLITS.glob("*.json*")} == before
