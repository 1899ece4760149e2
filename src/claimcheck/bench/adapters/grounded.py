"""Grounded-checking formats: a source document, a generated claim or summary, a human label
(supported by the document or not) — SummaC, AggreFact, AttributionBench as
``../shared/data/grounded/<set>/dev.jsonl``, and LLM-AggreFact's own files.

Examples are ``{"id", "doc", "claim", "label" (supported | unsupported), "group"}``; ``group``
keeps the rows of one document together when a set is split into a tuning and a held-out part.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from claimcheck.bench.adapters import Loaded, Source, hf_rows, options_get, register
from claimcheck.errors import DataError

GROUNDED = ["supported", "unsupported"]
_TRUE = {"1", "1.0", "true", "supported", "supports", "consistent", "faithful", "yes",
         "attributable"}
_FALSE = {"0", "0.0", "false", "unsupported", "not_supported", "inconsistent", "unfaithful",
          "no", "not_attributable", "refutes", "contradicted"}


def grounded_label(value: Any, where: str) -> str:
    key = str(value).strip().lower().replace(" ", "_")
    if key in _TRUE:
        return "supported"
    if key in _FALSE:
        return "unsupported"
    raise DataError(f"Unexpected label {value!r} in {where}: a grounded label is 1 (supported by "
                    "the document) or 0 (not).")


def doc_group(doc: str) -> str:
    """A short stable key of a document (its whitespace-normalised text)."""
    return hashlib.sha1(" ".join(doc.split()).encode()).hexdigest()[:16]


def _rows(f: Path) -> list[dict[str, Any]]:
    builder = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}.get(f.suffix, "json")
    kwargs = {"delimiter": "\t"} if f.suffix == ".tsv" else {}
    return hf_rows(builder, f, **kwargs)


def _examples(rows: list[dict[str, Any]], f: Path, prefix: str, dataset: str | None
              ) -> list[dict[str, Any]]:
    out = []
    for i, r in enumerate(rows):
        missing = [k for k in ("doc", "claim", "label") if k not in r]
        if missing:
            raise DataError(f"{f}: row {i} has no {', '.join(missing)} column; a grounded file "
                            "has doc, claim and label (1 = supported).")
        if dataset is not None and str(r.get("dataset")) != dataset:
            continue
        if not str(r["doc"] or "").strip() or not str(r["claim"] or "").strip():
            raise DataError(f"{f}: row {i} has an empty doc or claim.")
        out.append({"id": str(r.get("id", f"{prefix}{i}")), "doc": r["doc"], "claim": r["claim"],
                    "label": grounded_label(r["label"], str(f)), "group": doc_group(r["doc"]),
                    **({"dataset": r["dataset"]} if "dataset" in r else {})})
    return out


@register("grounded_jsonl", {"grounded"},
          "<path>/<split>.jsonl with id, doc, claim, label (1 = supported by the document, 0 = "
          "not): ../shared/data/grounded/<set>/dev.jsonl")
def load_grounded_jsonl(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "grounded_jsonl")
    f = src.find("grounded", [f"{src.split}.jsonl"])
    assert f is not None
    return Loaded(_examples(_rows(f), f, "", None), [f], GROUNDED)


@register("llm_aggrefact", {"grounded"},
          "LLM-AggreFact's files (<split>.csv, .parquet or .jsonl with doc, claim, label, "
          "dataset); dataset.options.dataset keeps one of its sets (e.g. ExpertQA)")
def load_llm_aggrefact(src: Source, task: str, options: dict) -> Loaded:
    opts = options_get(options, {"dataset": None}, "llm_aggrefact")
    f = src.find("grounded", [f"{src.split}.parquet", f"{src.split}.csv", f"{src.split}.jsonl",
                              f"{src.split}-00000-of-00001.parquet"])
    assert f is not None
    rows = _rows(f)
    if rows and "dataset" not in rows[0]:
        raise DataError(f"{f} has no 'dataset' column: it is not LLM-AggreFact's format. Fix: "
                        "use format grounded_jsonl for files of doc, claim and label only.")
    out = _examples(rows, f, "", opts["dataset"])
    if not out:
        sets = sorted({str(r["dataset"]) for r in rows})
        raise DataError(f"{f} has no rows of dataset {opts['dataset']!r}; it holds {sets}.")
    return Loaded(out, [f], GROUNDED)
