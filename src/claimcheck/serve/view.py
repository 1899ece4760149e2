"""What the review desk's templates show, built from a stored check: the report (read back from
its JSON with :meth:`claimcheck.Report.from_dict`), the article cut into highlighted
segments, the review queue, and for one claim each evidence passage inside its reference document
— cut at the passage's offsets, which is what the offsets contract
(``document.text[e.start:e.end] == e.text``) makes exact.

>>> in_context("abcdefgh", 2, 4, margin=1)
('…b', 'cd', 'e…')
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from claimcheck.render.html import article_segments
from claimcheck.report import Report
from claimcheck.review.triage import review_queue

#: characters of the reference document shown on each side of an evidence passage
CONTEXT_CHARS = 2500
_CACHE: OrderedDict[str, Report] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def stored_report(row: dict[str, Any]) -> Report:
    """The Report of a finished check (parsed once per check; a finished report never changes)."""
    with _CACHE_LOCK:
        if row["id"] in _CACHE:
            _CACHE.move_to_end(row["id"])
            return _CACHE[row["id"]]
    report = Report.from_dict(json.loads(row["report"]))
    with _CACHE_LOCK:
        _CACHE[row["id"]] = report
        while len(_CACHE) > 32:
            _CACHE.popitem(last=False)
    return report


def _by_item(decisions: list[dict[str, Any]], kind: str) -> dict[int, dict[str, Any]]:
    return {d["item"]: d for d in decisions if d["kind"] == kind}


def report_view(row: dict[str, Any], decisions: list[dict[str, Any]]) -> dict[str, Any]:
    """The report page's context."""
    report = stored_report(row)
    speakers = {s.id: s.name for s in report.speakers}
    return {
        "report": report,
        "counts": report.counts(),
        "paragraphs": article_segments(report),
        "claims": sorted(report.claims, key=lambda c: c.start),
        "flags": list(enumerate(report.flags)),
        "queue": [(it, next((i for i, f in enumerate(report.flags) if it.claim_id is None
                             and (f.start, f.end) == (it.start, it.end)), None))
                  for it in review_queue(report)],
        "quotes": [(q, speakers.get(q.speaker_id) if q.speaker_id is not None else None)
                   for q in report.quotes],
        "stances": list(report.stances),
        "coverage": report.coverage,
        "claim_decisions": _by_item(decisions, "claim"),
        "flag_decisions": _by_item(decisions, "flag"),
        "labels": ["supported", "contradicted", "unverified"],
    }


def in_context(text: str, start: int, end: int, margin: int = CONTEXT_CHARS
               ) -> tuple[str, str, str]:
    """(before, passage, after): ``text[start:end]`` with up to ``margin`` characters of the
    document on each side (an ellipsis where the document goes on)."""
    a, b = max(0, start - margin), min(len(text), end + margin)
    return (("…" if a else "") + text[a:start], text[start:end],
            text[end:b] + ("…" if b < len(text) else ""))


def claim_view(row: dict[str, Any], claim_id: int, decisions: list[dict[str, Any]]
               ) -> dict[str, Any] | None:
    """One claim's panel: verdict, flags, decision, and each evidence passage highlighted in its
    reference document (None when the report has no such claim)."""
    report = stored_report(row)
    claim = next((c for c in report.claims if c.id == claim_id), None)
    if claim is None:
        return None
    docs = {d.id: d for d in report.evidence_documents}
    evidence = []
    for rank, e in enumerate(claim.evidence, start=1):
        doc = docs.get(e.doc_id)
        exact = doc is not None and e.passage.slices(doc.text)
        before, passage, after = in_context(doc.text, e.start, e.end) if exact else \
            ("", e.text, "")
        evidence.append({"rank": rank, "e": e, "title": (doc.title if doc else None) or e.title,
                         "exact": exact, "before": before, "passage": passage, "after": after})
    return {
        "claim": claim,
        "flags": [(i, f) for i, f in enumerate(report.flags) if f.claim_id == claim.id],
        "decision": _by_item(decisions, "claim").get(claim.id),
        "flag_decisions": _by_item(decisions, "flag"),
        "evidence": evidence,
        "labels": ["supported", "contradicted", "unverified"],
    }
