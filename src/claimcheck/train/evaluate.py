"""Dev-set evaluation of an NLI model and temperature calibration.

Used by the training recipe (to fill the model card) and by ``benchmarks/nli_dev.py``. The
scoring rules by label set (:func:`claimcheck.verdict.nli.predictions`) live with the NLI model.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np


def score(gold: Sequence[str], pred: Sequence[str]) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold))
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, pred)), 4),
        "macro_f1": round(float(f1_score(gold, pred, labels=labels, average="macro",
                                         zero_division=0)), 4),
    }


def expected_calibration_error(probs: np.ndarray, gold_idx: np.ndarray, bins: int = 15) -> float:
    """Top-label ECE with equal-width confidence bins."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == gold_idx
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs(conf[m].mean() - correct[m].mean())
    return float(ece)


def fit_temperature(logits: np.ndarray, gold_idx: np.ndarray) -> float:
    """Temperature T minimizing the NLL of softmax(logits / T) (grid + golden-section search).

    ``logits`` may hold -inf in a column (masked class); those get probability 0.
    """
    from claimcheck.verdict.nli import logits_to_probs

    def nll(t: float) -> float:
        p = logits_to_probs(logits, t)[np.arange(len(gold_idx)), gold_idx]
        return float(-np.mean(np.log(np.clip(p, 1e-12, 1.0))))

    grid = np.exp(np.linspace(math.log(0.05), math.log(20.0), 60))
    best = min(grid, key=nll)
    lo, hi = best / 1.2, best * 1.2
    g = (math.sqrt(5) - 1) / 2
    for _ in range(40):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if nll(a) < nll(b):
            hi = b
        else:
            lo = a
    return round(float((lo + hi) / 2), 4)
