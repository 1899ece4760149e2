"""Speakers: the mentions that quotes are attributed to, resolved into one canonical
:class:`~claimcheck.types.Speaker` per person (or organisation, or place) per document.

A mention is a name with its title ("former President Donald Trump"), a surname ("Stoltenberg"), a
role alias ("NATO chief", "the Secretary-General") or a pronoun ("He", resolved to the most recent
compatible speaker). :class:`SpeakerResolver` turns the quote candidates of
:mod:`claimcheck.quotes.extract` into ``Quote`` objects whose ``speaker_id`` points at the ``Speaker``;
every mention keeps offsets into the article text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from claimcheck.types import Quote, Span, Speaker

# words of a title ("former President", "NATO Secretary-General")
ROLE_WORDS = frozenset({
    "president", "vice", "secretary-general", "secretary", "general", "chief", "minister",
    "prime", "chancellor", "spokesman", "spokeswoman", "spokesperson", "senator", "sen.",
    "governor", "gov.", "mayor", "ambassador", "director", "ceo", "chairman", "chairwoman",
    "chair", "leader", "head", "official", "commander", "king", "queen", "pope", "envoy",
    "representative", "rep.", "candidate", "nominee", "adviser", "advisor", "aide", "diplomat",
    "foreign", "defense", "defence", "deputy", "former", "acting", "premier", "speaker",
    "justice", "judge", "attorney", "prosecutor", "sheriff", "boss", "founder", "executive",
    "manager",
})
MODIFIER_WORDS = frozenset({"former", "acting", "deputy", "vice", "then", "outgoing", "incoming"})
LEADER_WORDS = frozenset({"chief", "head", "leader", "boss"})
#: possessive pronouns, speakers of nominal attributions ("his calls to end …")
POSSESSIVES = {"his": "person", "her": "person", "their": "any", "its": "org", "our": "any"}
PRONOUNS = {"he": "person", "she": "person", "they": "any", "it": "org", "we": "any",
            **POSSESSIVES}


@dataclass
class Cluster:
    """One speaker while resolving: its best name, kind, title and every mention (start, end)."""

    name: str
    kind: str
    title: str | None = None
    mentions: dict[tuple[int, int], None] = field(default_factory=dict)
    first: int = 0


class Entities(list):
    """(start, end, label) entity spans in text order, with a lookup by start offset (so the
    entities near a phrase are found without a scan of the article's entities)."""

    def __init__(self, ents=()) -> None:
        super().__init__(sorted(ents))
        self.starts = [s for s, _, _ in self]
        self.longest = max((e - s for s, e, _ in self), default=0)

    def starting(self, lo: int, hi: int) -> list[tuple[int, int, str]]:
        """The entities that start at ``lo`` <= start < ``hi``, in text order."""
        return self[bisect.bisect_left(self.starts, lo):bisect.bisect_left(self.starts, hi)]

    def overlapping(self, s: int, e: int) -> list[tuple[int, int, str]]:
        """Every entity that could contain or lie inside ``[s, e)``, in text order."""
        return self.starting(s - self.longest, e)


class _Clusters(list):
    """The clusters in order of creation, indexed by name token (so matching a person name
    looks at the clusters that share a word with it, not at every cluster) and by lowercase
    name."""

    def __init__(self) -> None:
        super().__init__()
        self._order: dict[int, int] = {}
        self._by_token: dict[str, list[Cluster]] = {}
        self._by_name: dict[str, list[Cluster]] = {}

    def append(self, cl: Cluster) -> None:
        self._order[id(cl)] = len(self)
        super().append(cl)
        self._index(cl)

    def rename(self, cl: Cluster, name: str) -> None:
        self._by_name[cl.name.lower()].remove(cl)
        cl.name = name
        self._index(cl)

    def _index(self, cl: Cluster) -> None:
        self._by_name.setdefault(cl.name.lower(), []).append(cl)
        if cl.kind == "person":
            for tok in set(cl.name.lower().split()):  # person() dedupes a renamed cluster
                self._by_token.setdefault(tok, []).append(cl)

    def named(self, key: str) -> Cluster | None:
        """The first cluster whose lowercase name is ``key``."""
        found = self._by_name.get(key)
        return min(found, key=lambda cl: self._order[id(cl)]) if found else None

    def person(self, name: str) -> Cluster | None:
        """The first person cluster whose name's words contain, or are contained in, the
        words of ``name``, or whose surname is one of them."""
        toks = set(name.lower().split())
        cands = {id(cl): cl for t in toks for cl in self._by_token.get(t, ())}
        for cl in sorted(cands.values(), key=lambda cl: self._order[id(cl)]):
            ctoks = set(cl.name.lower().split())
            if toks <= ctoks or ctoks <= toks or cl.name.split()[-1].lower() in toks:
                return cl
        return None


class SpeakerResolver:
    """Resolve quote candidates' speaker mentions against the article's entities.

    ``ents`` are (start, end, spaCy label) of the article's PERSON / ORG / GPE / NORP / LOC
    entities (possessives stripped); ``relatives`` maps a speaker span to the relative
    pronouns that stand for it ("who" in "Barkley, who said …"), added to its mentions.
    Candidates need ``kind``, ``content``, ``cue``, ``speaker``,
    ``speaker_kind`` and ``inherit`` (take the previous quote's speaker), all as offsets.
    """

    def __init__(self, text: str, ents: list[tuple[int, int, str]],
                 relatives: dict[tuple[int, int], list[tuple[int, int]]] | None = None) -> None:
        self.text = text
        self.ents = ents if isinstance(ents, Entities) else Entities(ents)
        self.relatives = relatives or {}

    def resolve(self, cands: list) -> tuple[list[Quote], list[Speaker]]:
        text = self.text
        clusters = _Clusters()
        persons = [(s, e) for s, e, lab in self.ents if lab == "PERSON"]
        for s, e in sorted(persons):
            self._add_person(clusters, s, e)
        for s, e, lab in sorted(self.ents):  # surnames the NER tagged as ORG ("Stoltenberg")
            if lab != "PERSON" and clusters.person(text[s:e]) is not None:
                self._add_person(clusters, s, e)
        quote_cluster: list[Cluster | None] = []
        last_speaker: list[tuple[int, Cluster]] = []
        for c in cands:
            cl = None
            if c.inherit and quote_cluster:
                cl = quote_cluster[-1]
            elif c.speaker is not None:
                cl = self._cluster_for(clusters, c, last_speaker)
                for rel in self.relatives.get(c.speaker, ()) if cl is not None else ():
                    cl.mentions[rel] = None  # "who" in "Barkley, who said …"
            quote_cluster.append(cl)
            if cl is not None:
                last_speaker.append((c.speaker[0] if c.speaker else c.content[0], cl))
        quoted = {id(cl) for cl in quote_cluster if cl is not None}
        used = [cl for cl in clusters if id(cl) in quoted]
        used.sort(key=lambda cl: min(cl.mentions) if cl.mentions else (cl.first, 0))
        ids = {id(cl): i for i, cl in enumerate(used)}
        speakers = [Speaker(id=ids[id(cl)], name=cl.name, title=cl.title, kind=cl.kind,
                            mentions=tuple(_span(text, s, e) for s, e in sorted(cl.mentions)))
                    for cl in used]
        quotes = []
        for i, (c, cl) in enumerate(zip(cands, quote_cluster, strict=True)):
            quotes.append(Quote(
                id=i, text=text[c.content[0]:c.content[1]], start=c.content[0],
                end=c.content[1], kind=c.kind,
                cue=_span(text, *c.cue) if c.cue else None,
                speaker_mention=_span(text, *c.speaker) if c.speaker else None,
                speaker_id=ids[id(cl)] if cl is not None else None))
        return quotes, speakers

    def _title_left(self, s: int) -> int:
        """Start of a title run ("former President", "NATO Secretary-General") left of s."""
        text, start = self.text, s
        for m in reversed(list(re.finditer(r"[\w’'.\-]+", text[max(0, s - 80):s]))):
            ms = s - 80 + m.start() if s >= 80 else m.start()
            if text[ms + len(m.group()):start].strip():
                break
            w = m.group().lower()
            role = w in ROLE_WORDS or w in MODIFIER_WORDS or all(
                p in ROLE_WORDS for p in w.split("-"))
            acronym = start < s and m.group().isupper() and len(m.group()) <= 5  # NATO, U.S.
            if role or acronym:
                start = ms
            else:
                break
        return start

    def _add_person(self, clusters: _Clusters, s: int, e: int) -> Cluster:
        name = self.text[s:e]
        ts = self._title_left(s)
        title = self.text[ts:s].strip() or None
        cl = clusters.person(name)
        if cl is None:
            cl = Cluster(name=name, kind="person", title=title, first=s)
            clusters.append(cl)
        elif len(name.split()) > len(cl.name.split()):
            clusters.rename(cl, name)
        if title and (cl.title is None or len(title) > len(cl.title)):
            cl.title = title
        cl.mentions[(ts, e)] = None
        return cl

    def _cluster_for(self, clusters, c, history) -> Cluster | None:
        text = self.text
        s, e = c.speaker
        phrase = text[s:e]
        if c.speaker_kind == "pronoun":
            want = PRONOUNS.get(phrase.lower(), "any")
            for pos, cl in reversed(history):  # the antecedent is mentioned before the pronoun
                if pos < s and (want == "any" or cl.kind == want
                                or (want == "org" and cl.kind == "place")):
                    cl.mentions[(s, e)] = None
                    return cl
            prior = [(max(cl.mentions), cl) for cl in clusters if cl.kind == "person"
                     and cl.mentions and max(cl.mentions)[0] < s]
            if want == "person" and prior:
                cl = max(prior, key=lambda x: x[0])[1]
                cl.mentions[(s, e)] = None
                return cl
            return None
        # a person named inside the phrase
        for es, ee, _lab in self.ents.starting(s, e):
            if ee <= e:
                cl = clusters.person(text[es:ee])
                if cl is not None:
                    cl.mentions[(s, e)] = None
                    return cl
        words = phrase.lower().split()
        # a person's surname that the NER missed ("Stoltenberg" as a tagger's source) is theirs too
        named = c.speaker_kind in (None, "other") and all(w[:1].isupper() for w in phrase.split())
        cl = clusters.person(phrase) if c.speaker_kind == "person" or named else None
        if cl is None and c.speaker_kind == "role":
            cl = self._resolve_role(clusters, words)
        if cl is None:
            kind = {"role": "person", "person": "person"}.get(c.speaker_kind or "", c.speaker_kind
                                                              or "other")
            key = phrase.lower()
            cl = clusters.named(key)
            if cl is None:
                cl = Cluster(name=phrase, kind=kind, first=s)
                clusters.append(cl)
            if c.speaker_kind == "person":
                ts = self._title_left(s)
                cl.title = cl.title or (text[ts:s].strip() or None)
        cl.mentions[(s, e)] = None
        return cl

    @staticmethod
    def _resolve_role(clusters: list[Cluster], words: list[str]) -> Cluster | None:
        """'the Secretary-General' -> the person titled so; 'NATO chief' -> the most mentioned
        person whose title is a leading role (not 'former')."""
        roles = {w for w in words if w in ROLE_WORDS} - MODIFIER_WORDS
        people = [cl for cl in clusters if cl.kind == "person" and cl.title]
        exact = [cl for cl in people if roles & set(cl.title.lower().split())]
        if exact:
            return max(exact, key=lambda cl: len(cl.mentions))
        if roles & LEADER_WORDS:
            leaders = [cl for cl in people
                       if not set(cl.title.lower().split()) & {"former", "then", "ex"}]
            if leaders:
                return max(leaders, key=lambda cl: (len(cl.mentions), -cl.first))
        return None


def _span(text: str, s: int, e: int) -> Span:
    return Span(text=text[s:e], start=s, end=e)
