#!/usr/bin/env python
"""Speed of claimcheck on the NATO example, in one process (issue #12):

    .venv/bin/python benchmarks/speed.py [--runs 5] [--distractors 0,50,500] [--articles 1,10]
        [--set key=value ...] [--output benchmarks/results/speed.json]

Prints a table and writes JSON with:

- cold start: a new process, ``import claimcheck`` → the first report (index cache warm),
  median of ``--cold-runs`` new processes;
- warm check of the example: median and min over ``--runs`` runs, per-stage medians
  (the report's ``meta.timings``), NLI pairs scored and pairs/s;
- the naive way: the same NLI model over every claim × every reference passage, no retrieval,
  and the naive/pipeline ratio, on the example's references and (``--naive-distractors``, default
  50) on the references plus that many distractor documents;
- index build time per 1,000 passages (into a fresh cache folder, so a build, not a cache load),
  and warm time with N distractor documents (FNC-1 bodies, then ARC bodies, from
  ../shared/data) added to the references (index built once, so only the check is timed);
- ``check_many`` over 1 / 10 / ... copies of the article (how cost grows with claims);
- peak RSS of this process: after the example's checks (``peak_rss_example_mb``) and at the
  end (``peak_rss_mb``, with the distractor indexes and ``check_many``).

Wall-clock numbers depend on what else runs on the machine: the JSON records the load average
before and after. Tests never assert on them.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nato-summit-2024"
# distractor news documents: FNC-1 article bodies, then ARC's (NYT reader comments) past 1,683
DISTRACTOR_FILES = ("stance/fnc1/train_bodies.csv", "stance/arc/arc_bodies.csv")


def data_root() -> Path:
    return Path(os.environ.get("CLAIMCHECK_DATA", ROOT.parent / "shared" / "data"))


def distractor_texts(n: int) -> list[str]:
    if n == 0:
        return []
    csv.field_size_limit(10_000_000)
    texts: list[str] = []
    for name in DISTRACTOR_FILES:
        path = data_root() / name
        if not path.is_file():
            sys.exit(f"speed.py: distractor documents need {path} (set CLAIMCHECK_DATA).")
        with path.open(encoding="utf-8", newline="") as fh:
            texts += [r["articleBody"] for r in csv.DictReader(fh) if r["articleBody"].strip()]
        if len(texts) >= n:
            return texts[:n]
    sys.exit(f"speed.py: only {len(texts)} FNC-1 and ARC bodies; ask for fewer distractors.")


def cold_start(overrides: list[str]) -> tuple[float, float]:
    """Seconds from a new process's ``import claimcheck`` to its first report of the example, and
    that process's peak RSS in MB."""
    make = f"ClaimChecker.from_config(None, {overrides!r})" if overrides else "ClaimChecker()"
    code = ("import time, resource; t = time.perf_counter(); from claimcheck import ClaimChecker; "
            f"c = {make}; c.check(open({str(EXAMPLE / 'article.txt')!r}).read(), "
            f"{str(EXAMPLE / 'references')!r}); print(time.perf_counter() - t, "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, rss = out.stdout.strip().splitlines()[-1].split()
    return round(float(seconds), 3), round(float(rss), 1)


def cpu_info() -> dict:
    """The CPU a result comes from: model name, the flags that decide its arithmetic (AMX, AVX-512,
    AVX2), its kind (docs/speed.md keeps one table per kind) and what ``precision: auto`` runs."""
    from claimcheck.precision import CPU_FEATURES, cpu_flags, cpu_kind, resolve_precision

    name = platform.processor()
    with contextlib.suppress(OSError):
        name = next((line.split(":", 1)[1].strip() for line in
                     Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name")), name)
    flags = cpu_flags()
    return {"model": name, "kind": cpu_kind(), "cores": os.cpu_count(),
            "features": {f: f in flags for f in CPU_FEATURES},
            "auto_precision": resolve_precision("auto")}


class PairCounter:
    """Counts the pairs the NLI model scores (wraps ``NLIModel.predict``)."""

    def __init__(self, nli) -> None:
        self.n = 0
        self.seconds = 0.0
        self._predict = nli.predict
        nli.predict = self

    def __call__(self, pairs, *a, **k):
        t = time.perf_counter()
        out = self._predict(pairs, *a, **k)
        self.seconds += time.perf_counter() - t
        self.n += 1 if isinstance(pairs, tuple) else len(pairs)
        return out


def timed_checks(checker, text: str, refs, runs: int) -> tuple[list[float], dict[str, float]]:
    times, stages = [], {}
    for _ in range(runs):
        t = time.perf_counter()
        report = checker.check(text, refs)
        times.append(time.perf_counter() - t)
        for k, v in (report.meta.get("timings") or {}).items():
            stages.setdefault(k, []).append(v)
    return times, {k: round(statistics.median(v), 4) for k, v in stages.items()}


def naive_all_pairs(checker, report, refs) -> tuple[float, int]:
    """Seconds and pairs of the naive way: the judge over every claim x every passage."""
    pairs = [(p.text, c.statement) for c in report.claims for p in refs.passages]
    t = time.perf_counter()
    checker.nli.predict(pairs)
    return round(time.perf_counter() - t, 3), len(pairs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--distractors", default="0,50,500",
                    help="comma-separated numbers of distractor documents (e.g. 0,50,500,5000)")
    ap.add_argument("--articles", default="1,10", help="check_many sizes (e.g. 1,10,100)")
    ap.add_argument("--no-naive", action="store_true", help="skip the all-pairs baseline")
    ap.add_argument("--naive-distractors", default="50",
                    help="reference scales (distractor counts, of --distractors) at which the "
                    "all-pairs baseline runs too (every claim x every passage of that set)")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-start subprocess")
    ap.add_argument("--cold-runs", type=int, default=3, help="cold starts to take the median of")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/speed.json")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from claimcheck import ClaimChecker
    from claimcheck.evidence.references import ReferenceSet

    load_before = os.getloadavg()
    t0 = time.perf_counter()
    # a fresh index cache, so that the index build times below are builds, not cache loads
    # (the cold start and the warm checks then read the indexes this run built)
    cache = tempfile.mkdtemp(prefix="claimcheck-speed-")
    overrides = [*args.overrides, f"retrieval.cache_dir={cache}"]
    checker = ClaimChecker.from_config(None, overrides)
    text = (EXAMPLE / "article.txt").read_text(encoding="utf-8")
    refs = ReferenceSet.from_path(EXAMPLE / "references", window=checker.config.retrieval.window,
                                  nlp=checker.nlp)
    first = checker.check(text, refs)
    first_s = time.perf_counter() - t0
    counter = PairCounter(checker.nli)
    stance_counter = PairCounter(checker.stance_model) \
        if checker.stance_model is not checker.nli else None

    times, stages = timed_checks(checker, text, refs, args.runs)
    pairs_per_check = counter.n // args.runs
    result: dict = {
        "config_overrides": args.overrides, "runs": args.runs,
        "in_process_first_check_s": round(first_s, 3),
        "warm_median_s": round(statistics.median(times), 4), "warm_min_s": round(min(times), 4),
        "stages_median_s": stages, "nli_pairs_per_check": pairs_per_check,
        "stance_pairs_per_check": stance_counter.n // args.runs if stance_counter else None,
        "nli_pairs_per_s": round(counter.n / counter.seconds, 1) if counter.seconds else None,
        "claims": len(first.claims), "passages": len(refs.passages),
    }
    # the peak RSS of checking the example alone (the distractor indexes and check_many below
    # add their own memory to the process's peak)
    result["peak_rss_example_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if not args.no_naive:
        naive, n_pairs = naive_all_pairs(checker, first, refs)
        result.update(naive_pairs=n_pairs, naive_s=naive,
                      naive_over_pipeline=round(naive / statistics.median(times), 2))
    naive_at = {int(x) for x in args.naive_distractors.split(",") if x.strip()}
    if not args.no_cold:  # before the distractor runs, whose files push the models out of the
        # page cache (a cold start right after the 5,000-document index took 49 s, else 11-19 s)
        colds = [cold_start(overrides) for _ in range(args.cold_runs)]
        result.update(cold_start_s=statistics.median(s for s, _ in colds),
                      cold_start_runs_s=[s for s, _ in colds],
                      cold_start_peak_rss_mb=statistics.median(r for _, r in colds))
    scale = []
    for n in [int(x) for x in args.distractors.split(",") if x.strip()]:
        docs = [p.read_text(encoding="utf-8") for p in sorted((EXAMPLE / "references").glob("*"))
                if p.suffix in (".txt", ".md")] + distractor_texts(n)
        big = ReferenceSet.from_texts(docs, window=checker.config.retrieval.window,
                                      nlp=checker.nlp)
        t = time.perf_counter()
        checker.retriever(big)  # index build (this run's cache folder starts empty)
        build = time.perf_counter() - t
        ts, _ = timed_checks(checker, text, big, max(2, args.runs // 2))
        scale.append({"distractors": n, "passages": len(big.passages),
                      "index_s": round(build, 3),
                      "index_s_per_1k_passages": round(1000 * build / len(big.passages), 3),
                      "warm_median_s": round(statistics.median(ts), 4)})
        if not args.no_naive and n in naive_at:
            naive_s, naive_n = naive_all_pairs(checker, first, big)
            scale[-1].update(naive_pairs=naive_n, naive_s=naive_s, naive_over_pipeline=round(
                naive_s / statistics.median(ts), 2))
        checker._retrievers.clear()
    result["reference_scale"] = scale
    many = []
    for n in [int(x) for x in args.articles.split(",") if x.strip()]:
        t = time.perf_counter()
        checker.check_many([text] * n, refs)
        s = time.perf_counter() - t
        many.append({"articles": n, "seconds": round(s, 3), "per_article_s": round(s / n, 4)})
    result["check_many"] = many
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    from claimcheck.bench.results import git_info
    from claimcheck.precision import resolve_precision

    result.update(git=git_info(ROOT), cpu=cpu_info(),
                  precision=resolve_precision(checker.config.model.precision),
                  hardware=f"{platform.machine()}, {os.cpu_count()} cores",
                  loadavg_before=[round(x, 2) for x in load_before],
                  loadavg_after=[round(x, 2) for x in os.getloadavg()])
    shutil.rmtree(cache, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")

    cpu = result["cpu"]
    print(f"CPU: {cpu['model']} ({cpu['kind']}; "
          + ", ".join(f for f, on in cpu["features"].items() if on)
          + f"), {cpu['cores']} cores; precision {result['precision']}")
    print(f"{'measure':40s} value")
    for k in ("cold_start_s", "cold_start_peak_rss_mb", "in_process_first_check_s",
              "warm_median_s", "warm_min_s", "nli_pairs_per_check", "nli_pairs_per_s",
              "stance_pairs_per_check", "naive_pairs", "naive_s",
              "naive_over_pipeline", "peak_rss_example_mb", "peak_rss_mb"):
        if k in result:
            print(f"{k:40s} {result[k]}")
    print("stages (median s): " + ", ".join(f"{k} {v:.3f}" for k, v in stages.items()))
    for r in scale:
        print(f"distractors {r['distractors']:5d}: {r['passages']:6d} passages, index "
              f"{r['index_s']:.2f} s ({r['index_s_per_1k_passages']:.2f} s/1k), warm "
              f"{r['warm_median_s']:.3f} s" + (f"; naive {r['naive_pairs']} pairs "
              f"{r['naive_s']:.1f} s = {r['naive_over_pipeline']:.1f}x" if "naive_s" in r else ""))
    for r in many:
        print(f"check_many {r['articles']:4d} articles: {r['seconds']:.2f} s "
              f"({r['per_article_s']:.3f} s/article)")
    print(f"load average before {result['loadavg_before']}, after {result['loadavg_after']}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
