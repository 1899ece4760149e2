#!/usr/bin/env python
"""bf16 vs fp32 inference of an NLI model: label disagreement on dev pairs, and speed of each.

Samples ``--per-set`` seeded pairs from each dev set of the model's training config, predicts them
with ``precision=fp32`` and ``precision=bf16`` (torch.autocast on the CPU), and reports the share
of pairs whose argmax label differs, the largest probability difference, and pairs/s of each.
On a CPU without native bf16 units (no AMX-BF16 / AVX512-BF16) bf16 is emulated and slow; the
default ``precision: auto`` then uses fp32, and this script says so.

    .venv/bin/python benchmarks/precision_agreement.py [--model default] [--per-set 40]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from claimcheck.config import load_config
    from claimcheck.precision import cpu_has_native_bf16, resolve_precision
    from claimcheck.train.config import TrainConfig
    from claimcheck.train.data import load_eval_file, resolve_data_root
    from claimcheck.verdict.nli import NLIModel, resolve_model_path

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--per-set", type=int, default=40)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/precision_agreement.json")
    args = ap.parse_args()
    folder = Path(resolve_model_path(args.model))
    training = json.loads((folder / "training.json").read_text())
    cfg = load_config(TrainConfig, ROOT / training["config"], training.get("overrides"))
    root = resolve_data_root(cfg.data_root)
    rng = np.random.default_rng(args.seed)
    pairs: list[tuple[str, str]] = []
    for rel in cfg.eval_sets:
        rows = load_eval_file(root / rel)
        idx = rng.choice(len(rows), size=min(args.per_set, len(rows)), replace=False)
        pairs.extend((rows[i]["premise"], rows[i]["hypothesis"]) for i in sorted(idx))
    out: dict = {"model": str(folder), "pairs": len(pairs), "cpu": platform.processor() or
                 platform.machine(), "native_bf16": cpu_has_native_bf16(),
                 "auto_resolves_to": resolve_precision("auto")}
    probs = {}
    for prec in ("fp32", "bf16"):
        nli = NLIModel(str(folder), precision=prec, batch_size=32).load()
        nli.predict(pairs[:32])
        t = time.perf_counter()
        probs[prec] = nli.predict(pairs)
        out[f"{prec}_pairs_per_s"] = round(len(pairs) / (time.perf_counter() - t), 1)
    a, b = probs["fp32"].argmax(1), probs["bf16"].argmax(1)
    out["label_disagreement"] = round(float((a != b).mean()), 4)
    out["max_abs_prob_diff"] = round(float(np.abs(probs["fp32"] - probs["bf16"]).max()), 4)
    out["mean_abs_prob_diff"] = round(float(np.abs(probs["fp32"] - probs["bf16"]).mean()), 5)
    print(f"{'pairs':>6s} {'fp32 p/s':>9s} {'bf16 p/s':>9s} {'disagree':>9s} {'max |dp|':>9s}  "
          f"native bf16: {out['native_bf16']} (auto -> {out['auto_resolves_to']})")
    print(f"{out['pairs']:6d} {out['fp32_pairs_per_s']:9.1f} {out['bf16_pairs_per_s']:9.1f} "
          f"{out['label_disagreement']:9.4f} {out['max_abs_prob_diff']:9.4f}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
