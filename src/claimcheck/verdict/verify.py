"""Evidence -> verdict: the aggregation rule, with numeric / entity consistency checks.

The rule, per claim, over its top-k retrieved passages with NLI probabilities:

0. Passages less similar to the claim than ``min_similarity`` (dense cosine) are not usable
   evidence: they are about something else, and an unrelated sentence must not decide a claim.
1. ``e`` = the highest P(entailment), ``c`` = the highest P(contradiction) over the usable passages.
2. **contradicted** if ``c >= contradict_threshold`` and ``c > e``;
3. **supported** if ``e >= entail_threshold`` and ``e > c`` — unless the mismatch check finds that
   the supporting passage states a different number or names a different entity of the same kind
   than the claim (e.g. "$43 billion annually" vs "40 billion euros"): then the claim is
   **unverified** with the mismatch as its reason (a near-match is never reported as support);
4. otherwise **unverified** — including a claim with no passages at all.

Thresholds default to the values calibrated with the model (``calibration.json``), else the
fallbacks of :mod:`claimcheck.verdict.calibration`.

This module owns both mismatch checks: :func:`verdict_mismatches` (before the verdict: a near
match is never support) and :func:`mismatch_flags` (after it: the ``mismatch`` flag an editor
sees). Both parse with :mod:`claimcheck.text.quantities`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from claimcheck.config import Strict
from claimcheck.text.quantities import entities, find_quantities, numbers, same_quantity
from claimcheck.types import Claim, ClaimResult, Evidence, Flag, Label, Passage


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


_PRONOUN_START = re.compile(r"^(it|its|they|their|them|he|his|she|her|this|these|that|those)\b",
                            re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage retrieved for a claim. ``premise`` is what the NLI model reads: the passage, or
    the previous sentence + the passage when the passage opens with a pronoun ("It is led by …")."""

    passage: Passage
    score: float
    premise: str
    similarity: float | None = None


def with_context(passage: Passage, previous: Passage | None) -> str:
    if previous is not None and previous.doc_id == passage.doc_id and \
            _PRONOUN_START.match(passage.text):
        return f"{previous.text} {passage.text}"
    return passage.text


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
                       entail_t: float, min_similarity: float = 0.0, nlp=None
                       ) -> dict[int, tuple[str, str, str]]:
    """For claims about to be supported: does the supporting passage disagree on a number or a
    named entity? ``{claim id: (kind, claim value, evidence value)}``, for :func:`decide`."""
    todo = []
    for c, evs in zip(claims, evidence, strict=True):
        evs = usable(evs, min_similarity)
        if not evs:
            continue
        best = max(evs, key=lambda x: (x.entailment, x.retrieval_score))
        c_max = max(x.contradiction for x in evs)
        if best.entailment >= entail_t and best.entailment > c_max:
            todo.append((c, best))
    out: dict[int, tuple[str, str, str]] = {}
    if not todo:
        return out
    ents = entities([c.statement for c, _ in todo] + [b.text for _, b in todo], nlp)
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


def decide(claim_id: int, text: str, start: int, end: int, statement: str,
           evidence: Sequence[Evidence], entail_t: float, contra_t: float,
           max_evidence: int = 3, mismatch: tuple[str, str, str] | None = None,
           checkworthiness: float | None = None, min_similarity: float = 0.0) -> ClaimResult:
    """Apply the rule to one claim. ``mismatch`` = (kind, claim value, evidence value) for the
    best supporting passage, computed by the caller."""
    retrieved = len(evidence)
    evidence = usable(evidence, min_similarity)
    if not evidence:
        why = ("no evidence passage was retrieved" if not retrieved else
               f"none of the {retrieved} retrieved passages is similar enough to the claim "
               f"(dense similarity < {min_similarity:.2f})")
        return ClaimResult(claim_id, text, start, end, statement, Label.UNVERIFIED, 1.0, (),
                           why, checkworthiness)
    e = max(ev.entailment for ev in evidence)
    c = max(ev.contradiction for ev in evidence)
    if c >= contra_t and c > e:
        label, score = Label.CONTRADICTED, c
        ordered = sorted(evidence, key=lambda x: (-x.contradiction, -x.retrieval_score))
        reason = f"contradicted by the evidence (P(contradiction) {c:.2f})"
    elif e >= entail_t and e > c:
        ordered = sorted(evidence, key=lambda x: (-x.entailment, -x.retrieval_score))
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
        reason = (f"no passage passes the thresholds (best P(entailment) {e:.2f}, "
                  f"P(contradiction) {c:.2f})")
    return ClaimResult(claim_id, text, start, end, statement, label, round(float(score), 4),
                       tuple(ordered[:max_evidence]), reason, checkworthiness)


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
            out.append(Flag("mismatch", q.text, c.start + q.start, c.start + q.end, reason,
                            c.id, "high"))
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
    labels = set(entity_labels)
    texts = [t for c in claims for t in (c.text, c.evidence[0].text)]
    docs = list(nlp.pipe(texts))
    out = []
    for k, c in enumerate(claims):
        cdoc, edoc = docs[2 * k], docs[2 * k + 1]
        ev_low, claim_low = edoc.text.lower(), c.statement.lower() + " " + c.text.lower()
        for ent in cdoc.ents:
            if ent.label_ not in labels or _norm_ent(ent.text) in ev_low:
                continue
            rivals = [x.text for x in edoc.ents if x.label_ == ent.label_
                      and _norm_ent(x.text) not in claim_low]
            if not rivals:
                continue
            ev = c.evidence[0]
            reason = (f'The claim names "{ent.text}" but its best evidence passage ({ev.doc_id}) '
                      f'names "{rivals[0]}": "{clip(ev.text)}"')
            out.append(Flag("mismatch", ent.text, c.start + ent.start_char,
                            c.start + ent.end_char, reason, c.id, "high"))
    return out


def _norm_ent(s: str) -> str:
    s = re.sub(r"^(?:the)\s+", "", s.strip(), flags=re.IGNORECASE)
    return re.sub(r"['’]s$", "", s).lower()


def clip(s: str, n: int = 220) -> str:
    """``s`` on one line, cut to ``n`` characters with an ellipsis."""
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"
