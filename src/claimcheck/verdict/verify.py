"""Evidence -> verdict: the aggregation rule, with numeric / entity consistency checks.

The rule, per claim, over its top-k retrieved passages with NLI probabilities:

0. Passages less similar to the claim than ``min_similarity`` (dense cosine) are not usable
   evidence: they are about something else, and an unrelated sentence must not decide a claim.
1. ``e`` = the highest P(entailment) over the usable passages; ``c`` = the highest
   P(contradiction) over the usable passages *about the claim's subject* (the head of its
   grammatical subject, with its proper-noun modifiers, appears in the passage, or the passage
   opens with a pronoun): "Sweden joined NATO in 2024" cannot contradict "Finland joined NATO in
   2023", it is about something else.
2. The claim **can be supported** if ``e >= entail_threshold``, entailment is the most likely
   label of that passage (an entailment of 0.08 next to a neutral of 0.9 is not support), and the
   claim is not a reordering of the words of any of its passages (a word salad of a reference
   sentence is not support); it **can be contradicted** if ``c >= contradict_threshold`` and
   contradiction is the most likely label of its passage. When both hold, the larger probability wins.
3. **supported** — unless the mismatch check finds that the supporting passage states a
   different number or names a different entity of the same kind than the claim (e.g. "$43
   billion annually" vs "40 billion euros"): then the claim is **unverified** with the mismatch
   as its reason (a near-match is never reported as support);
4. otherwise **unverified** — including a claim with no passages at all.

Thresholds default to the values calibrated with the model (``calibration.json``), else the
fallbacks of :mod:`claimcheck.verdict.calibration`.

This module owns both mismatch checks: :func:`verdict_mismatches` (before the verdict: a near
match is never support) and :func:`mismatch_flags` (after it: the ``mismatch`` flag an editor
sees). Both parse with :mod:`claimcheck.text.quantities` (numbers, quantities and
:func:`~claimcheck.text.quantities.find_entities`), each passing its own entity labels.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pydantic import Field

from claimcheck.config import Strict
from claimcheck.text.nlp import only
from claimcheck.text.quantities import (
    entities,
    entity_key,
    find_entities,
    find_quantities,
    numbers,
    same_quantity,
)
from claimcheck.types import Claim, ClaimResult, Evidence, Flag, Label, Passage, Severity


class VerdictConfig(Strict):
    entail_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="None: use the model's calibrated value (else 0.5)"
    )
    contradict_threshold: float | None = Field(None, ge=0.0, le=1.0)
    min_similarity: float | None = Field(
        None, ge=-1.0, le=1.0, description="dense cosine a passage needs to count as evidence; "
        "None: the model's calibrated value (else 0)")
    mismatch_checks: bool = Field(
        True, description="numbers / named entities that differ from the best evidence block support"
    )
    max_evidence: int = Field(3, ge=1)
    fail_safe: bool = Field(
        True, description="a passage that negates the claim, or an on-topic contradiction beside "
        "a support, keeps the claim from being supported, and a window premise never "
        "contradicts (false: the rule before issue #35, for comparison)")
    premise_title: bool = Field(
        True, description="the judge reads each passage after its document's title (what a "
        "reader knows: \"It is led by …\" in a document about the NATO command)")
    min_overlap: float | None = Field(
        None, ge=0.0, le=1.0, description="share of the claim's content words a passage (with its "
        "title) must hold to support the claim: a passage on another topic never supports it; "
        "None: the model's calibrated value (else 0)")
    premise_window: int = Field(
        1, ge=0, le=3, description="also read each retrieved sentence with this many neighbouring "
        "sentences of its document on each side as a second premise (support spanning sentences); "
        "0: off")
    window_if_undecided: bool = Field(
        True, description="read a sentence's window premise only where it may count: the sentence "
        "alone does not entail past the threshold, and the window holds the claim's topic "
        "(min_overlap); false: every window, in one batch with the sentences, as before issue #37")
    judge_off_topic: bool = Field(
        False, description="score retrieved passages that neither hold the claim's topic "
        "(min_overlap) nor name its subject, although the rule can take neither support nor a "
        "contradiction from them; false: they are left out of the claim's evidence unscored")


PRONOUN_START = re.compile(r"^(it|its|they|their|them|he|his|she|her|this|these|that|those)\b",
                            re.IGNORECASE)
# a sentence that leans on the one before it: a pronoun, or "The/This/Such" + a common noun
# ("The command is led by …", "The amount is a one-year baseline"), not "The United States"
ANAPHORIC_START = re.compile(
    r"^(?:(?i:it|its|they|their|them|he|his|she|her|this|these|that|those)\b|"
    r"(?i:the|this|these|that|those|such)\s+[a-z])")

@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage retrieved for a claim. ``premise`` is what the NLI model reads: the passage, or
    the previous sentence + the passage when the passage opens with a pronoun ("It is led by …")."""

    passage: Passage
    score: float
    premise: str
    similarity: float | None = None
    window: Passage | None = None  # the passage with its neighbours (verdict.premise_window)
    bm25: float | None = None


def window_passage(passages: Sequence[Passage], passage: Passage, size: int,
                   doc_text: str) -> Passage | None:
    """``passage`` with up to ``size`` neighbouring passages of its document on each side (its
    offsets span them all), or None when it has no neighbours. ``passages`` are the reference
    set's passages, in document order, indexed by id."""
    lo = hi = passage.id
    while lo > 0 and passage.id - lo < size and passages[lo - 1].doc_id == passage.doc_id:
        lo -= 1
    while hi + 1 < len(passages) and hi - passage.id < size and \
            passages[hi + 1].doc_id == passage.doc_id:
        hi += 1
    if lo == hi:
        return None
    start, end = passages[lo].start, passages[hi].end
    return replace(passage, text=doc_text[start:end], start=start, end=end)


def with_context(passage: Passage, previous: Passage | None, title: bool = False,
                 lean: re.Pattern = ANAPHORIC_START) -> str:
    """What the judge reads for ``passage``: with ``title``, the passage after its document's
    title ("A NATO command for security assistance to Ukraine. It is led by …"); without one, the
    passage after the previous sentence of its document when it leans on it (opens with a
    pronoun or "The command …"; ``lean``). Measured on the trust battery (docs/trust.md): the
    title and the previous sentence together read worse than the title alone."""
    if title and passage.title and passage.title.strip():
        return titled(passage.text, passage.title)
    if previous is not None and previous.doc_id == passage.doc_id and lean.match(passage.text):
        return f"{previous.text} {passage.text}"
    return passage.text


def titled(text: str, title: str | None) -> str:
    """``text`` after ``title`` as a sentence of its own (unless the text already holds it)."""
    head = (title or "").strip()
    if not head or head.lower() in text.lower():
        return text
    return f"{head}{'' if head[-1] in '.!?:' else '.'} {text}"


# Entity kinds the verdict's mismatch check compares (the flag's own list is the FlagsConfig field
# ``entity_labels``, which adds FAC and EVENT: an editor sees those, they do not block support).
VERDICT_ENTITY_LABELS: tuple[str, ...] = ("GPE", "LOC", "PERSON", "ORG", "NORP")


def number_mismatch(claim: str, passage: str) -> tuple[str, str] | None:
    """(claim numbers, passage numbers) when the claim states a number the passage does not,
    and the passage states numbers of its own; None when they agree or a side has none."""
    cn, pn = numbers(claim), numbers(passage)
    if not cn or not pn:
        return None
    missing = cn - pn
    if not missing:
        return None
    return ", ".join(sorted(missing)), ", ".join(sorted(pn - cn) or sorted(pn))


def entity_mismatch(claim_ents: dict[str, set[str]], passage_ents: dict[str, set[str]],
                    passage: str) -> tuple[str, str] | None:
    """A claim entity absent from the passage while the passage names another of the same kind."""
    low = passage.lower()
    for label, names in claim_ents.items():
        for name in sorted(names):
            if name.lower() in low:
                continue
            others = passage_ents.get(label, set()) - names
            if others:
                return name, ", ".join(sorted(others))
    return None


def verdict_mismatches(claims: Sequence[Claim], evidence: Sequence[Sequence[Evidence]],
                       entail_t: float, min_similarity: float = 0.0, nlp=None,
                       min_overlap: float = 0.0) -> dict[int, tuple[str, str, str]]:
    """For claims about to be supported: does the supporting passage disagree on a number or a
    named entity? ``{claim id: (kind, claim value, evidence value)}``, for :func:`decide`."""
    todo = []
    for c, evs in zip(claims, evidence, strict=True):
        best = support_candidate(c.statement, usable(evs, min_similarity), min_overlap)
        if best is not None and best.entailment >= entail_t:
            todo.append((c, best))
    out: dict[int, tuple[str, str, str]] = {}
    if not todo:
        return out
    ents = entities([c.statement for c, _ in todo] + [b.text for _, b in todo], nlp,
                    VERDICT_ENTITY_LABELS)
    n = len(todo)
    for i, (c, best) in enumerate(todo):
        num = number_mismatch(c.statement, best.text)
        if num:
            out[c.id] = ("number", *num)
            continue
        ent = entity_mismatch(ents[i], ents[n + i], best.text)
        if ent:
            out[c.id] = ("name", *ent)
    return out


_WORD = re.compile(r"[^\W_]+")  # letters and digits, accented ones too ("Orbán")


def claim_subjects(statements: Sequence[str], nlp=None) -> list[tuple[str, ...]]:
    """Per statement, the words naming what it is about: the head noun of the subject of its main
    verb plus that noun's proper-noun (capitalized) modifiers ("NATO headquarters" -> ("headq",
    "nato"), "The Baltic states" -> ("balti", "state")), as
    lower-case 5-letter prefixes; ``()`` when there is no noun subject (or no parser)."""
    if nlp is None or "parser" not in nlp.pipe_names:
        return [() for _ in statements]
    with only(nlp, "tagger", "morphologizer", "attribute_ruler", "parser"):
        docs = list(nlp.pipe(statements))
    out = []
    for d in docs:
        keys: tuple[str, ...] = ()
        for t in d:
            if t.dep_ in ("nsubj", "nsubjpass") and t.head.dep_ == "ROOT" and \
                    t.pos_ in ("NOUN", "PROPN"):
                words = [t, *(c for c in t.children if c.dep_ in ("compound", "amod")
                              and (c.pos_ == "PROPN" or c.text[:1].isupper()))]
                keys = tuple(sorted({w.text.lower()[:5] for w in words}))
                break
        out.append(keys)
    return out


def about_subject(subject: Sequence[str], passage: str) -> bool:
    """Does ``passage`` mention every word of ``subject`` (or open with a pronoun that may)?"""
    if not subject or PRONOUN_START.match(passage):
        return True
    words = {w[:5] for w in _WORD.findall(passage.lower())}
    return all(k in words for k in subject)


def reordered(claim: str, passage: str) -> bool:
    """A word salad of the passage: nearly all the claim's words (5+) are in the passage, but
    fewer than half of its adjacent word pairs are."""
    cw, pw = _WORD.findall(claim.lower()), _WORD.findall(passage.lower())
    if len(cw) < 5:
        return False
    vocab = set(pw)
    pairs = set(itertools.pairwise(pw))
    shared = sum(w in vocab for w in cw) / len(cw)
    in_order = sum(b in pairs for b in itertools.pairwise(cw)) / (len(cw) - 1)
    return shared >= 0.8 and in_order < 0.5


def decide(claim_id: int, text: str, start: int, end: int, statement: str,
           evidence: Sequence[Evidence], entail_t: float, contra_t: float,
           max_evidence: int = 3, mismatch: tuple[str, str, str] | None = None,
           checkworthiness: float | None = None, min_similarity: float = 0.0,
           subject: Sequence[str] = (), min_overlap: float = 0.0,
           fail_safe: bool = True) -> ClaimResult:
    """Apply the rule to one claim. ``mismatch`` = (kind, claim value, evidence value) for the
    supporting passage (:func:`support_candidate`), computed by the caller; ``subject`` from
    :func:`claim_subjects`; ``min_overlap``: the share of the claim's content words a passage
    (with its title) must hold to support it (:func:`topical`)."""
    retrieved = len(evidence)
    evidence = usable(evidence, min_similarity)
    if not evidence:
        why = ("no evidence passage about the claim was found (none retrieved, or none holds "
               "its topic or names its subject)" if not retrieved else
               f"none of the {retrieved} retrieved passages is similar enough to the claim "
               f"(dense similarity < {min_similarity:.2f})")
        return ClaimResult(id=claim_id, text=text, start=start, end=end, statement=statement,
                           label=Label.UNVERIFIED, score=1.0, reason=why,
                           checkworthiness=checkworthiness)
    on_subject = [x for x in evidence if about_subject(subject, x.text)]
    best_e = support_candidate(statement, evidence, min_overlap)
    best_c = max(on_subject, key=lambda x: (x.contradiction, x.retrieval_score), default=None)
    e = best_e.entailment if best_e is not None else 0.0
    c = best_c.contradiction if best_c is not None else 0.0
    denier = next((x for x in evidence if denies(statement, x.text)), None) \
        if fail_safe else None
    salad = e >= entail_t and any(reordered(statement, x.text) for x in evidence)
    supports = best_e is not None and e >= entail_t and \
        e >= max(best_e.neutral, best_e.contradiction) and not salad
    contradicts = best_c is not None and c >= contra_t and \
        c >= max(best_c.neutral, best_c.entailment)
    # an on-topic contradiction beside a support blocks it — unless the supporting passage
    # restates the claim word for word (the judge reads many sentences of a negated claim's topic
    # as contradictions: those must not cancel "X is not Y" found in the references as it is)
    stated = supports and best_e is not None and restates(statement, best_e.text)
    conflict = supports and fail_safe and (denier is not None or (contradicts and not stated))
    ordered: list[Evidence]
    if contradicts and (not supports or (c > e and not (fail_safe and stated))):
        label, score = Label.CONTRADICTED, c
        ordered = sorted(on_subject, key=lambda x: (-x.contradiction, -x.retrieval_score))
        reason = f"contradicted by the evidence (P(contradiction) {c:.2f})"
    elif denier is not None and denies(statement, denier.text, strict=True):
        # the passage says what the claim says, with the opposite polarity ("are not" / "are")
        label, score = Label.CONTRADICTED, max(c, denier.contradiction, denier.entailment)
        ordered = [denier, *(x for x in evidence if x is not denier)]
        reason = ("the evidence states the negation of the claim (the same words, one of them "
                  "negated)")
    elif conflict:
        label, score = Label.UNVERIFIED, round(1.0 - max(e, c), 4)
        ordered = [denier or best_c, *(x for x in evidence if x is not (denier or best_c))]
        reason = (f"the evidence conflicts: a passage entails the claim (P(entailment) {e:.2f}) "
                  "but a passage about its subject "
                  + ("negates it" if denier is not None else
                     f"contradicts it (P(contradiction) {c:.2f})"))
    elif supports:
        ordered = [best_e, *sorted((x for x in evidence if x is not best_e),
                                   key=lambda x: (-x.entailment, -x.retrieval_score))]
        if mismatch is not None:
            kind, cv, ev_ = mismatch
            label, score = Label.UNVERIFIED, round(1.0 - max(e, c), 4)
            reason = (f"the best supporting passage states a different {kind} "
                      f"(claim: {cv}; evidence: {ev_})")
        else:
            label, score = Label.SUPPORTED, e
            reason = f"entailed by the evidence (P(entailment) {e:.2f})"
    else:
        label, score = Label.UNVERIFIED, 1.0 - max(e, c)
        ordered = sorted(evidence, key=lambda x: (-max(x.entailment, x.contradiction),
                                                   -x.retrieval_score))
        reason = ("the claim reuses the words of its best passage in another order "
                  f"(P(entailment) {e:.2f} is not support)" if salad else
                  f"no passage passes the thresholds (best P(entailment) {e:.2f} about the "
                  f"claim's topic, P(contradiction) {c:.2f} about the claim's subject)")
    return ClaimResult(id=claim_id, text=text, start=start, end=end, statement=statement,
                       label=label, score=round(float(score), 4),
                       evidence=tuple(ordered[:max_evidence]), reason=reason,
                       checkworthiness=checkworthiness)


# ---------------------------------------------------------------------------------------------
# Fail-safe checks: what may support a claim, and what denies it

_STOP = frozenset((
    "a", "about", "above", "according", "after", "again", "against", "all", "also", "am", "an",
    "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below",
    "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down",
    "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he",
    "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "itself", "just", "me", "more", "most", "my", "of", "off", "on", "once", "only", "or",
    "other", "our", "out", "over", "own", "said", "same", "say", "says", "she", "should", "so",
    "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "would", "you", "your",
))
# a negator, not the contrastive ", not Y" ("occupation, not peace": the sentence still says X)
_NEGATION = re.compile(r"(?<![,;—–-] )(?<![,;—–-])\b(?:not|no|never|none|nor|neither|cannot|"
                       r"without)\b|n[’']t\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_IES = re.compile(r"(?<=..)(?:ies|ied)$")  # relies, relied -> rely


def content_words(text: str) -> set[str]:
    """Lower-case 5-letter prefixes of the words that carry content (no stop words or negators,
    numbers kept): "The agreements are not treaties" -> {"agree", "treat"}."""
    low = text.lower().replace("n't", " not").replace("n’t", " not")
    return {_IES.sub("y", w)[:5] for w in _WORD.findall(low)
            if w not in _STOP and not _NEGATION.fullmatch(w) and (len(w) > 2 or w.isdigit())}


def restates(claim: str, passage: str) -> bool:
    """Does a sentence of ``passage`` say the claim in its words: the same content words (all but
    one of the claim's, at least 90% of the sentence's in the claim), the same polarity and no
    opposite words?"""
    cw = content_words(claim)
    if not cw:
        return False
    neg, claim_words = _negated(claim), _words(claim)
    for sent in _SENTENCE_END.split(passage):
        sw = content_words(sent)
        shared = len(cw & sw)
        if shared >= len(cw) - (len(cw) > 4) and shared >= 0.9 * len(sw) and \
                _negated(sent) == neg and not _opposed(claim_words, _words(sent)):
            return True
    return False


def overlap(claim: str, passage: str) -> float:
    """The share of the claim's content words that ``passage`` holds (1.0 for a claim without
    any)."""
    cw = content_words(claim)
    return len(cw & content_words(passage)) / len(cw) if cw else 1.0


def topical(statement: str, x: Evidence | Passage, min_overlap: float) -> bool:
    """Is the passage (scored or not; read with its document's title) about the claim: does it
    hold at least ``min_overlap`` of the claim's content words?"""
    if min_overlap <= 0:
        return True
    return overlap(statement, f"{x.title or ''} {x.text}") >= min_overlap


def support_candidate(statement: str, evidence: Sequence[Evidence],
                      min_overlap: float = 0.0) -> Evidence | None:
    """The passage that may support the claim: the most entailing one among the passages about
    the claim's topic (None when none is)."""
    on_topic = [x for x in evidence if topical(statement, x, min_overlap)]
    return max(on_topic, key=lambda x: (x.entailment, x.retrieval_score), default=None)


def _negated(text: str) -> bool:
    return len(_NEGATION.findall(text)) % 2 == 1


# Common English opposites: a claim that says one where its passage says the other, the rest the
# same, is denied by it ("Hungary will stop meeting its commitments" / "will continue to meet").
_OPPOSITE_PAIRS = """win lose|wins loses|won lost|winning losing|victory defeat|increase decrease|
increased decreased|increases decreases|rise fall|rose fell|risen fallen|rising falling|more less|
more fewer|most least|higher lower|high low|larger smaller|large small|bigger smaller|big small|
maximum minimum|above below|before after|first last|earlier later|join leave|joined left|
joins leaves|enter exit|accept reject|accepted rejected|approve reject|approved rejected|
allow prohibit|allowed prohibited|allow ban|allowed banned|support oppose|supported opposed|
supports opposes|agree disagree|agreed disagreed|include exclude|included excluded|open close|
opened closed|start stop|started stopped|begin end|began ended|continue stop|continued stopped|
continues stops|continuing stopping|continue end|continued ended|continued ending|continuing ending|
remain leave|remains leaves|remained left|strengthen weaken|strengthened weakened|strong weak|
stronger weaker|raise lower|raised lowered|raise cut|raised cut|gain loss|gains losses|
profit loss|success failure|succeeded failed|true false|legal illegal|public private|
domestic foreign|north south|east west|inside outside|adopted rejected|alive dead|little much|
cheap expensive|easy difficult|full empty|always never|guilty innocent|majority minority|
ally enemy|allies enemies|friend enemy|advance retreat|buy sell|bought sold|import export|
imports exports|rich poor|fast slow|faster slower|expand shrink|expanded shrank|increase cut|
increased cut|add remove|added removed|with without|present absent|appointed dismissed|
hired fired|acquitted convicted|permanent temporary|legalised banned|legalized banned|
upheld overturned|passed failed|ally adversary|allies adversaries"""
_OPPOSITES: dict[str, set[str]] = {}
for _pair in _OPPOSITE_PAIRS.replace("\n", "").split("|"):
    _a, _b = _pair.split()
    _OPPOSITES.setdefault(_a, set()).add(_b)
    _OPPOSITES.setdefault(_b, set()).add(_a)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _opposed(claim_words: set[str], sent_words: set[str]) -> bool:
    """The claim says a word whose opposite the sentence says (and neither says the other)."""
    return any(w not in sent_words and any(o in sent_words and o not in claim_words
                                           for o in _OPPOSITES[w])
               for w in claim_words if w in _OPPOSITES)


def denies(claim: str, passage: str, strict: bool = False) -> bool:
    """Does a sentence of ``passage`` say what the claim says with the opposite polarity ("The
    agreements are not mutual defence treaties" against "The agreements are mutual defence
    treaties"), or with a word's opposite in its place ("will stop meeting" / "will continue to
    meet")? The two say nearly the same words — most of the claim's content words (all but one
    with ``strict``; at least two) are in the sentence and most of the sentence's are in the
    claim — and exactly one of the two is negated, or they say opposite words."""
    cw = content_words(claim)
    if len(cw) < 2:
        return False
    need = max(2, len(cw) - 1) if strict else max(2, 0.6 * len(cw))
    neg, claim_words = _negated(claim), _words(claim)
    for sent in _SENTENCE_END.split(passage):
        sw = content_words(sent)
        shared = len(cw & sw)
        cover = (0.6 if strict else 0.4) * len(sw)  # the sentence's words the claim says
        if shared < need - 1 or shared < cover - 1:
            continue
        if shared >= need and shared >= cover and _negated(sent) != neg:
            return True
        if _opposed(claim_words, _words(sent)):  # the opposite words are not shared: one less
            return True
    return False


def usable(evidence: Sequence[Evidence], min_similarity: float) -> list[Evidence]:
    """Evidence whose dense similarity to the claim reaches ``min_similarity`` (or is unknown)."""
    return [x for x in evidence if x.similarity is None or x.similarity >= min_similarity]


# ---------------------------------------------------------------------------------------------
# Mismatch flags (after the verdict): what the editor sees


def mismatch_flags(claims: Sequence[ClaimResult], entity_labels: Sequence[str],
                   min_similarity: float, nlp=None) -> list[Flag]:
    """``mismatch`` flags: a claim whose quantities, or named entities (labels ``entity_labels``),
    differ from its best evidence passage. Entities are compared for contradicted claims, and for
    unverified ones whose best passage has dense similarity >= ``min_similarity``."""
    out = []
    checked = [c for c in claims if c.evidence]
    for c in checked:
        ev = c.evidence[0]
        eq = find_quantities(ev.text)
        for q in find_quantities(c.text):
            if not eq or any(same_quantity(q, x) for x in eq):
                continue
            other = next((x for x in eq if x.kind == q.kind), None)
            if other is None:
                continue
            ev_text = ev.text[other.start:other.end]
            reason = (f'The claim says "{q.text}" but its best evidence passage ({ev.doc_id}) '
                      f'says "{ev_text}": "{clip(ev.text)}"')
            out.append(Flag(kind="mismatch", text=q.text, start=c.start + q.start,
                            end=c.start + q.end, reason=reason, claim_id=c.id,
                            severity=Severity.HIGH))
    out += _entity_mismatches([c for c in checked if c.label == Label.CONTRADICTED or (
        c.label == Label.UNVERIFIED and c.evidence[0].similarity is not None
        and c.evidence[0].similarity >= min_similarity)], entity_labels, nlp)
    return out


def _entity_mismatches(claims: list[ClaimResult], entity_labels: Sequence[str],
                       nlp=None) -> list[Flag]:
    if not claims or not entity_labels:
        return []
    from claimcheck.text.nlp import has_ner, load_spacy

    nlp = nlp or load_spacy()
    if not has_ner(nlp):
        return []
    texts = [t for c in claims for t in (c.text, c.evidence[0].text)]
    ents = find_entities(texts, nlp, entity_labels)
    out = []
    for k, c in enumerate(claims):
        cents, eents = ents[2 * k], ents[2 * k + 1]
        ev = c.evidence[0]
        ev_low, claim_low = ev.text.lower(), c.statement.lower() + " " + c.text.lower()
        for ent in cents:
            if entity_key(ent.text) in ev_low:
                continue
            rivals = [x.text for x in eents if x.label == ent.label
                      and entity_key(x.text) not in claim_low]
            if not rivals:
                continue
            reason = (f'The claim names "{ent.text}" but its best evidence passage ({ev.doc_id}) '
                      f'names "{rivals[0]}": "{clip(ev.text)}"')
            out.append(Flag(kind="mismatch", text=ent.text, start=c.start + ent.start,
                            end=c.start + ent.end, reason=reason, claim_id=c.id,
                            severity=Severity.HIGH))
    return out


def clip(s: str, n: int = 220) -> str:
    """``s`` on one line, cut to ``n`` characters with an ellipsis."""
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"
