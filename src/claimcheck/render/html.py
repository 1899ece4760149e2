"""The HTML review page: the article with claims highlighted by verdict, flags underlined with their
reasons, evidence on hover (title) and click (the claim's card), the review queue, the flags and
the stance table.

The article text is untrusted: the page is rendered by jinja2 with autoescaping on, holds no
script, and its Content-Security-Policy allows no script, frame or remote load.

>>> from claimcheck.types import Document, Report
>>> page = render_html(Report(Document("<script>alert(1)</script>")))
>>> "<script>alert" in page, "&lt;script&gt;alert(1)&lt;/script&gt;" in page
(False, True)
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimcheck.types import ClaimResult, Flag, Label, Report

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_LABEL_RANK = {Label.CONTRADICTED: 0, Label.UNVERIFIED: 1, Label.SUPPORTED: 2}


@dataclass(frozen=True, slots=True)
class _Segment:
    text: str
    label: str | None  # the most urgent verdict of the claims covering it
    claim_ids: tuple[int, ...]
    flag_severity: str | None  # the highest severity of the flags covering it
    flag_kinds: tuple[str, ...]
    title: str
    non_claim: str | None = None  # the kind of the non-claim span covering it (heading, meta…)


def render_html(report: Report, title: str | None = None,
                checkworthiness: dict[int, float] | None = None) -> str:
    """Render ``report`` as a self-contained HTML page (no script, no external resource)."""
    import jinja2

    from claimcheck.review.triage import review_queue

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    claims = sorted(report.claims, key=lambda c: c.start)
    ctx: dict[str, Any] = {
        "title": title or report.document.source or "claimcheck report",
        "counts": report.counts(),
        "paragraphs": article_segments(report),
        "claims": claims,
        "flags": sorted(report.flags, key=lambda f: (f.start, f.kind)),
        "queue": review_queue(report, checkworthiness),
        "stances": list(report.stances),
        "meta": {k: v for k, v in report.meta.items() if isinstance(v, str | int | float | bool)},
        "n_flags": len(report.flags),
    }
    return env.get_template("report.html").render(**ctx)


def article_segments(report: Report) -> list[list[_Segment]]:
    """Split the article into segments at every claim, flag and non-claim boundary; one list per
    line. Each segment knows the claims and flags covering it and the kind of the non-claim
    (heading, related_posts, meta, fragment) it lies in; text in none of them is unchecked."""
    text = report.document.text
    claims = [c for c in report.claims if c.slices(text)]
    flags = [f for f in report.flags if f.slices(text)]
    non_claims = [n for n in report.non_claims if n.slices(text)]
    cuts = {0, len(text)}
    for s in (*claims, *flags, *non_claims):
        cuts.update((s.start, s.end))
    cuts.update(i + 1 for i, ch in enumerate(text) if ch == "\n")
    points = sorted(cuts)
    paras: list[list[_Segment]] = [[]]
    for a, b in itertools.pairwise(points):
        piece = text[a:b]
        if not piece:
            continue
        seg = _segment(piece, a, b, claims, flags)
        kind = next((n.kind.value for n in non_claims if n.start <= a and b <= n.end), None)
        paras[-1].append(dataclasses.replace(seg, non_claim=kind) if kind else seg)
        if piece.endswith("\n"):
            paras.append([])
    return [p for p in paras if p]


def _segment(piece: str, a: int, b: int, claims: list[ClaimResult],
             flags: list[Flag]) -> _Segment:
    cs = [c for c in claims if c.start <= a and b <= c.end]
    fs = [f for f in flags if f.start <= a and b <= f.end]
    label = min((c.label for c in cs), key=lambda lab: _LABEL_RANK[lab]).value if cs else None
    sev = min((f.severity for f in fs), key=lambda s: {"high": 0, "medium": 1}.get(s, 2),
              default=None)
    lines = [f"Claim {c.id}: {c.label.value} ({c.score:.2f})"
             + (f" - evidence: {_clip(c.evidence[0].text)}" if c.evidence else "") for c in cs]
    lines += [f"[{f.kind}] {f.reason}" for f in fs]
    return _Segment(piece, label, tuple(c.id for c in cs), sev,
                    tuple(dict.fromkeys(f.kind for f in fs)), "\n".join(lines))


def _clip(s: str, n: int = 200) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"
