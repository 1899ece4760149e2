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

Thresholds default to the values calibrated with the model (``calibration.json``), else 0.5.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from claimcheck.types import ClaimResult, Evidence, Label, Passage

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


_NUM = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\.\d+)?")
_ENT_LABELS = ("GPE", "LOC", "PERSON", "ORG", "NORP")


def _numbers(text: str) -> set[str]:
    out = set()
    for m in _NUM.finditer(text):
        v = m.group(0).replace(",", "")
        try:
            f = float(v)
        except ValueError:
            continue
        out.add(f"{f:g}")
    return out


def number_mismatch(claim: str, passage: str) -> tuple[str, str] | None:
    """(claim numbers, passage numbers) when the claim states a number the passage does not,
    and the passage states numbers of its own; None when they agree or a side has none."""
    cn, pn = _numbers(claim), _numbers(passage)
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


def entities(texts: Sequence[str], nlp) -> list[dict[str, set[str]]]:
    out = []
    if nlp is None or "ner" not in nlp.pipe_names:
        return [{} for _ in texts]
    for d in nlp.pipe(texts):
        ents: dict[str, set[str]] = {}
        for e in d.ents:
            if e.label_ in _ENT_LABELS:
                ents.setdefault(e.label_, set()).add(e.text.removeprefix("the "))
        out.append(ents)
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
