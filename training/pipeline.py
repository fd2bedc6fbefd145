"""The whole training run that produces a tool's shipped adapter, timed.

    python -m training.pipeline                           # the default tool: its model/ adapter, meta, eval report
    python -m training.pipeline --tool sqlite-utils       # a second tool, learnt end to end on the CPU
    python -m training.pipeline --feedback ~/.local/share/nlcli-wizard/feedback.jsonl
    python -m training.pipeline --out /tmp/try --epochs 1 --no-baselines   # splits in /tmp/try/data, repo untouched
    python -m training.pipeline --out /tmp/seed1 --train-seed 1   # same data, another initialisation

Steps: build the dataset from the tool's catalog and data folder, merge user feedback if given, LoRA
fine-tune on the CPU, export to GGUF, calibrate confidence (and the judgement of destructive commands) on
the held-out voices (calib split), evaluate on the test (else independent) split next to both baselines,
and on every evaluation file the tool's profile names.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from nlcli_wizard import paths, tools
from training import dataset, export, finetune, merge_feedback


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tool", help="the tool plugin to train (default: the default tool)")
    parser.add_argument("--out", type=Path, help="where the adapter and report go (default: the tool's model/); "
                        "another folder also gets the splits (<out>/data) and the run (<out>/run), so a trial never "
                        "rewrites the tool's data")
    parser.add_argument("--feedback", type=Path)
    parser.add_argument("--seed", type=int, default=0, help="dataset split and phrasing draw")
    parser.add_argument("--train-seed", type=int, help="LoRA init and batch order (default: --seed); "
                        "the dataset stays that of --seed")
    parser.add_argument("--epochs", type=float, help="fine-tune epochs (default: the tool profile's train_epochs, else "
                        f"{finetune.TrainConfig.epochs})")
    parser.add_argument("--dropout", type=float, default=finetune.TrainConfig.dropout, help="LoRA dropout")
    parser.add_argument("--no-baselines", action="store_true")
    args = parser.parse_args(argv)
    tool = tools.chosen(args.tool)
    timings: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        timings[name] = round(time.perf_counter() - mark, 1)
        print(f"== {name}: {timings[name]} s", flush=True)
        mark = time.perf_counter()

    shipped = tool.adapter.parent
    out = args.out or shipped
    # Only the shipping run (into the tool's model/) rewrites the tool's splits and runs/.
    trial = out.resolve() != shipped.resolve()
    data_dir = out / "data" if trial else tool.data_dir / "splits"
    dataset.write_splits(dataset.build(tool, args.seed), data_dir, args.seed)
    train = dataset.load_split("train", data_dir)
    merge_report = None
    if args.feedback:
        train, merge_report = merge_feedback.merge(train, args.feedback, tool.catalog)
        print(json.dumps(merge_report, indent=2))
    lap("dataset")
    run_dir = out / "run" if trial else paths.PROJECT_ROOT / "runs" / f"{tool.name}-lora"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    epochs = args.epochs or tool.data.train_epochs or finetune.TrainConfig.epochs
    finetune.train_cpu(train, run_dir, finetune.TrainConfig(
        epochs=epochs, seed=args.seed if args.train_seed is None else args.train_seed, dropout=args.dropout))
    train_path = run_dir / "train.jsonl"  # with the feedback merged: the baseline sees what the adapter saw
    train_path.write_text("".join(json.dumps(ex, ensure_ascii=False) + "\n" for ex in train), encoding="utf-8")
    lap("fine-tune")
    adapter = export.export_adapter(run_dir, out / tool.adapter.name,
                                    {"model_id": f"{tool.name}-lora-{time.strftime('%Y%m%d-%H%M')}",
                                     "tool": tool.name, "feedback_merge": merge_report})
    lap("export")
    # Calibration and evaluation run in fresh processes: after training, torch's
    # worker threads in this one halve llama.cpp's speed, and the latencies in
    # the report should be the ones a user gets.
    subprocess.run([sys.executable, "-m", "training.calibrate", str(adapter), "--tool", tool.name, "--examples",
                    str(data_dir / "calib.jsonl")], check=True)
    lap("calibrate")
    # Beside the built splits, the tool's hand-written evaluation files (independent.jsonl, deletions.jsonl:
    # requests no template and no training author wrote) and the files kept apart from the project.
    written = sorted(p.stem for p in (tool.data_dir / "splits").glob("*.jsonl")
                     if p.stem not in (*dataset.SPLITS, dataset.CALIB))
    for name in written:
        if not (data_dir / f"{name}.jsonl").exists():
            shutil.copy(tool.data_dir / "splits" / f"{name}.jsonl", data_dir / f"{name}.jsonl")
    main_split = "test" if (data_dir / "test.jsonl").stat().st_size else written[0]
    evaluate = [sys.executable, "-m", "nlcli_wizard", "eval", "--tool", tool.name, "--split", main_split,
                "--adapter", str(adapter), "--out", str(out), "--train", str(train_path), "--data", str(data_dir)]
    for split in (*written, *tool.data.outside_eval):
        outside = split in tool.data.outside_eval
        if split != main_split and (not outside or (paths.outside_eval_dir() / tool.data.outside_eval[split]).exists()):
            evaluate += ["--also", split]
    subprocess.run(evaluate + (["--no-baselines"] if args.no_baselines else []), check=True)
    lap("evaluate")
    meta_path = adapter.with_suffix(".meta.json")
    meta = json.loads(meta_path.read_text())
    meta["eval"] = json.loads((out / "eval-report.json").read_text())
    meta["pipeline_seconds"] = timings
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    print(f"adapter {adapter}, report {out / 'eval-report.md'}, timings {timings}")


if __name__ == "__main__":
    main()
