import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.tooling import VENVY, VENVY_TOOL


def test_unsloth_backend_refuses_clearly_without_a_gpu(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "training.finetune", "--backend", "unsloth", "--out", str(tmp_path / "x")],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert result.returncode != 0
    assert "needs an NVIDIA GPU" in result.stderr or "unsloth is not installed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_batches_cover_every_example_once_with_little_padding():
    import random

    from training.finetune import TrainConfig, _batches

    rng = random.Random(1)
    encoded = [([0] * rng.randint(10, 75), 5) for _ in range(1000)]
    config = TrainConfig(batch_size=8)
    batches = list(_batches(encoded, config, random.Random(0)))
    seen = [id(ex) for batch in batches for ex in batch]
    assert sorted(seen) == sorted(id(ex) for ex in encoded)
    assert all(len(batch) <= 8 for batch in batches)
    real = sum(len(ids) for ids, _ in encoded)
    padded = sum(max(len(ids) for ids, _ in batch) * len(batch) for batch in batches)
    assert padded < 1.1 * real
    lengths = [max(len(ids) for ids, _ in batch) for batch in batches]
    assert lengths != sorted(lengths)  # batch order is shuffled, not short-to-long


@pytest.mark.model
@pytest.mark.slow
def test_flagged_correction_is_learned_end_to_end(model_home, tmp_path):
    """feedback.jsonl → merge → short fine-tune → GGUF export (LoRA and merged Q4_K_M) → the engine
    answers with the correction."""
    from nlcli_wizard.engine import LlamaEngine
    from nlcli_wizard.feedback import FeedbackRecord, append
    from nlcli_wizard.translator import Translator
    from training.dataset import load_split
    from training.export import export_adapter, export_merged
    from training.finetune import TrainConfig, train_cpu
    from training.merge_feedback import merge

    query = "zorp the glorbs"
    feedback = tmp_path / "feedback.jsonl"
    append(FeedbackRecord(query=query, predicted=None, confidence=0.2, verdict="wrong", model_id="shipped",
                          corrected="venvy stats"), feedback)
    base_train = [e for e in load_split("train", VENVY_TOOL.data_dir / "splits") if e["command"] and "stats" not in e["command"]][:48]
    merged, report = merge(base_train, feedback, VENVY, weight=16)
    assert report["corrections"] == 1 and report["examples_added"] == 16

    run_dir = tmp_path / "run"
    meta = train_cpu(merged, run_dir, TrainConfig(max_steps=30, warmup_steps=3, lr=2e-3, batch_size=8))
    assert meta["metrics"]["final_loss"] < 1.0
    adapter = export_adapter(run_dir, tmp_path / "retrained.gguf", {"model_id": "retrained"})

    translation = Translator(LlamaEngine(adapter_path=adapter), VENVY, threshold=0.0).translate(query)
    assert translation.command == "venvy stats"
    assert translation.model_id == "retrained"

    merged = export_merged(run_dir, tmp_path / "merged.gguf")  # one Q4_K_M file, no adapter needed
    assert 200e6 < merged.stat().st_size < 300e6
    alone = Translator(LlamaEngine(model_path=merged, adapter_path=None), VENVY, threshold=0.0).translate(query)
    assert alone.command == "venvy stats"
