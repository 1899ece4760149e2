"""Verdict calibration and evaluation in the retrieval setting.

The pipeline does not see a claim's gold evidence alone: it retrieves the top-k passages from a
pool. This module builds that setting from pair datasets — every example is a claim, the pool
holds the evidence of all sampled rows split into sentences, and a claim's *other* evidence rows
(same claim, different premise) are hidden from it, so exactly one relevant document is findable —
then runs the real pipeline (retriever + NLI + verdict rule) and

* fits the entailment / contradiction thresholds on the FEVER rows carved out of training (plus the
  same claims with their evidence removed from the pool: gold *unverified*), maximizing macro-F1
  with at most 5% of unverified claims called supported; stores them in ``calibration.json``;
* reports 3-way verdict accuracy on the dev sets and the NATO example's gold claims.

Run: ``python -m claimcheck.train.calibrate --model src/claimcheck/models/nli-minilm-v2``;
``--decisions decisions.jsonl [--references refs/] [--write]`` fits them on an editor's decisions
(the review desk's export, docs/serve.md) instead.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from claimcheck.train.data import cap_rows, load_eval_file
from claimcheck.types import Claim, Label
from claimcheck.verdict import calibration
from claimcheck.verdict.verify import claim_subjects, decide

log = logging.getLogger(__name__)

GRID = [round(0.05 + 0.05 * i, 2) for i in range(19)]  # 0.05 … 0.95
SIMILARITY_GRID = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
MAX_UNVERIFIED_AS_SUPPORTED = 0.05
ROW_CAP = 300
FIT_ROWS = 600


@dataclass(frozen=True, slots=True)
class Example:
    claim: str
    gold: str  # supported | contradicted | unverified
    exclude: frozenset[str]  # doc ids hidden from this claim


def doc_id(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def verdict_gold(row: dict) -> str:
    lab, orig = row["label"], str(row.get("label_orig", "")).lower()
    if lab == "entailment":
        return "supported"
    if lab == "contradiction":
        return "contradicted"
    if lab == "neutral" or orig in ("partially_supported", "not_supported"):
        return "unverified"
    raise ValueError(f"cannot map label {lab!r}/{orig!r} to a verdict")


def examples_from_rows(rows: Sequence[dict], remove_evidence: Sequence[bool] | None = None
                       ) -> tuple[list[Example], list[dict]]:
    """One example per row; the pool is every row's premise. A claim cannot see the premises of
    its other rows; with ``remove_evidence[i]`` it cannot see its own either (gold unverified)."""
    by_claim: dict[str, set[str]] = {}
    for r in rows:
        by_claim.setdefault(r["hypothesis"], set()).add(doc_id(r["premise"]))
    examples = []
    for i, r in enumerate(rows):
        own = doc_id(r["premise"])
        others = by_claim[r["hypothesis"]] - {own}
        if remove_evidence and remove_evidence[i]:
            examples.append(Example(r["hypothesis"], "unverified", frozenset(others | {own})))
        else:
            examples.append(Example(r["hypothesis"], verdict_gold(r), frozenset(others)))
    docs = {}
    for r in rows:
        docs.setdefault(doc_id(r["premise"]), r["premise"])
    return examples, [{"id": k, "text": v} for k, v in sorted(docs.items())]


def collect(checker, examples: Sequence[Example], docs: Sequence[dict]):
    """Retrieve + NLI for every example; returns per-example (evidence, {min_similarity:
    mismatch}) where the mismatch is computed for any passage that could support the claim
    (threshold 0), for each similarity gate of the grid."""
    from claimcheck.evidence.references import ReferenceSet

    refs = ReferenceSet.from_texts(list(docs), window=checker.config.retrieval.window)
    cands = checker.candidates([e.claim for e in examples], refs, [e.exclude for e in examples])
    return scored(checker, [e.claim for e in examples], cands)


def scored(checker, claims: Sequence[str], cands):
    """NLI over each claim's candidate passages, with the mismatch checks for every similarity
    gate of the grid: what :func:`apply` decides verdicts from."""
    items = [Claim.whole(i, c) for i, c in enumerate(claims)]
    evidence = checker.score(items, cands)
    mism = {s: checker.mismatches(items, evidence, 0.0, s) for s in SIMILARITY_GRID}
    subjects = claim_subjects(list(claims), checker.nlp)
    return [(evidence[i], {s: mism[s].get(i) for s in SIMILARITY_GRID}, claims[i],
             subjects[i]) for i in range(len(items))]


def fit_decisions(model_dir: Path, decisions: Path, references: Path | None = None,
                  overrides: list[str] | None = None, write: bool = False) -> dict:
    """Fit the verdict thresholds on an editor's decisions (the review desk's JSONL export; see
    docs/serve.md): each claim decision is a claim whose gold verdict is the editor's. With
    ``references`` each claim retrieves from that reference set (the setting of ``claimcheck
    check``); without, it is judged on the evidence passages the editor saw. Returns the verdict
    metrics with the model's current thresholds (``before``) and with the fitted ones
    (``after``); ``write`` stores the fitted thresholds in the model's calibration.json.

    A few dozen decisions fit three numbers loosely: read ``after`` as what the decisions would
    accept, and prefer more decisions (or the FEVER fit) before writing."""
    from claimcheck.bench.adapters import Source
    from claimcheck.bench.adapters.decisions import load_decisions
    from claimcheck.config import apply_overrides
    from claimcheck.pipeline import ClaimChecker
    from claimcheck.types import Passage
    from claimcheck.verdict.verify import Candidate

    rows = load_decisions(Source(Path(decisions), "all", {}), "claim_verification", {}).examples
    checker = ClaimChecker(apply_overrides({"model": {"nli": str(model_dir)}, "progress": False},
                                           list(overrides or [])))
    claims, gold = [r["claim"] for r in rows], [r["label"] for r in rows]
    if references is not None:
        cands = checker.candidates(claims, checker._refs(references))
    else:
        cands = [[Candidate(Passage(id=k, doc_id=f"given:{i}", text=p, start=0, end=len(p)),
                            1.0 / (k + 1), p) for k, p in enumerate(r["passages"])]
                 for i, r in enumerate(rows)]
    collected = scored(checker, claims, cands)
    before = verdict_metrics(gold, apply(collected, *checker.thresholds(),
                                         checker.min_similarity()))
    te, tc, sim, after = fit_thresholds(collected, gold)
    out = {"decisions": str(decisions), "n": len(rows), "before": before, "after": after,
           "thresholds": {"entail_threshold": te, "contradict_threshold": tc,
                          "min_similarity": sim}, "written": write}
    if write:
        calibration.update(model_dir, entail_threshold=te, contradict_threshold=tc,
                           min_similarity=sim, thresholds_fitted_on=(
                               f"editor decisions {decisions} ({len(rows)} claims"
                               + (f", retrieving from {references})" if references else ")")),
                           fitted_with_overrides=list(overrides or []),
                           threshold_fit_metrics=after)
    return out


def apply(collected, entail_t: float, contra_t: float, min_similarity: float = 0.0
          ) -> list[str]:
    return [decide(i, claim, 0, len(claim), claim, evs, entail_t, contra_t, 1,
                   mism.get(min_similarity), None, min_similarity, subject).label.value
            for i, (evs, mism, claim, subject) in enumerate(collected)]


def verdict_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    labels = [x.value for x in Label]
    present = [lab for lab in labels if lab in set(gold)]
    u = [p for g, p in zip(gold, pred, strict=True) if g == "unverified"]
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, pred)), 4),
        "macro_f1": round(float(f1_score(gold, pred, labels=present, average="macro",
                                         zero_division=0)), 4),
        "unverified_as_supported": sum(p == "supported" for p in u),
        "confusion": {"labels": labels,
                      "matrix": confusion_matrix(gold, pred, labels=labels).tolist()},
    }


def fit_thresholds(collected, gold: Sequence[str]) -> tuple[float, float, float, dict]:
    """Grid search of (entailment, contradiction, min_similarity) for macro-F1 with at most 5% of
    unverified claims called supported; ties go to the stricter thresholds."""
    best = None
    n_unv = max(1, sum(g == "unverified" for g in gold))
    for sim in SIMILARITY_GRID:
        for te in GRID:
            for tc in GRID:
                pred = apply(collected, te, tc, sim)
                m = verdict_metrics(gold, pred)
                ok = m["unverified_as_supported"] / n_unv <= MAX_UNVERIFIED_AS_SUPPORTED
                key = (ok, m["macro_f1"], m["accuracy"], te, tc, -sim)
                if best is None or key > best[0]:
                    best = (key, te, tc, sim, m)
    assert best is not None
    return best[1], best[2], best[3], best[4]


def nato_gold(checker, example_dir: Path) -> tuple[dict, list[dict]]:
    """Verdict metrics on the NATO gold claims, plus per-claim rows for the report."""
    from claimcheck.evidence.references import ReferenceSet

    gold_rows = [json.loads(line) for line in (example_dir / "gold.jsonl").read_text()
                 .splitlines() if line.strip()]
    refs = ReferenceSet.from_path(example_dir / "references")
    report = checker.check_claims([r["claim"] for r in gold_rows], references=refs)
    pred = [c.label.value for c in report.claims]
    per = [{"id": r["id"], "claim": r["claim"], "gold": r["label"], "pred": p,
            "score": c.score, "evidence": c.evidence[0].text if c.evidence else None}
           for r, p, c in zip(gold_rows, pred, report.claims, strict=True)]
    return verdict_metrics([r["label"] for r in gold_rows], pred), per


DEV_SETS = ("factcheck/fever_symmetric/dev.jsonl", "factcheck/healthver/dev.jsonl",
            "factcheck/wice/dev.jsonl", "factcheck/citation_integrity/dev.jsonl")


def run(model_dir: Path, data_root: Path | None = None, example_dir: Path | None = None,
        seed: int = 13, fit: bool = True, overrides: list[str] | None = None,
        fit_rows: int = FIT_ROWS, row_cap: int = ROW_CAP, record: bool = True) -> dict:
    """Fit (unless ``fit=False``) and evaluate; ``overrides`` are pipeline ``--set`` items
    (e.g. ``verdict.premise_window=1``) applied to the checker in both steps. ``fit_rows`` FEVER
    rows fit the thresholds, ``row_cap`` seeded rows per claim-level dev set are scored (0: none;
    smaller for slow judges). ``record`` writes the verdict metrics into the model's metrics.json
    and card (off for benchmark runs that use other caps)."""
    from claimcheck.config import apply_overrides, load_config
    from claimcheck.pipeline import ClaimChecker
    from claimcheck.train.card import write_card
    from claimcheck.train.config import TrainConfig
    from claimcheck.train.data import load_training_set, resolve_data_root

    training = json.loads((model_dir / "training.json").read_text())
    cfg = load_config(TrainConfig, training["config"], training.get("overrides"))
    root = data_root or resolve_data_root(cfg.data_root)

    def make_checker():
        return ClaimChecker(apply_overrides({"model": {"nli": str(model_dir)}, "progress": False},
                                            list(overrides or [])))

    checker = make_checker()
    out: dict = {}
    if fit:
        spec = next(d for d in cfg.datasets if d.name == "fever")
        _, carved, _ = load_training_set(spec, root, cfg.seed)
        rows = [{"id": p.id, "premise": p.premise, "hypothesis": p.hypothesis,
                 "label": ("entailment", "neutral", "contradiction")[p.label]} for p in carved]
        rows = cap_rows(rows, fit_rows, seed)
        rng = random.Random(seed)
        remove = [rng.random() < 0.3 for _ in rows]
        ex, docs = examples_from_rows(rows, remove)
        collected = collect(checker, ex, docs)
        te, tc, sim, m = fit_thresholds(collected, [e.gold for e in ex])
        calibration.update(model_dir, **{
                    "entail_threshold": te, "contradict_threshold": tc, "min_similarity": sim,
                    "thresholds_fitted_on": f"FEVER rows carved from training ({len(ex)} claims, "
                                            f"30% with evidence removed), top_k="
                                            f"{checker.config.retrieval.top_k}",
                    "fitted_with_overrides": list(overrides or []),
                    "threshold_fit_metrics": m})
        log.info("thresholds: entailment %.2f, contradiction %.2f, similarity %.2f (%s)", te, tc,
                 sim, m)
        edges = [n for n, v, g in (("entail_threshold", te, GRID), ("contradict_threshold", tc, GRID),
                                   ("min_similarity", sim, SIMILARITY_GRID))
                 if v in (g[0], g[-1]) and v != 0.0]
        if edges:
            log.warning("calibrated %s at the edge of the search grid: widen the grid",
                        ", ".join(edges))
    checker = make_checker()  # with the new thresholds
    for rel in DEV_SETS if row_cap else ():
        rows = cap_rows(load_eval_file(root / rel), row_cap, seed)
        ex, docs = examples_from_rows(rows)
        collected = collect(checker, ex, docs)
        pred = apply(collected, *checker.thresholds(), checker.min_similarity())
        name = rel.split("/")[1]
        out[name] = verdict_metrics([e.gold for e in ex], pred)
        log.info("%s: %s", name, out[name])
    if example_dir is not None:
        out["nato_gold"], per = nato_gold(checker, example_dir)
        if record:
            (model_dir / "nato_gold_predictions.json").write_text(json.dumps(per, indent=2)
                                                                  + "\n")
    if not record:
        return out
    metrics_path = model_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    metrics["verdicts"] = out
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
    write_card(model_dir)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--example", type=Path, default=Path("examples/nato-summit-2024"))
    ap.add_argument("--no-fit", action="store_true", help="only evaluate")
    ap.add_argument("--fit-rows", type=int, default=FIT_ROWS, help="FEVER rows for the fit")
    ap.add_argument("--row-cap", type=int, default=ROW_CAP,
                    help="rows per claim-level dev set (0: only the NATO example)")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="pipeline config override, e.g. verdict.premise_window=1")
    ap.add_argument("--decisions", type=Path, help="fit on an editor's decisions (the review "
                    "desk's JSONL export) instead of FEVER; prints before/after, writes only "
                    "with --write")
    ap.add_argument("--references", type=Path, help="with --decisions: retrieve each claim from "
                    "this reference set (default: the passages the editor saw)")
    ap.add_argument("--write", action="store_true", help="with --decisions: store the fitted "
                    "thresholds in the model's calibration.json")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.decisions is not None:
        res = fit_decisions(args.model, args.decisions, args.references, args.overrides,
                            args.write)
        t = res["thresholds"]
        for name in ("before", "after"):
            m = res[name]
            print(f"{name:6s} n={m['n']:3d} acc={m['accuracy']:.3f} macro-F1={m['macro_f1']:.3f} "
                  f"unverified->supported={m['unverified_as_supported']}")
        print(f"fitted: entailment {t['entail_threshold']}, contradiction "
              f"{t['contradict_threshold']}, similarity {t['min_similarity']}"
              + (" (written to calibration.json)" if res["written"] else " (not written; --write "
                 "stores them)"))
        return
    res = run(args.model, example_dir=args.example, fit=not args.no_fit,
              overrides=args.overrides, fit_rows=args.fit_rows, row_cap=args.row_cap)
    for name, m in res.items():
        print(f"{name:22s} n={m['n']:4d} acc={m['accuracy']:.3f} macro-F1={m['macro_f1']:.3f} "
              f"unverified->supported={m['unverified_as_supported']}")


if __name__ == "__main__":
    main()
