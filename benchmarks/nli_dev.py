#!/usr/bin/env python
"""NLI dev benchmark of a model folder: pair accuracy / macro-F1 per dev set, pooled 3-way macro-F1
and ECE, verdict accuracy in the retrieval setting (FEVER-symmetric, HealthVer, WiCE,
Citation-Integrity, NATO gold claims) and inference speed.

    .venv/bin/python benchmarks/nli_dev.py [--model DIR] [--output benchmarks/results/nli_dev.json]
        [--cap N] [--verdict-cap N]

The dev sets come from the model's training config (eval_sets; at most ``--cap`` seeded rows per
set, default the config's eval_cap, 1,000) and claimcheck.train.calibrate (``--verdict-cap``
seeded rows per set in the retrieval setting, default 300; 0 scores only the NATO example).
The two-encoder table of docs/model.md is ``make bench-encoders`` (both judges at --cap 300
--verdict-cap 100, then benchmarks/encoder_table.py).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def speed(model_dir: str, quantize: str | None, n: int = 512, threads: int = 2) -> float:
    """Pairs per second at 64 tokens (premise+hypothesis padded/truncated to 64), batch 32."""
    import torch

    from claimcheck.verdict.nli import NLIModel

    torch.set_num_threads(threads)
    nli = NLIModel(model_dir, batch_size=32, max_length=64, quantize=quantize).load()
    premise = " ".join(["The alliance agreed to coordinate security assistance"] * 8)
    pairs = [(premise, f"Claim number {i} about the summit in Washington.") for i in range(n)]
    nli.predict(pairs[:64])  # warm-up
    t = time.perf_counter()
    nli.predict(pairs)
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(ROOT / "src/claimcheck/models/nli-minilm-v2"))
    ap.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/nli_dev.json")
    ap.add_argument("--quantize", choices=["int8"], default=None)
    ap.add_argument("--speed-only", action="store_true", help="only measure pairs/s")
    ap.add_argument("--cap", type=int, default=None, help="pair rows per dev set")
    ap.add_argument("--verdict-cap", type=int, default=None,
                    help="claims per claim-level dev set (0: only the NATO example)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from claimcheck.config import load_config
    from claimcheck.train import calibrate
    from claimcheck.train.card import evaluate_sets
    from claimcheck.train.config import TrainConfig
    from claimcheck.train.data import resolve_data_root
    from claimcheck.verdict.nli import NLIModel

    model = Path(args.model)
    if args.speed_only:
        print(f"{args.quantize or 'fp32'}: {speed(str(model), args.quantize):.1f} pairs/s at 64 "
              "tokens, 2 threads")
        return
    training = json.loads((model / "training.json").read_text())
    cfg = load_config(TrainConfig, ROOT / training["config"], training.get("overrides"))
    root = resolve_data_root(str(ROOT / cfg.data_root) if not Path(cfg.data_root).is_absolute()
                             else cfg.data_root)
    t0 = time.time()
    nli = NLIModel(str(model), batch_size=64, max_length=256, quantize=args.quantize).load()
    cap = args.cap or cfg.eval_cap
    pairs, pooled = evaluate_sets(nli, root, cfg.eval_sets, cfg.seed, cap=cap)
    row_cap = calibrate.ROW_CAP if args.verdict_cap is None else args.verdict_cap
    verdicts = calibrate.run(model, data_root=root, example_dir=ROOT / "examples/nato-summit-2024",
                             seed=cfg.seed, fit=False, row_cap=row_cap, record=False,
                             overrides=[f"model.quantize={args.quantize}"] if args.quantize else None)
    result = {
        "model": str(model), "quantize": args.quantize,
        "weights_sha256": nli.weights_sha256(), "temperature": nli.temperature,
        "pair_cap": cap, "verdict_cap": row_cap,
        "pairs": pairs, "pooled_3way": pooled, "verdicts": verdicts,
        "pairs_per_second_64_tokens_2_threads": round(speed(str(model), args.quantize), 1),
        "hardware": f"{platform.machine()}, 2 threads", "seconds": round(time.time() - t0, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'dev set':24s} {'scoring':9s} {'n':>5s} {'acc':>6s} {'macro-F1':>8s}")
    for name, m in pairs.items():
        print(f"{name:24s} {m['scoring']:9s} {m['n']:5d} {m['accuracy']:6.3f} {m['macro_f1']:8.3f}")
    if pooled:
        print(f"{'pooled 3-way':24s} {'3way':9s} {pooled['n']:5d} {pooled['accuracy']:6.3f} "
              f"{pooled['macro_f1']:8.3f}  ECE {pooled['ece']:.3f}")
    if verdicts:
        print(f"\n{'verdicts (retrieval)':24s} {'n':>5s} {'acc':>6s} {'macro-F1':>8s} U->S")
        for name, m in verdicts.items():
            print(f"{name:24s} {m['n']:5d} {m['accuracy']:6.3f} {m['macro_f1']:8.3f} "
                  f"{m['unverified_as_supported']:4d}")
    print(f"\nspeed: {result['pairs_per_second_64_tokens_2_threads']} pairs/s at 64 tokens, "
          "2 threads")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
