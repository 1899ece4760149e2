"""Flags for generated / SEO copy: what an editor should look at before publishing, with a reason.

Kinds (each a :class:`~claimcheck.types.Flag` whose ``text == document.text[start:end]``):

* ``loaded_term`` - a legal/diplomatic term of art from a watchlist ("mutual defense", "treaty");
* ``meta`` - self-descriptions ("This detailed SEO-optimized article provides..."), "Related posts:"
  lists, keyword-stuffed headings;
* ``unattributed_number`` - amounts, counts and dates stated without a source in their sentence;
* ``intensifier`` (low) - "robust", "pivotal", "steadfast" attached to a factual claim;
* ``mismatch`` - a claim whose numbers or named entities differ from its best evidence passage.

>>> from claimcheck.types import Document
>>> doc = Document("The pact is a commitment to mutual defense.")
>>> [f.kind for f in find_flags(doc, [], [])]
['loaded_term']
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from claimcheck.text.lexicon import DEFAULT_INTENSIFIERS
from claimcheck.text.quantities import Quantity, find_quantities
from claimcheck.text.spans import SpanIndex
from claimcheck.types import ClaimResult, Document, Flag, Label, NonClaim, Severity, SpanKind
from claimcheck.verdict.verify import clip, mismatch_flags

FlagKind = Literal["loaded_term", "meta", "unattributed_number", "intensifier", "mismatch"]
ALL_KINDS: tuple[str, ...] = ("loaded_term", "meta", "unattributed_number", "intensifier",
                              "mismatch")

DEFAULT_WATCHLIST: dict[str, str] = {
    "mutual defense": "a legal term of art: a treaty obligation of each party to defend the "
    "others (as in NATO's Article 5); a source must show these parties actually took on that "
    "obligation",
    "Article 5": "NATO's collective-defence clause; a claim invoking it needs a source showing "
    "it applies here",
    "security guarantee": "implies a binding promise to defend; bilateral agreements usually "
    "give assurances or commitments, not guarantees - a source must use this word",
    "treaty": "a specific legal instrument that needs signature and ratification; an agreement, "
    "declaration or memorandum is not a treaty - a source must name it as one",
    "alliance membership": "membership (or an invitation to join) is decided by all allies; "
    "a claim about it needs an official source",
    "ratified": "ratification is a formal step by a parliament or head of state; a source must "
    "say who ratified what and when",
    "legally binding": "whether an instrument binds its parties in law is a legal question; it "
    "needs the text or an authoritative source",
}

DEFAULT_ATTRIBUTION_CUES: tuple[str, ...] = (
    "according to", "said", "says", "told", "stated", "reported", "reports", "announced",
    "estimated", "estimates", "data from", "figures from", "per ", "cited", "citing",
    "sources", "statement", "survey", "study", "published",
)

_META_SENTENCE = re.compile(
    r"\b(?:this|the present|our)\s+(?:[\w-]+\s+){0,4}?(?:article|post|blog post|guide|piece|"
    r"overview|write-up)\s+(?:provides|offers|explores|covers|delves|aims|examines|gives|"
    r"presents|highlights|has|will|is designed|was written)\b"
    r"|\bSEO[- ]optimi[sz]ed\b|\bas an AI language model\b|\bkeywords?:\s",
    re.IGNORECASE,
)
_RELATED_HEADER = re.compile(
    r"^(?:related posts?|related articles?|read (?:also|more)|you may also like|see also|"
    r"more from|recommended(?: posts| reading)?)\s*:?\s*$",
    re.IGNORECASE,
)
_STOP = frozenset(("a", "an", "and", "the", "of", "in", "on", "for", "to", "with", "by", "at",
                   "from", "as", "its", "is", "are", "or", "vs", "&", "-", "–", "|"))


class FlagsConfig(BaseModel):
    """The ``flags:`` block of a pipeline config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: list[FlagKind] = Field(default_factory=lambda: list(ALL_KINDS),
                                    description="which flag kinds are produced")
    watchlist: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_WATCHLIST),
        description="term -> why it needs a source (replaces the defaults)")
    extra_terms: dict[str, str] = Field(default_factory=dict,
                                        description="term -> reason, added to the watchlist")
    intensifiers: list[str] = Field(default_factory=lambda: list(DEFAULT_INTENSIFIERS))

    @field_validator("watchlist", "extra_terms", "intensifiers")
    @classmethod
    def _no_empty_terms(cls, v, info):
        if any(not str(t).strip() for t in v):
            raise ValueError(f"flags.{info.field_name} has an empty term (it would flag "
                             "nothing, at every position). Remove it.")
        return v
    attribution_cues: list[str] = Field(default_factory=lambda: list(DEFAULT_ATTRIBUTION_CUES))
    min_count: float = Field(
        10, ge=0, description="bare or spelled-out counts below this are not flagged as "
        "unattributed numbers (amounts, percents and dates always are)")
    heading_max_words: int = Field(14, ge=1, description="longer lines are not headings")
    entity_labels: list[str] = Field(
        default_factory=lambda: ["PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"],
        description="spaCy entity labels compared by the mismatch flag")
    mismatch_min_similarity: float = Field(
        0.7, ge=0, le=1, description="an unverified claim gets a name-mismatch flag only when "
        "its best passage is at least this similar to it (contradicted claims always do): a "
        "passage about something else naming other people or places is not a mismatch")


# ---------------------------------------------------------------------------------------------
# Entry point


def find_flags(document: Document, claims: list[ClaimResult], non_claims: list[NonClaim],
               config: FlagsConfig | None = None, nlp=None) -> list[Flag]:
    """Return the flags of one article, ordered by start offset, then kind (``nlp``: the
    checker's spaCy pipeline, default :func:`claimcheck.text.nlp.load_spacy`)."""
    cfg = config or FlagsConfig()
    text = document.text
    claims = [c for c in claims if c.slices(text)]
    meta = _meta(document, non_claims, cfg)
    excluded = SpanIndex(_excluded_spans(document, non_claims) + [(f.start, f.end) for f in meta])
    body = [s for s in _sentences(text) if not excluded.overlaps(*s)]
    regions = [(c.start, c.end) for c in claims] or body
    claims = _Claims(claims)
    on = set(cfg.enabled)
    flags: list[Flag] = meta if "meta" in on else []
    if "loaded_term" in on:
        flags += _loaded_terms(text, body, claims, cfg)
    if "unattributed_number" in on:
        flags += _unattributed_numbers(text, regions, claims, cfg)
    if "intensifier" in on:
        flags += _intensifiers(text, regions, claims, cfg)
    if "mismatch" in on:
        flags += mismatch_flags(claims, cfg.entity_labels, cfg.mismatch_min_similarity, nlp)
    unique = {(f.start, f.end, f.kind): f for f in flags}
    return sorted(unique.values(), key=lambda f: (f.start, f.kind, f.end))


# ---------------------------------------------------------------------------------------------
# Text helpers


def _sentences(text: str) -> list[tuple[int, int]]:
    """Rough sentence spans: lines split after ., ! or ? followed by a space (no model needed)."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        pos = line.start()
        for b in _SENT_END.finditer(text, line.start(), line.end()):
            out.append((pos, b.start("gap")))
            pos = b.end()
        out.append((pos, line.end()))
    return [(s, e) for s, e in out if text[s:e].strip()]


_SENT_END = re.compile(r"[.!?][\"'”’)]?(?P<gap>\s+)(?=[\"“'‘(]?[A-Z0-9$€£])")


class _Claims(list):
    """The claims, with :func:`_claim_at`'s lookup by offset: only the claims that start
    within the longest claim's length before a span can overlap it."""

    def __init__(self, claims: Iterable[ClaimResult]) -> None:
        super().__init__(claims)
        self.order = sorted(range(len(self)), key=lambda i: self[i].start)
        self.starts = [self[i].start for i in self.order]
        self.longest = max((c.end - c.start for c in self), default=0)

    def near(self, start: int, end: int) -> list[ClaimResult]:
        """The claims that may overlap ``[start, end)``, in list order."""
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_right(self.starts, end)
        return [self[i] for i in sorted(self.order[lo:hi])]


def _excluded_spans(document: Document, non_claims: list[NonClaim]) -> list[tuple[int, int]]:
    spans = [(n.start, n.end) for n in non_claims]
    spans += [(s.start, s.end) for s in (*document.headings, *document.boilerplate)]
    return spans


def _claim_at(claims: list[ClaimResult], start: int, end: int) -> ClaimResult | None:
    """The claim holding [start, end), else the first claim overlapping it."""
    if isinstance(claims, _Claims):
        claims = claims.near(start, end)
    for c in claims:
        if c.start <= start and end <= c.end:
            return c
    for c in claims:
        if start < c.end and c.start < end:
            return c
    return None


def _term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    body = r"[\s-]+".join(words).replace("defense", "defen[cs]e").replace("defence", "defen[cs]e")
    return re.compile(rf"(?<![\w-]){body}s?(?![\w-])", re.IGNORECASE)


def _has_cue(sentence: str, cues: list[str]) -> bool:
    low = sentence.lower()
    return any(re.search(rf"\b{re.escape(c.strip())}\b", low) for c in cues if c.strip()) or bool(
        re.search(r"[\"“].{8,}[\"”]|\[\d+\]|\bhttps?://", sentence))


def _evidence_note(claim: ClaimResult | None) -> str:
    if claim is None or claim.label != Label.CONTRADICTED or not claim.evidence:
        return ""
    ev = claim.evidence[0]
    return f' The best evidence contradicts the claim ({ev.doc_id}): "{clip(ev.text)}"'


# ---------------------------------------------------------------------------------------------
# The five kinds


def _loaded_terms(text, body, claims, cfg: FlagsConfig) -> list[Flag]:
    terms = {**cfg.watchlist, **cfg.extra_terms}
    out = []
    for term, why in terms.items():
        pat = _term_pattern(term)
        for s, e in body:
            for m in pat.finditer(text, s, e):
                claim = _claim_at(claims, m.start(), m.end())
                reason = f'"{m.group()}" is {why}.{_evidence_note(claim)}'
                out.append(Flag(kind="loaded_term", text=m.group(), start=m.start(),
                                end=m.end(), reason=reason,
                                claim_id=claim.id if claim else None, severity=Severity.HIGH))
    return out


def _meta(document: Document, non_claims: list[NonClaim], cfg: FlagsConfig) -> list[Flag]:
    text = document.text
    out: list[Flag] = []
    taken: list[tuple[int, int]] = []  # the flags' spans, sorted (they never overlap)

    def add(start: int, end: int, reason: str, severity: Severity = Severity.HIGH) -> None:
        while end > start and text[end - 1].isspace():
            end -= 1
        k = bisect.bisect_left(taken, (end,)) - 1  # the last flag starting before ``end``
        if end > start and not (k >= 0 and taken[k][1] > start):
            out.append(Flag(kind="meta", text=text[start:end], start=start, end=end,
                            reason=reason, severity=severity))
            taken.insert(k + 1, (start, end))

    # segmentation's related-posts / meta spans first; adjacent pieces become one flag
    spans: list[list] = []
    for n in sorted(non_claims, key=lambda n: n.start):
        if n.kind not in (SpanKind.RELATED, SpanKind.META):
            continue
        last = spans[-1] if spans else None
        if last and last[2] == n.kind and not text[last[1]:n.start].strip():
            last[1] = max(last[1], n.end)
        else:
            spans.append([n.start, n.end, n.kind])
    for s, e, kind in spans:
        if kind == SpanKind.RELATED:
            add(s, e, _RELATED_REASON, Severity.MEDIUM)
        else:
            add(s, e, _META_REASON)
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    i = 0
    while i < len(lines):
        s, e = lines[i]
        line = text[s:e].strip()
        if _RELATED_HEADER.match(line):
            j = i + 1
            while j < len(lines) and _is_heading(text[lines[j][0]:lines[j][1]], cfg, titles=True):
                j += 1
            add(s, lines[j - 1][1], _RELATED_REASON, Severity.MEDIUM)
            i = j
            continue
        if _is_heading(line, cfg) and (why := _stuffed(line)):
            add(s, e, f"Keyword-stuffed heading ({why}): SEO copy, rewrite it for readers.",
                Severity.MEDIUM)
        i += 1
    for s, e in _sentences(text):
        if _META_SENTENCE.search(text[s:e]):
            add(s, e, _META_REASON)
    return out


_META_REASON = ("Meta text: the copy describes itself (generator or SEO boilerplate), it is not "
                "part of the story - remove it before publishing.")
_RELATED_REASON = ('"Related posts" list pasted into the body: check each linked headline exists '
                   "on this site and says what it claims, or remove the list.")


def _is_heading(line: str, cfg: FlagsConfig, titles: bool = False) -> bool:
    line = line.strip()
    if not line or len(line.split()) > (20 if titles else cfg.heading_max_words):
        return False
    return titles or not line.endswith((".", "!", "?", ";", ","))


def _stuffed(line: str) -> str:
    words = [w.lower() for w in re.findall(r"[\w$€£'-]+", line)]
    content = [w for w in words if w not in _STOP and len(w) > 2]
    rep = [w for w, n in Counter(content).items() if n >= 2]
    if rep:
        return f'"{rep[0]}" repeated'
    if len(re.findall(r"[|,:;/]", line)) >= 3:
        return "a list of keywords"
    return ""


def _unattributed_numbers(text, regions, claims, cfg: FlagsConfig) -> list[Flag]:
    out, seen = [], set()
    sentences = _sentences(text)  # in text order, disjoint
    sentence_starts = [a for a, _ in sentences]
    for rs, re_ in regions:
        for q in find_quantities(text[rs:re_]):
            s, e = rs + q.start, rs + q.end
            if (s, e) in seen or not _worth_flagging(q, cfg):
                continue
            seen.add((s, e))
            k = bisect.bisect_right(sentence_starts, s) - 1
            a, b = sentences[k] if k >= 0 else (0, 0)
            sent = text[a:b] if a <= s < b else text[rs:re_]
            if _has_cue(sent, cfg.attribution_cues):
                continue
            claim = _claim_at(claims, s, e)
            what = _WHAT.get(q.kind, "number")
            reason = (f'The {what} "{text[s:e]}" is stated without a source (no "according to", '
                      "\"said\" or citation in its sentence): attribute it or check it against "
                      "the evidence.")
            out.append(Flag(kind="unattributed_number", text=text[s:e], start=s, end=e,
                            reason=reason, claim_id=claim.id if claim else None,
                            severity=Severity.MEDIUM))
    return out


_WHAT = {"money": "amount", "percent": "percentage", "date": "date"}


def _worth_flagging(q: Quantity, cfg: FlagsConfig) -> bool:
    if q.kind in ("money", "percent", "date"):
        return True
    if q.kind in ("compound", "year"):  # "three-star", "75th-anniversary", a bare year
        return False
    return q.value is not None and q.value >= cfg.min_count


def _intensifiers(text, regions, claims, cfg: FlagsConfig) -> list[Flag]:
    if not cfg.intensifiers:
        return []
    alt = "|".join(sorted((re.escape(w) for w in cfg.intensifiers), key=len, reverse=True))
    pat = re.compile(rf"(?<![\w-])(?:{alt})(?![\w-])", re.IGNORECASE)
    out = []
    for rs, re_ in regions:
        for m in pat.finditer(text, rs, re_):
            claim = _claim_at(claims, m.start(), m.end())
            reason = (f'"{m.group()}" is an intensifier or superlative attached to a factual '
                      "claim: it adds emphasis no source backs; drop it or source the "
                      "comparison.")
            out.append(Flag(kind="intensifier", text=m.group(), start=m.start(), end=m.end(),
                            reason=reason, claim_id=claim.id if claim else None,
                            severity=Severity.LOW))
    return out


