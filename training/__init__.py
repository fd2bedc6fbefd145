"""Training pipeline: a tool's dataset (from its click tree and its data folder), feedback merge, LoRA
fine-tune, GGUF export, calibration. Each ``python -m training.X`` module's docstring shows the exact
command; the library code lives beside it."""
