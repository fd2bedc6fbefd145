"""The base model for training: Gemma 3 270M dequantized from the package GGUF.

transformers reads the GGUF directly (~40 s: dequantizing plus building the
tokenizer from the 262k vocabulary); a plain fp32 copy is saved once under
``$NLCLI_HOME/hf-base`` so later runs load in ~3 s. Nothing comes from a hub.
"""

from __future__ import annotations

from pathlib import Path

from nlcli_wizard import paths
from nlcli_wizard.modelfiles import ensure_base_model


def hf_base_dir() -> Path:
    return paths.home() / "hf-base"


def load_base(log=print):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cache = hf_base_dir()
    if not (cache / "model.safetensors").exists():
        gguf_path = ensure_base_model()
        log(f"dequantizing {gguf_path.name} for training (once, ~40 s)")
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32)
        # The GGUF origin marks the model "quantized", which blocks saving; the
        # weights are plain fp32 tensors by now.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        partial = cache.with_name("hf-base.partial")
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        partial.rename(cache)
        return model, tokenizer
    tokenizer = AutoTokenizer.from_pretrained(cache)
    model = AutoModelForCausalLM.from_pretrained(cache, dtype=torch.float32)
    return model, tokenizer

