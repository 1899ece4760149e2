"""Fit the verdict's thresholds on the *tune* parts of the trust battery (issue #35).

The judge scores every tune-part claim once (the denial set, the NATO gold claims, the claim-level
sets in the retrieval setting, the grounded sets); then each point of a grid of (entailment
threshold, contradiction threshold, ``verdict.min_overlap``) is applied to the cached evidence.
The objective is the mean balanced accuracy (supported against the rest) over the sets, with
the grounded sets weighed as one group, among the points whose false support on the denial set is 0
and on every other set at most ``--max-false-support`` (when no point meets that, as with the v2
judge on the grounded sets, the best objective of all, with a warning); ties go to the stricter
point. The held parts are never read. Writes benchmarks/results/trust_fit.json; ``--write``
stores the chosen values in the fitted judge's calibration.json (the default judge, or the folder
named by ``--set model.nli=DIR``).

Run: ``python benchmarks/trust_fit.py [--grounded-cap 200] [--write]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import trust_battery as tb

ENTAIL = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7]
CONTRA = [0.35, 0.45, 0.55]
OVERLAP = [0.0, 0.25, 0.4]


def collect(checker, refs, claim_cap: int, grounded_cap: int | None):
    """Per set: (claims, evidence, gold, owner or None, number of rows), tune parts only."""
    from claimcheck.bench.runner import training_part
    from claimcheck.evidence.references import ReferenceSet
    from claimcheck.train.calibrate import examples_from_rows
    from claimcheck.train.data import cap_rows, load_eval_file
    from claimcheck.types import Claim
    from claimcheck.verdict.grounded import score_grounded

    out = {}

    def given(claims, references):
        items = [Claim.whole(i, c) for i, c in enumerate(claims)]
        cands = checker.candidates(claims, references)
        return items, checker.score(items, cands)

    rows = [r for r in tb.read_jsonl(tb.EXAMPLE / "denials.jsonl")
            if tb.part(r["sentence"]) == "tune"]
    out["denial"] = (*given([r["claim"] for r in rows], refs), [r["label"] for r in rows],
                     None, len(rows))
    rows = [r for r in tb.read_jsonl(tb.EXAMPLE / "gold.jsonl") if tb.part(r["id"]) == "tune"]
    out["nato_gold"] = (*given([r["claim"] for r in rows], refs), [r["label"] for r in rows],
                        None, len(rows))
    for name in tb.CLAIM_SETS:
        logging.info("collect %s", name)
        rows = cap_rows(load_eval_file(tb.data_file(f"factcheck/{name}/dev.jsonl")), claim_cap,
                        13)
        examples, docs = examples_from_rows(rows)
        examples = [e for e in examples if tb.part(e.claim) == "tune"]
        pool = ReferenceSet.from_texts(list(docs), window=checker.config.retrieval.window,
                                       nlp=checker.nlp)
        cands = checker.candidates([e.claim for e in examples], pool,
                                   [e.exclude for e in examples])
        items = [Claim.whole(i, e.claim) for i, e in enumerate(examples)]
        out[name] = (items, checker.score(items, cands), [e.gold for e in examples], None,
                     len(items))
    for name in tb.GROUNDED:
        if name in tb.SMOKE:
            continue
        logging.info("collect grounded %s", name)
        config = tb.ROOT / "configs" / "benchmarks" / f"grounded_{name}.yaml"
        rows = tb.subsample(training_part(config).examples, grounded_cap)
        claims, evidence, owner = score_grounded(checker, [(r["doc"], r["claim"]) for r in rows])
        out[f"grounded_{name}"] = (claims, evidence, [r["label"] for r in rows], owner,
                                   len(rows))
    return out


def evaluate(checker, collected) -> dict[str, dict]:
    from claimcheck.bench.metrics import verdict_rates
    from claimcheck.verdict.grounded import grounded_results

    res = {}
    for name, (claims, evidence, gold, owner, n) in collected.items():
        if owner is None:
            pred = [r.label.value for r in checker.verdicts(claims, evidence)]
        else:
            pred = [g.label for g in grounded_results(checker, claims, evidence, owner, n)]
        res[name] = verdict_rates(gold, pred)
    return res


def memoize_parses() -> None:
    """Parse each claim and passage once over the whole grid: the subjects and entities the
    verdict reads depend on the text only, not on the thresholds."""
    import claimcheck.pipeline as pipeline
    import claimcheck.verdict.verify as verify

    subjects: dict[str, tuple] = {}
    found: dict[tuple, dict] = {}
    claim_subjects, entities = pipeline.claim_subjects, verify.entities

    def cached_subjects(statements, nlp=None):
        todo = [s for s in dict.fromkeys(statements) if s not in subjects]
        subjects.update(zip(todo, claim_subjects(todo, nlp), strict=True))
        return [subjects[s] for s in statements]

    def cached_entities(texts, nlp=None, labels=()):
        todo = [t for t in dict.fromkeys(texts) if (t, tuple(labels)) not in found]
        for t, e in zip(todo, entities(todo, nlp, labels), strict=True):
            found[(t, tuple(labels))] = e
        return [found[(t, tuple(labels))] for t in texts]

    pipeline.claim_subjects = cached_subjects
    verify.entities = cached_entities


def objective(res: dict[str, dict]) -> float:
    grounded = [v["balanced_accuracy"] for k, v in res.items() if k.startswith("grounded_")]
    other = [v["balanced_accuracy"] for k, v in res.items() if not k.startswith("grounded_")
             and v["balanced_accuracy"] is not None]
    parts = other + ([sum(grounded) / len(grounded)] if grounded else [])
    return sum(parts) / len(parts)


def select(points: list[dict]) -> dict:
    """The point with the best objective; ties go to the stricter thresholds."""
    return max(points, key=lambda g: (g["objective"], g["entail_threshold"],
                                      g["contradict_threshold"], g["min_overlap"]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claim-cap", type=int, default=300)
    ap.add_argument("--grounded-cap", type=int, default=200)
    ap.add_argument("--max-false-support", type=float, default=0.02)
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--write", action="store_true", help="store the fit in calibration.json")
    ap.add_argument("--output", type=Path,
                    default=tb.ROOT / "benchmarks" / "results" / "trust_fit.json")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    from claimcheck.config import apply_overrides
    from claimcheck.evidence.references import ReferenceSet
    from claimcheck.pipeline import ClaimChecker
    from claimcheck.verdict import calibration
    from claimcheck.verdict.nli import resolve_model_path

    base = apply_overrides({"progress": False}, list(args.overrides))
    checker = ClaimChecker(base)
    target = Path(resolve_model_path(checker.config.model.nli))
    if args.write and not (target / "calibration.json").is_file():
        raise SystemExit(f"--write stores the fit in the judge's calibration.json, and "
                         f"{target} has none: fit a local judge folder (--set model.nli=DIR)")
    memoize_parses()
    refs = ReferenceSet.from_path(tb.EXAMPLE / "references", nlp=checker.nlp)
    collected = collect(checker, refs, args.claim_cap, args.grounded_cap)
    grid = []
    for te, tc, ov in itertools.product(ENTAIL, CONTRA, OVERLAP):
        probe = ClaimChecker(apply_overrides(base, [f"verdict.entail_threshold={te}",
                                                    f"verdict.contradict_threshold={tc}",
                                                    f"verdict.min_overlap={ov}"]))
        probe._nli, probe._nlp = checker.nli, checker.nlp
        res = evaluate(probe, collected)
        fs = {k: v["false_support"] for k, v in res.items() if v["false_support"] is not None}
        ok = res["denial"]["false_support_n"] == 0 and all(
            v <= args.max_false_support for k, v in fs.items() if k != "denial")
        grid.append({"entail_threshold": te, "contradict_threshold": tc, "min_overlap": ov,
                     "ok": ok, "objective": round(objective(res), 4),
                     "max_false_support": max(fs.values()), "sets": res,
                     "per_set": {k: [v["false_support"], v["support_recall"],
                                     v["balanced_accuracy"]] for k, v in res.items()}})
        logging.info("%.2f %.2f %.1f ok=%s objective %.4f max FS %.3f", te, tc, ov, ok,
                     grid[-1]["objective"], grid[-1]["max_false_support"])
    feasible = [g for g in grid if g["ok"]]
    if not feasible:  # the constraint cannot be met with this judge: said, not hidden
        logging.warning("no grid point meets the false-support constraint on every tune set; "
                        "taking the best objective")
    best = select(feasible or grid)
    out = {"overrides": args.overrides, "claim_cap": args.claim_cap,
           "grounded_cap": args.grounded_cap, "max_false_support": args.max_false_support,
           "cpu": tb.cpu(), "feasible_points": len(feasible), "best": best,
           "grid": [{k: v for k, v in g.items() if k != "sets"} for g in grid]}
    args.output.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: best[k] for k in ("entail_threshold", "contradict_threshold",
                                           "min_overlap", "ok", "objective",
                                           "max_false_support")}))
    for k, v in best["sets"].items():
        print(f"  {k:28s} FS {v['false_support']}  sup rec {v['support_recall']}  "
              f"bal acc {v['balanced_accuracy']}")
    if args.write:
        calibration.update(target, entail_threshold=best["entail_threshold"],
                           contradict_threshold=best["contradict_threshold"],
                           min_overlap=best["min_overlap"],
                           thresholds_fitted_on=(
                               "the tune parts of the trust battery (benchmarks/trust_fit.py: "
                               f"denial set, NATO gold, {', '.join(tb.CLAIM_SETS)} capped at "
                               f"{args.claim_cap} rows, grounded sets capped at "
                               f"{args.grounded_cap} rows)"))


if __name__ == "__main__":
    main()
