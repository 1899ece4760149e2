"""The review queue: contradicted first, then flagged unverified claims by check-worthiness."""

from __future__ import annotations

from conftest import claim_result
from test_flags import nato_report

import claimcheck
from claimcheck.review.triage import ReviewItem, format_queue, review_queue
from claimcheck.types import Document, Label, Report


def test_nato_queue_order(nato_article):
    q = review_queue(nato_report(nato_article))
    assert [it.priority for it in q] == list(range(1, len(q) + 1))
    assert [(it.tier, it.claim_id) for it in q] == [
        ("contradicted", 3),
        ("flagged", 2),  # check-worthiness 0.81, unattributed amount + mismatch
        ("flagged", 4),  # 0.70, "twenty member nations"
        ("meta", None),  # "This detailed SEO-optimized article provides..."
        ("meta", None),  # Related posts
        ("unverified", 5),  # only a low "enduring" flag
    ]
    top = q[0]
    assert top.label == Label.CONTRADICTED and "mutual defense" in top.text
    assert any("legal term" in r for r in top.reasons)
    assert q[3].text.startswith("This detailed SEO-optimized")
    assert "mismatch" in q[1].flag_kinds and "unattributed_number" in q[1].flag_kinds


def test_supported_unflagged_claims_are_not_queued_and_items_are_frozen(nato_article):
    q = review_queue(nato_report(nato_article))
    assert 1 not in {it.claim_id for it in q}
    assert isinstance(q[0], ReviewItem)
    try:
        q[0].priority = 5  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("ReviewItem must be frozen")
    d = q[0].to_dict()
    assert d["label"] == "contradicted" and d["claim_id"] == 3


def test_missing_checkworthiness_is_scored_with_the_model():
    text = "Unemployment fell to 3.9 percent in 2018. Thanks, everyone, for being here tonight."
    a, b = text.split(". ")
    a += "."
    claims = (claim_result(b, Label.UNVERIFIED, 0.5, start=text.index(b)),
              claim_result(a, Label.UNVERIFIED, 0.5, cid=2))
    # Report.review_queue() scores the claims the pipeline left unscored with the model ...
    q = claimcheck.Report(Document(text), claims).review_queue()
    assert [it.claim_id for it in q] == [2, 1]
    assert q[0].checkworthiness > q[1].checkworthiness
    # ... the review stage itself never runs a model: unscored claims stay unscored.
    bare = review_queue(Report(Document(text), claims))
    assert [it.checkworthiness for it in bare] == [None, None]
    given = review_queue(Report(Document(text), claims), {1: 0.9, 2: 0.1})
    assert [it.claim_id for it in given] == [1, 2]


def test_format_queue(nato_article):
    out = format_queue(review_queue(nato_report(nato_article)), limit=3)
    lines = out.splitlines()
    assert lines[0] == "Review queue (6 items):"
    assert lines[1].startswith(" 1. [contradicted cw=0.74] These agreements signify")
    assert lines[-1] == "    ... 3 more"
    assert format_queue([]) == "Review queue: nothing to review."
