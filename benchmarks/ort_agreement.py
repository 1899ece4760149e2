#!/usr/bin/env python
"""Do the ONNX Runtime paths give the torch fp32 answers? Per shipped model (issue #37):

    .venv/bin/python benchmarks/ort_agreement.py [--rows 1000] [--models judge,stance-mpnet,...]
        [--output benchmarks/results/ort_agreement.json]

For each model it runs the same inputs through torch fp32 (``model.precision: fp32``), ONNX Runtime
fp32 (``onnx``) and ONNX Runtime int8 (dynamic, per-channel; :func:`claimcheck.text.ort.quantized`)
and reports the share of labels that agree with torch fp32, the largest probability difference,
and the pairs (or sentences) per second of each, in one process on the same inputs:

- the judges and stance models: seeded pairs of LingNLI dev and MNLI dev-mismatched (half each),
  plus the NATO example's judge pairs (every pair a check scores);
- check-worthiness: the premises and hypotheses of those pairs as sentences;
- the sentence encoder: the same sentences; agreement = the same nearest neighbour among them, and
  the smallest cosine between the two paths' embeddings of a sentence.

int8 may be the default of a model only where its agreement is >= 99.5% here and no verdict of
the example changes (issue #37); the table says which models pass. Prints a table, writes JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from trust_battery import data_file  # noqa: E402

EXAMPLE = ROOT / "examples" / "nato-summit-2024"
MODELS = ("judge", "stance-mpnet", "stance-minilm", "checkworthy", "encoder")
PATHS = ("torch-fp32", "onnx-fp32", "onnx-int8")


def nli_rows(n: int, seed: int = 13) -> list[tuple[str, str]]:
    rows = []
    for rel in ("nli/lingnli/dev.jsonl", "nli/mnli/dev_mismatched.jsonl"):
        with open(data_file(rel)) as f:
            data = [json.loads(line) for line in f]
        random.Random(seed).shuffle(data)
        rows += [(r["premise"], r["hypothesis"]) for r in data[: n // 2]]
    return rows


def example_pairs() -> list[tuple[str, str]]:
    """The pairs the judge scores in a check of the example (default config)."""
    from claimcheck import ClaimChecker, ReferenceSet

    checker = ClaimChecker()
    pairs: list[tuple[str, str]] = []
    predict = checker.nli.predict

    def record(p, *a, **k):
        pairs.extend(p)
        return predict(p, *a, **k)

    checker.nli.predict = record
    checker.check((EXAMPLE / "article.txt").read_text(),
                  references=ReferenceSet.from_path(EXAMPLE / "references"))
    return pairs


def nli_model(name: str, path: str):
    from claimcheck.quotes.stance import stance_model_path
    from claimcheck.verdict.nli import NLIModel

    folder = {"judge": "default", "stance-mpnet": stance_model_path("stance-mpnet-v1"),
              "stance-minilm": stance_model_path("stance-minilm-v3")}[name]
    return NLIModel(folder, precision="fp32" if path == "torch-fp32" else "onnx",
                    quantize="int8" if path == "onnx-int8" else None).load()


def run_path(name: str, path: str, pairs, sentences) -> tuple[np.ndarray, float]:
    """Outputs of ``name`` on this path (probabilities, or embeddings) and items per second."""
    if name in ("judge", "stance-mpnet", "stance-minilm"):
        m = nli_model(name, path)
        m.predict(pairs[:8])  # warm
        t = time.perf_counter()
        out = m.predict(pairs)
        return out, len(pairs) / (time.perf_counter() - t)
    if name == "checkworthy":
        from claimcheck.claims.checkworthy import _load_model, resolve_model_dir

        _load_model.cache_clear()  # a new model per path (the int8 swap must not leak)
        m = _load_model(resolve_model_dir(None), "fp32" if path == "torch-fp32" else "onnx")
        if path == "onnx-int8":
            _int8(m, "_model")
        t = time.perf_counter()
        out = m.logits(sentences)
        return out, len(sentences) / (time.perf_counter() - t)
    from claimcheck.text.encoder import Encoder

    e = Encoder(precision="fp32" if path == "torch-fp32" else "onnx")
    if path == "onnx-int8":
        _int8(e.load()._model, "model")
    t = time.perf_counter()
    out = e.encode(sentences)
    return out, len(sentences) / (time.perf_counter() - t)


def _int8(holder, attr: str) -> None:
    """Swap the ONNX model held at ``holder.attr`` for its int8 version."""
    from claimcheck.text import ort

    m = getattr(holder, attr)
    setattr(holder, attr, ort.OnnxModel(ort.quantized(m.file), m.config, m.prefix, m.head,
                                        m.session.get_session_options().intra_op_num_threads,
                                        m.word_table))


def compare(name: str, ref: np.ndarray, other: np.ndarray) -> dict:
    if name == "encoder":
        cos = np.sum(ref * other, axis=1)
        nn_ref = np.argsort(-(ref @ ref.T), axis=1)[:, 1]
        nn_oth = np.argsort(-(other @ other.T), axis=1)[:, 1]
        return {"agreement": round(float(np.mean(nn_ref == nn_oth)), 5),
                "min_cosine": round(float(cos.min()), 6)}
    return {"agreement": round(float(np.mean(ref.argmax(1) == other.argmax(1))), 5),
            "max_abs_diff": round(float(np.abs(ref - other).max()), 6)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000, help="NLI dev pairs (half LingNLI, half MNLI-mm)")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--output", type=Path,
                    default=ROOT / "benchmarks" / "results" / "ort_agreement.json")
    args = ap.parse_args()
    import torch

    from claimcheck.precision import CPU_FEATURES, cpu_flags, cpu_kind

    pairs = nli_rows(args.rows) + example_pairs()
    sentences = sorted({s for p in pairs for s in p})[: args.rows]
    results = []
    for name in args.models.split(","):
        outs = {}
        for path in PATHS:
            out, rate = run_path(name, path, pairs, sentences)
            outs[path] = out
            row = {"model": name, "path": path, "items": len(out), "per_s": round(rate, 1)}
            if path != "torch-fp32":
                row |= compare(name, outs["torch-fp32"], out)
            results.append(row)
            print(json.dumps(row), flush=True)
    flags = cpu_flags()
    report = {"cpu": platform.processor() or platform.machine(), "cpu_kind": cpu_kind(),
              "cpu_features": {f: f in flags for f in CPU_FEATURES},
              "threads": torch.get_num_threads(), "rows": args.rows, "results": results}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{'model':<14} {'path':<11} {'items':>6} {'per s':>8} {'agreement':>10} {'max diff':>9}")
    for r in results:
        diff = r.get("max_abs_diff", r.get("min_cosine", ""))
        print(f"{r['model']:<14} {r['path']:<11} {r['items']:>6} {r['per_s']:>8} "
              f"{r.get('agreement', ''):>10} {diff!s:>9}")


if __name__ == "__main__":
    main()
