"""The HTML review page: escaping of untrusted article text and what the page shows."""

from __future__ import annotations

import re

from conftest import claim_result, evidence
from test_flags import nato_report

from claimcheck.render.html import render_html
from claimcheck.review.flags import find_flags
from claimcheck.types import Document, Label, Report, Stance

EVIL = 'Breaking: <script>alert(1)</script> <img src=x onerror="alert(2)"> NATO "wins".'


def _evil_report() -> Report:
    text = EVIL + "\nThe pact is a commitment to mutual defense, officials said."
    c = "The pact is a commitment to mutual defense, officials said."
    ev = evidence("</textarea><script>alert(3)</script>", 0.1, 0.1, 0.8, doc_id="ref<script>",
                  retrieval_score=1.0)
    claim = claim_result(c, Label.CONTRADICTED, 0.8, (ev,), start=text.index(c),
                         statement="<b>statement</b>", reason="reason <script>alert(4)</script>")
    doc = Document(text, source="<script>alert(5)</script>")
    return Report(doc, (claim,), flags=tuple(find_flags(doc, [claim], [])),
                  stances=(Stance(1, "<script>x</script>", "t", 0.1, "neutral"),),
                  meta={"note": "<script>alert(6)</script>"})


def test_untrusted_text_is_inert():
    page = render_html(_evil_report())
    assert "<script" not in page.lower()
    assert "<img" not in page and "<b>" not in page and "</textarea>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # no attribute is broken open by a quote in article text
    assert 'onerror="' not in page


def test_nato_page_shows_claims_flags_queue_and_stances(nato_article):
    report = nato_report(nato_article)
    page = render_html(report)
    for c in report.claims:
        assert f'id="claim-{c.id}"' in page
    assert page.count('class="claim v-contradicted') >= 1
    assert 'class="claim v-supported' in page and 'class="claim v-unverified' in page
    assert "f-high" in page and "f-low" in page
    assert "not a mutual defence treaty" in page  # the contradicting evidence
    assert "Review queue (6)" in page and "Jens Stoltenberg" in page and "+0.80" in page
    # every article character is on the page, in order (only escaped)
    visible = re.sub(r"<[^>]+>", "", page.split('id="article"')[1].split("</section>")[0])
    assert "These agreements signify a deepened commitment to mutual defense" in visible
    assert "Related posts:" in visible


def test_empty_report_renders():
    page = render_html(Report(Document("Just text.")))
    assert "Just text." in page and "Nothing to review." in page and "No flags." in page
