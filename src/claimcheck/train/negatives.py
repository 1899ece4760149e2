"""Synthetic training pairs for the verification setting.

* **Hard negatives** (label neutral): a claim paired with a passage about the same topic that is
  neither its evidence nor the evidence of a near-identical claim, found with BM25 — what the
  retrieval step of the pipeline actually feeds the judge for an unverifiable claim.
* **Perturbations** (label contradiction): a supported (evidence, claim) pair whose claim gets a
  different number, a negation or a swapped named entity, so that the judge learns that "60
  billion" vs "40 billion" or "Poland" vs "Germany" is a contradiction, not a near-match.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from claimcheck.train.data import LABEL2ID, Pair

_TOKEN = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")
_AUX = re.compile(r"\b(is|was|are|were|can|will|could|would|should|has been|have been)\b")
_NEGATED = re.compile(r"\b(not|never|no)\b|n't\b", re.IGNORECASE)
_SWAP_LABELS = ("GPE", "LOC", "PERSON", "ORG", "NORP", "DATE")
_SUBJECT = re.compile(r"^(?:The |A |An )?((?:[A-Z0-9][\w'.-]*\s?)+)")


def _tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(text.lower()))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def leading_subject(claim: str) -> str | None:
    """The run of capitalized words a claim starts with (FEVER claims start with their topic)."""
    m = _SUBJECT.match(claim)
    subject = m.group(1).strip() if m else ""
    return subject.lower() if len(subject) >= 3 else None


def hard_negatives(rows: Sequence[dict], count: int, top_k: int, seed: int,
                   same_subject: bool = False) -> list[Pair]:
    """Pair claims with BM25-retrieved passages that are not their evidence (label neutral).

    ``rows`` are normalized rows (premise = evidence, hypothesis = claim). A retrieved passage is
    skipped when it is evidence of this claim or of any claim whose words overlap this one's by
    more than 50% (FEVER holds many paraphrased claims about the same sentence), or — unless
    ``same_subject`` — when it mentions the claim's leading subject (it might support or refute
    the claim; with ``same_subject`` such same-topic passages are what the judge must learn to
    call neutral).
    """
    if count <= 0 or not rows:
        return []
    import bm25s

    passages = sorted({r["premise"] for r in rows})
    owners: dict[str, list[set[str]]] = {}
    for r in rows:
        owners.setdefault(r["premise"], []).append(_tokens(r["hypothesis"]))
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(passages, stopwords="en", show_progress=False),
                    show_progress=False)
    rng = random.Random(seed)
    claims = sorted({r["hypothesis"] for r in rows})
    rng.shuffle(claims)
    claims = claims[: int(count * 1.3) + 10]
    own: dict[str, set[str]] = {}
    for r in rows:
        own.setdefault(r["hypothesis"], set()).add(r["premise"])
    k = min(top_k, len(passages))
    results, _ = retriever.retrieve(
        bm25s.tokenize(claims, stopwords="en", show_progress=False), k=k, show_progress=False
    )
    out: list[Pair] = []
    for claim, hits in zip(claims, results, strict=True):
        ctoks = _tokens(claim)
        subject = leading_subject(claim)
        for idx in hits:
            passage = passages[int(idx)]
            if passage in own[claim]:
                continue
            if subject and not same_subject and subject in passage.lower():
                continue
            if any(_jaccard(ctoks, o) > 0.5 for o in owners[passage]):
                continue
            out.append(Pair(passage, claim, LABEL2ID["neutral"], False, "hard_negative"))
            break
        if len(out) >= count:
            break
    return out


_PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}",
        "``": '"', "''": '"'}


def _unescape_ptb(text: str) -> str:
    for k, v in _PTB.items():
        text = text.replace(k, v)
    return text.strip()


def nei_neutrals(claims: Sequence[str], rows: Sequence[dict], count: int, top_k: int,
                 seed: int) -> list[Pair]:
    """FEVER NOT-ENOUGH-INFO claims paired with their BM25-nearest evidence sentences (neutral).

    The sentences come from ``rows`` (``evidence_sentences_raw`` of FEVER train, PTB escapes
    undone). NEI claims were written so that Wikipedia cannot settle them, so the nearest sentence
    is on the claim's topic without supporting or refuting it: the "same topic, extra detail" case
    that retrieval feeds the judge for an unverifiable claim.
    """
    if count <= 0 or not claims or not rows:
        return []
    import bm25s

    sentences = sorted({_unescape_ptb(s) for r in rows
                        for s in (r.get("evidence_sentences_raw") or [r["premise"]])
                        if len(s) > 20})
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(sentences, stopwords="en", show_progress=False),
                    show_progress=False)
    rng = random.Random(seed + 2)
    pool = sorted(set(claims))
    rng.shuffle(pool)
    pool = pool[: max(1, count // top_k + 10)]
    k = min(top_k, len(sentences))
    results, _ = retriever.retrieve(bm25s.tokenize(pool, stopwords="en", show_progress=False),
                                    k=k, show_progress=False)
    out: list[Pair] = []
    for claim, hits in zip(pool, results, strict=True):
        for idx in hits:
            out.append(Pair(sentences[int(idx)], claim, LABEL2ID["neutral"], False, "nei_neutral"))
        if len(out) >= count:
            break
    return out[:count]


def negated_negatives(negatives: Sequence[Pair], fraction: float, seed: int) -> list[Pair]:
    """Copies of hard negatives with the premise (or the claim) negated, still labelled neutral.

    Without them the judge learns the SNLI artifact "a 'not' in the premise means contradiction"
    (made worse by premise-side negation perturbations) and calls every claim contradicted that
    retrieval pairs with an unrelated negated sentence ("Ukraine is not a member of NATO" vs
    "NATO was founded in 1949")."""
    rng = random.Random(seed + 1)
    out: list[Pair] = []
    for i, p in enumerate(negatives):
        if rng.random() >= fraction:
            continue
        if i % 2 == 0 and len(p.premise) < 250 and p.premise.count(" . ") == 0:
            new = negate(p.premise)
            if new:
                out.append(Pair(new, p.hypothesis, p.label, False, "hard_negative_negated"))
                continue
        new = negate(p.hypothesis)
        if new:
            out.append(Pair(p.premise, new, p.label, False, "hard_negative_negated"))
    return out


def _shift_number(match: re.Match, rng: random.Random) -> str:
    raw = match.group(0)
    digits = raw.replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return raw
    if "." in digits:
        new = round(value * rng.choice([0.5, 1.5, 2.0, 3.0]) + rng.choice([0.1, 1.0]), 1)
        return str(new)
    n = int(value)
    if 1000 <= n <= 2100:  # a year
        new_int = n + rng.choice([-7, -3, -2, -1, 1, 2, 3, 5, 11])
    elif n < 10:
        new_int = rng.choice([m for m in range(2, 13) if m != n])
    else:
        new_int = int(n * rng.choice([0.5, 1.5, 2, 3])) or n + 1
        if new_int == n:
            new_int = n + 1
    return f"{new_int:,}" if "," in raw else str(new_int)


def perturb_number(premise: str, claim: str, rng: random.Random) -> str | None:
    """Change a number of the claim that the premise also states; None when there is none."""
    for m in _NUMBER.finditer(claim):
        if m.group(0) in premise:
            new = _shift_number(m, rng)
            if new != m.group(0):
                return claim[: m.start()] + new + claim[m.end() :]
    return None


def negate(text: str) -> str | None:
    """Insert 'not' after the first auxiliary verb; None if the text is already negated."""
    if _NEGATED.search(text):
        return None
    m = _AUX.search(text)
    if not m:
        return None
    aux = m.group(0)
    if " " in aux:  # has been -> has not been
        first, rest = aux.split(" ", 1)
        new = f"{first} not {rest}"
    else:
        new = f"{aux} not"
    return text[: m.start()] + new + text[m.end() :]


def perturbations(rows: Sequence[dict], count: int, kinds: Sequence[str], seed: int) -> list[Pair]:
    """Contradictions made from supported pairs by changing a number, negating or swapping an
    entity of the claim (negation alternates between claim and premise side)."""
    if count <= 0:
        return []
    rng = random.Random(seed)
    supported = [r for r in rows if r["label"] == "entailment"]
    rng.shuffle(supported)
    per_kind = {k: count // len(kinds) + (1 if i < count % len(kinds) else 0)
                for i, k in enumerate(kinds)}
    out: list[Pair] = []
    c = LABEL2ID["contradiction"]
    if "number" in per_kind:
        made = 0
        for r in supported:
            if made >= per_kind["number"]:
                break
            new = perturb_number(r["premise"], r["hypothesis"], rng)
            if new:
                out.append(Pair(r["premise"], new, c, False, "perturb_number"))
                made += 1
    if "negation" in per_kind:
        made = 0
        for i, r in enumerate(reversed(supported)):
            if made >= per_kind["negation"]:
                break
            if i % 2 == 0:
                new = negate(r["hypothesis"])
                if new:
                    out.append(Pair(r["premise"], new, c, False, "perturb_negation"))
                    made += 1
            else:
                single = len(r["premise"]) < 250 and r["premise"].count(" . ") == 0
                new = negate(r["premise"]) if single else None
                if new:
                    out.append(Pair(new, r["hypothesis"], c, False, "perturb_negation"))
                    made += 1
    if "entity" in per_kind:
        out.extend(_entity_swaps(supported, per_kind["entity"], rng))
    return out


def _entity_swaps(supported: list[dict], count: int, rng: random.Random) -> list[Pair]:
    if count <= 0:
        return []
    from claimcheck.text.nlp import load_spacy

    nlp = load_spacy()
    sample = supported[: count * 3]
    docs = list(nlp.pipe([r["hypothesis"] for r in sample], batch_size=256))
    pool: dict[str, list[str]] = {}
    for d in docs:
        for e in d.ents:
            if e.label_ in _SWAP_LABELS:
                pool.setdefault(e.label_, []).append(e.text)
    for lab in pool:
        pool[lab] = sorted(set(pool[lab]))
    out: list[Pair] = []
    c = LABEL2ID["contradiction"]
    for r, d in zip(sample, docs, strict=True):
        if len(out) >= count:
            break
        ents = [e for e in d.ents if e.label_ in _SWAP_LABELS and e.text in r["premise"]]
        if not ents:
            continue
        e = ents[0]
        candidates = [x for x in pool.get(e.label_, []) if x not in r["premise"] and x != e.text]
        if not candidates:
            continue
        new_ent = rng.choice(candidates)
        claim = r["hypothesis"]
        out.append(Pair(r["premise"], claim[: e.start_char] + new_ent + claim[e.end_char :], c,
                        False, "perturb_entity"))
    return out
