#!/usr/bin/env python
"""How the quote tagger's decoding constants were chosen, on data that is not the dev split:

    claimcheck train quotes --set validation_docs=84 --set output_dir=runs/quote-tagger-minilm-val \
        --set dev=false
    .venv/bin/python benchmarks/quote_tagger_decoding.py --tagger runs/quote-tagger-minilm-val

The tagger above trains on PolNeAR train minus 84 seeded documents (``validation_ids.json``); this
script scores content-overlap P/R/F1 (``claimcheck.bench.metrics.quote_metrics``) on those 84
for each ``MIN_CONTENT_WORDS`` (contents shorter than this are dropped) and ``MAX_CONTENT_GAP``
(content runs broken by at most this many untagged tokens are joined) of
``claimcheck.quotes.tagger``, and beside them the rules and the union of the best setting with
the rules' quotes; prints the table and writes ``benchmarks/results/quote_tagger_decoding.json``.
The constants in the module are the best F1 here; PolNeAR dev is then scored once with them
(``claimcheck train quotes``). ``make quote-tagger-decoding`` runs both steps.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tagger", default="runs/quote-tagger-minilm-val")
    ap.add_argument("--benchmark", default="configs/benchmarks/polnear_dev.yaml")
    ap.add_argument("--min-words", default="1,2,3")
    ap.add_argument("--gaps", default="0,1,2,3,4")
    ap.add_argument("--output", default=str(ROOT / "benchmarks/results/quote_tagger_decoding.json"))
    args = ap.parse_args()

    from claimcheck.bench.metrics import quote_metrics
    from claimcheck.bench.runner import training_part
    from claimcheck.quotes import tagger as tg

    folder = Path(args.tagger)
    ids_file = folder / "validation_ids.json"
    if not ids_file.is_file():
        raise SystemExit(f"{ids_file} is missing: train the tagger with --set validation_docs=N.")
    held = set(json.loads(ids_file.read_text()))
    docs = [d for d in training_part(args.benchmark).examples if d["id"] in held]
    model = tg.QuoteTagger.load(str(folder))
    tagged = []
    for d in docs:
        logits, offsets = model.logits(d["text"])
        tagged.append((logits.argmax(axis=1).tolist(), offsets))
    rows = []
    for min_words in map(int, args.min_words.split(",")):
        for gap in map(int, args.gaps.split(",")):
            preds = []
            for d, (labels, offsets) in zip(docs, tagged, strict=True):
                spans = tg.read_spans(labels, offsets, d["text"], gap, min_words)
                preds.append([{"start": s, "end": e, "speaker": None}
                              for r, s, e in spans if r == "CONTENT"])
            m = quote_metrics(docs, preds)["content_overlap"]
            rows.append({"min_content_words": min_words, "max_content_gap": gap,
                         **{k: m[k] for k in ("precision", "recall", "f1", "pred", "gold")}})
    best = max(rows, key=lambda r: (r["f1"], -r["max_content_gap"], -r["min_content_words"]))
    # beside it: the rules on the same documents, and the union (the tagger's contents plus the
    # rules' quotes that overlap none of them by more than 20%)
    from claimcheck.quotes.extract import extract_quotes

    def overlap(a, b) -> float:
        return max(0, min(a[1], b[1]) - max(a[0], b[0])) / max(a[1] - a[0], b[1] - b[0])

    rules = [[(q.start, q.end) for q in extract_quotes(d["text"])[0]] for d in docs]
    tagger_best = []
    for d, (labels, offsets) in zip(docs, tagged, strict=True):
        spans = tg.read_spans(labels, offsets, d["text"], best["max_content_gap"],
                              best["min_content_words"])
        tagger_best.append([(s, e) for r, s, e in spans if r == "CONTENT"])
    union = [t + [r for r in rs if all(overlap(r, x) <= 0.2 for x in t)]
             for t, rs in zip(tagger_best, rules, strict=True)]
    others = {}
    for name, spans in (("rules", rules), ("tagger (best) + rules", union)):
        m = quote_metrics(docs, [[{"start": s, "end": e, "speaker": None} for s, e in p]
                                 for p in spans])["content_overlap"]
        others[name] = {k: m[k] for k in ("precision", "recall", "f1", "pred", "gold")}
    print(f"{len(docs)} held-out documents of {args.benchmark}'s training part, tagger {folder}")
    print("| min words | max gap | P | R | F1 | predicted | gold |\n|---|---|---|---|---|---|---|")
    for r in rows:
        mark = " **best**" if r is best else ""
        print(f"| {r['min_content_words']} | {r['max_content_gap']} | {r['precision']:.3f} | "
              f"{r['recall']:.3f} | {r['f1']:.3f}{mark} | {r['pred']} | {r['gold']} |")
    for name, r in others.items():
        print(f"| {name} | | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
              f"{r['pred']} | {r['gold']} |")
    Path(args.output).write_text(json.dumps({
        "tagger": str(folder), "benchmark": args.benchmark, "documents": len(docs),
        "rows": rows, "best": best, "compared": others}, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
