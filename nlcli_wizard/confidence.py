"""From token log-probabilities to a confidence between 0 and 1.

The raw score is the probability the model gave its whole answer, i.e. the
product of its token probabilities (the sum of log-probs). A fine-tune makes
the model over- or under-confident, so the exported adapter carries a Platt
calibration fitted on held-out data (``meta.json``: ``{"a": .., "b": ..}``):
``confidence = sigmoid(a * logit(p) + b)`` with ``p`` the raw probability.
Scaling the logit rather than the log-probability lets a near-certain answer
get a confidence near 1 (``sigmoid(a * log p + b)`` can never exceed
``sigmoid(b)``). Without a calibration the raw probability is used as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

_MAX_LOGIT = 30.0  # p within e-13 of 1 counts as certain


def sequence_logprob(logprobs: Sequence[float]) -> float:
    return float(sum(logprobs))


def logit(logprob: float) -> float:
    """log(p / (1 - p)) for p = exp(logprob), computed without cancellation."""
    if logprob >= -math.exp(-_MAX_LOGIT):
        return _MAX_LOGIT
    return max(-_MAX_LOGIT * 30, logprob - math.log(-math.expm1(logprob)))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def confidence(logprobs: Sequence[float], calibration: dict | None = None) -> float:
    total = sequence_logprob(logprobs)
    if not calibration:
        return math.exp(total)
    return _sigmoid(calibration["a"] * logit(total) + calibration["b"])


def fit_platt(scores: Sequence[float], correct: Sequence[bool], iterations: int = 50) -> dict:
    """Fit ``sigmoid(a*logit(p) + b)`` to 0/1 outcomes by damped Newton steps on log-loss.

    Scores are sums of log-probs (<= 0). Two parameters converge in a few
    iterations; a tiny ridge keeps the step defined and step halving keeps
    it from overshooting.
    """
    if not scores or len(set(correct)) < 2:
        return {"a": 1.0, "b": 0.0, "n": len(scores), "note": "too little variation to fit"}
    xs = [logit(s) for s in scores]

    def loss(a: float, b: float) -> float:
        total = 0.0
        for x, y in zip(xs, correct, strict=True):
            z = a * x + b
            total += math.log1p(math.exp(-abs(z))) + max(z, 0.0) - (z if y else 0.0)
        return total

    a, b = 1.0, 0.0
    current = loss(a, b)
    for _ in range(iterations):
        ga = gb = haa = hab = hbb = 0.0
        for x, y in zip(xs, correct, strict=True):
            p = _sigmoid(a * x + b)
            w = p * (1 - p)
            ga += (p - y) * x
            gb += p - y
            haa += w * x * x
            hab += w * x
            hbb += w
        haa, hbb = haa + 1e-6, hbb + 1e-6
        det = haa * hbb - hab * hab
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        step = 1.0  # halve the Newton step until the loss goes down
        while step > 1e-6 and loss(a - step * da, b - step * db) > current:
            step /= 2
        if step <= 1e-6:
            break
        a, b = a - step * da, b - step * db
        previous, current = current, loss(a, b)
        if previous - current < 1e-10:
            break
    return {"a": a, "b": b, "n": len(scores)}


HIGH = 0.85  # at or above: "high"
MEDIUM = 0.6


def confidence_word(value: float) -> str:
    return "high" if value >= HIGH else "medium" if value >= MEDIUM else "low"
