"""Grounded checking: is a generated claim or summary supported by one source document?

The task of LLM-AggreFact, SummaC and AggreFact: a document, a generated text (a claim, an
answer, a summary of several sentences) and the question whether the document supports all of
it. claimcheck answers it the way it checks an article against a long reference:

* the document is the reference set (sentences, with its title when it has one);
* each sentence of the generated text is a claim, checked with the real pipeline (retrieval of its
  top passages, their windows, the NLI judge, the verdict rule with its fail-safe checks);
* every chunk of the document is read as well: the document cut into consecutive pieces of at most
  ``chunk_words`` words (what fits the judge's window with the claim), so a long source is read
  whole, not only where retrieval looked;
* the text is **supported** only when every one of its sentences is; its ``score`` (for ROC AUC)
  is the lowest over its sentences of the best P(entailment) of a passage about the sentence's
  topic.

Example::

    >>> from claimcheck import ClaimChecker
    >>> checker = ClaimChecker()
    >>> out = checker.check_grounded([("NATO was founded in 1949 in Washington.",
    ...                                "NATO was founded in 1949.")])
    >>> out[0].label
    'supported'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from claimcheck.errors import InputError
from claimcheck.types import Claim, ClaimResult, Label, Passage
from claimcheck.verdict.verify import Candidate, support_candidate, usable

#: words per document chunk: with the claim, a chunk fits the judge's 256 tokens
CHUNK_WORDS = 150


@dataclass(frozen=True, slots=True)
class GroundedResult:
    """The verdict on one generated text: ``supported`` or ``unsupported``, the support score
    and the verdict of each of its sentences (offsets into the generated text)."""

    label: str
    score: float
    sentences: tuple[ClaimResult, ...]

    @property
    def supported(self) -> bool:
        return self.label == "supported"


def text_sentences(text: str, nlp) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``; the whole text when the parser finds none."""
    from claimcheck.evidence.references import sentence_spans
    from claimcheck.text.nlp import only, pipe

    with only(nlp, "parser", "senter", "sentencizer"):
        doc = next(pipe(nlp, [text]))
    return sentence_spans(doc, text) or [(0, len(text))]


def chunks(passages: Sequence[Passage], doc_text: str, words: int, first_id: int
           ) -> list[Passage]:
    """The document's sentences joined into consecutive chunks of at most ``words`` words (a
    longer sentence is a chunk of its own); offsets span the chunk in the document."""
    out: list[Passage] = []
    group: list[Passage] = []
    size = 0
    for p in [*passages, None]:
        n = 0 if p is None else len(p.text.split())
        if group and (p is None or size + n > words):
            a, b = group[0].start, group[-1].end
            out.append(Passage(id=first_id + len(out), doc_id=group[0].doc_id,
                               text=doc_text[a:b], start=a, end=b, title=group[0].title,
                               source=group[0].source, date=group[0].date))
            group, size = [], 0
        if p is not None:
            group.append(p)
            size += n
    return out


def check_grounded(checker, pairs: Sequence[tuple[str, str]], *, titles: Sequence[str | None]
                   | None = None, chunk_words: int = CHUNK_WORDS) -> list[GroundedResult]:
    """Check each (document, generated text) pair; see the module docstring. ``titles`` gives a
    title per document (optional); ``chunk_words=0`` reads only the retrieved passages."""
    claims, evidence, owner = score_grounded(checker, pairs, titles=titles,
                                             chunk_words=chunk_words)
    return grounded_results(checker, claims, evidence, owner, len(pairs))


def score_grounded(checker, pairs: Sequence[tuple[str, str]], *,
                   titles: Sequence[str | None] | None = None, chunk_words: int = CHUNK_WORDS):
    """The sentences of every generated text as claims, their scored evidence (retrieved passages
    and every chunk of the document) and the pair each sentence belongs to."""
    from claimcheck.evidence.references import ReferenceSet

    if titles is not None and len(titles) != len(pairs):
        raise InputError(f"check_grounded got {len(pairs)} pairs and {len(titles)} titles: give "
                         "one title per pair, or none.")
    for i, (doc, text) in enumerate(pairs):
        if not isinstance(doc, str) or not doc.strip():
            raise InputError(f"Pair {i} has an empty document. Pass the source text the claim "
                             "is checked against.")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"Pair {i} has an empty claim. Pass the generated text to check.")
    nlp = checker.nlp
    by_doc: dict[tuple[str, str | None], list[int]] = {}
    for i, (doc, _) in enumerate(pairs):
        by_doc.setdefault((doc, titles[i] if titles else None), []).append(i)
    claims: list[Claim] = []
    cands: list[list[Candidate]] = []
    owner: list[int] = []  # pair index of each claim
    for (doc, title), rows in by_doc.items():
        refs = ReferenceSet.from_texts([{"id": "document", "text": doc, "title": title}],
                                       window=checker.config.retrieval.window, nlp=nlp)
        extra = (chunks(refs.passages, refs.documents[0].text, chunk_words, len(refs.passages))
                 if chunk_words else [])
        statements, row_claims = [], []
        for i in rows:
            text = pairs[i][1]
            for a, b in text_sentences(text, nlp):
                c = Claim(id=len(claims) + len(row_claims), text=text[a:b], start=a, end=b,
                          statement=text[a:b], sentence_start=a, sentence_end=b)
                row_claims.append(c)
                statements.append(c.statement)
                owner.append(i)
        found = checker.candidates(statements, refs)
        for got in found:
            seen = {x.passage.text for x in got}
            cands.append(got + [Candidate(p, 0.0, p.text) for p in extra
                                if p.text not in seen])
        claims.extend(row_claims)
    return claims, checker.score(claims, cands), owner


def grounded_results(checker, claims: Sequence[Claim], evidence, owner: Sequence[int],
                     n: int) -> list[GroundedResult]:
    """The verdict of each of ``n`` texts from its sentences' scored evidence (``owner[k]``: the
    text that claim ``k`` is a sentence of), with ``checker``'s verdict rule."""
    results = checker.verdicts(claims, evidence)
    per_pair: list[list[int]] = [[] for _ in range(n)]
    for c in claims:
        per_pair[owner[c.id]].append(c.id)
    min_sim, min_overlap = checker.min_similarity(), checker.min_overlap()
    out = []
    for ids in per_pair:
        scores = []
        for k in ids:
            best = support_candidate(claims[k].statement, usable(evidence[k], min_sim),
                                     min_overlap)
            scores.append(0.0 if best is None else best.entailment)
        ok = all(results[k].label is Label.SUPPORTED for k in ids)
        out.append(GroundedResult("supported" if ok else "unsupported",
                                  round(float(min(scores)), 4), tuple(results[k] for k in ids)))
    return out
