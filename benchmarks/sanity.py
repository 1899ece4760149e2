#!/usr/bin/env python
"""Sanity probes of the verdict rule on the NATO example (issue #10), with the real model.

Four probe sets, all checked against the example's reference set:

* **verbatim**: every reference sentence as a claim -> must be *supported*;
* **near-verbatim**: the same sentence with its final punctuation dropped and, where it starts
  with "The", without it -> must be *supported*;
* **word salad**: the words of each reference sentence of 6+ words in a seeded random order ->
  must never be *supported*;
* **off-topic**: true claims the references do not cover (``off_topic.jsonl``) -> must be
  *unverified*;
* plus the README's own example, "NATO was founded in 1949." -> *supported*.

    .venv/bin/python benchmarks/sanity.py [--model default] [--output benchmarks/results/sanity.json]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nato-summit-2024"


def probes(refs, seed: int = 13) -> dict[str, list[str]]:
    sentences = sorted({p.text.strip() for p in refs.passages
                        if len(p.text.split()) >= 4 and not p.text.lstrip().startswith("#")})
    rng = random.Random(seed)
    near, salad = [], []
    for s in sentences:
        t = s.rstrip(".!?")
        near.append(t[4].upper() + t[5:] if t.startswith("The ") else t)
        words = s.rstrip(".!?").split()
        if len(words) >= 6:
            for _ in range(20):
                shuffled = words[:]
                rng.shuffle(shuffled)
                if shuffled != words:
                    break
            salad.append(" ".join(shuffled) + ".")
    off = [json.loads(line)["claim"] for line in
           (EXAMPLE / "off_topic.jsonl").read_text().splitlines() if line.strip()]
    return {"verbatim": sentences, "near_verbatim": near, "word_salad": salad,
            "off_topic": off, "readme_example": ["NATO was founded in 1949."]}


EXPECT = {"verbatim": "supported", "near_verbatim": "supported", "word_salad": "not supported",
          "off_topic": "unverified", "readme_example": "supported"}


def passes(expect: str, label: str) -> bool:
    return label != "supported" if expect == "not supported" else label == expect


def run(model: str = "default", overrides: list[str] | None = None) -> dict:
    from claimcheck import ClaimChecker, ReferenceSet
    from claimcheck.config import apply_overrides

    checker = ClaimChecker(apply_overrides({"model": {"nli": model}, "progress": False},
                                           list(overrides or [])))
    refs = ReferenceSet.from_path(EXAMPLE / "references")
    out: dict = {"model": model, "overrides": list(overrides or []), "sets": {}}
    t = time.perf_counter()
    for name, claims in probes(refs).items():
        report = checker.check_claims(claims, references=refs)
        labels = [c.label.value for c in report.claims]
        fails = [{"claim": c.text, "label": c.label.value, "reason": c.reason}
                 for c in report.claims if not passes(EXPECT[name], c.label.value)]
        out["sets"][name] = {"n": len(claims), "expect": EXPECT[name],
                             "labels": dict(sorted(Counter(labels).items())),
                             "pass_rate": round(1 - len(fails) / len(claims), 4),
                             "failures": fails}
    out["seconds"] = round(time.perf_counter() - t, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="pipeline config override, e.g. verdict.min_similarity=0.4")
    ap.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/sanity.json")
    args = ap.parse_args()
    res = run(args.model, args.overrides)
    print(f"{'probe set':16s} {'n':>4s} {'expect':14s} {'pass':>6s}  labels")
    for name, r in res["sets"].items():
        print(f"{name:16s} {r['n']:4d} {r['expect']:14s} {r['pass_rate']:6.3f}  {r['labels']}")
    for name, r in res["sets"].items():
        for f in r["failures"][:6]:
            print(f"  FAIL {name}: [{f['label']}] {f['claim'][:90]} — {f['reason'][:80]}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(res, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
