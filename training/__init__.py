"""Training pipeline: dataset from venvy's click definitions, feedback merge,
LoRA fine-tune, GGUF export. Each ``python -m training.X`` module's docstring
shows the exact command; the library code lives beside it."""
