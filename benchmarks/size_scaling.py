#!/usr/bin/env python
"""How check time grows with article size, and the hostile shapes of issue #14:

    .venv/bin/python benchmarks/size_scaling.py [--sizes 10000,100000,1000000]
        [--full-max 100000] [--output benchmarks/results/size_scaling.json]

Articles of 10 KB / 100 KB / 1 MB are FNC-1 bodies (``stance/fnc1/train_bodies.csv`` of the
shared data) joined with blank lines, cut at a paragraph end. Per article, with every model
loaded beforehand (warm), it times:

- the **text stages**: ingest, segment (one spaCy parse per line, shared with quotes), coverage,
  quotes and flags: everything but the neural scorers, whose work is one forward pass per claim
  or pair and so linear by construction;
- **checkworthiness** (the MiniLM scorer over every claim), reported per claim;
- for articles up to ``--full-max`` characters, the **full check** against the NATO example's
  references (judge and stance model included).

Time per KB of the text stages must stay flat (within 2x) from 10 KB to 1 MB. The hostile rows:
1,000 short quotes (51 KB), a 200,000-character Markdown line of ``[``, a 200,000-character
paragraph with no sentence punctuation. The JSON records the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import EXAMPLE, ROOT, distractor_texts


def sized_article(bodies: list[str], size: int) -> str:
    out, n = [], 0
    for b in bodies:
        b = b.strip()
        if n + len(b) + 2 > size:
            break
        out.append(b)
        n += len(b) + 2
    return "\n\n".join(out)


def hostile() -> dict[str, tuple[str, str]]:
    quotes = "\n".join(f'"We will act on item {i} now," the minister said.' for i in range(1000))
    words = ["the", "alliance", "and", "its", "members", "agreed", "on", "new", "plans", "for",
             "the", "region"]
    para = " ".join(words[i % len(words)] for i in range(40_000))[:200_000]
    return {"1,000 short quotes": (quotes, "text"),
            "200k-char Markdown line of [": ("[" * 200_000, "markdown"),
            "200k-char paragraph, no sentence end": (para, "text")}


def text_stages(checker, text: str, fmt: str | None) -> dict:
    from claimcheck.claims.coverage import coverage
    from claimcheck.claims.segment import segment
    from claimcheck.quotes.extract import extract_quotes
    from claimcheck.review.flags import find_flags
    from claimcheck.text.ingest import ingest
    from claimcheck.text.nlp import LineDocs
    from claimcheck.types import ClaimResult, Label

    cfg, nlp, t, cpu = checker.config, checker.nlp, {}, {}

    def clock(stage: str, w0: float, c0: float) -> tuple[float, float]:
        t[stage], cpu[stage] = time.perf_counter() - w0, time.process_time() - c0
        return time.perf_counter(), time.process_time()

    w0, c0 = time.perf_counter(), time.process_time()
    doc = ingest(text, fmt, max_chars=cfg.segment.max_input_chars)
    w0, c0 = clock("ingest", w0, c0)
    lines = LineDocs(nlp, doc.text)
    claims, non_claims = segment(doc, cfg.segment.atomic, cfg.segment.min_words, nlp, lines)
    coverage(doc, claims, non_claims)
    w0, c0 = clock("segment", w0, c0)
    quotes, _ = extract_quotes(doc, nlp, cfg.quotes, lines)
    w0, c0 = clock("quotes", w0, c0)
    results = [ClaimResult(id=c.id, text=c.text, start=c.start, end=c.end,
                           statement=c.statement, label=Label.UNVERIFIED, score=1.0)
               for c in claims]
    find_flags(doc, results, non_claims, cfg.flags, nlp=nlp)
    clock("flags", w0, c0)
    return {"characters": len(text), "claims": len(claims), "quotes": len(quotes),
            "stages_s": {k: round(v, 3) for k, v in t.items()},
            "text_stages_s": round(sum(t.values()), 3),
            # CPU time of this process: what the stages cost when other work shares the cores
            "stages_cpu_s": {k: round(v, 3) for k, v in cpu.items()},
            "text_stages_cpu_s": round(sum(cpu.values()), 3),
            "loadavg": round(os.getloadavg()[0], 2),
            "statements": [c.statement for c in claims]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--full-max", type=int, default=100_000,
                    help="run the full check (judge, stance) on articles up to this size")
    ap.add_argument("--output", default=str(ROOT / "benchmarks/results/size_scaling.json"))
    args = ap.parse_args()

    from claimcheck import ClaimChecker
    from claimcheck.claims.checkworthy import score_sentences

    load_before = os.getloadavg()
    checker = ClaimChecker({"progress": False})
    refs = checker._refs(EXAMPLE / "references")
    checker.check((EXAMPLE / "article.txt").read_text(encoding="utf-8"), refs)  # warm up
    bodies = distractor_texts(1683)
    rows = []
    for size in map(int, args.sizes.split(",")):
        text = sized_article(bodies, size)
        row = {"article": f"{size // 1000:,} KB of FNC-1 bodies", **text_stages(checker, text,
                                                                                "text")}
        statements = row.pop("statements")
        s, c = time.perf_counter(), time.process_time()
        score_sentences(statements)
        row["checkworthiness_s"] = round(time.perf_counter() - s, 3)
        row["checkworthiness_cpu_s"] = round(time.process_time() - c, 3)
        row["text_stages_ms_per_kb"] = round(1e6 * row["text_stages_s"] / len(text), 2)
        if len(text) <= args.full_max:
            s, c = time.perf_counter(), time.process_time()
            report = checker.check(text, refs)
            row["full_check_s"] = round(time.perf_counter() - s, 2)
            row["full_check_cpu_s"] = round(time.process_time() - c, 2)
            row["full_check_ms_per_kb"] = round(1e6 * row["full_check_s"] / len(text), 2)
            row["full_check_stages_s"] = report.meta["timings"]
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "full_check_stages_s"}),
              flush=True)
    hostile_rows = []
    for name, (text, fmt) in hostile().items():
        row = {"article": name, **text_stages(checker, text, fmt)}
        row.pop("statements")
        hostile_rows.append(row)
        print(json.dumps(row), flush=True)
    per_kb = [r["text_stages_ms_per_kb"] for r in rows]
    result = {
        "rows": rows, "hostile": hostile_rows,
        "text_stages_flatness": round(max(per_kb) / min(per_kb), 2) if per_kb else None,
        "hardware": f"{platform.machine()}, {os.cpu_count()} cores",
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n| article | chars | claims | quotes | text stages s (CPU s) | ms/KB | "
          "checkworthiness s | full check s | load |\n|---|---|---|---|---|---|---|---|---|")
    for r in rows + hostile_rows:
        print(f"| {r['article']} | {r['characters']:,} | {r['claims']:,} | {r['quotes']:,} | "
              f"{r['text_stages_s']} ({r['text_stages_cpu_s']}) | "
              f"{r.get('text_stages_ms_per_kb', '')} | {r.get('checkworthiness_s', '')} | "
              f"{r.get('full_check_s', '')} | {r['loadavg']} |")
    print(f"\ntext stages per KB, max/min over the sizes: {result['text_stages_flatness']}; "
          f"wrote {args.output}")


if __name__ == "__main__":
    main()
