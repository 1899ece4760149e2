#!/usr/bin/env python
"""Corpus throughput: articles/min of ``check-corpus`` per engine and worker count.

The corpus is the first ``--articles`` FNC-1 article bodies (``stance/fnc1/train_bodies.csv`` of
the shared data), written as a JSONL; the references are the NATO example's plus
``--distractors`` other FNC-1 bodies (unrelated news, so retrieval searches a bigger index). Each
row runs ``ClaimChecker.check_corpus`` into a fresh output and times the whole call: model load,
reference index, Ray start (for ``ray``) and every article. Rows: local with 1 and 2 worker
processes, Ray with 1 and 2 actors (skipped when ray is not installed). Every row's reports are
compared with the first row's (without ``meta.timings``); where they differ, the first few
differences are recorded. Rows keep the default torch threads (all cores for local:1, cores /
workers otherwise), so a rounded float can differ in its last digit between rows (docs/scale.md).

    .venv/bin/python benchmarks/corpus_throughput.py [--articles 50] [--distractors 40]
        [--rows local:1,local:2,ray:1,ray:2] [--ray-address auto] [--set key=value ...]

Writes benchmarks/results/corpus_throughput.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATO_REFS = ROOT / "examples" / "nato-summit-2024" / "references"


def data_root() -> Path:
    env = os.environ.get("CLAIMCHECK_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def read_bodies(path: Path) -> list[tuple[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as fh:
        return [(row["Body ID"], row["articleBody"]) for row in csv.DictReader(fh)
                if row["articleBody"].strip()]


def lead(text: str, max_chars: int | None) -> str:
    """The article cut after its last line (else sentence) end within ``max_chars``."""
    text = text.strip()
    if not max_chars or len(text) <= max_chars:
        return text
    head = text[:max_chars]
    cut = head.rfind("\n")
    if cut < max_chars // 3:
        cut = max(head.rfind(". "), head.rfind(".\n")) + 1
    return (head[:cut] if cut > 0 else head).strip()


def build(tmp: Path, bodies: list[tuple[str, str]], n: int, distractors: int,
          max_chars: int | None = None) -> tuple[Path, Path]:
    corpus = tmp / "fnc1_articles.jsonl"
    with open(corpus, "w", encoding="utf-8") as fh:
        for body_id, text in bodies[:n]:
            fh.write(json.dumps({"id": f"fnc1-{body_id}", "text": lead(text, max_chars)}) + "\n")
    refs = tmp / "references"
    shutil.copytree(NATO_REFS, refs, dirs_exist_ok=True)
    with open(refs / "distractors.jsonl", "w", encoding="utf-8") as fh:
        for body_id, text in bodies[n : n + distractors]:
            fh.write(json.dumps({"id": f"fnc1-distractor-{body_id}", "text": text}) + "\n")
    return corpus, refs


def comparable(path: Path) -> list[dict]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        rec.get("meta", {}).pop("timings", None)
        out.append(rec)
    return out


def first_difference(a: object, b: object, path: str = "") -> dict | None:
    """Where two JSON values first differ (path, both values), or None when equal."""
    if type(a) is not type(b):
        return {"path": path, "first_row": a, "this_row": b}
    if isinstance(a, dict):
        for k in dict.fromkeys([*a, *b]):
            d = first_difference(a.get(k), b.get(k), f"{path}.{k}" if path else k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return {"path": f"{path} (length)", "first_row": len(a), "this_row": len(b)}
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else {"path": path, "first_row": a, "this_row": b}


def main() -> None:
    from claimcheck import ClaimChecker
    from claimcheck.bench.results import _version, device_info, git_info, model_info
    from claimcheck.config import DEFAULT_CONFIG_PATH, file_sha256, load_config
    from claimcheck.pipeline import PipelineConfig, config_sha256

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=50)
    ap.add_argument("--distractors", type=int, default=40)
    ap.add_argument("--max-chars", type=int, default=None,
                    help="cut each article after its last line / sentence end within this many "
                         "characters (default: whole bodies)")
    ap.add_argument("--keep", type=Path, default=None,
                    help="build the corpus, references and outputs in this folder and keep them")
    ap.add_argument("--rows", default="local:1,local:2,ray:1,ray:2",
                    help="engine:workers, comma-separated")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--ray-address", default=None)
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG_PATH)
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--output", type=Path,
                    default=ROOT / "benchmarks/results/corpus_throughput.json")
    args = ap.parse_args()

    bodies_file = data_root() / "stance" / "fnc1" / "train_bodies.csv"
    bodies = read_bodies(bodies_file)
    cfg = load_config(PipelineConfig, args.config, [*args.overrides, "progress=false"])
    rows = [(e, int(w)) for e, w in (r.split(":") for r in args.rows.split(","))]
    load_before = os.getloadavg()
    results: list[dict] = []
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="claimcheck-corpus-bench-") as tmp:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            tmp = str(args.keep)
            for old in args.keep.glob("*.jsonl*"):
                old.unlink()
        corpus, refs = build(Path(tmp), bodies, args.articles, args.distractors, args.max_chars)
        first = None
        for engine, workers in rows:
            row = {"engine": engine, "workers": workers}
            if engine == "ray" and _version("ray") is None:
                row["skipped"] = "ray is not installed: pip install 'claimcheck-nli[ray]'"
                results.append(row)
                print(f"{engine:>6s} {workers:3d}  skipped (ray not installed)")
                continue
            out = Path(tmp) / f"{engine}-{workers}.jsonl"
            row["load_average_1min_before"] = round(os.getloadavg()[0], 2)  # a busy CPU shows
            t = time.perf_counter()
            run = ClaimChecker(cfg).check_corpus(
                corpus, refs, out, engine=engine, workers=workers, batch_size=args.batch_size,
                ray_address=args.ray_address if engine == "ray" else None, progress=False)
            wall = time.perf_counter() - t
            lines = comparable(out)
            first = first if first is not None else lines
            row.update({
                "articles": run.this_run, "checked": run.checked, "failed": run.failed,
                "claims": run.summary["claims"], "wall_s": round(wall, 2),
                "articles_loop_s": run.seconds,
                "articles_per_min": round(60 * run.this_run / wall, 2),
                "load_average_1min_after": round(os.getloadavg()[0], 2),
                "same_reports_as_first_row": lines == first})
            if lines != first:
                diffs = [(x.get("id"), first_difference(x, y))
                         for x, y in zip(first, lines, strict=False)]
                row["differences"] = [{"id": i, **d} for i, d in diffs if d][:5]
                row["articles_differing"] = sum(1 for _, d in diffs if d)
            results.append(row)
            print(f"{engine:>6s} {workers:3d}  {row['articles_per_min']:8.2f} articles/min  "
                  f"({run.this_run} articles, {row['claims']} claims, {wall:.1f} s; "
                  f"same reports: {row['same_reports_as_first_row']})", flush=True)
        corpus_rec = {"path": str(bodies_file), "sha256": file_sha256(bodies_file),
                      "articles": args.articles, "distractors": args.distractors,
                      "max_chars": args.max_chars,
                      "characters": sum(len(json.loads(x)["text"]) for x in
                                        corpus.read_text(encoding="utf-8").splitlines()),
                      "corpus_jsonl_sha256": file_sha256(corpus)}
    out = {
        "benchmark": "corpus_throughput", "rows": results, "corpus": corpus_rec,
        "references": {"nato": str(NATO_REFS.relative_to(ROOT)),
                       "distractors": args.distractors},
        "config_sha256": config_sha256(cfg), "overrides": args.overrides,
        "batch_size": args.batch_size, "model": model_info(cfg), "device": device_info(cfg),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "libraries": {d: _version(d) for d in ("claimcheck-nli", "torch", "transformers", "ray",
                                               "spacy")},
        "git": git_info(ROOT), "duration_s": round(time.time() - started, 1),
    }
    print(f"{'engine':>6s} {'w':>3s}  {'art/min':>8s}")
    for r in results:
        print(f"{r['engine']:>6s} {r['workers']:3d}  "
              + (f"{r['articles_per_min']:8.2f}" if "articles_per_min" in r else "  skipped"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
