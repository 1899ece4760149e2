"""Claim segmentation: Document -> atomic claims (+ the spans deliberately not checked).

Sentences come from spaCy. A sentence becomes one or more *atomic* claims:

* a leading participial add-on ("Led by a three-star NATO general and supported by logistical hubs
  in Eastern Europe, the command will streamline …") becomes one claim per coordinated participle,
  with the main clause's subject added to its statement ("The command is led by a three-star NATO
  general."), plus the main clause itself;
* coordinated clauses with their own verb ("X did A, and Y did B") are split;
* a trailing "with"-absolute ("…, with member states pledging $43 billion") becomes its own claim;
* a trailing participial add-on ("…, providing Ukraine with additional assurances") becomes its own
  claim with the main clause's subject ("These agreements are providing Ukraine …");
* a subject that points back ("These agreements", "The agreements") is spelled out in the statement
  from the previous sentence ("The bilateral security agreements …"), so that the statement can be
  checked on its own.

Each claim keeps the exact article span it comes from (``text == doc.text[start:end]``) and a
self-contained ``statement`` that is checked against the evidence. Headings, "Related posts" lists,
meta sentences ("This detailed SEO-optimized article provides …") and fragments are returned as
:class:`~claimcheck.types.NonClaim` spans instead.
"""

from __future__ import annotations

import logging
import re
from typing import Literal

from pydantic import Field

from claimcheck.config import Strict
from claimcheck.text.nlp import LineDocs, has_parser, load_spacy, noun_chunks
from claimcheck.types import Claim, Document, NonClaim, SpanKind


class SegmentConfig(Strict):
    atomic: bool = True
    min_words: int = Field(4, ge=1)
    checkworthiness: bool = Field(True, description="score each claim's check-worthiness")
    checkworthiness_model: str = Field(
        "default", description="'default' (checkworthy-v3, fine-tuned MiniLM), 'checkworthy-v1' "
        "(TF-IDF + logistic regression, fast) or a model folder")
    max_input_chars: int = Field(2_000_000, ge=1000)
    language: Literal["warn", "error", "off"] = Field(
        "warn", description="a non-English article (the models read English only): 'warn' "
        "(a warning; its text counts as unchecked, so the gate fails it), 'error' (refuse it) "
        "or 'off' (no detection)")
    max_unchecked: float = Field(
        0.25, ge=0, le=1, description="the gate (--fail-on) fails an article when more than "
        "this share of its text was not checked (headings, related-posts lists, fragments, "
        "another language); 1 allows any")


log = logging.getLogger(__name__)

_META = re.compile(
    r"^(this|the present|in this)\b[^.]{0,60}\b(article|post|piece|guide|overview|blog|report "
    r"below|write-?up)\b|\bseo\b|\b(click here|subscribe|sign up for our newsletter)\b",
    re.IGNORECASE)
_TRIM = " ,;:—–-\n\t"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM + ".":
        end -= 1
    # drop a dangling coordinator at either edge ("and", "but")
    m = re.match(r"(and|but|while|or)\s+", text[start:end])
    if m:
        start += m.end()
    m = re.search(r",?\s+(and|but|or)$", text[start:end])
    if m:
        end = start + m.start()
    return start, end


def _sentence_case(s: str) -> str:
    s = s.strip(_TRIM)
    if not s:
        return s
    s = s[0].upper() + s[1:]
    return s if s[-1] in ".!?" else s + "."


def _be(subject_tokens, root) -> str:
    plural = any(t.tag_ in ("NNS", "NNPS") for t in subject_tokens if t.dep_ in ("nsubj",
                                                                                   "nsubjpass")
                 or t == subject_tokens[-1])
    past = root.tag_ in ("VBD",) or any(c.tag_ == "VBD" for c in root.children
                                        if c.dep_ in ("aux", "auxpass"))
    if past:
        return "were" if plural else "was"
    return "are" if plural else "is"


def _subject(root):
    for c in root.children:
        if c.dep_ in ("nsubj", "nsubjpass", "expl"):
            toks = list(c.subtree)
            return toks
    return None


_POINTING = frozenset({"this", "these", "those", "the"})


def _antecedent(subj, sent, text: str) -> str | None:
    """"The bilateral security agreements" for a subject "These agreements" whose noun the
    previous sentence names with more words; None when there is no such phrase. ``text``:
    the text of ``sent``'s Doc."""
    if subj is None or len(subj) != 2 or subj[0].lower_ not in _POINTING or \
            subj[1].tag_ not in ("NN", "NNS"):
        return None
    doc = sent.doc
    if sent.start == 0:
        return None
    prev = doc[sent.start - 1].sent  # the previous sentence, found from its last token
    for chunk in reversed(noun_chunks(prev)):
        words = [t for t in chunk if t.dep_ != "det"]
        if chunk.root.lemma_ == subj[1].lemma_ and chunk.root.tag_ == subj[1].tag_ and \
                len(words) > 1:
            body = text[words[0].idx: chunk.root.idx + len(chunk.root)]
            return body if words[0].dep_ == "poss" or words[0].tag_ == "NNP" else f"the {body}"
    return None


def split_sentence(sent, min_words: int, text: str | None = None) -> list[tuple[int, int, str]]:
    """Atomic pieces of a spaCy sentence: (start_char, end_char, statement) in document chars.
    ``text``: the text of ``sent``'s Doc when the caller has it (spaCy joins every token of the
    Doc again for each ``Doc.text``: per sentence, that made a long paragraph quadratic)."""
    text = sent.doc.text if text is None else text
    root = sent.root
    pieces: list[tuple[int, int, str]] = []
    main_start, main_end = sent.start_char, sent.end_char
    subj = _subject(root)
    subj_text = text[subj[0].idx: subj[-1].idx + len(subj[-1])] if subj else None
    antecedent = _antecedent(subj, sent, text)

    # (a) leading participial add-on: advcl/prep of the root before the subject, ending in a comma
    for c in root.children:
        if c.dep_ not in ("advcl",) or c.i >= root.i or c.tag_ not in ("VBN", "VBG"):
            continue
        if subj is None or c.i > subj[0].i:
            continue
        sub = list(c.subtree)
        if sub[0].i != sent.start:
            continue
        comma_end = sub[-1].i + 1
        if comma_end >= sent.end or sent.doc[comma_end].text != ",":
            continue
        verbs = [c] + [t for t in c.subtree if t.dep_ == "conj" and t.head == c
                       and t.tag_ in ("VBN", "VBG")]
        be = _be(subj, root)
        subj_phrase = subj_text[0].upper() + subj_text[1:] if subj_text else "It"
        for k, v in enumerate(verbs):
            v_sub = [t for t in v.subtree if not (t.dep_ == "conj" and t.head == v and t in verbs)]
            # exclude nested conj verbs' subtrees
            excl = set()
            for other in verbs[k + 1:]:
                excl.update(t.i for t in other.subtree)
            toks = [t for t in v_sub if t.i not in excl]
            if not toks:
                continue
            s, e = _trim(text, toks[0].idx, toks[-1].idx + len(toks[-1]))
            phrase = text[s:e]
            statement = f"{subj_phrase} {be} {phrase[0].lower() + phrase[1:]}"
            if len(phrase.split()) >= 3:
                pieces.append((s, e, _sentence_case(statement)))
        main_start = sent.doc[comma_end + 1].idx if comma_end + 1 < sent.end else main_end
        break

    # (c) trailing "with" absolute: ", with NOUN VBG ..."
    for t in sent:
        if t.lower_ == "with" and t.i > sent.start and sent.doc[t.i - 1].text == "," \
                and t.head == root and t.i > root.i:
            sub = list(t.subtree)
            verb = next((x for x in sub if x.tag_ == "VBG"), None)
            noun = next((x for x in sub if x.dep_ in ("pobj", "nsubj") and x.i < (verb.i if verb
                                                                                  else 10**9)),
                        None)
            if verb is None or noun is None:
                break
            s, e = _trim(text, sub[1].idx, sub[-1].idx + len(sub[-1]))
            if s >= e:
                break
            piece = text[s:e]
            vpos = verb.idx - s
            aux = "are" if noun.tag_ in ("NNS", "NNPS") else "is"
            statement = piece[:vpos] + f"{aux} " + piece[vpos:]
            pieces.append((s, e, _sentence_case(statement)))
            main_end = sent.doc[t.i - 1].idx
            break

    # (d) trailing participial add-on: ", VBG …" attached to the root after it
    for c in root.children:
        if c.dep_ != "advcl" or c.tag_ != "VBG" or c.i <= root.i or c.left_edge.i != c.i \
                or sent.doc[c.i - 1].text != "," or subj is None \
                or any(g.dep_ == "ccomp" for g in c.children):  # "…, adding that …": speech
            continue
        sub = list(c.subtree)
        s, e = _trim(text, sub[0].idx, sub[-1].idx + len(sub[-1]))
        phrase = text[s:e]
        if len(phrase.split()) >= 3:
            pieces.append((s, e, _sentence_case(f"{subj_text} {_be(subj, root)} {phrase}")))
            main_end = min(main_end, sent.doc[c.i - 1].idx)
        break

    # (b) coordinated clauses with their own subject
    conj = [c for c in root.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")
            and any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)
            and c.idx < main_end]
    clause_spans: list[tuple[int, int]] = []
    if conj:
        first = conj[0]
        cut_tok = min(first.subtree, key=lambda x: x.i)
        prev = [t for t in sent if t.dep_ == "cc" and t.head == root and t.i < cut_tok.i]
        cut = prev[-1].idx if prev else cut_tok.idx
        clause_spans.append((main_start, cut))
        for k, c in enumerate(conj):
            st = min(c.subtree, key=lambda x: x.i).idx
            en = conj[k + 1].idx if k + 1 < len(conj) else main_end
            if k + 1 < len(conj):
                en = min(conj[k + 1].subtree, key=lambda x: x.i).idx
            clause_spans.append((st, en))
    else:
        clause_spans.append((main_start, main_end))
    for s, e in clause_spans:
        s, e = _trim(text, s, e)
        if s < e and len(text[s:e].split()) >= min_words:
            pieces.append((s, e, _sentence_case(text[s:e])))
    if antecedent and subj_text:
        pieces = [(s, e, _sentence_case(antecedent + st[len(subj_text):])
                   if st.lower().startswith(subj_text.lower()) else st) for s, e, st in pieces]
    pieces.sort(key=lambda p: (p[0], p[1]))
    return pieces


def segment(doc: Document, atomic: bool = True, min_words: int = 4,
            nlp=None, lines: LineDocs | None = None) -> tuple[list[Claim], list[NonClaim]]:
    """Claims and non-claim spans of a document, in text order. ``lines``: the document's
    parsed lines when another stage shares them (else they are parsed here)."""
    nlp = nlp or load_spacy()
    lines = lines or LineDocs(nlp, doc.text)
    non_claims: list[NonClaim] = [NonClaim(text=h.text, start=h.start, end=h.end,
                                           kind=SpanKind.HEADING)
                                  for h in doc.headings]
    non_claims += [NonClaim(text=b.text, start=b.start, end=b.end, kind=SpanKind.RELATED)
                   for b in doc.boilerplate]
    claims: list[Claim] = []
    parser = has_parser(nlp)
    paras = list(doc.paragraphs)
    for para, pdoc in zip(paras, lines.docs([(p.start, p.end) for p in paras]), strict=True):
        ptext = pdoc.text if atomic and parser else None  # joined once, not per sentence
        for sent in pdoc.sents:
            s0, s1 = para.start + sent.start_char, para.start + sent.end_char
            s0, s1 = _strip(doc.text, s0, s1)
            stext = doc.text[s0:s1]
            if not stext:
                continue
            if _META.search(stext):
                non_claims.append(NonClaim(text=stext, start=s0, end=s1, kind=SpanKind.META))
                continue
            if len(stext.split()) < min_words:
                non_claims.append(NonClaim(text=stext, start=s0, end=s1, kind=SpanKind.SHORT))
                continue
            pieces: list[tuple[int, int, str]] = []
            if atomic and parser:
                try:
                    pieces = [(para.start + a, para.start + b, st)
                              for a, b, st in split_sentence(sent, min_words, ptext)]
                except Exception:  # a parse we did not foresee: keep the whole sentence
                    log.debug("atomic split failed for %r", stext, exc_info=True)
                    pieces = []
                pieces = [p for p in pieces if doc.text[p[0]:p[1]].strip()]
            if not pieces:
                pieces = [(s0, s1, stext)]
            for a, b, statement in pieces:
                claims.append(Claim(id=len(claims), text=doc.text[a:b], start=a, end=b,
                                        statement=statement, sentence_start=s0, sentence_end=s1))
    non_claims.sort(key=lambda n: n.start)
    return claims, non_claims


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
