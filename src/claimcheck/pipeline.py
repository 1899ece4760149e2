"""``ClaimChecker``: wires ingest → segment → retrieve → NLI → verdicts (+ quotes, stance, flags).

Example::

    >>> from claimcheck import ClaimChecker, ReferenceSet
    >>> checker = ClaimChecker()                       # configs/default.yaml's defaults
    >>> refs = ReferenceSet.from_path("examples/nato-summit-2024/references")
    >>> report = checker.check("NATO was founded in 1949.", references=refs)
    >>> report.claims[0].label.value
    'supported'
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from claimcheck.claims.coverage import coverage
from claimcheck.claims.segment import SegmentConfig, segment
from claimcheck.config import Strict, config_sha256, load_config, validate
from claimcheck.errors import ClaimcheckWarning, ConfigError, InputError
from claimcheck.evidence.references import ReferenceSet
from claimcheck.evidence.retrieve import RetrievalConfig, Retriever
from claimcheck.quotes.extract import QuotesConfig
from claimcheck.quotes.stance import StanceConfig, stance_model_name
from claimcheck.report import Report
from claimcheck.review.flags import FlagsConfig
from claimcheck.text.ingest import ingest
from claimcheck.text.nlp import LineDocs
from claimcheck.types import (
    Claim,
    ClaimResult,
    Coverage,
    Document,
    Evidence,
    Passage,
    Probabilities,
)
from claimcheck.verdict import calibration
from claimcheck.verdict.nli import ModelConfig, NLIModel
from claimcheck.verdict.verify import (
    ANAPHORIC_START,
    PRONOUN_START,
    Candidate,
    VerdictConfig,
    about_subject,
    claim_subjects,
    decide,
    titled,
    topical,
    verdict_mismatches,
    window_passage,
    with_context,
)
from claimcheck.version import __version__


class PipelineConfig(Strict):
    """The whole pipeline's config: one section per stage, each schema defined with its stage."""

    model: ModelConfig = ModelConfig()
    retrieval: RetrievalConfig = RetrievalConfig()
    verdict: VerdictConfig = VerdictConfig()
    segment: SegmentConfig = SegmentConfig()
    quotes: QuotesConfig = QuotesConfig()
    stance: StanceConfig = StanceConfig()
    flags: FlagsConfig = FlagsConfig()
    progress: bool | None = Field(None, description="progress bars; None: only on a TTY")


log = logging.getLogger(__name__)

References = ReferenceSet | str | Path | Sequence[str]


def _coerce_config(config: PipelineConfig | dict | str | Path | None) -> PipelineConfig:
    if config is None:
        return PipelineConfig()
    if isinstance(config, PipelineConfig):
        return config
    if isinstance(config, dict):
        return validate(PipelineConfig, config)
    if isinstance(config, (str, Path)):
        return load_config(PipelineConfig, config)
    raise ConfigError(f"config must be a PipelineConfig, dict or YAML path, got "
                      f"{type(config).__name__}.")


class ClaimChecker:
    """Check articles against a reference set. Heavy models load on first use."""

    def __init__(self, config: PipelineConfig | dict | str | Path | None = None) -> None:
        self.config = _coerce_config(config)
        self._nli: NLIModel | None = None
        self._stance_model: NLIModel | None = None
        self._retrievers: dict[str, Retriever] = {}
        self._nlp = None
        self._subjects: tuple[tuple[str, ...], list] = ((), [])

    @classmethod
    def from_config(cls, path: str | Path, overrides: list[str] | None = None) -> ClaimChecker:
        """Load a YAML pipeline config (``overrides`` like ``["retrieval.top_k=8"]``)."""
        return cls(load_config(PipelineConfig, path, overrides))

    # -- components ----------------------------------------------------------------------------
    @property
    def nli(self) -> NLIModel:
        if self._nli is None:
            self._nli = NLIModel.from_config(self.config.model).load()
        return self._nli

    @property
    def stance_model(self) -> NLIModel:
        """The model that scores stance (``stance.model``; the judge itself for 'judge')."""
        if self._stance_model is None:
            from claimcheck.quotes.stance import load_stance_model

            judge = self.nli if self.config.stance.model == "judge" else None
            self._stance_model = load_stance_model(self.config.stance, self.config.model,
                                                   judge).load()
        return self._stance_model

    @property
    def nlp(self):
        if self._nlp is None:
            from claimcheck.text.nlp import load_spacy

            self._nlp = load_spacy()
        return self._nlp

    def retriever(self, refs: ReferenceSet) -> Retriever:
        key = refs.content_hash
        if key not in self._retrievers:
            r = self.config.retrieval
            self._retrievers[key] = Retriever(
                top_k=r.top_k, dense=r.dense, bm25=r.bm25, rrf_k=r.rrf_k,
                encoder=self.config.model.encoder, cache_dir=r.cache_dir,
                min_score=r.min_score, fold_terms=r.fold_terms,
                progress=self._progress(), precision=self.config.model.precision).index(refs)
        return self._retrievers[key]

    def thresholds(self) -> tuple[float, float]:
        """(entailment, contradiction) thresholds: config, else calibrated, else the fallback."""
        v, cal = self.config.verdict, self.nli.calibration
        return (calibration.value(cal, "entail_threshold", v.entail_threshold),
                calibration.value(cal, "contradict_threshold", v.contradict_threshold))

    def min_similarity(self) -> float:
        """Dense similarity a passage needs to count as evidence (config, else calibrated, else
        the fallback; 0 when dense retrieval is off)."""
        v = calibration.value(self.nli.calibration, "min_similarity",
                              self.config.verdict.min_similarity)
        return v if self.config.retrieval.dense else 0.0

    def min_overlap(self) -> float:
        """Share of a claim's content words a supporting passage must hold (config, else
        calibrated, else 0)."""
        return calibration.value(self.nli.calibration, "min_overlap",
                                 self.config.verdict.min_overlap)

    def _refs(self, references: References) -> ReferenceSet:
        if isinstance(references, ReferenceSet):
            return references
        w = self.config.retrieval.window
        if isinstance(references, (str, Path)):
            return ReferenceSet.from_path(references, window=w, nlp=self.nlp)
        if isinstance(references, Sequence):
            return ReferenceSet.from_texts(list(references), window=w, nlp=self.nlp)
        raise InputError(f"references must be a ReferenceSet, a path or a list of strings, got "
                         f"{type(references).__name__}.")

    def _language(self, doc: Document) -> str | None:
        """The article's language ('en', another ISO 639-1 code, or None when unsure); a
        non-English one is refused or warned about per ``segment.language``."""
        policy = self.config.segment.language
        if policy == "off":
            return None
        from claimcheck.text.language import detect_language, plainly_english

        text = "\n".join(p.text for p in doc.paragraphs) or doc.text
        if plainly_english(text):
            return "en"
        found = detect_language(text)
        if found is None or found[0] == "en":
            return found and found[0]
        code, prob = found
        msg = (f"The article looks like {code!r} text (langdetect, p={prob:.2f}), but "
               "claimcheck's models read English only: its verdicts would not mean anything.")
        if policy == "error":
            raise InputError(f"{msg} Fix: translate it to English first, or pass --set "
                             "segment.language=warn to check it anyway.")
        warnings.warn(f"{msg} Its text counts as unchecked, so --fail-on fails it "
                      "(segment.language=error refuses such articles).", ClaimcheckWarning,
                      stacklevel=3)
        return code

    def _progress(self) -> bool:
        p = self.config.progress
        return sys.stderr.isatty() if p is None else p

    # -- public API ------------------------------------------------------------------------------
    def check(self, text: str, references: References, fmt: str | None = None,
              source: str | None = None) -> Report:
        """Check one article (plain text, Markdown or HTML) against ``references``."""
        timings: dict[str, float] = {}
        t = time.perf_counter()
        doc = ingest(text, fmt, source, max_chars=self.config.segment.max_input_chars)
        language = self._language(doc)
        timings["ingest"] = time.perf_counter() - t
        t = time.perf_counter()
        lines = LineDocs(self.nlp, doc.text)  # parsed once, read by segment and quotes
        claims, non_claims = segment(doc, self.config.segment.atomic,
                                     self.config.segment.min_words, nlp=self.nlp, lines=lines)
        timings["segment"] = time.perf_counter() - t
        if claims and self.config.segment.checkworthiness:
            t = time.perf_counter()
            from claimcheck.claims.checkworthy import score_sentences

            name = self.config.segment.checkworthiness_model
            scores = score_sentences([c.statement for c in claims],
                                     model=None if name == "default" else name,
                                     precision=self.config.model.precision)
            claims = [dataclasses.replace(c, checkworthiness=round(float(s), 4))
                      for c, s in zip(claims, scores, strict=True)]
            timings["checkworthiness"] = time.perf_counter() - t
        refs = self._refs(references)
        results = self._verify(claims, refs, timings)
        return self._report(doc, results, non_claims, refs, timings, lines=lines,
                            coverage=coverage(doc, claims, non_claims, language))

    def check_claims(self, claims: Sequence[str], references: References) -> Report:
        """Check claim strings (one claim each, no segmentation); results keep input order."""
        if isinstance(claims, str):
            claims = [claims]
        if not claims:
            raise InputError("check_claims got no claims. Pass a list of claim strings.")
        timings: dict[str, float] = {}
        parts, items, pos = [], [], 0
        for i, c in enumerate(claims):
            if not isinstance(c, str) or not c.strip():
                raise InputError(f"Claim {i} is empty or not a string. Pass non-empty strings.")
            if parts:
                parts.append("\n")
                pos += 1
            items.append(Claim(id=i, text=c, start=pos, end=pos + len(c), statement=c.strip(),
                               sentence_start=pos, sentence_end=pos + len(c)))
            parts.append(c)
            pos += len(c)
        text = "".join(parts)
        doc = Document(text, tuple(), format="claims")
        refs = self._refs(references)
        results = self._verify(items, refs, timings)
        return self._report(doc, results, [], refs, timings)

    def check_many(self, texts: Sequence[str], references: References) -> list[Report]:
        """Check several articles against the same references (index built once)."""
        refs = self._refs(references)
        return [self.check(t, refs) for t in texts]

    def check_corpus(self, corpus: str | Path, references: References, output: str | Path, *,
                     engine: str = "local", workers: int = 1, batch_size: int = 8,
                     ray_address: str | None = None, cpus_per_worker: float | None = None,
                     input_format: str | None = None, retry_failed: bool = False,
                     progress: bool | None = None):
        """Check every article of a folder or JSONL file into the JSONL ``output`` (one report or
        failure per line, in input order; rerunning skips the ids already there), plus a summary
        JSON and a claims CSV beside it. Returns a :class:`claimcheck.corpus.CorpusRun`.
        ``engine="ray"`` runs ``workers`` Ray actors (``ray_address``: join a cluster). See
        docs/scale.md."""
        from claimcheck.corpus import check_corpus

        return check_corpus(self, corpus, references, output, engine=engine, workers=workers,
                            batch_size=batch_size, ray_address=ray_address,
                            cpus_per_worker=cpus_per_worker, input_format=input_format,
                            retry_failed=retry_failed, progress=progress)

    def judge(self, claims: Sequence[str], passages: Sequence[Sequence[str]]) -> list[ClaimResult]:
        """Apply the NLI model and verdict rule to given passages (no retrieval): claim ``i`` is
        judged against ``passages[i]``. Used by benchmarks whose evidence is fixed."""
        if len(claims) != len(passages):
            raise InputError(f"judge needs one passage list per claim: got {len(claims)} claims "
                             f"and {len(passages)} passage lists.")
        items = [Claim.whole(i, c) for i, c in enumerate(claims)]
        cands = [[Candidate(Passage(id=r, doc_id=f"given:{i}", text=p, start=0, end=len(p)),
                             1.0 / (r + 1), p)
                  for r, p in enumerate(ps) if p and p.strip()] for i, ps in enumerate(passages)]
        return self._judge(items, cands)

    # -- internals -------------------------------------------------------------------------------
    def candidates(self, statements: Sequence[str], refs: ReferenceSet,
                   exclude: Sequence[frozenset[str]] | None = None) -> list[list[Candidate]]:
        """Top-k passages per statement (minus the documents in ``exclude[i]``)."""
        retriever = self.retriever(refs)
        k = self.config.retrieval.top_k
        extra = max((len(x) for x in exclude), default=0) if exclude else 0
        found = retriever.search(statements, top_k=k + 8 * extra) if statements else []
        out = []
        for i, hs in enumerate(found):
            if exclude:
                hs = [h for h in hs if h.passage.doc_id not in exclude[i]]
            out.append([Candidate(h.passage, h.score, with_context(
                h.passage, refs.passages[h.passage.id - 1] if h.passage.id > 0 else None,
                self.config.verdict.premise_title,
                ANAPHORIC_START if self.config.verdict.fail_safe else PRONOUN_START),
                h.dense if self.config.retrieval.dense else None, self._window(refs, h.passage),
                round(float(h.bm25), 4))
                for h in hs[:k]])
        return out

    def _window(self, refs: ReferenceSet, passage: Passage) -> Passage | None:
        size = self.config.verdict.premise_window
        if not size:
            return None
        return window_passage(refs.passages, passage, size, refs.document(passage.doc_id).text)

    def _verify(self, claims: Sequence[Claim], refs: ReferenceSet,
                timings: dict[str, float]) -> list[ClaimResult]:
        t = time.perf_counter()
        cands = self.candidates([c.statement for c in claims], refs)
        timings["retrieve"] = time.perf_counter() - t
        return self._judge(claims, cands, timings)

    def score(self, claims: Sequence[Claim], cands: list[list[Candidate]]) -> list[list[Evidence]]:
        """NLI probabilities for the (candidate premise, claim statement) pairs the verdict rule
        can use: each retrieved sentence that holds the claim's topic or names its subject
        (``verdict.judge_off_topic``: every one), then the windows of those that do not entail the
        claim on their own, where the window holds the topic (``verdict.window_if_undecided``;
        off: every window, in the sentences' batch). A window that entails more replaces its
        sentence (a contradiction the judge reads in one sentence of an entailing window is
        taken as its error, as before)."""
        vc = self.config.verdict
        fail_safe, min_overlap = vc.fail_safe, self.min_overlap()

        def window(x: Candidate) -> str:
            return titled(x.window.text, x.window.title) if vc.premise_title else x.window.text

        if not vc.judge_off_topic and min_overlap > 0:
            subjects = self.subjects([c.statement for c in claims])
            cands = [[x for x in cs if topical(c.statement, x.passage, min_overlap) or
                      about_subject(subj, x.passage.text)]
                     for c, cs, subj in zip(claims, cands, subjects, strict=True)]
        flat = [(x, c.statement) for c, cs in zip(claims, cands, strict=True) for x in cs]
        progress = self._progress()
        if vc.window_if_undecided:
            probs = self.nli.predict([(x.premise, h) for x, h in flat], progress=progress) \
                if flat else []
            entail_t = self.thresholds()[0]
            todo = [i for i, (x, h) in enumerate(flat) if x.window is not None and
                    probs[i][0] < entail_t and topical(h, x.window, min_overlap)]
            wprobs = self.nli.predict([(window(flat[i][0]), flat[i][1]) for i in todo],
                                      progress=progress) if todo else []
            windows = dict(zip(todo, wprobs, strict=True))
        else:
            pairs = [(p, h) for x, h in flat
                     for p in (x.premise, None if x.window is None else window(x)) if p is not None]
            both = self.nli.predict(pairs, progress=progress) if pairs else []
            probs, windows, k = [], {}, 0
            for i, (x, _) in enumerate(flat):
                probs.append(both[k])
                if x.window is not None:
                    windows[i] = both[k + 1]
                k += 1 + (x.window is not None)
        out, k = [], 0
        for cs in cands:
            evs = []
            for x in cs:
                p, passage = probs[k], x.passage
                if k in windows:  # the window counts when it entails more (support spanning
                    w = windows[k]  # sentences), never to contradict: a sentence beside the
                    # passage must not deny the claim for it
                    if (w[0] > p[0] and w[0] > w[2]) if fail_safe else \
                            max(w[0], w[2]) > max(p[0], p[2]):  # the rule before #35
                        p, passage = w, x.window
                k += 1
                evs.append(Evidence(
                    passage=passage, probabilities=Probabilities(
                        *(round(float(v), 4) for v in p[:3])),
                    retrieval_score=round(float(x.score), 6), bm25=x.bm25,
                    similarity=None if x.similarity is None else round(x.similarity, 4)))
            out.append(evs)
        return out

    def _judge(self, claims: Sequence[Claim], cands: list[list[Candidate]],
               timings: dict[str, float] | None = None) -> list[ClaimResult]:
        timings = {} if timings is None else timings
        t = time.perf_counter()
        evidence_per_claim = self.score(claims, cands)
        timings["nli"] = time.perf_counter() - t
        t = time.perf_counter()
        results = self.verdicts(claims, evidence_per_claim)
        timings["verdict"] = time.perf_counter() - t
        return results

    def verdicts(self, claims: Sequence[Claim], evidence: list[list[Evidence]]
                 ) -> list[ClaimResult]:
        """The verdict rule (:func:`claimcheck.verdict.verify.decide`) for each claim over its
        scored evidence, with this checker's thresholds, gates and mismatch checks."""
        entail_t, contra_t = self.thresholds()
        min_sim = self.min_similarity()
        mismatches = self.mismatches(claims, evidence, entail_t, min_sim)
        subjects = self.subjects([c.statement for c in claims])
        return [decide(c.id, c.text, c.start, c.end, c.statement, evs, entail_t, contra_t,
                       self.config.verdict.max_evidence, mismatches.get(c.id),
                       c.checkworthiness, min_sim, subj, self.min_overlap(),
                       self.config.verdict.fail_safe)
                for c, evs, subj in zip(claims, evidence, subjects, strict=True)]

    def subjects(self, statements: Sequence[str]) -> list[tuple[str, ...]]:
        """:func:`~claimcheck.verdict.verify.claim_subjects` of ``statements``, parsed once for
        the scoring and the verdict of the same claims."""
        key, last = tuple(statements), self._subjects  # one read: safe beside another thread
        if last[0] != key:
            last = self._subjects = (key, claim_subjects(list(statements), self.nlp))
        return last[1]

    def check_grounded(self, pairs: Sequence[tuple[str, str]], *,
                       titles: Sequence[str | None] | None = None, chunk_words: int | None = None):
        """Is each generated text supported by its source document? ``pairs`` of (document,
        text); see :mod:`claimcheck.verdict.grounded`. Returns one
        :class:`~claimcheck.verdict.grounded.GroundedResult` per pair."""
        from claimcheck.verdict.grounded import CHUNK_WORDS, check_grounded

        return check_grounded(self, pairs, titles=titles,
                              chunk_words=CHUNK_WORDS if chunk_words is None else chunk_words)

    def mismatches(self, claims: Sequence[Claim], evidence: list[list[Evidence]],
                   entail_t: float, min_similarity: float = 0.0
                   ) -> dict[int, tuple[str, str, str]]:
        """See :func:`claimcheck.verdict.verify.verdict_mismatches` (off with
        ``verdict.mismatch_checks: false``)."""
        if not self.config.verdict.mismatch_checks:
            return {}
        return verdict_mismatches(claims, evidence, entail_t, min_similarity, self.nlp,
                                  self.min_overlap())

    def _analyse(self, doc: Document, results: list[ClaimResult], non_claims,
                 timings: dict[str, float], lines: LineDocs) -> dict[str, tuple]:
        """Quotes, speakers, stances and flags of an article."""
        from claimcheck.quotes.extract import extract_quotes
        from claimcheck.quotes.stance import score_stances
        from claimcheck.review.flags import find_flags

        cfg = self.config
        out: dict[str, tuple] = {"quotes": (), "speakers": (), "stances": (), "flags": ()}
        if cfg.quotes.enabled:
            t = time.perf_counter()
            quotes, speakers = extract_quotes(doc, self.nlp, cfg.quotes, lines,
                                              precision=cfg.model.precision)
            out["quotes"], out["speakers"] = tuple(quotes), tuple(speakers)
            timings["quotes"] = time.perf_counter() - t
            if cfg.stance.enabled and quotes:
                t = time.perf_counter()
                out["stances"] = tuple(score_stances(quotes, speakers, self.stance_model, cfg.stance,
                                                     nlp=self.nlp, lines=lines))
                timings["stance"] = time.perf_counter() - t
        t = time.perf_counter()
        out["flags"] = tuple(find_flags(doc, list(results), list(non_claims), cfg.flags,
                                          nlp=self.nlp))
        timings["flags"] = time.perf_counter() - t
        return out

    def _report(self, doc: Document, results: list[ClaimResult], non_claims, refs: ReferenceSet,
                timings: dict[str, float], lines: LineDocs | None = None,
                coverage: Coverage | None = None) -> Report:
        """The report; an article (``lines`` given) also gets its quotes, stances and flags."""
        extra = self._analyse(doc, results, non_claims, timings, lines) if lines else {}
        scored = bool(self.config.stance.enabled and extra.get("quotes"))

        nli = self.nli
        meta: dict[str, Any] = {
            "claimcheck_version": __version__,
            "config_sha256": config_sha256(self.config),
            "model": self.config.model.nli,
            "model_weights_sha256": nli.calibration.get("weights_sha256"),
            # the stance model, when this article's quotes were scored with it
            "stance_model": stance_model_name(self.config.stance.model) if scored else None,
            "stance_weights_sha256": (self.stance_model.calibration.get("weights_sha256")
                                      if scored else None),
            "thresholds": {**dict(zip(("entailment", "contradiction"), self.thresholds(),
                                      strict=True)), "min_similarity": self.min_similarity(),
                           "min_overlap": self.min_overlap()},
            "references": {"documents": len(refs.documents), "passages": len(refs.passages),
                           "sha256": refs.content_hash},
            "timings": {k: round(v, 4) for k, v in timings.items()},
        }
        cited = dict.fromkeys(ev.doc_id for r in results for ev in r.evidence)
        docs = tuple(refs.document(d) for d in cited)
        return Report(doc, tuple(results), tuple(non_claims), meta=meta, coverage=coverage,
                      evidence_documents=docs, **extra)


