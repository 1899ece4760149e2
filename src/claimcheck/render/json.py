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


def report_from_dict(data: dict[str, Any], cls: type[Report] = Report) -> Report:
    """The report (of class ``cls``; :meth:`claimcheck.Report.from_dict` passes its own) a
    :func:`report_to_dict` dict (or a parsed report JSON) holds: the inverse of
    ``report.to_dict()``, for reports stored as JSON (the review desk's SQLite file, a
    ``check --format json`` output).

    >>> from claimcheck.types import Document
    >>> from claimcheck.report import Report
    >>> r = Report(Document("NATO was founded in 1949."))
    >>> Report.from_dict(r.to_dict()).to_dict() == r.to_dict()
    True
    """
    from claimcheck.types import (
        ClaimResult,
        Coverage,
        Document,
        Flag,
        Label,
        NonClaim,
        Passage,
        Probabilities,
        Quote,
        ReferenceDocument,
        Severity,
        Span,
        SpanKind,
        Speaker,
        Stance,
        StanceLabel,
    )

    def span(d: dict | None) -> Span | None:
        return None if d is None else Span(d["text"], d["start"], d["end"])

    def spans(items: list[dict]) -> tuple[Span, ...]:
        return tuple(Span(d["text"], d["start"], d["end"]) for d in items)

    def evidence(e: dict) -> Evidence:
        return Evidence(passage=Passage(text=e["text"], start=e["start"], end=e["end"], id=0,
                                        doc_id=e["doc_id"], title=e.get("title"),
                                        source=e.get("source")),
                        probabilities=Probabilities(e["entailment"], e["neutral"],
                                                    e["contradiction"]),
                        retrieval_score=e["retrieval_score"], similarity=e.get("similarity"))

    d = data["document"]
    doc = Document(d["text"], spans(d.get("paragraphs", [])), spans(d.get("headings", [])),
                   spans(d.get("boilerplate", [])), d.get("source"), d.get("format", "text"))
    claims = tuple(ClaimResult(
        id=c["id"], text=c["text"], start=c["start"], end=c["end"], statement=c["statement"],
        label=Label(c["label"]), score=c["score"], evidence=tuple(map(evidence, c["evidence"])),
        reason=c.get("reason", ""), checkworthiness=c.get("checkworthiness"))
        for c in data.get("claims", []))
    cov = data.get("coverage")
    return cls(
        doc, claims,
        tuple(NonClaim(text=n["text"], start=n["start"], end=n["end"], kind=SpanKind(n["kind"]))
              for n in data.get("non_claims", [])),
        tuple(Quote(text=q["text"], start=q["start"], end=q["end"], id=q["id"], kind=q["kind"],
                    cue=span(q.get("cue")), speaker_mention=span(q.get("speaker_mention")),
                    speaker_id=q.get("speaker_id")) for q in data.get("quotes", [])),
        tuple(Speaker(s["id"], s["name"], s.get("title"), s.get("kind", "person"),
                      spans(s.get("mentions", []))) for s in data.get("speakers", [])),
        tuple(Stance(s["speaker_id"], s["speaker"], s["target"], s["score"],
                     StanceLabel(s["label"]), tuple(s.get("quote_ids", [])))
              for s in data.get("stances", [])),
        tuple(Flag(text=f["text"], start=f["start"], end=f["end"], kind=f["kind"],
                   reason=f["reason"], claim_id=f.get("claim_id"),
                   severity=Severity(f.get("severity", "medium"))) for f in data.get("flags", [])),
        dict(data.get("meta", {})),
        None if cov is None else Coverage(**cov),
        tuple(ReferenceDocument(r["id"], r["text"], r.get("title"), r.get("source"), r.get("date"))
              for r in data.get("evidence_documents", [])))
