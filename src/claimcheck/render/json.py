"""Report rendering: dict / JSON (deterministic) and a pandas table of the claims.

``to_json`` output is byte-identical for the same input and config once ``timings=False``
(timing fields are the only values that change between runs, and they live under
``meta.timings``).
"""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any

from claimcheck.types import Evidence, Report

FLOAT_DIGITS = 4

# evidence is written flat: its passage's text, document and offsets beside the probabilities
_EVIDENCE_KEYS = ("text", "doc_id", "start", "end", "entailment", "neutral", "contradiction",
                  "retrieval_score", "source", "title", "similarity")


def _plain(obj: Any) -> Any:
    if isinstance(obj, Evidence):
        return {k: _plain(getattr(obj, k)) for k in _EVIDENCE_KEYS}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        names = [f.name for f in dataclasses.fields(obj)]
        if "id" in names:  # an object's id leads, before the span fields it inherits
            names.remove("id")
            names.insert(0, "id")
        return {n: _plain(getattr(obj, n)) for n in names}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    if isinstance(obj, float):
        return round(obj, FLOAT_DIGITS)
    return obj


def report_to_dict(report: Report, timings: bool = True) -> dict[str, Any]:
    """A JSON-ready dict. ``timings=False`` drops meta.timings (for byte-identical output)."""
    doc = report.document
    meta = dict(report.meta)
    if not timings:
        meta.pop("timings", None)
    return {
        "meta": _plain(meta),
        "counts": report.counts(),
        "coverage": _plain(report.coverage),
        "document": {"source": doc.source, "format": doc.format, "text": doc.text,
                     "headings": _plain(doc.headings), "paragraphs": _plain(doc.paragraphs),
                     "boilerplate": _plain(doc.boilerplate)},
        "claims": _plain(report.claims),
        "non_claims": _plain(report.non_claims),
        "quotes": _plain(report.quotes),
        "speakers": _plain(report.speakers),
        "stances": _plain(report.stances),
        "flags": _plain(report.flags),
        # evidence offsets slice these texts (the reference documents as claimcheck read them)
        "evidence_documents": _plain(report.evidence_documents),
    }


def report_to_json(report: Report, timings: bool = True, indent: int | None = 2) -> str:
    return json.dumps(report_to_dict(report, timings), ensure_ascii=False, indent=indent) + "\n"


def claims_dataframe(report: Report):
    """One row per claim: id, text, offsets, label, score and the best evidence."""
    import pandas as pd

    rows = []
    for c in report.claims:
        best = c.evidence[0] if c.evidence else None
        rows.append({
            "id": c.id, "text": c.text, "start": c.start, "end": c.end,
            "statement": c.statement, "label": c.label.value, "score": c.score,
            "checkworthiness": c.checkworthiness, "reason": c.reason,
            "evidence": best.text if best else None,
            "evidence_doc": best.doc_id if best else None,
            "evidence_start": best.start if best else None,
            "evidence_end": best.end if best else None,
            "p_entailment": best.entailment if best else None,
            "p_contradiction": best.contradiction if best else None,
        })
    return pd.DataFrame(rows, columns=["id", "text", "start", "end", "statement", "label",
                                       "score", "checkworthiness", "reason", "evidence",
                                       "evidence_doc", "evidence_start", "evidence_end",
                                       "p_entailment", "p_contradiction"])
