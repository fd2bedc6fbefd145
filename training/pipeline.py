"""The whole training run that produces the shipped adapter, timed.

    python -m training.pipeline                      # writes models/venvy-lora.gguf (+ .meta.json, eval report)
    python -m training.pipeline --feedback ~/.local/share/nlcli-wizard/feedback.jsonl
    python -m training.pipeline --out /tmp/try --epochs 1 --no-baselines   # splits in /tmp/try/data, repo data/ untouched
    python -m training.pipeline --out /tmp/seed1 --train-seed 1   # same data, another initialisation

Steps: build the dataset from venvy's catalog, merge user feedback if given,
LoRA fine-tune on the CPU, export to GGUF, calibrate confidence on the
held-out voices (calib split), evaluate on the test split next to both baselines.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from nlcli_wizard import paths
from training import dataset, export, finetune, merge_feedback


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    shipped = paths.PROJECT_ROOT / "models"
    parser.add_argument("--out", type=Path, default=shipped,
                        help="where the adapter and report go; a folder other than models/ also gets the splits "
                        "(<out>/data) and the run (<out>/run), so a trial never rewrites the repo's data/")
    parser.add_argument("--feedback", type=Path)
    parser.add_argument("--seed", type=int, default=0, help="dataset split and phrasing draw")
    parser.add_argument("--train-seed", type=int, help="LoRA init and batch order (default: --seed); "
                        "the dataset stays that of --seed")
    parser.add_argument("--epochs", type=float, default=finetune.TrainConfig.epochs)
    parser.add_argument("--dropout", type=float, default=finetune.TrainConfig.dropout, help="LoRA dropout")
    parser.add_argument("--no-baselines", action="store_true")
    args = parser.parse_args(argv)
    timings: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        timings[name] = round(time.perf_counter() - mark, 1)
        print(f"== {name}: {timings[name]} s", flush=True)
        mark = time.perf_counter()

    # Only the shipping run (--out models/) rewrites the repo's data/ and runs/.
    trial = args.out.resolve() != shipped.resolve()
    data_dir = args.out / "data" if trial else paths.data_dir()
    dataset.write_splits(dataset.build(args.seed), data_dir, args.seed)
    train = dataset.load_split("train", data_dir)
    merge_report = None
    if args.feedback:
        train, merge_report = merge_feedback.merge(train, args.feedback)
        print(json.dumps(merge_report, indent=2))
    lap("dataset")
    run_dir = args.out / "run" if trial else paths.PROJECT_ROOT / "runs" / "venvy-lora"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    finetune.train_cpu(train, run_dir, finetune.TrainConfig(
        epochs=args.epochs, seed=args.seed if args.train_seed is None else args.train_seed, dropout=args.dropout))
    train_path = run_dir / "train.jsonl"  # with the feedback merged: the baseline sees what the adapter saw
    train_path.write_text("".join(json.dumps(ex, ensure_ascii=False) + "\n" for ex in train), encoding="utf-8")
    lap("fine-tune")
    adapter = export.export_adapter(run_dir, args.out / "venvy-lora.gguf",
                                    {"model_id": f"venvy-lora-{time.strftime('%Y%m%d-%H%M')}", "feedback_merge": merge_report})
    lap("export")
    # Calibration and evaluation run in fresh processes: after training, torch's
    # worker threads in this one halve llama.cpp's speed, and the latencies in
    # the report should be the ones a user gets.
    subprocess.run([sys.executable, "-m", "training.calibrate", str(adapter), "--examples",
                    str(data_dir / "calib.jsonl")], check=True)
    lap("calibrate")
    evaluate = [sys.executable, "-m", "nlcli_wizard", "eval", "--adapter", str(adapter), "--out", str(args.out),
                "--train", str(train_path), "--data", str(data_dir)]
    for split, path in (("independent", data_dir / "independent.jsonl"), ("outside", paths.outside_eval_path())):
        evaluate += ["--also", split] if path.exists() else []
    subprocess.run(evaluate + (["--no-baselines"] if args.no_baselines else []), check=True)
    lap("evaluate")
    meta_path = adapter.with_suffix(".meta.json")
    meta = json.loads(meta_path.read_text())
    meta["eval"] = json.loads((args.out / "eval-report.json").read_text())
    meta["pipeline_seconds"] = timings
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    print(f"adapter {adapter}, report {args.out / 'eval-report.md'}, timings {timings}")


if __name__ == "__main__":
    main()
