"""Hybrid retrieval: BM25 (bm25s) + dense vectors (all-MiniLM-L6-v2), fused by reciprocal rank.

The dense passage matrix is cached on disk under ``cache_dir`` keyed by the reference set's content
hash and the encoder, so a second run over the same references does not re-embed. The cache holds
plain ``.npy`` arrays (loaded with ``allow_pickle=False``).

Example::

    >>> from claimcheck import ReferenceSet
    >>> from claimcheck.evidence.retrieve import Retriever
    >>> refs = ReferenceSet.from_texts(["NATO was founded in 1949.", "Paris is in France."])
    >>> hits = Retriever(top_k=1, dense=False).index(refs).search(["When was NATO founded?"])
    >>> hits[0][0].passage.text
    'NATO was founded in 1949.'
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import Field, StrictInt, model_validator

from claimcheck.config import Strict
from claimcheck.evidence.references import ReferenceSet
from claimcheck.text.encoder import Encoder
from claimcheck.types import Passage

DEFAULT_TOP_K = 5  # passages per claim


class RetrievalConfig(Strict):
    top_k: StrictInt = Field(DEFAULT_TOP_K, ge=1, le=100)
    dense: bool = True
    bm25: bool = True
    fold_terms: bool = Field(True, description="BM25 matches US/UK spellings and plurals "
                             "(defence = defense, agreements = agreement); English only")
    rrf_k: int = Field(60, ge=1)
    window: int = Field(1, ge=1, le=5, description="sentences per passage")
    cache_dir: str | None = Field(None, description="index cache; None: ~/.cache/claimcheck")
    min_score: float = Field(
        0.0, ge=0.0, le=1.0, description="drop passages whose dense cosine is below this"
    )

    @model_validator(mode="after")
    def _one_retriever(self) -> RetrievalConfig:
        if not (self.dense or self.bm25):
            raise ValueError("retrieval.dense and retrieval.bm25 are both false: nothing would "
                             "retrieve evidence. Fix: keep at least one of them true")
        return self


log = logging.getLogger(__name__)


# British -> American spellings that BM25 would otherwise treat as different words
# ("mutual defence" in a reference must match "mutual defense" in a claim).
_SPELLING = {
    "defence": "defense", "offence": "offense", "licence": "license", "pretence": "pretense",
    "centre": "center", "metre": "meter", "theatre": "theater", "litre": "liter",
    "programme": "program", "catalogue": "catalog", "dialogue": "dialog", "cheque": "check",
    "grey": "gray", "tyre": "tire", "aluminium": "aluminum", "judgement": "judgment",
    "manoeuvre": "maneuver", "analyse": "analyze", "paralyse": "paralyze",
}
_OUR = re.compile(r"^(arm|behavi|col|endeav|fav|harb|hon|hum|lab|neighb|rum|savi|vap|vig)our")
_ISE = re.compile(r"^(.{3,})is(e|ed|es|ing|ation|ations)$")
_ISE_KEEP = frozenset({
    "advise", "advertise", "arise", "chastise", "comprise", "compromise", "concise", "demise",
    "despise", "devise", "disguise", "enterprise", "excise", "exercise", "expertise", "franchise",
    "improvise", "merchandise", "noise", "otherwise", "paradise", "praise", "precise", "premise",
    "promise", "raise", "revise", "rise", "supervise", "surmise", "surprise", "televise",
    "treatise", "wise",
})


def _term(word: str) -> str:
    """One lower-cased token -> its search form: American spelling, light plural stemming."""
    w = _SPELLING.get(word, word)
    w = _OUR.sub(r"\1or", w)
    m = _ISE.match(w)
    if m and f"{m.group(1)}ise" not in _ISE_KEEP:
        w = f"{m.group(1)}iz{m.group(2)}"
    w = _SPELLING.get(w.removesuffix("s"), w) if w.endswith("s") else w
    if len(w) > 4 and w.endswith("ies") and not w.endswith(("eies", "aies")):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ies")):
        return w[:-1]
    return w


def search_terms(words: list[str]) -> list[str]:
    """The BM25 "stemmer": spelling variants and plurals of a word become one term."""
    return [_term(w) for w in words]


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float  # fused RRF score
    dense: float  # cosine similarity (0 when dense retrieval is off)
    bm25: float


def default_cache_dir() -> Path:
    env = os.environ.get("CLAIMCHECK_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "claimcheck"




class Retriever:
    """Index a ReferenceSet once, then search many queries at a time."""

    def __init__(self, top_k: int = DEFAULT_TOP_K, dense: bool = True, bm25: bool = True,
                 rrf_k: int = 60,
                 encoder: str | Encoder = "default", cache_dir: str | Path | None = None,
                 min_score: float = 0.0, fold_terms: bool = True, progress: bool = False,
                 precision: str = "auto") -> None:
        if top_k < 1:
            raise ValueError(f"The 'top_k' parameter of Retriever must be an int >= 1. Got "
                             f"{top_k!r} instead.")
        if not (dense or bm25):
            raise ValueError("Retriever needs dense=True or bm25=True (both off finds nothing).")
        self.top_k = top_k
        self.dense = dense
        self.bm25 = bm25
        self.rrf_k = rrf_k
        self.encoder = (encoder if isinstance(encoder, Encoder)
                        else Encoder(encoder, precision=precision))
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.min_score = min_score
        self._stemmer = search_terms if fold_terms else None
        self.progress = progress  # a bar while passages are encoded (after a second)
        self.refs: ReferenceSet | None = None
        self._bm25 = None
        self._vectors: np.ndarray | None = None
        self.cache_hit = False

    def index(self, refs: ReferenceSet) -> Retriever:
        if self.refs is refs:
            return self
        self.refs = refs
        texts = [p.text for p in refs.passages]
        if self.bm25:
            import bm25s

            # bm25s sets its logger to DEBUG on import and logs every index build
            logging.getLogger("bm25s").setLevel(logging.WARNING)
            self._bm25 = bm25s.BM25()
            self._bm25.index(bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer,
                                               show_progress=False),
                             show_progress=False)
        if self.dense:
            self._vectors = self._cached_vectors(refs, texts)
        return self

    def _cached_vectors(self, refs: ReferenceSet, texts: list[str]) -> np.ndarray:
        # bf16 vectors differ in the 3rd decimal: cached apart from fp32 ones (whose key is kept)
        prec = "" if self.encoder.precision == "fp32" else f"|{self.encoder.precision}"
        key = hashlib.sha256(f"{refs.content_hash}|{self.encoder.path}{prec}".encode()
                             ).hexdigest()[:32]
        f = self.cache_dir / f"dense-{key}.npy"
        if f.is_file():
            try:
                v = np.load(f, allow_pickle=False)
                if v.shape[0] == len(texts):
                    self.cache_hit = True
                    return v
            except (OSError, ValueError):
                log.warning("ignoring unreadable index cache %s", f)
        v = self.encoder.encode(texts, progress=self.progress, desc="encoding passages")
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = f.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, v, allow_pickle=False)
            os.replace(tmp, f)
        except OSError as e:
            log.warning("could not write the index cache %s (%s); continuing without it", f, e)
        self.cache_hit = False
        return v

    def search(self, queries: Sequence[str], top_k: int | None = None) -> list[list[Hit]]:
        """Top-k hits per query, best first (ties broken by passage order: deterministic)."""
        if self.refs is None:
            raise RuntimeError("Retriever.search called before index(references).")
        n = len(self.refs.passages)
        k = min(top_k or self.top_k, n)
        if not queries:
            return []
        bm25_scores = np.zeros((len(queries), n), dtype=np.float64)
        if self._bm25 is not None:
            import bm25s

            toks = bm25s.tokenize(list(queries), stopwords="en", stemmer=self._stemmer,
                                  show_progress=False)
            docs, scores = self._bm25.retrieve(toks, k=n, show_progress=False)
            for qi in range(len(queries)):
                bm25_scores[qi, docs[qi]] = scores[qi]
        dense_scores = np.zeros((len(queries), n), dtype=np.float64)
        if self._vectors is not None:
            q = self.encoder.encode(list(queries))
            dense_scores = (q @ self._vectors.T).astype(np.float64)
        out = []
        for qi in range(len(queries)):
            fused = np.zeros(n)
            for on, sc, lexical in ((self._bm25 is not None, bm25_scores[qi], True),
                                    (self._vectors is not None, dense_scores[qi], False)):
                if not on:
                    continue
                order = np.lexsort((np.arange(n), -sc))
                ranks = np.empty(n)
                ranks[order] = np.arange(1, n + 1)
                contrib = 1.0 / (self.rrf_k + ranks)
                if lexical:
                    contrib[sc <= 0] = 0.0  # no shared term: BM25 gives no evidence
                fused += contrib
            order = np.lexsort((np.arange(n), -fused))[:k]
            hits = [Hit(self.refs.passages[i], round(float(fused[i]), 6),
                        round(float(dense_scores[qi, i]), 6), round(float(bm25_scores[qi, i]), 6))
                    for i in order
                    if fused[i] > 0 and (self._vectors is None
                                         or dense_scores[qi, i] >= self.min_score)]
            out.append(hits)
        return out
