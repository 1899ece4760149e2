"""The review queue: what an editor should look at first, with the reasons.

Order (tiers, then within a tier):

1. ``contradicted`` claims - by contradiction score, then check-worthiness;
2. ``flagged`` unverified claims (a high or medium flag) - by check-worthiness, then flag severity;
3. ``meta`` - meta / SEO text that must be removed (flags that concern no claim);
4. ``flagged-supported`` - supported claims that still carry a high or medium flag (e.g. a number
   that differs from the evidence);
5. ``unverified`` claims without such flags - by check-worthiness.

Supported claims with no (or only low) flags are not queued.

>>> from claimcheck.types import Document, Report
>>> review_queue(Report(Document("")))
[]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from claimcheck.types import ClaimResult, Flag, Label, Report

log = logging.getLogger(__name__)

TIERS = ("contradicted", "flagged", "meta", "flagged-supported", "unverified")
_SEVERITY = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One entry of the review queue. ``priority`` is its 1-based rank."""

    priority: int
    tier: str
    claim_id: int | None
    text: str
    start: int
    end: int
    label: Label | None
    score: float | None
    checkworthiness: float | None
    reasons: tuple[str, ...]
    flag_kinds: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"priority": self.priority, "tier": self.tier, "claim_id": self.claim_id,
                "text": self.text, "start": self.start, "end": self.end,
                "label": self.label.value if self.label else None, "score": self.score,
                "checkworthiness": self.checkworthiness, "reasons": list(self.reasons),
                "flag_kinds": list(self.flag_kinds)}


def review_queue(report: Report, checkworthiness: dict[int, float] | None = None
                 ) -> list[ReviewItem]:
    """Return the report's review queue, most urgent first (see the module docstring).

    Check-worthiness is each claim's own score, else ``checkworthiness[claim id]`` (no model runs
    here: :meth:`claimcheck.Report.review_queue` scores the claims the pipeline left unscored).
    """
    worth = {c.id: float(c.checkworthiness) for c in report.claims
             if c.checkworthiness is not None}
    for k, v in (checkworthiness or {}).items():
        worth.setdefault(k, v)
    by_claim: dict[int, list[Flag]] = {}
    for f in report.flags:
        if f.claim_id is not None:
            by_claim.setdefault(f.claim_id, []).append(f)
    keyed: list[tuple[tuple, str, ClaimResult | None, list[Flag]]] = []
    for c in report.claims:
        flags = sorted(by_claim.get(c.id, []),
                       key=lambda f: (_SEVERITY.get(f.severity, 3), f.start))
        serious = [f for f in flags if f.severity in ("high", "medium")]
        cw = worth.get(c.id, 0.0)
        top_sev = _SEVERITY.get(serious[0].severity, 3) if serious else 3
        if c.label == Label.CONTRADICTED:
            keyed.append(((0, -c.score, -cw, c.start), "contradicted", c, flags))
        elif c.label == Label.UNVERIFIED and serious:
            keyed.append(((1, -cw, top_sev, c.start), "flagged", c, flags))
        elif serious:
            keyed.append(((3, top_sev, -cw, c.start), "flagged-supported", c, flags))
        elif c.label == Label.UNVERIFIED:
            keyed.append(((4, -cw, c.start), "unverified", c, flags))
    for f in report.flags:
        if f.claim_id is None and f.kind == "meta":
            keyed.append(((2, _SEVERITY.get(f.severity, 3), f.start), "meta", None, [f]))
    keyed.sort(key=lambda k: k[0])
    out = []
    for rank, (_, tier, c, flags) in enumerate(keyed, start=1):
        if c is None:
            f = flags[0]
            out.append(ReviewItem(rank, tier, None, f.text, f.start, f.end, None, None, None,
                                  (f.reason,), (f.kind,)))
            continue
        reasons = ([c.reason] if c.reason and c.label != Label.SUPPORTED else [])
        reasons += [f.reason for f in flags]
        out.append(ReviewItem(rank, tier, c.id, c.text, c.start, c.end, c.label, c.score,
                              worth.get(c.id), tuple(reasons),
                              tuple(dict.fromkeys(f.kind for f in flags))))
    return out


def format_queue(items: list[ReviewItem], limit: int | None = 10, width: int = 100) -> str:
    """Plain-text rendering of the queue for the CLI (one entry per line, reasons indented)."""
    if not items:
        return "Review queue: nothing to review."
    lines = [f"Review queue ({len(items)} items):"]
    for it in items[:limit] if limit else items:
        cw = f" cw={it.checkworthiness:.2f}" if it.checkworthiness is not None else ""
        head = f"{it.priority:>2}. [{it.tier}{cw}] {_clip(it.text, width)}"
        lines.append(head)
        lines += [f"      - {_clip(r, width)}" for r in it.reasons[:3]]
    if limit and len(items) > limit:
        lines.append(f"    ... {len(items) - limit} more")
    return "\n".join(lines)


def _clip(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"
