"""Benchmark metrics against hand-computed values."""

from __future__ import annotations

import pytest

from claimcheck.bench import metrics as M


def test_fnc_score_hand_computed():
    gold = ["agree", "disagree", "discuss", "unrelated", "unrelated", "agree"]
    pred = ["agree", "agree", "unrelated", "unrelated", "discuss", "discuss"]
    # agree/agree 1.0; disagree/agree 0.25 (related right); discuss/unrelated 0;
    # unrelated/unrelated 0.25; unrelated/discuss 0; agree/discuss 0.25  -> 1.75
    # max: 1 + 1 + 1 + 0.25 + 0.25 + 1 = 4.5
    out = M.fnc_score(gold, pred)
    assert out["raw"] == 1.75
    assert out["max"] == 4.5
    assert out["score"] == pytest.approx(100 * 1.75 / 4.5, abs=1e-4)
    assert M.fnc_score(gold, gold)["score"] == 100.0


def test_bootstrap_interval_brackets_the_score_and_narrows_with_n():
    import numpy as np

    rng = np.random.default_rng(1)
    labels = np.array(["favor", "against", "none"])

    def sample(n):  # predictions right about 60% of the time
        gold = labels[rng.integers(0, 3, n)]
        pred = np.where(rng.random(n) < 0.6, gold, labels[rng.integers(0, 3, n)])
        return list(gold), list(pred)

    g, p = sample(300)
    lo, hi = M.bootstrap_interval(M.f_avg, g, p, n_resamples=500)
    assert lo < M.f_avg(g, p) < hi
    assert 0.05 < hi - lo < 0.3
    assert M.bootstrap_interval(M.f_avg, g, p, n_resamples=500) == (lo, hi)  # seeded
    g4, p4 = sample(3000)
    lo4, hi4 = M.bootstrap_interval(M.f_avg, g4, p4, n_resamples=200)
    assert hi4 - lo4 < (hi - lo) / 2  # ~1/sqrt(10) of the width
    assert M.bootstrap_interval(M.f_avg, g, g, n_resamples=50) == (1.0, 1.0)
    with pytest.raises(ValueError, match="one length"):
        M.bootstrap_interval(M.f_avg, g, p[:-1])

def test_f_avg_hand_computed():
    gold = ["favor", "favor", "against", "against", "none", "none"]
    pred = ["favor", "against", "against", "none", "none", "favor"]
    # favor: tp 1, fp 1, fn 1 -> P 1/2 R 1/2 F1 0.5; against: tp 1, fp 1, fn 1 -> 0.5
    assert M.f_avg(gold, pred) == pytest.approx(0.5)
    # against never predicted: F1 0 -> F_avg = (F1 favor)/2
    assert M.f_avg(["favor", "against"], ["favor", "favor"]) == pytest.approx((2 / 3) / 2)


def test_average_precision_and_map_hand_computed():
    # ranking by score: idx0 (0), idx1 (1) -> 1/2, idx3 (1) -> 2/3 ; AP = (1/2 + 2/3) / 2
    assert M.average_precision([0, 1, 0, 1], [0.9, 0.8, 0.1, 0.7]) == pytest.approx(7 / 12)
    # a tie is one block: no credit from the gold order
    assert M.average_precision([1, 0], [0.5, 0.5]) == pytest.approx(0.5)
    assert M.average_precision([0, 0], [0.5, 0.1]) == 0.0
    out = M.ranking_metrics(["a", "a", "a", "a", "b", "b"], [0, 1, 0, 1, 1, 0],
                            [0.9, 0.8, 0.1, 0.7, 0.2, 0.3], ks=(1,))
    # debate a: 7/12 ; debate b: positive at rank 2 -> 1/2 ; MAP = (7/12 + 1/2) / 2
    assert out["map"] == pytest.approx(round((7 / 12 + 0.5) / 2, 4))
    assert out["per_group"]["b"]["p@1"] == 0.0
    assert out["p@1"] == 0.0


def test_classification_metrics_and_binary_f1():
    out = M.classification_metrics(["a", "a", "b", "b"], ["a", "b", "b", "c"], ["a", "b"])
    assert out["accuracy"] == 0.5
    assert out["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert out["confusion_matrix"]["labels"] == ["a", "b", "c"]
    assert out["confusion_matrix"]["matrix"] == [[1, 1, 0], [0, 1, 1]]
    # class 1: tp 1, fp 1, fn 1
    assert M.binary_f1([1, 0, 1, 0], [0.9, 0.8, 0.1, 0.2])["f1"] == 0.5


def test_quote_metrics_hand_computed():
    doc = {"quotes": [
        {"start": 0, "end": 10, "spans": [[0, 10]], "source": {"start": 20, "end": 25,
                                                             "text": "Joe Biden"}},
        {"start": 30, "end": 40, "spans": [[30, 40]], "source": None},
    ]}
    preds = [[
        {"start": 0, "end": 10, "speaker": {"name": "Biden", "spans": []}},  # exact, name match
        {"start": 32, "end": 40, "speaker": None},  # 8/10 overlap
        {"start": 50, "end": 60, "speaker": None},  # spurious
    ]]
    out = M.quote_metrics([doc], preds)
    assert out["content_exact"]["tp"] == 1
    assert out["content_exact"]["precision"] == pytest.approx(round(1 / 3, 4))
    assert out["content_overlap"]["tp"] == 2
    assert out["content_overlap"]["recall"] == 1.0
    assert out["content_overlap"]["f1"] == pytest.approx(0.8)
    assert out["speaker_match"] == {"rate": 1.0, "matched": 1, "total": 1}
    # below 50% of the longer span: no match
    assert M.quote_metrics([doc], [[{"start": 0, "end": 4, "speaker": None}]])[
        "content_overlap"]["tp"] == 0
