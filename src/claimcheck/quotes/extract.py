"""Quote extraction and speaker attribution.

``extract_quotes(doc)`` finds three kinds of quote in an article:

* **direct** — text in double quote marks (straight ``"`` or curly ``“ ”``, also ``« »`` and
  two apostrophes ``''…''``), across sentences; a quote split by its attribution (``“A,” he said.
  “B.”``) and the quotes that run on after it are one quote, as PolNeAR annotates them
  (``merge_split_quotes``; off: one quote per pair of marks, all of the same speaker). A quote
  mark that never closes ends at its sentence (or at its paragraph when the
  next paragraph opens a quote, the newspaper convention for a quote that runs on), so it never
  swallows the article.
* **indirect** — reported speech: a cue verb with a clausal complement ("Stoltenberg clarifies that
  …", "…, sources said") or, for verbs such as *acknowledge*, *urge*, *warn*, *express*, an object
  complement ("He acknowledges past criticisms …").
* **headline** — ``Speaker: content`` attributions ("NATO chief: Quickest way to end …"), with the
  short sentences that continue them ("That will bring occupation."), and headline-style lines
  with a cue verb.

Nominal attributions count as indirect quotes: a speech noun whose "from" / "by" object is a
person or organisation ("past criticisms from former President Donald Trump regarding defense
spending" is Trump's).

Speakers are resolved by :mod:`claimcheck.quotes.speakers` into one canonical
:class:`~claimcheck.types.Speaker` per person (or organisation) per document: names with their
titles ("former President Donald Trump"), surnames ("Stoltenberg"), role aliases ("NATO chief",
"the Secretary-General") and pronouns ("He", resolved to the most recent compatible speaker).
spaCy's parser and entities are used when the pipeline has them; otherwise regular expressions over
capitalised names and cue verbs do the work.

Every span holds offsets into ``doc.text``: ``doc.text[q.start:q.end] == q.text``.

Example::

    >>> from claimcheck.quotes.extract import extract_quotes
    >>> quotes, speakers = extract_quotes('“We will win,” said President Joe Biden.')
    >>> quotes[0].text, quotes[0].kind, speakers[0].name, speakers[0].title
    ('We will win', 'direct', 'Joe Biden', 'President')
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from claimcheck.quotes.cues import (
    ABOUT_WORDS,
    CLAUSE_CUES,
    CONTINUATION_WORDS,
    INTENT_CUES,
    NOMINAL_CUES,
    NOT_CONTENT_START,
    NOT_SPEAKERS,
    OBJECT_CUES,
    OCCASION_NOUNS,
    OPENERS,
    OPINION_NOUNS,
    QUANTIFIERS,
    SETTING_PREPS,
    SPEECH_NOUNS,
    verb_forms,
)
from claimcheck.quotes.speakers import (
    MODIFIER_WORDS,
    POSSESSIVES,
    PRONOUNS,
    ROLE_WORDS,
    Entities,
    SpeakerResolver,
)
from claimcheck.text.nlp import LineDocs
from claimcheck.text.spans import SpanIndex
from claimcheck.types import Document, Quote, Speaker

log = logging.getLogger(__name__)

# Character windows of quote attribution (fixed rules, not config: changing one changes output).
RUN_ON_MAX_CHARS = 800  # an unbalanced quote may run on into the next paragraph up to this long
CUE_MAX_DISTANCE = 200  # a parsed speech verb this far from the quote at most attributes it
CUE_AFTER_CHARS = 120  # ", said X" / ", X said" looked for in this many characters after a quote
CUE_BEFORE_CHARS = 160  # "X said:" / "X:" looked for in this many characters before a quote
TRAILING_SCAN_TOKENS = 80  # a reported clause is cut at a participle this close to its cue


class QuotesConfig(BaseModel):
    """The ``quotes:`` block of the pipeline config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    direct: bool = True
    indirect: bool = True
    headline: bool = True
    min_unattributed_words: int = Field(
        5, ge=1, description="an unattributed quoted span shorter than this is a scare quote"
    )
    max_quote_chars: int = Field(
        3000, ge=20, description="longer quoted spans and reported clauses are dropped (a "
        "longer reported clause is the rest of text that could not be split into sentences)")
    extra_cue_verbs: list[str] = Field(default_factory=list, description="lemmas to add")
    skip_boilerplate: bool = Field(True, description="ignore quotes inside Document.boilerplate")
    merge_split_quotes: bool = Field(
        True, description="a direct quote split by its attribution (“A,” she said. “B.”) and the "
        "quotes that run on after it are one quote (PolNeAR's convention), its span including "
        "the attribution; false: one quote per pair of quote marks")
    model: str | None = Field(
        None, description="a quote tagger folder (`claimcheck train quotes`) that finds the "
        "quotes instead of the rules; null: the rules (claimcheck ships no tagger)")

    @field_validator("extra_cue_verbs")
    @classmethod
    def _lemmas(cls, v: list[str]) -> list[str]:
        bad = [w for w in v if not re.fullmatch(r"[A-Za-z][A-Za-z'-]*", w)]
        if bad:
            raise ValueError(f"quotes.extra_cue_verbs takes verb lemmas (one word of letters, "
                             f"e.g. 'quip'), not patterns: {bad[0]!r}")
        return [w.lower() for w in v]


_QUOTE_PAIRS = {"“": "”", "«": "»", "„": "“", '"': '"'}
_WORD = re.compile(r"\w[\w’'.-]*")
_SENT_END = re.compile(r"[.!?…](?=[\s”\"»]|$)")
_HEADLINE = re.compile(r"([A-Z][^:\n.!?]{1,60}?)\s*:\s+(\S)")  # "Speaker: content"
_CAP = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w’'\-]*)"
_NAME_RE = rf"{_CAP}(?:[ \t]+{_CAP}){{0,4}}"


@dataclass
class _Cand:
    """A quote found before speaker resolution; spans are (start, end) into the text."""

    kind: str
    content: tuple[int, int]
    cue: tuple[int, int] | None = None
    speaker: tuple[int, int] | None = None
    speaker_kind: str | None = None  # person | org | place | pronoun | role | other
    inherit: bool = False  # take the previous direct quote's speaker


# --- the public entry point ----------------------------------------------------------------


def extract_quotes(doc_or_text: Document | str, nlp=None, config: QuotesConfig | None = None,
                   lines: LineDocs | None = None, precision: str = "auto"
                   ) -> tuple[list[Quote], list[Speaker]]:
    """Find the quotes of a document and the speakers they are attributed to.

    ``nlp`` is a spaCy pipeline (default: :func:`claimcheck.text.nlp.load_spacy`); ``lines``: the
    text's parsed lines when another stage shares them; ``precision``: the quote tagger's
    (``model.precision``), when ``config.model`` names one. Returns the quotes in text order and the
    speakers (ids in order of first mention); ``Quote.speaker_id`` points at ``Speaker.id``.
    """
    cfg = config or QuotesConfig()
    doc = doc_or_text if isinstance(doc_or_text, Document) else Document(text=doc_or_text)
    text = doc.text
    if not cfg.enabled or not text.strip():
        return [], []
    if nlp is None:
        from claimcheck.text.nlp import load_spacy

        nlp = load_spacy()
    ex = _Extractor(text, nlp, cfg, lines)
    cands = ex.run() if cfg.model is None else ex.tagged(precision)
    if cfg.skip_boilerplate and doc.boilerplate:
        in_boilerplate = SpanIndex((b.start, b.end) for b in doc.boilerplate).holds
        cands = [c for c in cands if not in_boilerplate(c.content[0])]
    in_heading = SpanIndex((h.start, h.end) for h in doc.headings).holds
    for c in cands:
        if c.kind == "indirect" and in_heading(c.content[0]):
            c.kind = "headline"
    return SpeakerResolver(text, ex.ents, ex.relatives).resolve(cands)


class _Extractor:
    def __init__(self, text: str, nlp, cfg: QuotesConfig, lines: LineDocs | None = None) -> None:
        self.text, self.nlp, self.cfg = text, nlp, cfg
        self.parsed = "parser" in nlp.pipe_names
        self.has_ner = "ner" in nlp.pipe_names
        self.clause_forms = verb_forms(CLAUSE_CUES | set(cfg.extra_cue_verbs))
        # the cue forms as one regex alternation, longest first
        self.cue_alt = "|".join(map(re.escape, sorted(self.clause_forms, key=len, reverse=True)))
        self.object_forms = verb_forms(OBJECT_CUES)
        self.intent_forms = verb_forms(INTENT_CUES)
        lines = lines or LineDocs(nlp, text)
        self.paras = lines.spans()
        self.docs = lines.docs(self.paras)
        self.ents: list[tuple[int, int, str]] = []  # (start, end, label), possessive stripped
        for (base, _), d in zip(self.paras, self.docs, strict=True):
            for ent in d.ents:
                if ent.label_ in ("PERSON", "ORG", "GPE", "NORP", "LOC"):
                    s, e = base + ent.start_char, base + ent.end_char
                    e = _strip_possessive(text, s, e)
                    if e > s:
                        self.ents.append((s, e, ent.label_))
        if not self.has_ner:  # capitalised word runs stand in for entities
            for m in re.finditer(_NAME_RE, text):
                s, e = m.span()
                words = m.group().split()
                while words and words[0].lower() in ROLE_WORDS | MODIFIER_WORDS:
                    s = text.index(words[1], s) if len(words) > 1 else e
                    words = words[1:]
                if len(words) >= 2 or (words and s > 0 and text[s - 1] == " "):
                    self.ents.append((s, _strip_possessive(text, s, e), "PERSON"))
        self.ents = Entities(self.ents)
        self._para_starts = [s for s, _ in self.paras]
        self._doc_base = {id(d): base for (base, _), d in zip(self.paras, self.docs, strict=True)}
        self.quoted: list[tuple[int, int]] = []
        # speaker span -> relative pronouns that stand for it ("Barkley, who said …")
        self.relatives: dict[tuple[int, int], list[tuple[int, int]]] = {}
        # (number of quoted spans indexed, the spans sorted, their starts, running max of ends)
        self._quoted_index: tuple[int, list, list[int], list[int]] = (0, [], [], [])
        self._starts: dict[int, list[int]] = {}
        self._doc_texts: dict[int, str] = {}

    # -- candidates ------------------------------------------------------------------------
    def tagged(self, precision: str = "auto") -> list[_Cand]:
        """The candidates of the quote tagger ``cfg.model`` (:mod:`claimcheck.quotes.tagger`):
        its content spans with their nearest cue and source; a content inside quote marks is
        direct."""
        from claimcheck.quotes.tagger import QuoteTagger, link

        tagger = QuoteTagger.load(self.cfg.model, precision)
        self.direct_quotes()  # marks the quoted spans (self.quoted)
        out = []
        for content, cue, source in link(tagger.spans(self.text), self.paras):
            s, e = _trim(self.text, *content)
            if e <= s:
                continue
            kind = None
            if source is not None:
                phrase = self.text[source[0]:source[1]]
                kind = "pronoun" if phrase.lower() in PRONOUNS else (
                    self._speaker_phrase_kind(*source) or "other")
            marked = self._in_quote(s, e)
            out.append(_Cand("direct" if marked else "indirect", (s, e), cue, source, kind))
        return out

    def run(self) -> list[_Cand]:
        out: list[_Cand] = []
        if self.cfg.direct:
            out += self.direct_quotes()
        if self.cfg.headline:
            out += self.headlines(out)
        if self.cfg.indirect:
            out += self.indirect_quotes(out)
        out.sort(key=lambda c: c.content)
        return out

    def _quoted_spans(self) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """The quoted spans sorted, their starts and the running maximum of their ends, rebuilt
        when spans were added since the last call."""
        if self._quoted_index[0] != len(self.quoted):
            spans = sorted(self.quoted)
            self._quoted_index = (len(self.quoted), spans, [st for st, _ in spans],
                                  list(itertools.accumulate((e for _, e in spans), max)))
        return self._quoted_index[1:]

    def _in_quote(self, pos: int, end: int | None = None) -> bool:
        """Is ``pos`` inside a quoted span (with ``end``: is ``[pos, end)`` inside one)? O(log n),
        instead of a scan of every span per token."""
        _, starts, ends = self._quoted_spans()
        k = bisect.bisect_right(starts, pos) - 1
        return k >= 0 and (ends[k] > pos if end is None else ends[k] >= end)

    def _quoted_overlapping(self, s: int, e: int) -> list[tuple[int, int]]:
        """The quoted spans that overlap ``[s, e)``: a bisect into the sorted spans, then a walk
        back while the running maximum of the ends still reaches ``s``."""
        spans, starts, ends = self._quoted_spans()
        out = []
        k = bisect.bisect_left(starts, e) - 1
        while k >= 0 and ends[k] > s:
            if spans[k][1] > s:
                out.append(spans[k])
            k -= 1
        return out[::-1]

    def direct_quotes(self) -> list[_Cand]:
        text, out = self.text, []
        for pi, (ps, pe) in enumerate(self.paras):
            i = ps
            while i < pe:
                ch = text[i]
                if text.startswith("''", i) and _opens(text, i, 2):
                    ch = "''"  # two apostrophes: the quote mark of some newspaper archives
                elif ch not in _QUOTE_PAIRS or (ch == '"' and not _opens(text, i)):
                    i += 1
                    continue
                w = len(ch)
                close = _find_close(text, i + w - 1, pe, _QUOTE_PAIRS.get(ch, ch))
                if close is None:  # unbalanced: end at the sentence, or the paragraph
                    nxt = self.paras[pi + 1][0] if pi + 1 < len(self.paras) else None
                    runs_on = (nxt is not None and (text[nxt] in _QUOTE_PAIRS
                                                    or text.startswith("''", nxt))
                               and pe - i <= RUN_ON_MAX_CHARS)
                    m = _SENT_END.search(text, i + w, pe)
                    end = pe if runs_on or m is None else m.end()
                    qs, qe, after = i, end, end
                else:
                    qs, qe, after = i, close + w, close + w
                cs, ce = _trim(text, qs + w, qe - (w if close is not None else 0))
                self.quoted.append((qs, qe))
                if ce - cs >= 2 and ce - cs <= self.cfg.max_quote_chars:
                    out.append(_Cand("direct", (cs, ce)))
                i = after
        for c in out:
            self._attribute_direct(c)
        kept, prev = [], None
        for c in out:
            para = self._para_of(c.content[0])
            if c.speaker is None and prev is not None and self._para_of(prev.content[0]) in (
                    para, para - 1) and not _WORD.search(
                    self.text[prev.content[1]:c.content[0]].replace("”", "")):
                c.inherit = True  # “A.” “B.” — a run-on quote of the same speaker
            n_words = len(_WORD.findall(self.text[c.content[0]:c.content[1]]))
            if c.speaker is not None or c.inherit or n_words >= self.cfg.min_unattributed_words:
                kept.append(c)
                prev = c
        return self._merge_runs(kept) if self.cfg.merge_split_quotes else kept

    def _merge_runs(self, quotes: list[_Cand]) -> list[_Cand]:
        """One quote per speech act: the parts of a quote split by its attribution (“A,” she
        said. “B.”: both parts found the same cue) and the quotes that run on after it (“C.” in
        the next paragraph, no words between) become one span, attribution included."""
        out: list[_Cand] = []
        for c in quotes:
            prev = out[-1] if out else None
            if prev is not None and (c.inherit or (
                    c.cue is not None and c.cue == prev.cue and c.speaker == prev.speaker
                    and c.content[0] - prev.content[1] <= CUE_AFTER_CHARS + 4)):
                prev.content = (prev.content[0], c.content[1])
                continue
            out.append(c)
        return out

    def _para_of(self, pos: int) -> int:
        """Index of the line that holds ``pos`` (its end included), -1 if none."""
        k = bisect.bisect_right(self._para_starts, pos) - 1
        if k >= 0 and pos <= self.paras[k][1]:
            return k
        return -1

    def _token_starts(self, k: int) -> list[int]:
        """Character offsets of paragraph ``k``'s tokens (computed once per paragraph)."""
        if k not in self._starts:
            self._starts[k] = [t.idx for t in self.docs[k]]
        return self._starts[k]

    def _attribute_direct(self, c: _Cand) -> None:
        """Find the cue and speaker of a direct quote: a cue verb in the sentences around it."""
        text = self.text
        qs, qe = c.content[0] - 1, c.content[1] + 1
        k = self._para_of(qs)
        base, pe = self.paras[k]
        if self.parsed:
            best = None
            # only tokens that could be close enough (dist < CUE_MAX_DISTANCE): a bisect over the
            # paragraph's token offsets, not a scan of the whole paragraph for every quote
            d = self.docs[k]
            starts = self._token_starts(k)
            lo = bisect.bisect_left(starts, qs - CUE_MAX_DISTANCE - base)
            hi = bisect.bisect_right(starts, qe + CUE_MAX_DISTANCE - base)
            for tok in d[lo:hi]:
                pos = base + tok.idx
                if self._in_quote(pos) or not self._is_cue(tok, clause=True):
                    continue
                sent = tok.sent
                s0, s1 = base + sent.start_char, base + sent.end_char
                near = (s0 <= qe and s1 >= qs) or 0 <= s0 - qe <= 3 or 0 <= qs - s1 <= 3
                if not near:
                    continue
                dist = qs - pos if pos < qs else pos - qe
                subj = self._subject(tok)
                if subj is not None and (best is None or dist < best[0]):
                    best = (dist, tok, subj)
            if best is not None and best[0] < CUE_MAX_DISTANCE:
                _, tok, subj = best
                c.cue = (base + tok.idx, base + tok.idx + len(tok))
                c.speaker, c.speaker_kind = subj
                return
        # regex attribution: ‘, said X’ / ‘, X said’ after, ‘X said:’ / ‘X:’ before
        words = self.cue_alt
        after = re.match(rf"[\s,”\"»']*(?:(?P<c1>{words})\s+(?P<s1>{_NAME_RE})|"
                         rf"(?P<s2>{_NAME_RE}|he|she|they)\s+(?P<c2>{words}))\b",
                         text[qe:min(pe, qe + CUE_AFTER_CHARS)])
        if after:
            g = "1" if after.group("c1") else "2"
            c.cue = (qe + after.start("c" + g), qe + after.end("c" + g))
            sp = (qe + after.start("s" + g), qe + after.end("s" + g))
            c.speaker, c.speaker_kind = sp, _pron_kind(text[sp[0]:sp[1]])
            return
        lo = max(base, qs - CUE_BEFORE_CHARS)
        before = re.search(rf"(?P<s>{_NAME_RE}|[Hh]e|[Ss]he|[Tt]hey)(?:\s+(?P<c>{words})"
                           rf"(?:\s+[\w’'.-]+){{0,3}})?\s*(?P<colon>[:,])\s*$", text[lo:qs])
        if before and (before.group("c") or before.group("colon") == ":"):
            sp = (lo + before.start("s"), lo + before.end("s"))
            cue = ("c", before.start("c"), before.end("c")) if before.group("c") else (
                "colon", before.start("colon"), before.end("colon"))
            c.cue = (lo + cue[1], lo + cue[2])
            c.speaker, c.speaker_kind = sp, _pron_kind(text[sp[0]:sp[1]])

    def headlines(self, found: list[_Cand]) -> list[_Cand]:
        """``Speaker: content`` at the start of a sentence or line."""
        out, text = [], self.text
        starts = set()
        for (base, _), d in zip(self.paras, self.docs, strict=True):
            starts.add(base)
            if self.parsed or "sentencizer" in self.nlp.pipe_names:
                starts |= {base + s.start_char for s in d.sents}
        # a headline quote found here covers the starts after its own up to ``reach`` (they
        # are visited in order): the quoted-span index is not rebuilt for each one
        reach, spans = -1, []
        for st in sorted(starts):
            if st < reach or self._in_quote(st):
                continue
            pe = self.paras[self._para_of(st)][1]
            m = _HEADLINE.match(text, st, pe)
            if not m:
                continue
            sp = m.span(1)
            kind = self._speaker_phrase_kind(*sp)
            if kind is None:
                continue
            cs = m.start(2)
            end = _SENT_END.search(text, cs, pe)
            ce = end.start() if end else pe
            ce = self._continued(ce, pe)
            cs, ce = _trim(text, cs, ce)
            if len(_WORD.findall(text[cs:ce])) >= 3:
                out.append(_Cand("headline", (cs, ce), (sp[1], text.index(":", sp[1]) + 1), sp,
                                 kind))
                spans.append((sp[0], ce))
                reach = max(reach, ce)
        self.quoted += spans
        return out

    def _continued(self, ce: int, pe: int, max_sentences: int = 2) -> int:
        """The end of a headline quote with the short sentences that continue it: each starts
        with a word pointing back ("That will bring occupation.") and reports no one else (no
        cue verb, no colon, no quote mark)."""
        text = self.text
        for _ in range(max_sentences):
            end = _SENT_END.search(text, ce, pe)
            if end is None or end.start() != ce:
                return ce
            nxt = _SENT_END.search(text, end.end(), pe)
            stop = nxt.start() if nxt else pe
            sentence = text[end.end():stop].strip()
            words = _WORD.findall(sentence)
            if (not words or words[0].lower() not in CONTINUATION_WORDS or len(words) > 15
                    or ":" in sentence or any(ch in sentence for ch in _QUOTE_PAIRS)
                    or any(w.lower() in self.clause_forms for w in words)):
                return ce
            ce = stop
        return ce

    def _speaker_phrase_kind(self, s: int, e: int) -> str | None:
        phrase = self.text[s:e]
        words = phrase.lower().replace("-", " ").split()
        if not words or len(words) > 6 or phrase.lower().strip() in NOT_SPEAKERS or any(
                w in NOT_SPEAKERS for w in words[-1:]):
            return None
        if any(w in ROLE_WORDS for w in phrase.lower().split()):
            return "role"
        for es, ee, lab in self.ents.overlapping(s, e):
            if (es <= s and ee >= e - 1) or (s <= es and ee <= e and ee - es >= (e - s) * 0.6):
                return "person" if lab == "PERSON" else ("org" if lab in ("ORG", "NORP")
                                                         else "place")
        return None

    def indirect_quotes(self, found: list[_Cand]) -> list[_Cand]:
        """Reported speech from the parse. A direct quote inside a reported clause ("says he is
        satisfied that there has been “no illegal disclosure” at the agency") becomes part of
        the indirect quote and is removed from ``found``."""
        if not self.parsed:
            return self._indirect_regex()
        out: list[_Cand] = []
        absorbed: list[tuple[int, int]] = []
        for (base, _), d in zip(self.paras, self.docs, strict=True):
            for tok in d:
                if self._in_quote(base + tok.idx):
                    continue
                if tok.lower_ == "according" and tok.i + 1 < len(d) and d[tok.i + 1].lower_ == "to":
                    cand = self._according_to(tok, base)
                    if cand is not None and not self._too_long(*cand.content):
                        out.append(cand)
                    continue
                if tok.pos_ == "NOUN" and tok.lemma_.lower() in NOMINAL_CUES:
                    cand = self._nominal(tok, base)
                    if cand is not None and not self._too_long(*cand.content):
                        out.append(cand)
                    continue
                if not self._is_cue(tok, clause=False):
                    continue
                if any(ch.dep_ in ("nsubjpass", "auxpass") for ch in tok.children):
                    continue
                subj = self._subject(tok)
                if subj is None:
                    continue
                span = self._complement(tok)
                paren = span is None
                if paren:
                    span = self._parenthetical(tok)
                if span is None:
                    continue
                span = _cut_trailing(tok, span)
                cs, ce = _trim(self.text, base + span[0], base + span[1])
                inside = self._quoted_overlapping(cs, ce)
                if ce - cs < 8 or self._too_long(cs, ce):
                    continue
                if inside:
                    # a quote that closes the reported clause ("appeared to be “planned.”")
                    # ends it, quote mark and full stop included
                    sent_end = base + tok.sent.end_char
                    last = max(qe for _, qe in inside)
                    if paren and last >= ce - 1:
                        continue  # “…,” she said: the direct quote is the content
                    if cs - 1 <= max(qs for qs, _ in inside) and ce < last <= sent_end + 1:
                        ce = last
                    outside = self.text[cs:ce]
                    for qs, qe in sorted(inside, reverse=True):
                        outside = outside[:max(0, qs - cs)] + outside[qe - cs:]
                    if not (all(cs - 1 <= qs and qe <= ce + 1 for qs, qe in inside)
                            and len(_WORD.findall(outside)) >= 3):
                        continue
                    absorbed.append((cs, ce))
                if not any(ch.dep_ == "ccomp" for ch in tok.children) and (
                        subj[1] == "other" or _via_noun(tok, OPINION_NOUNS)):
                    continue  # "the stance highlights the complexities": not speech
                cue_end = max([tok.idx + len(tok)] + [ch.idx + len(ch) for ch in tok.children
                                                      if ch.dep_ == "prt"])
                out.append(_Cand("indirect", (cs, ce), (base + tok.idx, base + cue_end),
                                 subj[0], subj[1]))
        if absorbed:  # both lists are in text order: one merge-like pass
            absorbed.sort()
            starts = [a for a, _ in absorbed]
            ends = list(itertools.accumulate((b for _, b in absorbed), max))

            def inside_indirect(c: _Cand) -> bool:
                k = bisect.bisect_right(starts, c.content[0]) - 1
                return k >= 0 and c.content[1] <= ends[k]

            found[:] = [c for c in found if c.kind != "direct" or not inside_indirect(c)]
        return out

    def _nominal(self, tok, base: int) -> _Cand | None:
        """'criticisms from former President Donald Trump regarding defense spending': a speech
        noun whose 'from' / 'by' object names a person or organisation; the content is the noun
        phrase (its left modifiers, not its determiner, to the end of its subtree), or the
        noun's own clause ("complaints from X that China's factories …": the that-clause).
        A possessor speaks too when the noun has such a clause ("his calls to end …")."""
        clause = _noun_clause(tok)
        if clause is not None:
            cspan = _trim(self.text, base + clause.left_edge.idx,
                          base + clause.right_edge.idx + len(clause.right_edge))
        for prep in tok.children:
            if prep.dep_ != "prep" or prep.lower_ not in ("from", "by"):
                continue
            objs = [ch for ch in prep.children if ch.dep_ == "pobj"]
            if not objs:
                continue
            subj = self._phrase(objs[0])
            if subj is None or subj[1] not in ("person", "org", "role"):
                continue
            left = tok.left_edge
            while left.i < tok.i and (left.dep_ in ("det", "poss", "case", "punct")
                                      or left.pos_ in ("DET", "PRON")):
                left = left.nbor(1)
            right = tok.right_edge
            cs, ce = _trim(self.text, base + left.idx, base + right.idx + len(right))
            if clause is not None:
                cs, ce = cspan
            if self._quoted_overlapping(cs, ce):
                return None
            return _Cand("indirect", (cs, ce), (base + tok.idx, base + tok.idx + len(tok)),
                         *subj)
        poss = [ch for ch in tok.children if ch.dep_ == "poss"]
        if clause is None or not poss or len(_WORD.findall(self.text[slice(*cspan)])) < 3:
            return None
        p = poss[0]
        if p.pos_ == "PRON":
            if p.lower_ not in POSSESSIVES:
                return None
            subj = ((base + p.idx, base + p.idx + len(p)), "pronoun")
        else:
            subj = self._phrase(p)
            if subj is None or subj[1] not in ("person", "org", "role"):
                return None
        if self._quoted_overlapping(*cspan):
            return None
        return _Cand("indirect", cspan, (base + tok.idx, base + tok.idx + len(tok)), *subj)

    def _according_to(self, tok, base: int) -> _Cand | None:
        """'…, according to officials.' / 'According to X, …': the rest of the sentence."""
        to = tok.doc[tok.i + 1]
        objs = [ch for ch in to.children if ch.dep_ == "pobj"] or [
            t for t in to.subtree if t.i > to.i and t.pos_ in ("NOUN", "PROPN")]
        if not objs:
            return None
        subj = self._phrase(objs[0])
        if subj is None:
            return None
        sent = tok.sent
        p0, p1 = tok.idx, objs[0].right_edge.idx + len(objs[0].right_edge)
        left = (sent.start_char, p0)
        right = (p1, sent.end_char)
        # the clause it is attached to: the one before it, unless that is empty or ends in a
        # word that opens the clause after it ("because, according to X, the media …")
        dtext = self._doc_text(tok.doc)
        before = [w.lower() for w in _WORD.findall(dtext[left[0]:left[1]])]
        cs, ce = left if len(before) >= 3 and before[-1] not in OPENERS else right
        if len(_WORD.findall(dtext[cs:ce])) < 3:
            cs, ce = max(left, right, key=lambda x: x[1] - x[0])
        cs, ce = _trim(self.text, base + cs, base + ce)
        while ce > cs and self.text[ce - 1] in ".!?":
            ce -= 1
        if len(_WORD.findall(self.text[cs:ce])) < 3 or self._quoted_overlapping(cs, ce):
            return None
        return _Cand("indirect", (cs, ce), (base + tok.idx, base + to.idx + len(to)), *subj)

    def _parenthetical(self, tok) -> tuple[int, int] | None:
        """'…, Graham said, since …' / '…, said a spokesman.': the clause before the comma."""
        if tok.lemma_.lower() not in CLAUSE_CUES and tok.lower_ not in self.clause_forms:
            return None
        subs = [ch for ch in tok.children if ch.dep_ == "nsubj"]
        first = min([tok] + [s.left_edge for s in subs], key=lambda t: t.i)
        sent = tok.sent
        if first.i - 1 <= sent.start or tok.doc[first.i - 1].text != ",":
            return None
        # mid-sentence ("By closing it, Ms. Lee said, the city saves money"): the whole sentence
        # is the content, as PolNeAR marks it (its fragments around the attribution)
        last = max([tok, *subs], key=lambda t: t.i)
        for t in tok.doc[last.i + 1:min(sent.end, last.i + 8)]:
            if t.text == ",":
                rest = [w for w in tok.doc[t.i + 1:sent.end] if not w.is_punct]
                nxt = rest[0] if rest else None
                if (len(rest) >= 3 and nxt.tag_ != "VBG" and nxt.lower_ not in NOT_CONTENT_START
                        and not any(w.lemma_.lower() in CLAUSE_CUES and w.pos_ == "VERB"
                                    and w.dep_ == "ROOT" for w in rest)):
                    end = sent[-1]
                    while end.i > t.i and (end.is_punct or end.is_space):
                        end = end.nbor(-1)
                    return sent.start_char, end.idx + len(end)
                break
            if t.is_punct and t.text not in ("(", ")", "-", "’", "'"):
                break
        return sent.start_char, tok.doc[first.i - 1].idx

    def _is_cue(self, tok, clause: bool) -> bool:
        low, lemma = tok.lower_, tok.lemma_.lower()
        if tok.pos_ not in ("VERB", "NOUN", "PROPN", "AUX"):
            return False
        if tok.pos_ != "VERB" and not (tok.dep_ == "ROOT" or any(
                ch.dep_ == "ccomp" for ch in tok.children)):
            return False
        if clause:
            return lemma in CLAUSE_CUES or low in self.clause_forms
        return (lemma in CLAUSE_CUES | OBJECT_CUES or low in self.clause_forms
                or low in self.object_forms or self._intent(tok) is not None)

    def _intent(self, tok):
        """The to-infinitive of an intention verb ("wants to raise …"), or None."""
        if tok.lemma_.lower() not in INTENT_CUES and tok.lower_ not in self.intent_forms:
            return None
        if any(a.lemma_.lower() in CLAUSE_CUES for a in itertools.islice(tok.ancestors, 4)):
            return None  # "said that he plans to …": inside the reported clause already
        for ch in tok.rights:
            if ch.dep_ == "xcomp" and ch.pos_ in ("VERB", "AUX") and any(
                    a.dep_ == "aux" and a.lower_ == "to" and a.i < ch.i for a in ch.children):
                return ch
        return None

    def _complement(self, tok) -> tuple[int, int] | None:
        """The content of reported speech: the ccomp clause, or for object cues the object
        phrase up to the end of the verb's own clause (coordinated verbs excluded)."""
        comps = [ch for ch in tok.children if ch.dep_ == "ccomp"]
        if comps:
            # the clause after the cue when there is one ("… as an example: He says news
            # outlets undercount …" hangs a clause before the colon on the verb too)
            c = next((ch for ch in comps if ch.i > tok.i), comps[0])
            left = c.left_edge
            while left.i > 0 and left.nbor(-1).dep_ == "mark" and left.nbor(-1).head is c:
                left = left.nbor(-1)
            return left.idx, c.right_edge.idx + len(c.right_edge)
        x = self._intent(tok)
        if x is not None:
            return x.left_edge.idx, x.right_edge.idx + len(x.right_edge)
        if tok.lemma_.lower() not in OBJECT_CUES and tok.lower_ not in self.object_forms:
            return None
        right = []
        for ch in tok.rights:  # the object and what completes it, up to the first setting
            if ch.dep_ in ("cc", "conj", "punct"):
                break
            if (ch.dep_ not in ("advcl", "npadvmod", "mark") or ch.lower_ in ABOUT_WORDS) and (
                    not _is_setting(ch)):
                right.append(ch)
        if not right:
            return None
        start = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
        if start is None:
            return None
        last = max(ch.right_edge.i for ch in right)
        end_tok = tok.doc[last]
        return start.idx, end_tok.idx + len(end_tok)

    def _subject(self, tok) -> tuple[tuple[int, int], str] | None:
        """The speaker span of a cue verb and its kind, from the parse."""
        if tok.tag_ == "VBG" and tok.dep_ in ("advcl", "conj"):
            # "Ross said it was hard, highlighting …": the participle is the speaker's, even
            # when the parser hangs it on the reported clause
            h = tok.head
            for _ in range(4):
                if h is not tok and self._is_cue(h, clause=True):
                    subs = [ch for ch in h.children if ch.dep_ == "nsubj"]
                    if subs:
                        return self._phrase(subs[0])
                if h.head is h:
                    break
                h = h.head
        head, hops = tok, 0
        while hops < 3:
            subs = [ch for ch in head.children if ch.dep_ in ("nsubj", "nsubjpass")]
            if subs:
                return self._phrase(subs[0])
            comp = [ch for ch in head.lefts if ch.dep_ == "compound" and ch.pos_ == "PROPN"]
            if comp and head.pos_ != "VERB":  # "Stoltenberg clarifies" tagged as a noun
                first = comp[0]
                return self._phrase(first, end_tok=comp[-1])
            if head.dep_ in ("conj", "advcl", "xcomp") and head.head is not head:
                head, hops = head.head, hops + 1
                continue
            return None
        return None

    def _phrase(self, s, end_tok=None) -> tuple[tuple[int, int], str] | None:
        base = self._base(s.doc)
        if (s.lower_ in ("who", "which", "that") and s.head.dep_ == "relcl"
                and s.head.head.pos_ in ("NOUN", "PROPN")):
            # "Barkley, who said he …": the antecedent speaks; "who" becomes its mention
            ante = self._phrase(s.head.head)
            if ante is not None:
                self.relatives.setdefault(ante[0], []).append((base + s.idx,
                                                               base + s.idx + len(s)))
            return ante
        if s.lemma_.lower() in SPEECH_NOUNS or s.lower_ in SPEECH_NOUNS:
            poss = [ch for ch in s.children if ch.dep_ == "poss"]
            if poss and poss[0].pos_ == "PROPN":
                s = poss[0]
        if s.lower_ in QUANTIFIERS and s.pos_ != "NOUN":
            # "Many of her supporters say …", "few believe …": a group speaks
            left = s.left_edge if s.left_edge.i < s.i else s
            return (base + left.idx, base + s.right_edge.idx + len(s.right_edge)), "other"
        if s.pos_ == "PRON" and s.text == "I":
            # "A: I think the economy is strong" (an interview, a column): the writer or the
            # person answering speaks; no antecedent stands for "I", it is a speaker of its own
            return (base + s.idx, base + s.idx + 1), "other"
        if s.pos_ == "PRON":
            kind = PRONOUNS.get(s.lower_)
            if kind is None:
                return None
            return (base + s.idx, base + s.idx + len(s)), "pronoun"
        left = s.left_edge
        while left.i < s.i and (left.dep_ in ("det", "poss", "case", "punct")
                                or left.pos_ in ("DET", "PRON")):
            left = left.nbor(1)
        end = end_tok or s
        st, en = base + left.idx, base + end.idx + len(end)
        en = _strip_possessive(self.text, st, en)
        kind = self._speaker_phrase_kind(st, en)
        if kind is None:
            if s.pos_ != "NOUN" and s.pos_ != "PROPN":
                return None
            kind = "person" if s.pos_ == "PROPN" else "other"
        return (st, en), kind

    def _too_long(self, s: int, e: int) -> bool:
        """A reported clause longer than ``max_quote_chars``: the rest of a run of text the
        parser could not split into sentences, not something a person said."""
        return e - s > self.cfg.max_quote_chars

    def _base(self, d) -> int:
        return self._doc_base[id(d)]

    def _doc_text(self, d) -> str:
        """``d.text``, joined once per line (spaCy joins every token again for each call)."""
        if id(d) not in self._doc_texts:
            self._doc_texts[id(d)] = d.text
        return self._doc_texts[id(d)]

    def _indirect_regex(self) -> list[_Cand]:
        words = self.cue_alt
        out = []
        for m in re.finditer(rf"(?P<s>{_NAME_RE}|\b[Hh]e|\b[Ss]he|\b[Tt]hey)\s+(?:\w+ly\s+)?"
                             rf"(?P<c>{words})\s+(?P<x>that\s+[^.!?\n]+)", self.text):
            if self._in_quote(m.start("x")):
                continue
            cs, ce = _trim(self.text, *m.span("x"))
            sp = m.span("s")
            out.append(_Cand("indirect", (cs, ce), m.span("c"), sp,
                             _pron_kind(self.text[sp[0]:sp[1]])))
        return out


# --- helpers -------------------------------------------------------------------------------


def _noun_clause(noun):
    """The that- or to-clause of a speech noun ("claims that …", "calls to end …"), also where
    the parser hung it on the noun's from/by object or on the verb after the noun."""
    def opens(ch) -> bool:
        return any((g.dep_ == "mark" and g.lower_ == "that") or (g.dep_ == "aux"
                   and g.lower_ == "to") for g in ch.children if g.i < ch.i)
    holders = [noun] + [o for p in noun.children if p.dep_ == "prep" and p.lower_ in ("from", "by")
                        for o in p.children if o.dep_ == "pobj"]
    for n in holders:
        for ch in n.rights:
            if ch.dep_ in ("acl", "ccomp") and opens(ch):
                return ch
    nxt = noun.nbor(1) if noun.i + 1 < len(noun.doc) else None
    if (nxt is not None and nxt.lower_ == "to" and nxt.dep_ == "aux" and nxt.head.i > noun.i
            and nxt.head.dep_ in ("advcl", "acl", "xcomp") and nxt.head.left_edge.i == nxt.i):
        return nxt.head
    return None


def _cut_trailing(cue, span: tuple[int, int]) -> tuple[int, int]:
    """End a reported clause before a participle that adds something of the speaker's own
    ("…, saying …", "…, highlighting …", "… but warning …"): PolNeAR makes that a second
    attribution (or none), not part of the first content."""
    s, e = span
    # the tokens after the cue, at most TRAILING_SCAN_TOKENS of them: a sentence the parser
    # could not split (200,000 characters of run-on text) must not make this quadratic
    # (``cue.sent`` itself walks the whole sentence: the scan stops at the next sentence start)
    for t in cue.doc[cue.i + 1:min(len(cue.doc), cue.i + 1 + TRAILING_SCAN_TOKENS)]:
        if t.is_sent_start or t.idx >= e:
            break
        if t.idx <= max(s, cue.idx):
            continue
        if t.tag_ != "VBG" or t.dep_ not in ("advcl", "conj") or t.i < 2:
            continue
        before = t.nbor(-1)
        if before.lower_ in ("but", "and", "while") and t.i >= 3:
            before = before.nbor(-1) if before.nbor(-1).text == "," else before
        if before.text in (",", "—", "–") or before.lower_ in ("but", "and", "while"):
            return s, before.idx
    return span


def _is_setting(tok) -> bool:
    """Whether a verb's dependent says when, where or on which occasion ("on Monday", "at a
    rally", "in an interview"), not what was said."""
    if tok.dep_ != "prep":
        return tok.ent_type_ in ("DATE", "TIME")
    if tok.lower_ in SETTING_PREPS:
        return True
    objs = [ch for ch in tok.children if ch.dep_ == "pobj"]
    return bool(objs) and (objs[0].ent_type_ in ("DATE", "TIME", "GPE", "LOC", "FAC", "EVENT")
                           or objs[0].lemma_.lower() in OCCASION_NOUNS)


def _via_noun(tok, nouns: frozenset[str]) -> bool:
    """Whether the cue's subject is one of ``nouns`` ("Stoltenberg's stance highlights …")."""
    subs = [ch for ch in tok.children if ch.dep_ in ("nsubj", "nsubjpass")]
    return bool(subs) and subs[0].lemma_.lower() in nouns


def _pron_kind(phrase: str) -> str:
    return "pronoun" if phrase.lower() in PRONOUNS else "person"


def _strip_possessive(text: str, s: int, e: int) -> int:
    for suf in ("’s", "'s", "’", "'"):
        if text[s:e].endswith(suf) and e - len(suf) > s:
            return e - len(suf)
    return e


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s].isspace() or text[s] in ",;:"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ",;:"):
        e -= 1
    return s, e


def _opens(text: str, i: int, width: int = 1) -> bool:
    """Whether a straight double quote (``width`` 2: two apostrophes) at i opens a quote
    (start/space/bracket before it, no space after)."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + width] if i + width < len(text) else " "
    return (before.isspace() or before in "([{—–-:") and not after.isspace()


def _find_close(text: str, i: int, end: int, closer: str) -> int | None:
    j = i + 1
    while True:
        j = text.find(closer, j, end)
        if j < 0:
            return None
        if closer == "''" and text.startswith("'''", j):
            j += 1  # a nested quote that closes with the outer one: ''... 'go home.''' '
        k = j + len(closer)
        if closer not in ('"', "''") or k >= len(text) or not text[k].isalnum():
            return j
        j += 1
