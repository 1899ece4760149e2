"""Targeted training pairs: made from the training rows to teach what the judge gets wrong
(issue #36), each kind seeded and counted in the training config.

* **Denials** (contradiction): an entailed hypothesis denied at its main verb ("Ukraine became a
  member" -> "Ukraine did not become a member" / "Ukraine is not a member", "obliges" -> "does not
  oblige", "has a" -> "has no", "will" -> "will not"), or one word swapped for its antonym (win /
  lose, join / leave, increase / decrease, more / less, minimum / maximum ...). The premise entails
  the hypothesis, so it contradicts the denial. This extends ``negatives.negate`` (which only puts
  "not" after an auxiliary) to main verbs, through spaCy's parse.
* **Detail neutrals** (neutral): "same topic, one more detail": an entailed hypothesis plus what
  the premise does not say: the predicate of another claim about the same subject ("X is a
  content creator and was born in Ohio"), a year, or a place.
* **Overlap traps** (neutral), of the HANS kind (McCoy et al. 2019): the premise's own words in
  another meaning: subject and object swapped ("The doctor paid the actor" / "The actor paid the
  doctor"), a subsequence that is not a constituent ("The doctor near the actor danced" / "The
  actor danced"), and a clause the premise does not assert ("If the artist slept, ..." / "The
  artist slept"; "The lawyer believed that the doctor lied" / "The doctor lied").
* **In context**: FEVER evidence read as the verdict reads a passage, after its document's title
  as a sentence ("Roman Atwood. He is best known for his vlogs ..."). FEVER train carries no page
  titles, so the title is the claim's leading subject (FEVER claims open with their page's topic),
  used only where the evidence leans on it (opens with a pronoun or "The film ...", or names it in
  part). Hard negatives get the title of their own claim's subject: a passage under another
  topic's title, which is neutral to the claim.

Every generator reads only the rows it is given (the decontaminated training rows of the datasets
named in the config), never an eval set.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence

from claimcheck.train.data import LABEL2ID, Pair
from claimcheck.train.negatives import _NEGATED, _tokens

_E, _N, _C = LABEL2ID["entailment"], LABEL2ID["neutral"], LABEL2ID["contradiction"]


def _parses(texts: Sequence[str]):
    """spaCy parses of ``texts`` (tags, lemmas, dependencies; no entities), in order."""
    from claimcheck.text.nlp import load_spacy

    nlp = load_spacy()
    skip = [n for n in ("ner",) if n in nlp.pipe_names]
    with nlp.select_pipes(disable=skip):
        yield from nlp.pipe(texts, batch_size=256)


def _words(text: str) -> int:
    return len(text.split())


def _single(text: str, max_words: int) -> bool:
    """One short sentence: at most ``max_words`` words and no sentence end inside."""
    t = text.strip()
    return 3 <= _words(t) <= max_words and not re.search(r"[.!?]\s+[A-Z]", t)


def _sample(rows: Sequence[dict], n: int, rng: random.Random, key: str = "hypothesis",
            max_words: int = 30) -> list[dict]:
    """Up to ``n`` entailment rows whose ``key`` text is one short sentence, in seeded order."""
    pool = [r for r in rows if r.get("label") == "entailment" and r.get("premise")
            and _single(r.get(key) or "", max_words)]
    pool.sort(key=lambda r: (r["premise"], r[key]))
    rng.shuffle(pool)
    return pool[:n]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip().rstrip(" .,;:")
    return _capital(text) + "."


# --- denials ---------------------------------------------------------------------------------

_PLURAL_SUBJECT = {"they", "we", "you", "i"}


def _root(doc):
    roots = [t for t in doc if t.dep_ == "ROOT"]
    return roots[0] if len(roots) == 1 else None


def deny(doc, rng: random.Random | None = None) -> str | None:
    """The sentence of ``doc`` (a spaCy parse) denied at its main verb; None when it is already
    negated or has no main verb with a subject before it.

    An auxiliary takes "not" ("will open" -> "will not open", "has been" -> "has not been"), so
    does a copula ("is" -> "is not"); "has a/an X" -> "has no X"; another verb takes do-support
    ("obliges" -> "does not oblige", "won" -> "did not win"); "became" gives "did not become" or,
    half the time with ``rng``, "is not" ("Ukraine became a member" -> "Ukraine is not a member").
    """
    text = doc.text
    if _NEGATED.search(text) or any(t.dep_ == "neg" for t in doc):
        return None
    root = _root(doc)
    if root is None or (root.pos_ not in ("VERB", "AUX") and not (
            root.tag_ == "NNS" and root.lemma_ != root.lower_)):  # "obliges" tagged NNS
        return None
    subj = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass", "expl")]
    if not subj or subj[0].i > root.i:
        return None
    s = subj[0]

    def at(tok, new: str, length: int | None = None) -> str:
        end = tok.idx + (len(tok.text) if length is None else length)
        return text[: tok.idx] + new + text[end:]

    aux = [c for c in root.children if c.dep_ in ("aux", "auxpass") and s.i < c.i < root.i
           and c.tag_ != "TO"]
    if aux:
        a = aux[0]
        return at(a, f"{a.text} not")
    if root.lemma_ == "be":
        return at(root, f"{root.text} not")
    nxt = doc[root.i + 1] if root.i + 1 < len(doc) else None
    if root.lemma_ == "have" and nxt is not None and nxt.lower_ in ("a", "an", "any"):
        return text[: root.idx] + f"{root.text} no " + text[nxt.idx + len(nxt.text):].lstrip()
    lemma = root.lemma_.lower()
    if not lemma.isalpha() or (lemma == root.lower_ and root.tag_ != "VBP"):
        return None
    if root.tag_ == "VBD" or (root.tag_ == "VBN" and not aux):
        if lemma == "become" and rng is not None and rng.random() < 0.5:
            plural = s.tag_ in ("NNS", "NNPS") or s.lower_ in _PLURAL_SUBJECT
            return at(root, "are not" if plural else "is not")
        return at(root, f"did not {lemma}")
    if root.tag_ in ("VBZ", "NNS"):
        return at(root, f"does not {lemma}")
    if root.tag_ == "VBP":
        return at(root, f"do not {lemma}")
    return None


# antonyms, swapped both ways (inflected forms listed one by one) ...
_ANTONYM_PAIRS = [
    ("win", "lose"), ("wins", "loses"), ("won", "lost"), ("winning", "losing"),
    ("winner", "loser"), ("continued", "stopped"), ("continues", "stops"),
    ("continuing", "stopping"), ("increase", "decrease"), ("increases", "decreases"),
    ("increased", "decreased"), ("increasing", "decreasing"), ("rising", "falling"),
    ("more", "less"), ("most", "least"), ("minimum", "maximum"), ("minimal", "maximal"),
    ("higher", "lower"), ("highest", "lowest"), ("larger", "smaller"), ("largest", "smallest"),
    ("longer", "shorter"), ("longest", "shortest"), ("older", "younger"),
    ("oldest", "youngest"), ("before", "after"), ("above", "below"), ("earliest", "latest"),
    ("accept", "reject"), ("accepted", "rejected"), ("supports", "opposes"),
    ("supported", "opposed"), ("agree", "disagree"), ("agreed", "disagreed"),
    ("include", "exclude"), ("includes", "excludes"), ("included", "excluded"),
    ("alive", "dead"), ("male", "female"), ("successful", "unsuccessful"),
    ("success", "failure"), ("legal", "illegal"), ("possible", "impossible"),
    ("public", "private"), ("strengthen", "weaken"), ("strengthened", "weakened"),
    ("opened", "closed"), ("allow", "forbid"), ("allowed", "forbidden"),
]
# ... and one way only where the reverse word is ambiguous on its own ("left" is also a side,
# "fall" a season, "stop" and "stay" nouns, "last" a verb, "never" already a negation)
_ONE_WAY = {"join": "leave", "joins": "leaves", "joined": "left", "joining": "leaving",
            "remain": "leave", "remained": "left", "stayed": "left", "entered": "left",
            "continue": "stop", "rise": "fall", "rises": "falls", "rose": "fell",
            "risen": "fallen", "first": "last", "always": "never", "victory": "defeat",
            "bigger": "smaller", "biggest": "smallest", "approve": "reject",
            "approved": "rejected", "ratified": "rejected", "ratify": "reject",
            "gained": "lost"}
ANTONYMS: dict[str, str] = {**{a: b for a, b in _ANTONYM_PAIRS},
                            **{b: a for a, b in _ANTONYM_PAIRS}, **_ONE_WAY}
_ANTONYM_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, ANTONYMS), key=len,
                                                  reverse=True)) + r")\b", re.IGNORECASE)


def swap_antonym(text: str) -> str | None:
    """``text`` with its first word that has an antonym (:data:`ANTONYMS`) swapped for it, in
    the same case; None when it has none (or is negated)."""
    if _NEGATED.search(text):
        return None
    # a capitalized word inside the sentence is part of a name ("US Open", "Lower Saxony")
    m = next((m for m in _ANTONYM_RE.finditer(text) if m.start() == 0 or m.group(0).islower()),
             None)
    if not m:
        return None
    word = m.group(0)
    new = ANTONYMS[word.lower()]
    if word.isupper() and len(word) > 1:
        new = new.upper()
    elif word[0].isupper():
        new = _capital(new)
    return text[: m.start()] + new + text[m.end():]


def denials(rows: Sequence[dict], count: int, seed: int, antonym_share: float = 0.3,
            max_words: int = 25) -> list[Pair]:
    """Contradictions from entailment rows: the hypothesis denied (:func:`deny`) or with an
    antonym swapped in (:func:`swap_antonym`), ``antonym_share`` of them by swapping (fewer
    when too few hypotheses hold such a word)."""
    if count <= 0:
        return []
    rng = random.Random(seed + 11)
    n_ant = round(count * antonym_share)
    out: list[Pair] = []
    if n_ant:
        for r in _sample(rows, len(rows), rng, max_words=max_words):
            new = swap_antonym(r["hypothesis"])
            if new and new != r["hypothesis"]:
                out.append(Pair(r["premise"], new, _C, False, "antonym"))
                if len(out) >= n_ant:
                    break
    want = count - len(out)
    sample = _sample(rows, int(want * 1.5) + 20, random.Random(seed + 12), max_words=max_words)
    made = 0
    for r, doc in zip(sample, _parses([r["hypothesis"] for r in sample]), strict=True):
        if made >= want:
            break
        new = deny(doc, rng)
        if new and new != r["hypothesis"]:
            out.append(Pair(r["premise"], new, _C, False, "denial"))
            made += 1
    return out


# --- same topic, one more detail ---------------------------------------------------------------

_TITLE = re.compile(r"^((?:[A-Z0-9][\w'.&-]*\s)+?)(?=[a-z])")
_NOT_A_TITLE = {"in", "on", "at", "there", "it", "this", "that", "these", "those", "he", "she",
                "they", "only", "some", "many", "most", "all", "no", "not", "during", "after",
                "before", "from", "by", "as", "for", "with", "since", "when", "while", "one",
                "two", "if", "i", "we", "you", "his", "her", "their", "its", "every", "each",
                "both", "neither", "either", "several", "few", "none", "nobody", "someone"}
_NOT_A_VERB = {"of", "in", "on", "at", "for", "from", "by", "with", "and", "or", "to", "as",
               "into", "under", "over", "about", "de", "del", "von", "van", "la", "le", "du"}
_YEAR = re.compile(r"\b(1[5-9]\d\d|20[0-3]\d)\b")
_PLACE = re.compile(r"\b(?:in|at) ((?:[A-Z][a-z]+)(?: [A-Z][a-z]+)?)")
# where a claim says "in X" of a place for sure ("born in Ohio", "based in Paris")
_PLACE_SOURCE = re.compile(r"\b(?:born|located|based|lives|lived|situated|headquartered|raised|"
                           r"died|grew up|resides|settled) in ((?:[A-Z][a-z]+)(?: [A-Z][a-z]+)?)")


def claim_subject(claim: str) -> tuple[str, str] | None:
    """(subject, rest) of a FEVER-style claim that opens with its capitalized topic and goes on in
    lower case ("Roman Atwood is a content creator." -> ("Roman Atwood", "is a content
    creator.")); None when it does not open so."""
    m = _TITLE.match(claim)
    if not m:
        return None
    subject = m.group(1).strip()
    words = subject.split()
    core = words[1:] if words[0] in ("The", "A", "An") else words
    rest = claim[m.end():]
    if not core or len(" ".join(core)) < 3 or core[0].lower() in _NOT_A_TITLE:
        return None
    if rest.split(" ", 1)[0].lower() in _NOT_A_VERB:  # "History of art ..."
        return None
    return subject, rest


def _add_before_stop(claim: str, extra: str) -> str:
    return claim.rstrip().rstrip(".") + f" {extra}."


def detail_neutrals(rows: Sequence[dict], count: int, seed: int,
                    kinds: Sequence[str] = ("conjunct", "year", "place")) -> list[Pair]:
    """Neutrals from entailment rows: the hypothesis plus one detail the premise does not give.

    * ``conjunct``: " and " + the predicate of another entailed claim about the same subject
      whose evidence is another passage, and whose words the premise mostly lacks;
    * ``year``: " in <year>" (a year of another premise) where neither side holds a year;
    * ``place``: " in <place>" (a place another row has someone born, based, living ... in)
      where the hypothesis names no place and the premise none of that list.
    """
    if count <= 0:
        return []
    rng = random.Random(seed + 21)
    per_kind = {k: count // len(kinds) + (1 if i < count % len(kinds) else 0)
                for i, k in enumerate(kinds)}
    rows = _sample(rows, len(rows), rng, max_words=30)
    out: list[Pair] = []
    if "conjunct" in per_kind:
        by_subject: dict[str, list[tuple[str, str]]] = {}
        for r in rows:
            cs = claim_subject(r["hypothesis"])
            if cs and _words(cs[1]) >= 3:
                by_subject.setdefault(cs[0], []).append((r["premise"], cs[1]))
        made = 0
        for r in rows:
            if made >= per_kind["conjunct"]:
                break
            cs = claim_subject(r["hypothesis"])
            if not cs or " and " in r["hypothesis"]:
                continue
            ptoks = _tokens(r["premise"])
            for premise2, rest2 in by_subject.get(cs[0], []):
                extra = _tokens(rest2) - _STOP
                if premise2 == r["premise"] or not extra or rest2 in r["hypothesis"]:
                    continue
                if len(extra & ptoks) >= 0.5 * len(extra):
                    continue
                new = r["hypothesis"].rstrip().rstrip(".") + " and " + rest2.rstrip().rstrip(".")
                out.append(Pair(r["premise"], new + ".", _N, False, "detail_conjunct"))
                made += 1
                break
    if "year" in per_kind:
        years = sorted({y for r in rows for y in _YEAR.findall(r["premise"])})
        made = 0
        for r in rows:
            if made >= per_kind["year"] or not years:
                break
            if _YEAR.search(r["premise"]) or re.search(r"\d", r["hypothesis"]):
                continue
            out.append(Pair(r["premise"], _add_before_stop(r["hypothesis"],
                                                          f"in {rng.choice(years)}"),
                            _N, False, "detail_year"))
            made += 1
    if "place" in per_kind:
        places = sorted({m.group(1) for r in rows
                         for m in _PLACE_SOURCE.finditer(f"{r['premise']} {r['hypothesis']}")
                         if m.group(1).split()[0].lower() not in _MONTHS})
        place_set = set(places)
        made = 0
        for r in rows:
            if made >= per_kind["place"] or not places:
                break
            if _PLACE.search(r["hypothesis"]) or _names_any(r["premise"], place_set):
                continue
            place = rng.choice(places)
            if place.lower() in r["hypothesis"].lower():
                continue
            out.append(Pair(r["premise"], _add_before_stop(r["hypothesis"], f"in {place}"),
                            _N, False, "detail_place"))
            made += 1
    return out


_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december", "the"}
_STOP = {"a", "an", "the", "is", "was", "are", "were", "be", "been", "of", "in", "on", "at",
         "to", "for", "and", "or", "by", "with", "as", "from", "that", "this", "it", "has",
         "have", "had", "not", "only", "also", "one", "its", "his", "her", "their"}


def _names_any(text: str, names: set[str]) -> bool:
    """Does ``text`` hold one of ``names`` (one or two capitalized words) as its words?"""
    words = re.findall(r"[A-Z][a-z]+", text)
    return any(w in names or f"{w} {v}" in names
               for w, v in zip(words, [*words[1:], ""][: len(words)], strict=True))


# --- lexical-overlap traps (HANS) ---------------------------------------------------------------

# verbs whose subject and object swap without changing the meaning
_SYMMETRIC = {"marry", "meet", "date", "resemble", "face", "fight", "battle", "divorce", "equal",
              "match", "play", "join", "contact", "kiss", "hug", "encounter", "touch", "border",
              "neighbor", "accompany", "partner", "rival", "share", "trade", "debate", "tie"}
# verbs whose object cannot be a subject of the same verb ("Detroit had a population")
_LIGHT = {"have", "be", "include", "contain", "comprise", "become", "take", "get", "make", "do",
          "need", "want", "feature", "receive", "earn", "release", "publish", "record", "star",
          "win", "hold", "reach", "use", "wear", "cost", "weigh", "measure", "span", "own"}
_NONFACTIVE = {"believe", "think", "claim", "say", "suggest", "hope", "assume", "suspect",
               "allege", "deny", "doubt", "fear", "imagine", "guess", "argue", "predict",
               "expect", "suppose", "insist", "speculate", "rumor", "wish", "pretend", "dream",
               "hypothesize", "estimate", "propose", "worry", "tell"}
_CONDITIONAL = {"if", "unless", "whether"}
_LOOSE_PREPS = {"near", "behind", "beside", "with", "by", "from", "at", "under", "above", "below",
                "next", "outside", "inside", "without", "against", "among", "beyond", "around",
                "toward", "towards", "after", "before", "beneath", "opposite", "past"}


def _span(tok):
    return tok.doc[tok.left_edge.i : tok.right_edge.i + 1]


def _number(tok) -> str | None:
    return {"NN": "s", "NNP": "s", "NNS": "p", "NNPS": "p"}.get(tok.tag_)


def _no_pronoun(span) -> bool:
    return not any(t.pos_ == "PRON" for t in span)


def swap_roles(doc) -> str | None:
    """Subject and direct object of the main verb swapped ("The doctor paid the actor." -> "The
    actor paid the doctor."); None when the sentence has no such pair of nouns, the verb is
    symmetric (marry, meet ...) or passive, or a present-tense verb would lose agreement."""
    root = _root(doc)
    if root is None or root.pos_ != "VERB" or root.lemma_.lower() in _SYMMETRIC | _LIGHT:
        return None
    if any(c.dep_ in ("auxpass", "nsubjpass", "neg") for c in root.children):
        return None
    subj = [c for c in root.children if c.dep_ == "nsubj"]
    obj = [c for c in root.children if c.dep_ == "dobj"]
    if len(subj) != 1 or len(obj) != 1:
        return None
    s, o = _span(subj[0]), _span(obj[0])
    if not (s.end <= root.i < o.start) or len(s) > 6 or len(o) > 6:
        return None
    if not (_no_pronoun(s) and _no_pronoun(o)) or s.text.lower() == o.text.lower():
        return None
    if any(t.tag_ == "CD" or t.lower_ in ("more", "less", "fewer", "most") for t in [*s, *o]):
        return None
    ns, no = _number(subj[0]), _number(obj[0])
    if ns is None or no is None or (root.tag_ in ("VBZ", "VBP") and ns != no):
        return None
    text = doc.text
    s_text, o_text = s.text, o.text
    if s.start == 0:
        o_text = _capital(o_text)
        if s[0].tag_ == "DT":
            s_text = s_text[:1].lower() + s_text[1:]
    return (text[: s.start_char] + o_text + text[s.end_char : o.start_char] + s_text
            + text[o.end_char :])


def subsequence(doc) -> str | None:
    """A noun inside the subject with the main verb's predicate: not a constituent of the
    sentence, so not entailed ("The doctor near the actor danced." -> "The actor danced.")."""
    root = _root(doc)
    if root is None or root.pos_ not in ("VERB", "AUX"):
        return None
    subj = [c for c in root.children if c.dep_ == "nsubj"]
    if len(subj) != 1 or _number(subj[0]) is None:
        return None
    s = subj[0]
    s_span = _span(s)
    if s_span.end > root.i:
        return None
    inner = None
    for c in s.children:
        if c.dep_ == "prep" and c.lower_ in _LOOSE_PREPS:
            inner = next((g for g in c.children if g.dep_ == "pobj"), None)
        elif c.dep_ == "relcl":
            inner = next((g for g in c.children if g.dep_ in ("dobj", "nsubj")
                          and g.pos_ != "PRON"), None)
        if inner is not None:
            break
    if inner is None or _number(inner) != _number(s):
        return None
    inner_span = _span(inner)
    if not _no_pronoun(inner_span) or len(inner_span) > 6:
        return None
    rest = doc.text[s_span.end_char :]
    return _capital(inner_span.text) + rest


def constituent(doc) -> str | None:
    """A clause the sentence contains but does not assert: under if / unless / whether, or the
    complement of a non-factive verb ("The lawyer believed that the doctor lied." -> "The doctor
    lied.")."""
    for t in doc:
        marks = [c for c in t.children if c.dep_ == "mark"]
        cond = t.dep_ == "advcl" and any(m.lower_ in _CONDITIONAL for m in marks)
        said = t.dep_ == "ccomp" and t.head.lemma_.lower() in _NONFACTIVE
        if not (cond or said):
            continue
        if not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children):
            continue
        span = _span(t)
        start = span.start
        while start < span.end and doc[start].dep_ == "mark":
            start += 1
        clause = doc[start : span.end]
        if any(m.i >= start for m in marks) or len(clause) < 3 or clause[0].dep_ == "punct":
            continue
        return _sentence(clause.text)
    return None


def overlap_traps(sentences: Iterable[str], count: int, seed: int,
                  kinds: Sequence[str] = ("swap", "subsequence", "constituent"),
                  max_words: int = 30, parse_budget: int | None = None) -> list[Pair]:
    """Neutral pairs (premise = a training sentence, hypothesis = its own words in another
    meaning): :func:`swap_roles`, :func:`subsequence`, :func:`constituent`, ``count`` split evenly
    over ``kinds``; a kind that finds too few in ``parse_budget`` parsed sentences (default
    ``12 * count``) leaves its share to the others. One pair per sentence."""
    if count <= 0:
        return []
    rng = random.Random(seed + 31)
    pool = sorted({s.strip() for s in sentences if _single(s or "", max_words)})
    rng.shuffle(pool)
    pool = pool[: parse_budget or 12 * count]
    per_kind = {k: count // len(kinds) + (1 if i < count % len(kinds) else 0)
                for i, k in enumerate(kinds)}
    makers = {"swap": swap_roles, "subsequence": subsequence, "constituent": constituent}
    found: dict[str, list[tuple[str, str]]] = {k: [] for k in per_kind}
    step = 4000
    for lo in range(0, len(pool), step):
        for text, doc in zip(pool[lo : lo + step], _parses(pool[lo : lo + step]), strict=True):
            for kind in per_kind:
                new = makers[kind](doc)
                if new and new.strip() != text and _words(new) >= 2:
                    found[kind].append((text, new.strip()))
        if all(len(found[k]) >= per_kind[k] for k in per_kind):
            break
    out: list[Pair] = []
    used: set[str] = set()

    def take(kind: str, n: int) -> None:
        while n > 0 and found[kind]:
            text, new = found[kind].pop(0)
            if text not in used:
                used.add(text)
                out.append(Pair(text, new, _N, False, f"hans_{kind}"))
                n -= 1

    for kind, n in per_kind.items():
        take(kind, n)
    for kind in per_kind:  # shares a kind could not fill
        take(kind, count - len(out))
    return out


# --- premises in context -------------------------------------------------------------------------

_LEANS = re.compile(r"^(?:He|She|It|They|His|Her|Its|Their|The (?:film|series|band|album|song|"
                    r"company|book|novel|game|show|city|town|team|club|group|party|station|"
                    r"school|university|airport|river|character|episode|country|state|"
                    r"organization|magazine|newspaper|network|channel|franchise|singer|actor|"
                    r"actress|player|politician|artist|writer|author|director|musician)s?)\b")


def titled(text: str, title: str | None) -> str:
    """``text`` after ``title`` as a sentence of its own (unless the text already holds it): the
    form in which the verdict shows the judge a passage of a titled document
    (``claimcheck.verdict.verify.titled``)."""
    head = (title or "").strip()
    if not head or head.lower() in text.lower():
        return text
    return f"{head}{'' if head[-1] in '.!?:' else '.'} {text}"


def leans_on(premise: str, title: str) -> bool:
    """Does the evidence need its page's title to be read: it opens with a pronoun or "The
    film ...", or names the title only in part ("Wright" of "Edgar Wright")?"""
    if title.lower() in premise.lower():
        return False
    if _LEANS.match(premise):
        return True
    low = premise.lower()
    return any(len(w) >= 4 and w[0].isupper() and re.search(rf"\b{re.escape(w.lower())}\b", low)
               for w in title.split())


def page_titles(rows: Sequence[dict]) -> dict[str, str]:
    """Evidence premise -> its likely page title (the subject of the first claim, in sorted
    order, that it is gold evidence for)."""
    out: dict[str, str] = {}
    for r in sorted(rows, key=lambda r: (r["premise"], r["hypothesis"])):
        cs = claim_subject(r["hypothesis"])
        if cs and r["premise"] not in out:
            out[r["premise"]] = cs[0]
    return out


def in_context(rows: Sequence[dict], count: int, seed: int, negatives: Sequence[Pair] = (),
               negatives_count: int = 0) -> list[Pair]:
    """Titled copies of FEVER (claim, evidence) rows and of hard negatives.

    Gold rows: the premise after the claim's subject as title, where the premise leans on it
    (:func:`leans_on`); label and two-way flag kept (FEVER has no neutral class). Hard
    negatives: the passage after the title of the claim it is evidence for, when that title is
    not the negative's own claim's subject (neutral, three-way).
    """
    rng = random.Random(seed + 41)
    out: list[Pair] = []
    if count > 0:
        two_way = not any(r.get("label") == "neutral" for r in rows)
        pool = sorted((r for r in rows if r.get("premise") and r.get("label") in LABEL2ID),
                      key=lambda r: (r["premise"], r["hypothesis"]))
        rng.shuffle(pool)
        for r in pool:
            cs = claim_subject(r["hypothesis"])
            if cs and leans_on(r["premise"], cs[0]):
                out.append(Pair(titled(r["premise"], cs[0]), r["hypothesis"],
                                LABEL2ID[r["label"]], two_way, "in_context"))
                if len(out) >= count:
                    break
    if negatives_count > 0 and negatives:
        titles = page_titles(rows)
        made = 0
        pool = sorted(negatives, key=lambda p: (p.premise, p.hypothesis))
        rng.shuffle(pool)
        for p in pool:
            title = titles.get(p.premise)
            own = claim_subject(p.hypothesis)
            if not title or (own and own[0].lower() == title.lower()):
                continue
            if title.lower() in p.hypothesis.lower() or not leans_on(p.premise, title):
                continue
            out.append(Pair(titled(p.premise, title), p.hypothesis, _N, False,
                            "in_context_negative"))
            made += 1
            if made >= negatives_count:
                break
    return out
