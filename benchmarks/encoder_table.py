#!/usr/bin/env python
"""The two-encoder table of docs/model.md from benchmarks/nli_dev.py result files or model folders
(a folder's own metrics.json: the dev pairs its training scored at its eval_cap and the verdicts
its calibration scored; pairs/s from ``nli_dev.py --speed-only``, measured here):

    .venv/bin/python benchmarks/encoder_table.py benchmarks/results/nli_dev_minilm_cap300.json \\
        src/claimcheck/models/nli-mpnet-v2-lora [--output benchmarks/results/encoders.json]

Prints a Markdown table (pooled 3-way macro-F1 and ECE, every dev set, verdicts, speed, training
wall time and artifact size) and writes it as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def from_model_folder(model: Path) -> dict:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from nli_dev import speed

    m = json.loads((model / "metrics.json").read_text())
    training = json.loads((model / "training.json").read_text())
    return {"model": str(model), "pairs": m["dev"], "pooled_3way": m["pooled_3way"],
            "verdicts": m.get("verdicts", {}), "pair_cap": training.get("eval_cap"),
            "verdict_cap": "calibrate",
            "pairs_per_second_64_tokens_2_threads": round(speed(str(model), None), 1)}


def column(path: Path) -> dict:
    r = from_model_folder(path) if path.is_dir() else json.loads(path.read_text())
    model = Path(r["model"])
    training = json.loads((model / "training.json").read_text())
    weights = sorted(model.glob("*.safetensors"))
    row = {"model": model.name, "base": training["base_model"],
           "lora": bool(training.get("lora")),
           "train_pairs": training.get("train_pairs_seen", training["train_pairs"]),
           "train_seconds": training.get("train_seconds_this_run"),
           "artifact_mb": round(sum(w.stat().st_size for w in weights) / 1e6, 1),
           "pairs_per_second": r["pairs_per_second_64_tokens_2_threads"],
           "pooled_macro_f1": r["pooled_3way"]["macro_f1"], "pooled_ece": r["pooled_3way"]["ece"],
           "pair_cap": r.get("pair_cap"), "verdict_cap": r.get("verdict_cap")}
    for name, m in r["pairs"].items():
        row[f"pairs/{name}"] = m["macro_f1"]
    for name, m in r["verdicts"].items():
        row[f"verdicts/{name}"] = m["accuracy"]
        row[f"verdicts/{name}/u->s"] = m["unverified_as_supported"]
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", type=Path)
    ap.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/encoders.json")
    args = ap.parse_args()
    cols = [column(p) for p in args.results]
    keys = list(dict.fromkeys(k for c in cols for k in c if k != "model"))
    print("| | " + " | ".join(c["model"] for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for k in keys:
        vals = [c.get(k, "") for c in cols]
        print(f"| {k} | " + " | ".join(f"{v:.3f}" if isinstance(v, float) and v <= 1 else
                                       str(v) for v in vals) + " |")
    args.output.write_text(json.dumps(cols, indent=2) + "\n")
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
