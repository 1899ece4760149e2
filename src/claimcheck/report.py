"""Report rendering: dict / JSON (deterministic), pandas, and the CLI's text table.

``to_json`` output is byte-identical for the same input and config once ``timings=False``
(timing fields are the only values that change between runs, and they live under
``meta.timings``).
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from enum import Enum
from typing import Any

from claimcheck.types import Label, Report

FLOAT_DIGITS = 4


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
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
        "document": {"source": doc.source, "format": doc.format, "text": doc.text,
                     "headings": _plain(doc.headings), "paragraphs": _plain(doc.paragraphs),
                     "boilerplate": _plain(doc.boilerplate)},
        "claims": _plain(report.claims),
        "non_claims": _plain(report.non_claims),
        "quotes": _plain(report.quotes),
        "speakers": _plain(report.speakers),
        "stances": _plain(report.stances),
        "flags": _plain(report.flags),
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


_MARK = {Label.SUPPORTED: "SUPPORTED", Label.CONTRADICTED: "CONTRADICTED",
         Label.UNVERIFIED: "unverified"}


def render_table(report: Report, width: int = 100, review: bool = False) -> str:
    """The readable claim table the CLI prints (+ quotes, stances and the review queue)."""
    out = []
    counts = report.counts()
    out.append(f"{len(report.claims)} claims: {counts['supported']} supported, "
               f"{counts['contradicted']} contradicted, {counts['unverified']} unverified")
    out.append("=" * width)
    for c in report.claims:
        head = f"[{c.id:>2}] {_MARK[c.label]:<12} {c.score:.2f}  "
        body = textwrap.wrap(c.statement, width - len(head)) or [""]
        out.append(head + body[0])
        out.extend(" " * len(head) + line for line in body[1:])
        if c.evidence:
            ev = c.evidence[0]
            src = ev.doc_id
            lines = textwrap.wrap(f"evidence ({src} {ev.start}-{ev.end}, e={ev.entailment:.2f} "
                                  f"c={ev.contradiction:.2f}): {ev.text}", width - len(head))
            out.extend(" " * len(head) + line for line in lines)
        if c.label is not Label.SUPPORTED and c.reason:
            out.append(" " * len(head) + f"why: {c.reason}")
        out.append("-" * width)
    if report.non_claims:
        kinds: dict[str, int] = {}
        for n in report.non_claims:
            kinds[n.kind.value] = kinds.get(n.kind.value, 0) + 1
        out.append("not checked: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
    if report.quotes:
        names = {s.id: s.name for s in report.speakers}
        out += ["", f"QUOTES ({len(report.quotes)})", "=" * width]
        for q in report.quotes:
            who = names.get(q.speaker_id, "?") if q.speaker_id is not None else "?"
            out.extend(textwrap.wrap(f"{who} [{q.kind}]: {q.text}", width,
                                     subsequent_indent="    "))
    if report.stances:
        out += ["", "STANCE OF QUOTED SPEAKERS (score in [-1, 1])", "=" * width]
        for s in report.stances:
            out.append(f"{s.speaker[:28]:<28} {s.target[:32]:<32} {s.score:+.2f} {s.label:<8} "
                       f"({len(s.quote_ids)} quote{'s' if len(s.quote_ids) != 1 else ''})")
    if review:
        from claimcheck.triage import format_queue

        queue = report.review_queue()
        if queue:
            out += ["", "REVIEW QUEUE", "=" * width, format_queue(queue, width=width).rstrip()]
    return "\n".join(out) + "\n"
