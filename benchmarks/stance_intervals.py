#!/usr/bin/env python
"""How far the stance dev scores could move with another sample of the same size (issue #13):

    .venv/bin/python benchmarks/stance_intervals.py [--output benchmarks/results/stance_intervals.json]

Takes the default stance model's predictions on the four stance dev sets from the leaderboard run
(``benchmarks/results/<name>/predictions.jsonl``, written by ``benchmarks/run_all.py``; not
committed, so a fresh clone first scores the model method into ``runs/bench/<name>/``, about 8
min), and the leave-one-target-out results that are committed (``stance_loto.json``,
``stance_loto_seeds.json``, written by ``benchmarks/stance_loto.py``), and prints each F_avg with
its 95% percentile bootstrap interval (examples resampled 2,000 times, seed 0) beside issue #13's
target. VAST's zero-shot topics are the rows with ``seen?`` = 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGETS = {"vast_dev": 0.60, "pstance_val": 0.70, "perspectrum_dev": None, "semeval2016_val": None}
ZERO_SHOT_TARGET = 0.55  # VAST dev's zero-shot topics
LOTO = {"semeval2016_val, target held out (1 model)": "stance_loto.json",
        "semeval2016_val, target held out (3-seed ensemble)": "stance_loto_seeds.json"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", type=Path, default=RESULTS / "stance_intervals.json")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from claimcheck.bench.metrics import bootstrap_interval, f_avg
    from claimcheck.bench.runner import held_out, model_predictions

    rows = []

    def add(name, gold, pred, target):
        lo, hi = bootstrap_interval(f_avg, gold, pred)
        rows.append({"set": name, "n": len(gold), "f_avg": round(f_avg(gold, pred), 4),
                     "ci95": [lo, hi], "target": target})

    for name, target in TARGETS.items():
        preds = model_predictions(ROOT / "configs/benchmarks" / f"{name}.yaml", RESULTS,
                                  ROOT / "runs" / "bench")
        add(name, [r["gold"] for r in preds], [r["model"] for r in preds], target)
        if name == "vast_dev":  # the predictions keep the dataset's order
            examples = held_out(ROOT / "configs/benchmarks/vast_dev.yaml").examples
            if [e["label"] for e in examples] != [r["gold"] for r in preds]:
                sys.exit("claimcheck: the VAST dev predictions do not match VAST dev. Fix: rerun "
                         "`.venv/bin/python benchmarks/run_all.py --only vast_dev`.")
            unseen = [r for e, r in zip(examples, preds, strict=True) if int(e["seen"]) == 0]
            add("vast_dev (zero-shot topics)", [r["gold"] for r in unseen],
                [r["model"] for r in unseen], ZERO_SHOT_TARGET)
    for name, file in LOTO.items():  # the intervals stance_loto.py computed over its predictions
        d = json.loads((RESULTS / file).read_text())
        rows.append({"set": name, "n": d["rows"], "f_avg": d["f_avg"], "ci95": d["f_avg_ci95"],
                     "target": d["target_f_avg"]})

    print(f"{'dev set':52s} {'n':>5s}  F_avg   95% bootstrap   target")
    for r in rows:
        lo, hi = r["ci95"]
        t = "" if r["target"] is None else f"{r['target']:.2f}" + (
            " (inside)" if lo <= r["target"] <= hi else "")
        print(f"{r['set']:52s} {r['n']:5d}  {r['f_avg']:.3f}  {lo:.3f}-{hi:.3f}    {t}")
    args.output.write_text(json.dumps({"resamples": 2000, "confidence": 0.95, "seed": 0,
                                       "rows": rows}, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
