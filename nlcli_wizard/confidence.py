"""From token log-probabilities to a confidence between 0 and 1.

The raw score is the probability the model gave its whole answer, i.e. the
product of its token probabilities (the sum of log-probs). A fine-tune makes
the model over- or under-confident, so the exported adapter carries a Platt
calibration fitted on held-out data (``meta.json``: ``{"a": .., "b": ..}``):
``confidence = sigmoid(a * logit(p) + b)`` with ``p`` the raw probability.
Scaling the logit rather than the log-probability lets a near-certain answer
get a confidence near 1 (``sigmoid(a * log p + b)`` can never exceed
``sigmoid(b)``). Without a calibration the raw probability is used as it is.

The sequence probability alone is over-confident off-distribution: a request
worded unlike the training data often gets a fluent, wrong answer. So the
calibration may also weigh signals that predict errors there (``weights``):
the least likely token of the answer (a near-tie at the subcommand or an
option shows up there), whether the answer needed a constrained retry, how
many values it sets, whether it is an abstention, and how many values of the
request it leaves out. They are fitted on requests in voices the adapter was
not trained on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

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


# The signals a calibration may weigh besides the answer's probability.
FEATURES = ("min_logprob", "retried", "values", "abstain", "unused")


def signals(logprobs: Sequence[float], *, retried: bool = False, values: int = 0, abstain: bool = False,
            unused: int = 0) -> dict:
    """What predicts an error besides the whole answer's probability; ``unused`` counts the values the
    request states that the answer leaves out (nlcli_wizard.coverage)."""
    weakest = min(logprobs, default=0.0)
    return {"min_logprob": max(-30.0, float(weakest)), "retried": float(retried), "values": float(values),
            "abstain": float(abstain), "unused": float(unused)}


def confidence(logprobs: Sequence[float], calibration: dict | None = None,
               features: Mapping[str, float] | None = None) -> float:
    total = sequence_logprob(logprobs)
    if not calibration:
        return math.exp(total)
    z = calibration["a"] * logit(total) + calibration["b"]
    for name, weight in (calibration.get("weights") or {}).items():
        z += weight * (features or {}).get(name, 0.0)
    return _sigmoid(z)


def fit_logistic(scores: Sequence[float], features: Sequence[Mapping[str, float]], correct: Sequence[bool],
                 names: Sequence[str] = FEATURES, ridge: float = 1.0, iterations: int = 100) -> dict:
    """Fit ``sigmoid(a*logit(p) + b + sum(w_f * f))`` to 0/1 outcomes by Newton steps on an L2-penalized
    log-loss (the penalty keeps a signal that never varies, or a few hundred examples, from exploding a weight).
    Returns the Platt form plus ``weights``; with too little variation it falls back to :func:`fit_platt`."""
    if not scores or len(set(correct)) < 2:
        return fit_platt(scores, correct)
    import numpy as np  # only the calibration fit needs it: a translation does not pay for its import

    x = np.array([[logit(s), *(f.get(n, 0.0) for n in names), 1.0] for s, f in zip(scores, features, strict=True)])
    y = np.array(correct, dtype=float)
    # Standardized columns, so one ridge suits all; an answer the model found near-impossible (logit -900)
    # would otherwise set the scale of the first column and the penalty would erase it.
    center = np.append(x[:, :-1].mean(axis=0), 0.0)
    scale = np.append(np.maximum(x[:, :-1].std(axis=0), 1e-9), 1.0)
    xs = (x - center) / scale
    penalty = np.full(x.shape[1], ridge)
    penalty[-1] = 0.0  # never shrink the intercept
    w = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(xs @ w, -500, 500)))
        gradient = xs.T @ (p - y) + penalty * w
        hessian = (xs * (p * (1 - p))[:, None]).T @ xs + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    w = w / scale
    w[-1] -= float(w[:-1] @ center[:-1])  # back to the raw features' intercept
    return {"a": float(w[0]), "b": float(w[-1]), "weights": {n: float(v) for n, v in zip(names, w[1:-1], strict=True)},
            "n": len(scores)}


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
