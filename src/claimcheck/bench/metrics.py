"""Benchmark metrics: scikit-learn classification metrics plus the task metrics of the published
benchmarks (FNC-1 weighted score, SemEval-2016 F_avg, quote spans) and bootstrap intervals; the
ranking metrics (CLEF check-worthiness MAP, AP, P@k) are :mod:`claimcheck.ranking`'s, re-exported
here.

Examples::

    >>> fnc_score(["agree", "unrelated"], ["discuss", "unrelated"])["score"]
    40.0
    >>> round(f_avg(["favor", "against", "none"], ["favor", "none", "none"]), 4)
    0.5
    >>> average_precision([0, 1, 0, 1], [0.9, 0.8, 0.1, 0.7])
    0.5833333333333333
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from claimcheck.ranking import average_precision, precision_at_k, ranking_metrics

FNC_RELATED = ("agree", "disagree", "discuss")


def _r(x: float) -> float:
    return round(float(x), 4)


def classification_metrics(gold: Sequence[str], pred: Sequence[str],
                           labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Accuracy, macro-F1 (over the gold label space), per-class P/R/F1 and the confusion matrix
    (rows gold, columns predicted; predicted labels outside the gold space get extra columns)."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
    )

    labels = list(labels) if labels else sorted(set(gold))
    cols = labels + sorted(set(pred) - set(labels))
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    cm = confusion_matrix(gold, pred, labels=cols)
    return {
        "n": len(gold),
        "accuracy": _r(accuracy_score(gold, pred)) if gold else 0.0,
        "macro_f1": _r(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)),
        "per_class": {lab: {"precision": _r(p[i]), "recall": _r(r[i]), "f1": _r(f[i]),
                            "support": int(s[i])} for i, lab in enumerate(labels)},
        "confusion_matrix": {"labels": cols, "rows": labels,
                             "matrix": cm[: len(labels)].tolist()},
    }


def fnc_score(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    """The FNC-1 weighted score, as in the official scorer: +0.25 when related/unrelated is
    right, +0.75 more when a related pair gets its exact class (agree/disagree/discuss).
    ``score`` is the percentage of the maximum (the gold labels' own score)."""

    def one(g: str, p: str) -> float:
        s = 0.0
        if g == p:
            s += 0.25
            if g != "unrelated":
                s += 0.50
        if g in FNC_RELATED and p in FNC_RELATED:
            s += 0.25
        return s

    raw = sum(one(g, p) for g, p in zip(gold, pred, strict=True))
    best = sum(one(g, g) for g in gold)
    return {"raw": _r(raw), "max": _r(best), "score": _r(100.0 * raw / best) if best else 0.0}


def f_avg(gold: Sequence[str], pred: Sequence[str], pos: Sequence[str] = ("favor", "against")
          ) -> float:
    """SemEval-2016 Task 6 F_avg: the mean F1 of the favor and against classes (none is scored
    only through its effect on their precision and recall)."""
    from sklearn.metrics import f1_score

    f = f1_score(gold, pred, labels=list(pos), average=None, zero_division=0)
    return float(np.mean(f))


def bootstrap_interval(metric, gold: Sequence, pred: Sequence, confidence: float = 0.95,
                       n_resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """A percentile bootstrap interval of ``metric(gold, pred)``: the examples are resampled with
    replacement (gold and prediction together) ``n_resamples`` times, with a fixed ``seed`` so
    that the interval is reproducible. How far a dev-set score could move with another sample of
    the same size, e.g. whether 294 tweets can tell 0.545 from 0.55.

        >>> lo, hi = bootstrap_interval(f_avg, ["favor", "against"] * 50, ["favor"] * 100)
        >>> lo <= f_avg(["favor", "against"] * 50, ["favor"] * 100) <= hi
        True
    """
    from scipy.stats import bootstrap

    g, p = np.asarray(gold), np.asarray(pred)
    if len(g) != len(p) or not len(g):
        raise ValueError(f"gold and pred must be non-empty and of one length ({len(g)}, {len(p)})")
    res = bootstrap((np.arange(len(g)),), lambda i: metric(g[i], p[i]), vectorized=False,
                    confidence_level=confidence, n_resamples=n_resamples, method="percentile",
                    rng=np.random.default_rng(seed))
    return _r(res.confidence_interval.low), _r(res.confidence_interval.high)


def binary_f1(labels: Sequence[int], scores: Sequence[float], threshold: float = 0.5
              ) -> dict[str, float]:
    """Precision / recall / F1 of class 1 at a score threshold (ClaimBuster's metric)."""
    from sklearn.metrics import precision_recall_fscore_support

    pred = [int(s >= threshold) for s in scores]
    p, r, f, _ = precision_recall_fscore_support([int(x) for x in labels], pred, labels=[1],
                                                 zero_division=0)
    return {"precision": _r(p[0]), "recall": _r(r[0]), "f1": _r(f[0])}


def reliability(labels: Sequence[int], probs: Sequence[float], bins: int = 10) -> dict[str, Any]:
    """ECE of P(class 1) and its reliability table (equal-width bins, empty bins left out).

    ECE is the count-weighted mean of |mean predicted P - observed rate of class 1| over the bins.

    >>> r = reliability([0, 0, 1, 1], [0.1, 0.1, 0.9, 0.7])
    >>> r["ece"], [b["n"] for b in r["bins"]]
    (0.15, [2, 1, 1])
    """
    y = np.asarray(labels, dtype=int) == 1
    p = np.clip(np.asarray(probs, dtype=float), 0.0, 1.0)
    which = np.minimum((p * bins).astype(int), bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        m = which == b
        if not m.any():
            continue
        mean_p, rate = float(p[m].mean()), float(y[m].mean())
        ece += m.mean() * abs(mean_p - rate)
        table.append({"lo": _r(b / bins), "hi": _r((b + 1) / bins), "n": int(m.sum()),
                      "mean_p": _r(mean_p), "rate": _r(rate)})
    return {"ece": _r(ece), "bins": table}


# ---------------------------------------------------------------------------------------------
# quote attribution


def _chars(spans: Sequence[Sequence[int]]) -> set[int]:
    out: set[int] = set()
    for a, b in spans:
        out.update(range(int(a), int(b)))
    return out


def span_overlap(a: Sequence[Sequence[int]], b: Sequence[Sequence[int]]) -> float:
    """Shared characters as a fraction of the longer of the two spans (0..1)."""
    ca, cb = _chars(a), _chars(b)
    if not ca or not cb:
        return 0.0
    return len(ca & cb) / max(len(ca), len(cb))


def match_spans(gold: list[list], pred: list[list], exact: bool, min_overlap: float
                ) -> list[tuple[int, int]]:
    """One-to-one matching of predicted to gold spans (each a list of [start, end] pieces), best
    overlap first: the (gold index, predicted index) pairs, as :func:`quote_metrics` counts them."""
    cands = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if exact:
                if (g[0][0], g[-1][1]) == (p[0][0], p[-1][1]):
                    cands.append((1.0, i, j))
            else:
                o = span_overlap(g, p)
                if o >= min_overlap:
                    cands.append((o, i, j))
    cands.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_g, used_p, pairs = set(), set(), []
    for _o, i, j in cands:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((i, j))
    return pairs


def _prf(tp: int, npred: int, ngold: int) -> dict[str, float]:
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": _r(p), "recall": _r(r), "f1": _r(f), "tp": tp, "pred": npred,
            "gold": ngold}


def _name_match(pred_name: str, gold_text: str) -> bool:
    a = {t for t in pred_name.lower().replace(".", " ").split() if len(t) > 1}
    b = {t for t in gold_text.lower().replace(".", " ").split() if len(t) > 1}
    return bool(a & b)


def content_spans(doc: dict, preds: Sequence[dict]) -> tuple[list[list], list[list]]:
    """The gold contents of a document (each a list of [start, end] pieces: ``spans``, or the
    quote's ``start``/``end``) and the predicted ones (``start``/``end``), as
    :func:`quote_metrics` matches them."""
    return ([q.get("spans") or [[q["start"], q["end"]]] for q in doc["quotes"]],
            [[[p["start"], p["end"]]] for p in preds])


def quote_metrics(docs: Sequence[dict], preds: Sequence[list[dict]],
                  min_overlap: float = 0.5) -> dict[str, Any]:
    """Content-span P/R/F1 (exact and >= ``min_overlap`` overlap) and the speaker match rate.

    ``docs[i]["quotes"]``: gold quotes with ``spans`` and ``source`` ({start, end, text} | None);
    ``preds[i]``: predicted quotes with ``start``, ``end`` and ``speaker`` ({name, spans}) |
    None. A speaker matches when one of its mention spans overlaps the gold source span, or its
    name shares a word with the gold source text; the rate is over overlap-matched quotes whose
    gold quote has a source.
    """
    tp_exact = tp_over = npred = ngold = 0
    sp_total = sp_hit = 0
    for doc, pq in zip(docs, preds, strict=True):
        gold_spans, pred_spans = content_spans(doc, pq)
        ngold += len(gold_spans)
        npred += len(pred_spans)
        tp_exact += len(match_spans(gold_spans, pred_spans, True, 1.0))
        for i, j in match_spans(gold_spans, pred_spans, False, min_overlap):
            tp_over += 1
            src = doc["quotes"][i].get("source")
            if not src:
                continue
            sp_total += 1
            spk = pq[j].get("speaker") or {}
            spans = spk.get("spans") or []
            hit = any(span_overlap([s], [[src["start"], src["end"]]]) > 0 for s in spans)
            if not hit and spk.get("name"):
                hit = _name_match(spk["name"], src["text"])
            sp_hit += int(hit)
    return {"content_exact": _prf(tp_exact, npred, ngold),
            "content_overlap": _prf(tp_over, npred, ngold),
            "speaker_match": {"rate": _r(sp_hit / sp_total) if sp_total else 0.0,
                              "matched": sp_hit, "total": sp_total},
            "min_overlap": min_overlap}


__all__ = ["average_precision", "binary_f1", "bootstrap_interval", "classification_metrics",
           "content_spans", "f_avg", "fnc_score", "match_spans", "precision_at_k", "quote_metrics",
           "ranking_metrics", "reliability", "span_overlap"]


def verdict_rates(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """What the trust battery reports of claim verdicts (gold and predicted labels supported /
    contradicted / unverified, or supported / unsupported): ``false_support`` = the share of the
    claims whose gold is not supported that were called supported (None when there are none),
    ``false_support_n``, ``support_recall``, ``contradiction_recall`` (None without gold
    contradictions), ``accuracy`` and ``balanced_accuracy`` (supported against the rest).

    >>> verdict_rates(["supported", "contradicted", "unverified"],
    ...               ["supported", "supported", "unverified"])["false_support"]
    0.5
    """
    def share(num: int, den: int) -> float | None:
        return _r(num / den) if den else None

    pairs = list(zip(gold, pred, strict=True))
    neg = [p for g, p in pairs if g != "supported"]
    pos = [p for g, p in pairs if g == "supported"]
    con = [p for g, p in pairs if g == "contradicted"]
    fs = sum(p == "supported" for p in neg)
    rec = share(sum(p == "supported" for p in pos), len(pos))
    spec = share(len(neg) - fs, len(neg))
    return {
        "n": len(pairs), "gold_supported": len(pos), "called_supported":
            sum(p == "supported" for _, p in pairs),
        "false_support": share(fs, len(neg)), "false_support_n": fs,
        "support_recall": rec,
        "contradiction_recall": share(sum(p == "contradicted" for p in con), len(con)),
        "accuracy": share(sum(g == p for g, p in pairs), len(pairs)),
        "balanced_accuracy": _r((rec + spec) / 2) if rec is not None and spec is not None
        else None,
    }


def roc_auc(gold: Sequence[int], scores: Sequence[float]) -> float | None:
    """ROC AUC of ``scores`` for the positive gold (None when only one class is present)."""
    from sklearn.metrics import roc_auc_score

    return _r(roc_auc_score(gold, scores)) if len(set(gold)) == 2 else None
