#!/usr/bin/env python
"""Speed of quotes + stance on the NATO example, warm, in one process (issue #13):

    .venv/bin/python benchmarks/quotes_stance_speed.py [--runs 7] [--set key=value ...]
        [--output benchmarks/results/quotes_stance_speed.json]

Times the two stages the report's ``quotes`` and ``stance`` timings cover, on an article that is
already ingested (as inside ``ClaimChecker.check``): ``extract_quotes`` with the checker's spaCy
pipeline, and ``score_stances`` with its stance model (loaded before timing). Prints a table
(median and min of ``--runs`` runs per stage, quotes, stances, stance NLI pairs) and writes JSON
with the load average before and after: wall-clock numbers depend on what else runs. The target
of issue #13 is quotes + stance <= 0.5 s warm.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nato-summit-2024" / "article.txt"
TARGET_S = 0.5


class PairCounter:
    """Counts the NLI pairs the stance model scores."""

    def __init__(self, model) -> None:
        self.model, self.n = model, 0

    def predict(self, pairs, *a, **k):
        self.n += len(pairs)
        return self.model.predict(pairs, *a, **k)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--output", type=Path,
                    default=ROOT / "benchmarks/results/quotes_stance_speed.json")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from claimcheck import ClaimChecker
    from claimcheck.quotes.extract import extract_quotes
    from claimcheck.quotes.stance import score_stances
    from claimcheck.text.ingest import ingest

    load_before = os.getloadavg()
    checker = ClaimChecker.from_config(None, args.overrides) if args.overrides else ClaimChecker()
    cfg = checker.config
    doc = ingest(EXAMPLE.read_text(encoding="utf-8"))
    model = PairCounter(checker.stance_model)
    quotes, speakers = extract_quotes(doc, checker.nlp, cfg.quotes)  # warm-up (loads models)
    score_stances(quotes, speakers, model, cfg.stance, nlp=checker.nlp)
    model.n = 0
    tq, ts = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        quotes, speakers = extract_quotes(doc, checker.nlp, cfg.quotes)
        tq.append(time.perf_counter() - t)
        t = time.perf_counter()
        stances = score_stances(quotes, speakers, model, cfg.stance, nlp=checker.nlp)
        ts.append(time.perf_counter() - t)
    total = [a + b for a, b in zip(tq, ts, strict=True)]
    result = {
        "config_overrides": args.overrides, "runs": args.runs,
        "stance_model": cfg.stance.model, "zero_shot": cfg.stance.is_zero_shot,
        "quotes": len(quotes), "speakers": len(speakers), "stances": len(stances),
        "stance_pairs": model.n // args.runs,
        "quotes_median_s": round(statistics.median(tq), 4),
        "stance_median_s": round(statistics.median(ts), 4),
        "total_median_s": round(statistics.median(total), 4),
        "total_min_s": round(min(total), 4), "target_s": TARGET_S,
        "hardware": f"{platform.machine()}, {os.cpu_count()} cores",
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'measure':28s} value")
    for k in ("stance_model", "quotes", "speakers", "stances", "stance_pairs", "quotes_median_s",
              "stance_median_s", "total_median_s", "total_min_s", "target_s"):
        print(f"{k:28s} {result[k]}")
    verdict = "met" if result["total_median_s"] <= TARGET_S else "missed"
    print(f"quotes + stance warm median {result['total_median_s']:.3f} s: target {TARGET_S} s "
          f"{verdict}")
    print(f"load average before {result['loadavg_before']}, after {result['loadavg_after']}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
