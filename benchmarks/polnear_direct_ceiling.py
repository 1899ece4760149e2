#!/usr/bin/env python
"""How far direct quotes alone can take PolNeAR content overlap (issue #13):

    .venv/bin/python benchmarks/polnear_direct_ceiling.py
        [--output benchmarks/results/polnear_direct_ceiling.json]

The one attribution corpus here whose text is free to train on, PDNC, annotates direct speech in
novels: what a tagger learns from it is quotations in quote marks. This asks what such a tagger
could add to the shipped rules on PolNeAR dev at best. From the rules' predictions
(``benchmarks/results/polnear_dev/predictions.jsonl`` of the leaderboard run; not committed, so a
fresh clone first runs the rules into ``runs/bench/polnear_dev/``, under a minute), it counts
the gold contents the rules miss (matched as the benchmark matches them, >= 50% overlap) and,
among those, the ones with a quote mark in them or next to them. If every one of those were found
and nothing else, recall would reach the printed ceiling, and F1 could not pass ``2R / (1 + R)``
even at precision 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs/benchmarks/polnear_dev.yaml"
QUOTE_MARK = re.compile(r"[“”\"]")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", type=Path,
                    default=ROOT / "benchmarks/results/polnear_direct_ceiling.json")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from claimcheck.bench.metrics import content_spans, match_spans
    from claimcheck.bench.runner import held_out, model_predictions

    preds = {row["id"]: row["model"] for row in model_predictions(
        CONFIG, ROOT / "benchmarks/results", ROOT / "runs/bench")}
    gold_n = pred_n = found = missed = missed_marked = 0
    for doc in held_out(CONFIG).examples:
        if doc["id"] not in preds:
            sys.exit(f"claimcheck: the PolNeAR dev predictions lack {doc['id']}. Fix: rerun "
                     "`.venv/bin/python benchmarks/run_all.py --only polnear_dev`.")
        gold, pred = content_spans(doc, preds[doc["id"]])
        hit = {i for i, _ in match_spans(gold, pred, exact=False, min_overlap=0.5)}
        gold_n, pred_n, found = gold_n + len(gold), pred_n + len(pred), found + len(hit)
        for i, spans in enumerate(gold):
            if i in hit:
                continue
            missed += 1
            around = doc["text"][max(0, spans[0][0] - 2): spans[-1][1] + 2]
            missed_marked += bool(QUOTE_MARK.search(around))
    recall = (found + missed_marked) / gold_n
    precision = (found + missed_marked) / (pred_n + missed_marked)
    result = {
        "gold_contents": gold_n, "rule_predictions": pred_n, "rule_found": found,
        "rule_precision": round(found / pred_n, 4), "rule_recall": round(found / gold_n, 4),
        "missed": missed, "missed_with_quote_marks": missed_marked,
        "ceiling_recall": round(recall, 4),
        "ceiling_f1_at_rule_precision": round(2 * precision * recall / (precision + recall), 4),
        "ceiling_f1_at_precision_1": round(2 * recall / (1 + recall), 4),
        "target_f1": 0.75,
    }
    print(f"PolNeAR dev: {gold_n} gold contents; the rules find {found} of them "
          f"(P {result['rule_precision']:.3f}, R {result['rule_recall']:.3f})")
    print(f"missed: {missed}, of which {missed_marked} have quote marks "
          f"({missed - missed_marked} are reported speech, beliefs and the like)")
    print(f"rules + every missed quote-marked content: R {recall:.3f}, F1 "
          f"{result['ceiling_f1_at_rule_precision']:.3f} (at precision 1: "
          f"{result['ceiling_f1_at_precision_1']:.3f}); issue #13 target 0.75")
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
