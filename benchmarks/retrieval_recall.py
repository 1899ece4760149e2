"""Retrieval recall in the verification setting: how often the claim's own evidence is in the top k.

The setting is the one ``claimcheck.train.calibrate`` evaluates verdicts in: per dev set, 300
seeded rows; the pool holds every row's evidence split into sentences, and a claim cannot see the
evidence of its other rows. A hit is any sentence of the claim's own evidence among its top-k
passages. Rows: BM25 alone and hybrid (BM25 + dense, RRF), each with and without term folding
(``retrieval.fold_terms``: US/UK spellings and plurals).

    .venv/bin/python benchmarks/retrieval_recall.py [--k 5] [--output FILE.json]
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def recall(rows: list[dict], k: int, dense: bool, fold: bool) -> float:
    from claimcheck.evidence.references import ReferenceSet
    from claimcheck.evidence.retrieve import Retriever
    from claimcheck.train.calibrate import doc_id, examples_from_rows

    ex, docs = examples_from_rows(rows)
    refs = ReferenceSet.from_texts(list(docs), window=1)
    r = Retriever(top_k=k, dense=dense, fold_terms=fold).index(refs)
    extra = max(len(e.exclude) for e in ex)
    hits = r.search([e.claim for e in ex], top_k=k + 8 * extra)
    found = 0
    for e, row, hs in zip(ex, rows, hits, strict=True):
        own = doc_id(row["premise"])
        found += any(h.passage.doc_id == own
                     for h in [h for h in hs if h.passage.doc_id not in e.exclude][:k])
    return round(found / len(ex), 4)


def main(argv: list[str] | None = None) -> int:
    from claimcheck.train.calibrate import DEV_SETS, ROW_CAP
    from claimcheck.train.data import cap_rows, load_eval_file, resolve_data_root

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--output", type=Path,
                    default=ROOT / "benchmarks" / "results" / "retrieval_recall.json")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    root = resolve_data_root(str(ROOT.parent / "shared" / "data"))
    table: dict[str, dict[str, float]] = {}
    for rel in DEV_SETS:
        rows = cap_rows(load_eval_file(root / rel), ROW_CAP, args.seed)
        name = rel.split("/")[1]
        table[name] = {f"{'hybrid' if dense else 'bm25'}{'' if fold else ' (no folding)'}":
                       recall(rows, args.k, dense, fold)
                       for dense in (False, True) for fold in (False, True)}
    cols = list(next(iter(table.values())))
    print(f"recall@{args.k} of the claim's own evidence (300 rows per set)")
    print(f"| set | {' | '.join(cols)} |")
    print("|---" * (len(cols) + 1) + "|")
    for name, row in table.items():
        print(f"| {name} | {' | '.join(f'{row[c]:.3f}' for c in cols)} |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"k": args.k, "seed": args.seed, "rows_per_set": ROW_CAP,
                                       "recall": table}, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
