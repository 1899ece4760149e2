"""The ranking metrics on hand-computed lists, ties included: a tie gives no free credit."""

import pytest

from claimcheck.ranking import average_precision, precision_at_k, r_precision, ranking_metrics


def test_average_precision_without_ties():
    # ranked: 0 (neg), 1 (pos) -> P 1/2, 3 (pos) -> P 2/3, 2 (neg)
    assert average_precision([0, 1, 0, 1], [0.9, 0.8, 0.1, 0.7]) == pytest.approx(7 / 12)
    assert average_precision([1, 1, 0], [0.9, 0.8, 0.1]) == pytest.approx(1.0)
    assert average_precision([0, 0], [0.5, 0.1]) == 0.0


@pytest.mark.parametrize("labels", [[1, 0, 0, 0], [0, 0, 0, 1], [1, 1, 0, 0, 0], [0, 1, 0, 1, 1]])
def test_constant_score_gets_the_base_rate_whatever_the_gold_order(labels):
    rate = sum(labels) / len(labels)
    assert average_precision(labels, [0.3] * len(labels)) == pytest.approx(rate)
    assert precision_at_k(labels, [0.3] * len(labels), 2) == pytest.approx(rate)
    assert r_precision(labels, [0.3] * len(labels)) == pytest.approx(rate)
    out = ranking_metrics(["d"] * len(labels), labels, [1.0] * len(labels), ks=(1,))
    assert out["map"] == pytest.approx(round(rate, 4))
    assert out["p@1"] == pytest.approx(round(rate, 4))


def test_a_tie_block_is_one_step():
    # 0.9: pos; then a block of three at 0.5 holding one positive; AP =
    # (1/2 recall) * 1 + (1/2 recall) * (2 positives / 4 items) = 0.75
    labels, scores = [1, 0, 1, 0], [0.9, 0.5, 0.5, 0.5]
    assert average_precision(labels, scores) == pytest.approx(0.75)
    # input order must not matter inside the block
    assert average_precision([1, 1, 0, 0], scores) == pytest.approx(0.75)
    # P@2: the top item (pos) + one rank from the block (1 of 3 positive) -> (1 + 1/3) / 2
    assert precision_at_k(labels, scores, 2) == pytest.approx(2 / 3)
    assert precision_at_k(labels, scores, 1) == 1.0
    assert precision_at_k(labels, scores, 4) == 0.5
    # R = 2 -> same as P@2
    assert r_precision(labels, scores) == pytest.approx(2 / 3)


def test_map_over_groups_and_empty_cases():
    out = ranking_metrics(["a", "a", "a", "a", "b", "b"], [0, 1, 0, 1, 1, 0],
                          [0.9, 0.8, 0.1, 0.7, 0.2, 0.3], ks=(1,))
    assert out["map"] == pytest.approx(round((7 / 12 + 0.5) / 2, 4))
    assert out["per_group"]["b"]["p@1"] == 0.0
    assert out["per_group"]["a"]["r_precision"] == 0.5
    assert precision_at_k([1], [0.5], 0) == 0.0
    assert r_precision([0, 0], [0.1, 0.2]) == 0.0
    assert ranking_metrics([], [], [])["map"] == 0.0
