"""Ranking metrics, the one module for them: average precision, precision@k, R-precision and MAP
over groups (debates). Every caller (benchmarks, check-worthiness training, the leaderboard)
imports these.

Ties give no free credit. Items with equal scores form one block whose order is unknown, so
each metric takes its expectation over the orders of the block:

* average precision is scikit-learn's ``average_precision_score`` (a block is one threshold
  step: recall gained times the precision at the end of the block), so a constant score gets
  exactly the positive base rate;
* precision@k counts the positives ranked strictly above the block that straddles rank k, plus
  the block's positive share times the ranks it fills up to k (the expected hits);
* R-precision is precision@R with R the number of positives.

Without ties these are the usual definitions (the CLEF CheckThat! scorer's, which sorts by score).

    >>> average_precision([0, 1, 0, 1], [0.9, 0.8, 0.1, 0.7])
    0.5833333333333333
    >>> average_precision([1, 0], [0.5, 0.5]), average_precision([0, 1, 0, 0], [0.2] * 4)
    (0.5, 0.25)
    >>> precision_at_k([1, 0, 0, 1], [0.9, 0.5, 0.5, 0.5], 2)
    0.6666666666666666
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _r(x: float) -> float:
    return round(float(x), 4)


def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """AP of one ranked list, ties as one block (see the module docstring); 0 without positives."""
    y = np.asarray(labels, dtype=int)
    if not (y == 1).any():
        return 0.0
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y == 1, np.asarray(scores, dtype=float)))


def precision_at_k(labels: Sequence[int], scores: Sequence[float], k: int) -> float:
    """Expected precision of the top ``k`` over the orders of tied scores."""
    if k <= 0:
        return 0.0
    y = np.asarray(labels, dtype=int) == 1
    s = np.asarray(scores, dtype=float)
    hits, taken = 0.0, 0
    for value in sorted(set(s.tolist()), reverse=True):
        block = y[s == value]
        room = min(k - taken, len(block))
        hits += room * block.mean()
        taken += room
        if taken >= k:
            break
    return float(hits / k)


def r_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Precision at R, R = the number of positives (0 without positives)."""
    r = int(sum(int(x) == 1 for x in labels))
    return precision_at_k(labels, scores, r) if r else 0.0


def ranking_metrics(groups: Sequence[str], labels: Sequence[int], scores: Sequence[float],
                    ks: Sequence[int] = (5, 10, 20)) -> dict[str, Any]:
    """MAP over groups (debates), mean P@k and R-precision, and the metrics per group."""
    by: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by.setdefault(str(g), []).append(i)
    per = {}
    raw_ap, raw_rp = [], []
    for g, idx in by.items():
        ls, ss = [labels[i] for i in idx], [scores[i] for i in idx]
        ap, rp = average_precision(ls, ss), r_precision(ls, ss)
        raw_ap.append(ap)
        raw_rp.append(rp)
        per[g] = {"ap": _r(ap), "r_precision": _r(rp), "n": len(idx),
                  "positives": int(sum(int(x) == 1 for x in ls)),
                  **{f"p@{k}": _r(precision_at_k(ls, ss, k)) for k in ks}}
    return {"map": _r(np.mean(raw_ap)) if raw_ap else 0.0,
            "r_precision": _r(np.mean(raw_rp)) if raw_rp else 0.0,
            **{f"p@{k}": _r(np.mean([p[f"p@{k}"] for p in per.values()])) if per else 0.0
               for k in ks},
            "per_group": per}


__all__ = ["average_precision", "precision_at_k", "r_precision", "ranking_metrics"]
