"""From token log-probabilities to a confidence between 0 and 1.

The raw score is the probability the model gave its whole answer, i.e. the
product of its token probabilities (the sum of log-probs). A fine-tune makes
the model over- or under-confident, so the exported adapter carries a Platt
calibration fitted on held-out data (``meta.json``: ``{"a": .., "b": ..}``):
``confidence = sigmoid(a * sum_logprob + b)``. Without one the raw
probability is used as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def sequence_logprob(logprobs: Sequence[float]) -> float:
    return float(sum(logprobs))


def confidence(logprobs: Sequence[float], calibration: dict | None = None) -> float:
    total = sequence_logprob(logprobs)
    if not calibration:
        return math.exp(total)
    z = calibration["a"] * total + calibration["b"]
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def fit_platt(scores: Sequence[float], correct: Sequence[bool], steps: int = 3000, lr: float = 0.1) -> dict:
    """Fit ``sigmoid(a*score + b)`` to 0/1 outcomes by gradient descent on log-loss.

    Scores here are sums of log-probs (<= 0). A handful of points suffices;
    plain gradient descent avoids a scikit-learn dependency.
    """
    if not scores or len(set(correct)) < 2:
        return {"a": 1.0, "b": 0.0, "n": len(scores), "note": "too little variation to fit"}
    a, b = 1.0, 0.0
    n = len(scores)
    for _ in range(steps):
        grad_a = grad_b = 0.0
        for s, y in zip(scores, correct, strict=True):
            z = max(-60.0, min(60.0, a * s + b))
            p = 1.0 / (1.0 + math.exp(-z))
            grad_a += (p - y) * s
            grad_b += p - y
        a -= lr * grad_a / n
        b -= lr * grad_b / n
    return {"a": a, "b": b, "n": n}


def confidence_word(value: float) -> str:
    return "high" if value >= 0.85 else "medium" if value >= 0.6 else "low"
