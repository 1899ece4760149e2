"""Fuzz ingest → segment → quotes → flags with mutated articles (issue #14).

Seeded (hypothesis ``derandomize``), about 150 inputs in the suite; the long run is
``CLAIMCHECK_FUZZ_EXAMPLES=10000 .venv/bin/pytest -q tests/test_fuzz.py``. Every input must end
in a report whose spans slice to their text, or in a ClaimcheckError: no other exception.
"""

from __future__ import annotations

import os

import pytest
from conftest import EXAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimcheck.claims.coverage import coverage
from claimcheck.claims.segment import segment
from claimcheck.errors import ClaimcheckError
from claimcheck.quotes.extract import extract_quotes
from claimcheck.review.flags import find_flags
from claimcheck.text.ingest import ingest
from claimcheck.text.nlp import LineDocs, load_spacy
from claimcheck.types import ClaimResult, Label

EXAMPLES = int(os.environ.get("CLAIMCHECK_FUZZ_EXAMPLES", "150"))
ARTICLE = (EXAMPLE / "article.txt").read_text(encoding="utf-8")
LINES = ARTICLE.splitlines()
INSERTS = ['"', "“", "”", "'", "‘", "’", "«", "»", ":", "\n", "\n\n", "<p>", "</p>", "<h2>",
           "<script>x</script>", "<!--", "&amp;", "&#x27;", "# ", "* ", "> ", "```", "~~~",
           "    ", "[", "](http://x)", "![", "**", "_", "|", "\u200b", "\u00a0", "\u202e", "\t",
           "\x0b", "\x0c", "\x1b", "\r", "\r\n", "\x85", "\u2028", "Read more", "Related posts:",
           " said ", ", he said.", "Stoltenberg:", "NATO", "$43 billion", "1949", "…"]


@st.composite
def articles(draw) -> str:
    lines = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=12))
    text = "\n".join(lines)
    for _ in range(draw(st.integers(0, 12))):
        op = draw(st.sampled_from(["insert", "cut", "unicode", "repeat", "control"]))
        pos = draw(st.integers(0, len(text)))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(INSERTS)) + text[pos:]
        elif op == "cut":
            text = text[:pos] + text[pos + draw(st.integers(1, 200)):]
        elif op == "unicode":
            text = text[:pos] + draw(st.text(min_size=1, max_size=20)) + text[pos:]
        elif op == "repeat":
            piece = text[pos:pos + draw(st.integers(1, 300))]
            text = text[:pos] + piece * draw(st.integers(2, 8)) + text[pos:]
        else:
            text = text[:pos] + chr(draw(st.integers(0, 31))) + text[pos:]
    return text


def assert_slices(text: str, span, what: str) -> None:
    assert 0 <= span.start <= span.end <= len(text), (what, span)
    assert text[span.start:span.end] == span.text, (what, span)


@pytest.fixture(scope="module")
def nlp():
    return load_spacy()


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(text=articles(), fmt=st.sampled_from([None, "text", "markdown", "html"]))
def test_fuzzed_articles_give_spans_that_slice_or_a_claimcheck_error(nlp, text, fmt):
    try:
        doc = ingest(text, fmt)
    except ClaimcheckError:
        return
    t = doc.text
    for span in (*doc.paragraphs, *doc.headings, *doc.boilerplate):
        assert_slices(t, span, "document")
    lines = LineDocs(nlp, t)
    claims, non_claims = segment(doc, nlp=nlp, lines=lines)
    for c in claims:
        assert_slices(t, c, "claim")
        assert c.statement.strip()
    for n in non_claims:
        assert_slices(t, n, "non-claim")
    cov = coverage(doc, claims, non_claims)
    assert 0 <= cov.checked_characters <= cov.characters
    quotes, speakers = extract_quotes(doc, nlp, lines=lines)
    for q in quotes:
        assert_slices(t, q, "quote")
        for part in (q.cue, q.speaker_mention):
            if part is not None:
                assert_slices(t, part, "quote part")
        assert q.speaker_id is None or 0 <= q.speaker_id < len(speakers)
    for s in speakers:
        for m in s.mentions:
            assert_slices(t, m, "speaker mention")
    results = [ClaimResult(id=c.id, text=c.text, start=c.start, end=c.end,
                           statement=c.statement, label=Label.UNVERIFIED, score=1.0)
               for c in claims]
    for f in find_flags(doc, results, non_claims, nlp=nlp):
        assert_slices(t, f, "flag")
