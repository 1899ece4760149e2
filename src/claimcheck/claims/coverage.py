"""Coverage: how much of an article the claims account for, and why the rest was not checked.

Checked text is the sentences that became claims. Segmentation leaves text unchecked on purpose
(headings, a "Related posts" list, meta sentences about the article, fragments too short to be a
claim); what is in neither (a run of symbols, text between sentences) is ``other``; a
non-English article is read by English models. The gate (:mod:`claimcheck.review.gate`) fails an
article whose unchecked share is over ``segment.max_unchecked``, so text that slipped past every
check cannot pass it silently.

    >>> from claimcheck.types import Claim, Document, NonClaim, SpanKind
    >>> doc = Document("Summit news\\nNATO was founded in 1949.")
    >>> claim = Claim(id=0, text="NATO was founded in 1949", start=12, end=36,
    ...               statement="NATO was founded in 1949.", sentence_start=12, sentence_end=37)
    >>> cov = coverage(doc, [claim], [NonClaim(text="Summit news", start=0, end=11,
    ...                                            kind=SpanKind.HEADING)])
    >>> cov.checked_characters, cov.unchecked, cov.unchecked_fraction
    (21, {'heading': 10}, 0.3226)
"""

from __future__ import annotations

from collections.abc import Sequence

from claimcheck.types import Claim, Coverage, Document, NonClaim


def _letters(text: str) -> int:
    return sum(not ch.isspace() for ch in text)


def coverage(doc: Document, claims: Sequence[Claim], non_claims: Sequence[NonClaim],
             language: str | None = None) -> Coverage:
    """The :class:`Coverage` of ``doc`` given its claims (checked: the sentences they come
    from), its non-claim spans and its detected ``language`` (anything but 'en' or None makes
    the checked text unchecked for reason ``language``)."""
    text = doc.text
    total = _letters(text)
    spans = sorted({(c.sentence_start, c.sentence_end) for c in claims})
    checked, reach = 0, 0
    for s, e in spans:  # the union of the claim sentences
        if e > reach:
            checked += _letters(text[max(s, reach):e])
            reach = e
    unchecked: dict[str, int] = {}
    for n in non_claims:
        unchecked[n.kind.value] = unchecked.get(n.kind.value, 0) + _letters(n.text)
    other = total - checked - sum(unchecked.values())
    if other > 0:
        unchecked["other"] = other
    if language not in (None, "en") and checked:
        unchecked["language"], checked = checked, 0
    unchecked = dict(sorted(unchecked.items()))
    fraction = round(1 - checked / total, 4) if total else 0.0
    return Coverage(total, checked, fraction, unchecked, language)
