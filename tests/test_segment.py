from claimcheck.claims.segment import segment
from claimcheck.text.ingest import ingest
from claimcheck.types import SpanKind


def _nato(nato_article):
    doc = ingest(nato_article)
    return doc, *segment(doc)


def test_offsets_slice_exactly(nato_article):
    doc, claims, non_claims = _nato(nato_article)
    assert claims
    for c in claims:
        assert doc.text[c.start:c.end] == c.text
        assert c.sentence_start <= c.start < c.end <= c.sentence_end
    for n in non_claims:
        assert doc.text[n.start:n.end] == n.text


def test_participial_addon_is_split(nato_article):
    _, claims, _ = _nato(nato_article)
    statements = [c.statement for c in claims]
    assert any("led by a three-star NATO general" in s and s.startswith("The command")
               for s in statements)
    assert any("supported by logistical hubs in Eastern Europe" in s for s in statements)
    assert any(s.startswith("The command will streamline") for s in statements)


def test_headings_meta_and_related_are_not_claims(nato_article):
    _, claims, non_claims = _nato(nato_article)
    texts = " ".join(c.text for c in claims)
    assert "SEO-optimized" not in texts
    assert "Related posts" not in texts
    assert "Establishment of Strategic Commands" not in texts
    kinds = {n.kind for n in non_claims}
    assert {SpanKind.HEADING, SpanKind.META, SpanKind.RELATED} <= kinds


def test_coordinated_clauses_split():
    doc = ingest("Sweden joined NATO in March 2024, and Finland joined the alliance in April 2023.")
    claims, _ = segment(doc)
    assert len(claims) == 2
    assert claims[0].text.startswith("Sweden joined NATO")
    assert claims[1].text.startswith("Finland joined")


def test_atomic_off_keeps_sentences(nato_article):
    doc = ingest(nato_article)
    claims, _ = segment(doc, atomic=False)
    assert all(c.text == doc.text[c.sentence_start:c.sentence_end] for c in claims)


def test_trailing_participle_and_pointing_subject(nato_article):
    doc, claims, _ = _nato(nato_article)
    by_text = {c.text: c for c in claims}
    main = by_text["These agreements signify a deepened commitment to mutual defense and "
                   "security cooperation"]
    assert main.statement.startswith("The bilateral security agreements signify")
    tail = next(c for c in claims if c.text.startswith("providing Ukraine"))
    assert tail.statement.startswith("The bilateral security agreements are providing Ukraine")
    assert doc.text[tail.start:tail.end] == tail.text
    # a participle that reports speech ("…, emphasizing that …") stays with its sentence
    assert not any(c.text.startswith("emphasizing") for c in claims)


def test_pointing_subject_needs_an_antecedent():
    doc = ingest("These agreements were signed in 2024 by several governments.")
    claims, _ = segment(doc)
    assert claims[0].statement.startswith("These agreements were signed")


def test_a_paragraph_longer_than_the_chunk_size_is_parsed_in_pieces_with_exact_offsets(
        monkeypatch):
    import claimcheck.text.nlp as nlp_mod

    text = " ".join(f"The summit in city number {i} was attended by {i + 3} leaders."
                    for i in range(40))
    doc = ingest(text)
    whole = segment(doc)[0]
    monkeypatch.setattr(nlp_mod, "CHUNK_CHARS", 300)  # spaCy's own limit is 1,000,000 chars
    pieces = segment(doc)[0]
    assert len(text) > 3 * 300
    assert [c.text for c in pieces] == [c.text for c in whole]
    for c in pieces:
        assert text[c.start:c.end] == c.text


def test_split_points_cut_at_line_sentence_and_space_boundaries():
    from claimcheck.text.nlp import split_points

    assert split_points("ab\ncd\nef", size=4) == [3, 6, 8]
    assert split_points("One. Two. Three.", size=10) == [10, 16]
    assert split_points("One. Two three four", size=10) == [5, 15, 19]
    assert split_points("x" * 10, size=4) == [4, 8, 10]
