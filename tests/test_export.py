import json

import numpy as np
import pytest

from training.export import block_count, lora_tensors


def _peft_dir(tmp_path, n_blocks: int):
    from safetensors.numpy import save_file

    state = {}
    for b in range(n_blocks):
        for proj in ("self_attn.q_proj", "mlp.down_proj"):
            prefix = f"base_model.model.model.layers.{b}.{proj}"
            state[f"{prefix}.lora_A.weight"] = np.zeros((4, 8), dtype=np.float32)
            state[f"{prefix}.lora_B.weight"] = np.zeros((8, 4), dtype=np.float32)
    save_file(state, str(tmp_path / "adapter_model.safetensors"))
    (tmp_path / "adapter_config.json").write_text(json.dumps({"lora_alpha": 32, "r": 4}))
    return tmp_path


@pytest.mark.parametrize("n_blocks", [18, 26, 34])
def test_the_export_maps_every_block_of_a_deeper_model(tmp_path, n_blocks):
    """Gemma 3 1B has 26 blocks, 4B 34: the export does not assume the 270M's 18."""
    tensors, alpha, rank = lora_tensors(_peft_dir(tmp_path, n_blocks))
    assert f"blk.{n_blocks - 1}.attn_q.weight.lora_a" in tensors
    assert f"blk.{n_blocks - 1}.ffn_down.weight.lora_b" in tensors
    assert len(tensors) == 4 * n_blocks and (alpha, rank) == (32.0, 4)


def test_the_block_count_comes_from_the_deepest_layer_named():
    assert block_count({"base_model.model.model.layers.25.mlp.up_proj.lora_A.weight": np.zeros(1)}) == 26
    assert block_count({}) == 0
