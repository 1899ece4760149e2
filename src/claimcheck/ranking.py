"""Ranking metrics, the one module for them: average precision, precision@k, MAP over groups.

Every caller (benchmarks, check-worthiness training) imports these. Two tie rules exist today and
both are kept so that no recorded result changes:

* ``ties="input_order"`` (benchmarks, the CLEF CheckThat! scorer's loop): rank by score, equal
  scores keep input order, AP = mean of precision@k at the rank of each positive;
* ``ties="grouped"`` (the check-worthiness model card): scikit-learn's ``average_precision_score``,
  where equal scores form one threshold step.

They agree whenever no two scores tie.

    >>> average_precision([0, 1, 0, 1], [0.9, 0.8, 0.1, 0.7])
    0.5833333333333333
    >>> average_precision([1, 0], [0.5, 0.5]), average_precision([1, 0], [0.5, 0.5], ties="grouped")
    (1.0, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

Ties = Literal["input_order", "grouped"]


def _r(x: float) -> float:
    return round(float(x), 4)


def _order(scores: Sequence[float]) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: (-float(scores[i]), i))


def average_precision(labels: Sequence[int], scores: Sequence[float],
                      ties: Ties = "input_order") -> float:
    """AP of one ranked list (see the module docstring for ``ties``); 0 when the list has no
    positive with ``input_order``."""
    if ties == "grouped":
        from sklearn.metrics import average_precision_score

        return float(average_precision_score(np.asarray(labels), np.asarray(scores)))
    if ties != "input_order":
        raise ValueError(f"The 'ties' parameter of average_precision must be 'input_order' or "
                         f"'grouped'. Got {ties!r} instead.")
    hits, precisions = 0, []
    for rank, i in enumerate(_order(scores), start=1):
        if int(labels[i]) == 1:
            hits += 1
            precisions.append(hits / rank)
    npos = sum(int(x) == 1 for x in labels)
    return float(sum(precisions) / npos) if npos else 0.0


def precision_at_k(labels: Sequence[int], scores: Sequence[float], k: int) -> float:
    order = _order(scores)[:k]
    return float(sum(int(labels[i]) == 1 for i in order) / k) if k else 0.0


def ranking_metrics(groups: Sequence[str], labels: Sequence[int], scores: Sequence[float],
                    ks: Sequence[int] = (5, 10, 20)) -> dict[str, Any]:
    """MAP over groups (debates), AP per group and mean P@k (``input_order`` ties)."""
    by: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by.setdefault(str(g), []).append(i)
    per = {}
    for g, idx in by.items():
        ls, ss = [labels[i] for i in idx], [scores[i] for i in idx]
        per[g] = {"ap": _r(average_precision(ls, ss)), "n": len(idx),
                  "positives": int(sum(int(x) == 1 for x in ls)),
                  **{f"p@{k}": _r(precision_at_k(ls, ss, k)) for k in ks}}
    aps = [average_precision([labels[i] for i in idx], [scores[i] for i in idx])
           for idx in by.values()]
    return {"map": _r(np.mean(aps)) if aps else 0.0,
            **{f"p@{k}": _r(np.mean([p[f"p@{k}"] for p in per.values()])) for k in ks},
            "per_group": per}
