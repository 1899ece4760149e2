"""Run the committed benchmark configs into benchmarks/results/<name>/.

    .venv/bin/python benchmarks/run_all.py [--only a,b] [--limit N] [--train-limit N]
        [--baselines-only] [--set key=value ...]

Configs whose data is not there (official files not in ../shared/data) are skipped; when the
component a task evaluates is not available yet, the baselines of that config still run. Then run
``benchmarks/leaderboard.py`` to refresh the leaderboard.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from claimcheck.bench import run
    from claimcheck.bench.config import load_bench_config, resolve_data_path
    from claimcheck.errors import ClaimcheckError

    ap = argparse.ArgumentParser(description="Run the committed benchmark configs.")
    ap.add_argument("--configs", type=Path, default=ROOT / "configs" / "benchmarks")
    ap.add_argument("--only", default="", help="comma-separated config names")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--train-limit", type=int, default=None)
    ap.add_argument("--baselines-only", action="store_true")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--output-root", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s %(message)s")
    only = {x for x in args.only.split(",") if x}
    failed = 0
    for path in sorted(args.configs.glob("*.yaml")):
        if only and path.stem not in only:
            continue
        cfg, _ = load_bench_config(path)
        if not resolve_data_path(cfg.dataset.path, ROOT).exists():
            print(f"skip {path.stem}: data not at {cfg.dataset.path}")
            continue
        overrides = list(args.overrides)
        if args.train_limit:
            overrides.append(f"train_limit={args.train_limit}")
        methods = [m for m in cfg.methods if not (args.baselines_only and m == "model")]
        for attempt in range(2):
            try:
                res = run(path, limit=args.limit,
                          overrides=[*overrides, f"methods=[{','.join(methods)}]"],
                          output=args.output_root / cfg.name)
                print(f"ok {path.stem}: {res['primary_metric']} = " + ", ".join(
                    f"{m}: {_get(r['metrics'], res['primary_metric'])}"
                    for m, r in res["methods"].items()))
                break
            except ClaimcheckError as e:
                if attempt == 0 and "model" in methods and "needs" in str(e) and len(methods) > 1:
                    print(f"note {path.stem}: {e} -> baselines only")
                    methods = [m for m in methods if m != "model"]
                    continue
                print(f"FAILED {path.stem}: {e}")
                failed += 1
                break
    return 1 if failed else 0


def _get(metrics: dict, dotted: str):
    node = metrics
    for k in dotted.split("."):
        node = node.get(k) if isinstance(node, dict) else None
    return node


if __name__ == "__main__":
    sys.exit(main())
