"""The data model: frozen dataclasses shared by every stage.

Every object that points into a text carries ``start`` / ``end`` character offsets into the text it
came from, and ``source_text[start:end] == obj.text`` always holds (``Document.text`` for article
spans, the reference document's text for evidence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Label(StrEnum):
    """A claim's verdict."""

    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    UNVERIFIED = "unverified"


class Severity(StrEnum):
    """How urgently a flag needs an editor."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class StanceLabel(StrEnum):
    """A speaker's stance toward a target."""

    FAVOR = "favor"
    AGAINST = "against"
    NEUTRAL = "neutral"


class SpanKind(StrEnum):
    """Kinds of article spans that are not factual claims."""

    HEADING = "heading"
    RELATED = "related_posts"
    META = "meta"
    SHORT = "fragment"


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of text with its offsets into the text it came from: ``source[start:end] ==
    text``. Every span the library reports is a Span or a subclass of it (the subclasses take
    keyword arguments)."""

    text: str
    start: int
    end: int

    def slices(self, source: str) -> bool:
        """Whether ``source[start:end] == text`` (the offsets contract, for ``source`` the text
        the span came from)."""
        return source[self.start:self.end] == self.text


@dataclass(frozen=True, slots=True)
class Document:
    """An ingested article: plain text plus its structure as spans of that text."""

    text: str
    paragraphs: tuple[Span, ...] = ()
    headings: tuple[Span, ...] = ()
    boilerplate: tuple[Span, ...] = ()
    source: str | None = None
    format: str = "text"


@dataclass(frozen=True, slots=True, kw_only=True)
class NonClaim(Span):
    """An article span deliberately not checked (a heading, a related-posts list, meta text)."""

    kind: SpanKind


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim(Span):
    """An atomic claim. ``text``/``start``/``end`` are the exact article span it comes from;
    ``statement`` is the self-contained sentence checked against the evidence (it may add the
    subject of a split-off clause, e.g. "The command is led by a three-star NATO general.")."""

    id: int
    statement: str
    sentence_start: int
    sentence_end: int
    checkworthiness: float | None = None

    @classmethod
    def whole(cls, id: int, text: str) -> Claim:
        """A claim that is all of ``text`` (a claim given on its own, not cut from an article)."""
        return cls(id=id, text=text, start=0, end=len(text), statement=text, sentence_start=0,
                   sentence_end=len(text))


@dataclass(frozen=True, slots=True, kw_only=True)
class Passage(Span):
    """A retrievable unit of a reference document (a sentence or a short window); its offsets
    point into the reference document's clean text."""

    id: int
    doc_id: str
    title: str | None = None
    source: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class ReferenceDocument:
    """A reference document as claimcheck read it: ``text`` is the clean text (markup removed,
    whitespace normalized) that every passage and evidence offset points into."""

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Probabilities:
    """The NLI judge's P(entailment), P(neutral), P(contradiction) for one (premise, claim)."""

    entailment: float
    neutral: float
    contradiction: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """A passage judged against a claim: the passage (with its document id, offsets, date) and
    the NLI probabilities, plus how retrieval ranked it (``retrieval_score``: the fused rank
    score; ``bm25``; ``similarity``: the dense cosine between claim and passage, None when not
    computed)."""

    passage: Passage
    probabilities: Probabilities
    retrieval_score: float
    similarity: float | None = None
    bm25: float | None = None

    # the passage's and the probabilities' fields, read through
    text = property(lambda self: self.passage.text)
    start = property(lambda self: self.passage.start)
    end = property(lambda self: self.passage.end)
    doc_id = property(lambda self: self.passage.doc_id)
    title = property(lambda self: self.passage.title)
    source = property(lambda self: self.passage.source)
    entailment = property(lambda self: self.probabilities.entailment)
    neutral = property(lambda self: self.probabilities.neutral)
    contradiction = property(lambda self: self.probabilities.contradiction)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimResult(Span):
    """A claim with its verdict. ``score`` is the probability behind the label (P(entailment)
    of the best supporting passage, P(contradiction) of the best contradicting one, or for
    unverified, 1 - the larger of the two)."""

    id: int
    statement: str
    label: Label
    score: float
    evidence: tuple[Evidence, ...] = ()
    reason: str = ""
    checkworthiness: float | None = None


@dataclass(frozen=True, slots=True)
class Speaker:
    """One person or organisation quoted in a document, with every mention."""

    id: int
    name: str
    title: str | None = None
    kind: str = "person"
    mentions: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote(Span):
    """A quote: the content span, the cue ("said", "warned", ":") and the speaker mention."""

    id: int
    kind: str  # direct | indirect | headline
    cue: Span | None = None
    speaker_mention: Span | None = None
    speaker_id: int | None = None


@dataclass(frozen=True, slots=True)
class Stance:
    """A speaker's stance toward a target: score in [-1, 1] and a label."""

    speaker_id: int
    speaker: str
    target: str
    score: float
    label: StanceLabel
    quote_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Flag(Span):
    """Something an editor should look at, with a human reason."""

    kind: str
    reason: str
    claim_id: int | None = None
    severity: Severity = Severity.MEDIUM


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of an article was checked: non-space characters of ``Document.text`` in the
    sentences that became claims vs the rest, by reason (``heading``, ``related_posts``,
    ``meta``, ``fragment``, ``other`` for text in none of them; ``language`` when the article is
    not English, so the English models' verdicts do not count as a check)."""

    characters: int
    checked_characters: int
    unchecked_fraction: float
    unchecked: dict[str, int] = field(default_factory=dict)
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything claimcheck found in one article, as data. :class:`claimcheck.Report` (what
    ``ClaimChecker`` returns) adds the rendering methods (``to_json``, ``to_html`` ...)."""

    document: Document
    claims: tuple[ClaimResult, ...] = ()
    non_claims: tuple[NonClaim, ...] = ()
    quotes: tuple[Quote, ...] = ()
    speakers: tuple[Speaker, ...] = ()
    stances: tuple[Stance, ...] = ()
    flags: tuple[Flag, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    coverage: Coverage | None = None  # articles only (not check_claims / judge)
    # the reference documents the evidence comes from: Evidence.start/end slice their text
    evidence_documents: tuple[ReferenceDocument, ...] = ()

    def counts(self) -> dict[str, int]:
        out = {label.value: 0 for label in Label}
        for c in self.claims:
            out[c.label.value] += 1
        return out
