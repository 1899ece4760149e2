"""Task runners: turn examples into predictions with a method (the model or a baseline) and score
them. The claimcheck components each task evaluates are imported lazily through
:data:`COMPONENTS`, so a task whose component has not landed yet fails with a clear error."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from claimcheck.bench import metrics as M
from claimcheck.bench.adapters import Loaded, split_sentences
from claimcheck.bench.baselines import (
    TFIDF_FIELDS,
    EncoderLR,
    TfidfLR,
    majority_label,
    quote_marks,
)
from claimcheck.bench.config import BenchConfig
from claimcheck.errors import ClaimcheckError, ConfigError
from claimcheck.pipeline import PipelineConfig

log = logging.getLogger(__name__)

#: task -> (module under claimcheck, attribute) of the component the task evaluates
COMPONENTS: dict[str, tuple[str, str]] = {
    "claim_verification": ("claimcheck", "ClaimChecker"),
    "stance": ("claimcheck.quotes.stance", "predict_stance"),
    "quote_attribution": ("claimcheck.quotes.extract", "extract_quotes"),
    "check_worthiness": ("claimcheck.claims.checkworthy", "score_sentences"),
    "grounded": ("claimcheck", "ClaimChecker"),
}


def component(task: str) -> Any:
    """The claimcheck component a task evaluates, or a ClaimcheckError naming what is missing."""
    mod_name, attr = COMPONENTS[task]
    try:
        mod = importlib.import_module(mod_name)
    except ModuleNotFoundError as e:
        if e.name and mod_name.startswith(e.name):
            raise ClaimcheckError(
                f"Task {task!r} needs {mod_name}.{attr}, which is not available in this "
                "claimcheck install. Fix: update claimcheck, or run only the baselines with "
                "--set 'methods=[majority,tfidf_lr]'.") from e
        raise
    fn = getattr(mod, attr, None)
    if fn is None:
        raise ClaimcheckError(
            f"Task {task!r} needs {mod_name}.{attr}, which is not available in this claimcheck "
            "install. Fix: update claimcheck, or run only the baselines with "
            "--set 'methods=[majority,tfidf_lr]'.")
    return fn


def make_nli(pcfg: PipelineConfig):
    from claimcheck.verdict.nli import NLIModel

    return NLIModel.from_config(pcfg.model)


@dataclass
class Prediction:
    """What one method predicted for the evaluated examples."""

    labels: list[str] | None = None
    scores: list[float] | None = None
    quotes: list[list[dict]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def gold_of(task: str, ex: dict) -> str:
    return str(ex["label"])


# ---------------------------------------------------------------------------------------------
# methods


def run_method(method: str, cfg: BenchConfig, data: Loaded, train: Loaded | None,
               pcfg: PipelineConfig) -> Prediction:
    task = cfg.task
    if method == "quote_marks":
        return Prediction(quotes=[quote_marks(d["text"]) for d in data.examples])
    if method == "zero_shot":  # stance with the NLI judge and the zero-shot rules
        stance = pcfg.stance.model_copy(update={"model": "judge", "zero_shot": True})
        return _stance(cfg, data, pcfg.model_copy(update={"stance": stance}))
    if method in ("majority", "tfidf_lr", "encoder_lr") and task == "quote_attribution":
        raise ConfigError(f"Method {method!r} does not apply to quote_attribution; use "
                          "quote_marks as its baseline.")
    if method == "majority":
        source = train.examples if train else data.examples
        label = majority_label([gold_of(task, e) for e in source])
        n = len(data.examples)
        if task == "check_worthiness":
            return Prediction(labels=[label] * n, scores=[float(label == "1")] * n,
                              extra={"majority": label, "from": "train" if train else "eval"})
        return Prediction(labels=[label] * n,
                          extra={"majority": label, "from": "train" if train else "eval"})
    if method in ("tfidf_lr", "encoder_lr"):
        if train is None:
            raise ConfigError(f"Method {method!r} of {cfg.name!r} needs training data: set "
                              "dataset.train_split, or dataset.carve to hold out part of the "
                              "split.")
        fields = TFIDF_FIELDS[task]
        weight = "balanced" if task == "check_worthiness" else None
        clf = (TfidfLR(fields, seed=cfg.seed, class_weight=weight) if method == "tfidf_lr" else
               EncoderLR(fields, seed=cfg.seed, class_weight=weight,
                         encoder=pcfg.model.encoder))
        clf.fit(train.examples, [gold_of(task, e) for e in train.examples])
        probs = clf.predict_proba(data.examples)
        labels = [clf.classes_[i] for i in probs.argmax(axis=1)]
        scores = None
        if task == "check_worthiness":
            scores = probs[:, clf.classes_.index("1")].tolist()
        return Prediction(labels=labels, scores=scores, extra={"train_rows": len(train.examples)})
    if method == "model":
        return _MODEL_RUNNERS[task](cfg, data, pcfg)
    raise ConfigError(f"Unknown method {method!r}.")


def _nli_pairs(cfg: BenchConfig, data: Loaded, pcfg: PipelineConfig) -> Prediction:
    from claimcheck.verdict.nli import label_kind, predictions

    nli = make_nli(pcfg)
    pairs = [(e["premise"], e["hypothesis"]) for e in data.examples]
    probs = nli.predict(pairs, progress=bool(pcfg.progress))
    kind = label_kind(data.label_space or [e["label"] for e in data.examples])
    labels = predictions(probs, kind)
    return Prediction(labels=labels, scores=probs.max(axis=1).tolist(),
                      extra={"scoring": kind, "probs": probs.round(5).tolist()})


def _claims(cfg: BenchConfig, data: Loaded, pcfg: PipelineConfig) -> Prediction:
    checker_cls = component("claim_verification")
    checker = checker_cls(config=pcfg)
    if not hasattr(checker, "judge"):
        raise ClaimcheckError("Task 'claim_verification' needs ClaimChecker.judge(claims, "
                              "passages), which this claimcheck install does not have.")
    refs = cfg.options.get("references")
    if refs:  # the retrieval setting: each claim against a reference set, as `check` runs it
        from claimcheck.bench.config import resolve_data_path

        results = list(checker.check_claims([e["claim"] for e in data.examples],
                                            resolve_data_path(str(refs))).claims)
    else:
        results = checker.judge([e["claim"] for e in data.examples],
                                [list(e["passages"]) for e in data.examples])
    labels = [getattr(r.label, "value", str(r.label)) for r in results]
    if "contradicted" not in (data.label_space or []):
        # 2-way sets (WiCE): anything that is not supported counts as not supported
        labels = ["unverified" if x == "contradicted" else x for x in labels]
    return Prediction(labels=labels, scores=[float(r.score) for r in results])


def _stance(cfg: BenchConfig, data: Loaded, pcfg: PipelineConfig) -> Prediction:
    """Text-level stance with ``pipeline.stance.model`` (the trained stance model by default;
    'judge' for zero-shot NLI). Headline-body sets (FNC-1, ARC) use the NLI judge."""
    from claimcheck.quotes.stance import load_stance_model

    if data.kind == "headline_body":
        return _headline_body_nli(cfg, data, make_nli(pcfg))
    model = load_stance_model(pcfg.stance, pcfg.model)
    predict_stance = component("stance")
    out = predict_stance(model, [e["text"] for e in data.examples],
                         [e["target"] for e in data.examples],
                         zero_shot=pcfg.stance.is_zero_shot,
                         two_way="none" not in (data.label_space or ["none"]))
    return Prediction(labels=[str(lab) for lab, _ in out], scores=[float(s) for _, s in out])


def _headline_body_nli(cfg: BenchConfig, data: Loaded, nli) -> Prediction:
    """FNC-1 / ARC zero-shot with the NLI model: TF-IDF cosine below ``related_threshold`` ->
    unrelated; else NLI(body lead, headline): entailment -> agree, contradiction -> disagree,
    neutral -> discuss."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    thr = float(cfg.options.get("related_threshold", 0.1))
    lead = int(cfg.options.get("body_sentences", 4))
    exs = data.examples
    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    vec.fit(list(dict.fromkeys([e["target"] for e in exs] + [e["text"] for e in exs])))
    cos = np.asarray(vec.transform([e["target"] for e in exs]).multiply(
        vec.transform([e["text"] for e in exs])).sum(axis=1)).ravel()
    related = [i for i in range(len(exs)) if cos[i] >= thr]
    leads: dict[str, str] = {}
    for i in related:
        b = exs[i]["text"]
        if b not in leads:
            leads[b] = " ".join(split_sentences(b)[:lead])
    probs = nli.predict([(leads[exs[i]["text"]], exs[i]["target"]) for i in related])
    labels = ["unrelated"] * len(exs)
    names = ("agree", "discuss", "disagree")
    for k, i in enumerate(related):
        labels[i] = names[int(np.argmax(probs[k]))]
    return Prediction(labels=labels, scores=cos.tolist(),
                      extra={"related_threshold": thr, "body_sentences": lead})


def _quotes(cfg: BenchConfig, data: Loaded, pcfg: PipelineConfig) -> Prediction:
    extract = component("quote_attribution")
    out = []
    for d in data.examples:
        quotes, speakers = extract(d["text"], config=pcfg.quotes, precision=pcfg.model.precision)
        by_id = {getattr(s, "id", None): s for s in speakers}
        preds = []
        for q in quotes:
            spk = by_id.get(getattr(q, "speaker_id", None))
            spans = [[m.start, m.end] for m in (getattr(spk, "mentions", None) or ())]
            sm = getattr(q, "speaker_mention", None)
            if sm is not None:
                spans.append([sm.start, sm.end])
            name = getattr(spk, "name", None) or (sm.text if sm is not None else None)
            preds.append({"start": q.start, "end": q.end, "text": q.text,
                          "speaker": {"name": name, "spans": spans} if (name or spans) else None})
        out.append(preds)
    return Prediction(quotes=out)


def _checkworthy(cfg: BenchConfig, data: Loaded, pcfg: PipelineConfig) -> Prediction:
    score_sentences = component("check_worthiness")
    scores = np.asarray(score_sentences([e["text"] for e in data.examples]), dtype=float)
    thr = float(cfg.options.get("threshold", 0.5))
    return Prediction(labels=[str(int(s >= thr)) for s in scores], scores=scores.tolist())


def _grounded(cfg: BenchConfig, data: Loaded, pcfg: PipelineConfig) -> Prediction:
    """Each (document, generated text) through :meth:`ClaimChecker.check_grounded`: supported
    only when every sentence is; the score is the support score (for ROC AUC)."""
    checker = component("grounded")(config=pcfg)
    chunk_words = cfg.options.get("chunk_words")
    out = checker.check_grounded([(e["doc"], e["claim"]) for e in data.examples],
                                 chunk_words=None if chunk_words is None else int(chunk_words))
    return Prediction(labels=[r.label for r in out], scores=[r.score for r in out],
                      extra={"sentences": sum(len(r.sentences) for r in out)})


_MODEL_RUNNERS: dict[str, Callable[[BenchConfig, Loaded, PipelineConfig], Prediction]] = {
    "nli_pairs": _nli_pairs,
    "claim_verification": _claims,
    "stance": _stance,
    "quote_attribution": _quotes,
    "check_worthiness": _checkworthy,
    "grounded": _grounded,
}


# ---------------------------------------------------------------------------------------------
# scoring


def score(cfg: BenchConfig, data: Loaded, pred: Prediction) -> dict[str, Any]:
    task, exs = cfg.task, data.examples
    if task == "quote_attribution":
        return M.quote_metrics(exs, pred.quotes or [],
                               min_overlap=float(cfg.options.get("min_overlap", 0.5)))
    gold = [gold_of(task, e) for e in exs]
    labels = list(pred.labels or [])
    out: dict[str, Any] = {}
    if task == "claim_verification":
        keep = [i for i, g in enumerate(gold) if g != "disputed"]
        disputed = [labels[i] for i in range(len(gold)) if gold[i] == "disputed"]
        if disputed:
            out["disputed"] = {"n": len(disputed),
                               "predicted": {k: disputed.count(k) for k in sorted(set(disputed))}}
        gold, labels = [gold[i] for i in keep], [labels[i] for i in keep]
    space = [x for x in (data.label_space or sorted(set(gold))) if x != "disputed"]
    out.update(M.classification_metrics(gold, labels, space))
    if task == "stance":
        if data.kind == "headline_body":
            out["fnc_score"] = M.fnc_score(gold, labels)["score"]
            out["fnc"] = M.fnc_score(gold, labels)
        else:
            out["f_avg"] = round(M.f_avg(gold, labels), 4)
            seen = [str(e.get("seen", "")) for e in exs]
            if any(seen):  # VAST: topics seen in VAST train (1) or zero-shot topics (0)
                out["f_avg_by_seen"] = {
                    k: round(M.f_avg([g for g, x in zip(gold, seen, strict=True) if x == k],
                                     [p for p, x in zip(labels, seen, strict=True) if x == k]), 4)
                    for k in sorted(set(seen))}
    if task == "claim_verification" and "false_support" in cfg.metrics:
        rates = M.verdict_rates(gold, labels)  # what the trust battery reports
        out.update({k: rates[k] for k in ("false_support", "false_support_n", "support_recall",
                                          "contradiction_recall", "balanced_accuracy")})
    if task == "grounded":
        rates = M.verdict_rates(gold, labels)
        out["balanced_accuracy"] = rates["balanced_accuracy"]
        out["false_support"] = rates["false_support"]
        out["support_recall"] = rates["support_recall"]
        if pred.scores is not None:
            out["roc_auc"] = M.roc_auc([int(g == "supported") for g in gold], pred.scores)
    if task == "check_worthiness":
        ints = [int(g) for g in gold]
        scores = pred.scores if pred.scores is not None else [float(x) for x in labels]
        out.update(M.ranking_metrics([e["group"] for e in exs], ints, scores))
        out["f1_pos"] = M.binary_f1(ints, [float(x) for x in labels], 0.5)["f1"]
        if pred.scores is not None:
            rel = M.reliability(ints, scores)
            out["ece"], out["reliability"] = rel["ece"], rel["bins"]
    return out


def primary_metric(cfg: BenchConfig, data: Loaded) -> str:
    if cfg.task == "quote_attribution":
        return "content_overlap.f1"
    if cfg.task == "check_worthiness":
        return "map" if cfg.dataset.format != "claimbuster" else "f1_pos"
    if cfg.task == "stance":
        return "fnc_score" if data.kind == "headline_body" else "f_avg"
    if cfg.task == "grounded":
        return "balanced_accuracy"
    return "accuracy"


def get_metric(metrics: dict[str, Any], dotted: str) -> Any:
    node: Any = metrics
    for k in dotted.split("."):
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


def subset(examples: Sequence[dict], n: int | None, seed: int) -> list[dict]:
    """A seeded sample of ``n`` examples, kept in their original order (all when n is None)."""
    if n is None or n >= len(examples):
        return list(examples)
    rng = np.random.default_rng(seed)
    idx = sorted(rng.choice(len(examples), size=n, replace=False).tolist())
    return [examples[i] for i in idx]
