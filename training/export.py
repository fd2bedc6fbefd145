"""Export a peft LoRA adapter to the GGUF adapter llama.cpp loads at run time.

    python -m training.export runs/venvy-lora nlcli_tools/venvy/model/venvy-lora.gguf
    python -m training.export runs/venvy-lora merged.gguf --merged   # one Q4_K_M file, base + adapter

peft names map to llama.cpp names through gguf-py's Gemma 3 tensor map
(``…layers.0.self_attn.q_proj.lora_A.weight`` → ``blk.0.attn_q.weight.lora_a``);
every mapped name is checked against the base model's tensor table and the
written file is validated exactly as the engine validates it before loading.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from nlcli_wizard.errors import TrainingError
from nlcli_wizard.modelfiles import check_adapter, ensure_base_model

_PEFT_NAME = re.compile(r"^base_model\.model\.(?P<module>.+)\.lora_(?P<part>[AB])\.weight$")
_LAYER = re.compile(r"\.layers\.(\d+)\.")


def _tensor_map(n_blocks: int):
    import gguf

    return gguf.get_tensor_name_map(gguf.MODEL_ARCH.GEMMA3, n_blocks)


def load_peft(adapter_dir: Path) -> tuple[dict[str, np.ndarray], dict]:
    from safetensors.numpy import load_file

    weights = adapter_dir / "adapter_model.safetensors"
    config = adapter_dir / "adapter_config.json"
    if not weights.exists() or not config.exists():
        raise TrainingError(f"{adapter_dir} is not a peft adapter directory (no adapter_model.safetensors).")
    return load_file(str(weights)), json.loads(config.read_text())


def block_count(state: dict[str, np.ndarray]) -> int:
    """How many blocks the adapter's names span. The name map is built for
    that depth, not for the 270M's 18 blocks, so an adapter for a deeper Gemma 3
    maps too; check_adapter then matches every name and shape against the base."""
    return 1 + max((int(m[1]) for key in state if (m := _LAYER.search(key))), default=-1)


def lora_tensors(adapter_dir: Path) -> tuple[dict[str, np.ndarray], float, int]:
    """llama.cpp-named tensors (numpy shapes (r, in) and (out, r)), alpha and rank."""
    state, config = load_peft(adapter_dir)
    names = _tensor_map(max(1, block_count(state)))
    out: dict[str, np.ndarray] = {}
    for key, value in state.items():
        match = _PEFT_NAME.match(key)
        if not match:
            raise TrainingError(f"Unexpected tensor '{key}' in the peft adapter.")
        base = names.get_name(match["module"])
        if base is None:
            raise TrainingError(f"No llama.cpp name for module '{match['module']}'.")
        out[f"{base}.weight.lora_{match['part'].lower()}"] = value.astype(np.float32)
    return out, float(config["lora_alpha"]), int(config["r"])


def export_adapter(adapter_dir: Path, target: Path, extra_meta: dict | None = None) -> Path:
    import gguf

    tensors, alpha, rank = lora_tensors(adapter_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    writer = gguf.GGUFWriter(str(partial), "gemma3")
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", alpha)
    for name in sorted(tensors):
        writer.add_tensor(name, tensors[name].astype(np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    meta_source = adapter_dir / "meta.json"
    meta = json.loads(meta_source.read_text()) if meta_source.exists() else {}
    meta.update(extra_meta or {})
    meta.setdefault("model_id", target.stem)
    meta["lora"] = {"rank": rank, "alpha": alpha, "tensors": len(tensors), "dtype": "F16"}
    partial_meta = target.with_suffix(".meta.json.partial")
    partial_meta.write_text(json.dumps(meta, indent=2) + "\n")
    try:
        check_adapter(partial, ensure_base_model())
    except Exception:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    partial_meta.replace(target.with_suffix(".meta.json"))
    return target


def export_merged(adapter_dir: Path, target: Path, quantize: bool = True) -> Path:
    """Fold the adapter into the base weights and write one GGUF (Q4_K_M by default).

    The touched matrices are dequantized, W += alpha/r * B @ A is added, and the
    whole model is re-quantized by llama.cpp's own quantizer.
    """
    import gguf
    from gguf.quants import dequantize

    base_path = ensure_base_model()
    tensors, alpha, rank = lora_tensors(adapter_dir)
    scale = alpha / rank
    reader = gguf.GGUFReader(str(base_path))
    with tempfile.TemporaryDirectory() as tmp:
        f32_path = Path(tmp) / "merged-f32.gguf"
        writer = gguf.GGUFWriter(str(f32_path), "gemma3")
        for field in reader.fields.values():
            if field.name.startswith("GGUF.") or field.name == "general.architecture":
                continue
            value_type = field.types[0]
            sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
            writer.add_key_value(field.name, field.contents(), value_type, sub_type=sub_type)
        for tensor in reader.tensors:
            a = tensors.get(f"{tensor.name}.lora_a")
            if a is None:
                writer.add_tensor(tensor.name, np.asarray(tensor.data), raw_dtype=tensor.tensor_type)
                continue
            weight = dequantize(tensor.data, tensor.tensor_type).reshape(int(tensor.shape[1]), int(tensor.shape[0]))
            weight = weight + scale * (tensors[f"{tensor.name}.lora_b"] @ a)
            writer.add_tensor(tensor.name, weight.astype(np.float32))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        if not quantize:
            shutil.move(f32_path, target)
            return target
        import llama_cpp

        from nlcli_wizard.engine import silence_llama_logs

        silence_llama_logs()
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
        params.allow_requantize = True
        status = llama_cpp.llama_model_quantize(str(f32_path).encode(), str(target).encode(), params)
        if status != 0:
            raise TrainingError(f"llama.cpp could not quantize the merged model (status {status}).")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("adapter_dir", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--merged", action="store_true", help="write one merged, Q4_K_M-quantized model instead")
    args = parser.parse_args(argv)
    try:
        path = export_merged(args.adapter_dir, args.target) if args.merged else export_adapter(args.adapter_dir, args.target)
    except TrainingError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
