"""The readable text table the CLI prints: claims with their best evidence, quotes, stances and
(optionally) the review queue."""

from __future__ import annotations

import textwrap

from claimcheck.review.triage import format_queue, review_queue
from claimcheck.types import Label, Report

_MARK = {Label.SUPPORTED: "SUPPORTED", Label.CONTRADICTED: "CONTRADICTED",
         Label.UNVERIFIED: "unverified"}


def render_table(report: Report, width: int = 100, review: bool = False,
                 checkworthiness: dict[int, float] | None = None) -> str:
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
    cov = report.coverage
    if cov is not None and cov.characters:
        why = ", ".join(f"{k} {v / cov.characters:.0%}" for k, v in cov.unchecked.items() if v)
        out.append(f"coverage: {1 - cov.unchecked_fraction:.0%} of the text checked"
                   + (f" (unchecked: {why})" if why else "")
                   + (f"; language {cov.language}" if cov.language not in (None, "en") else ""))
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
        queue = review_queue(report, checkworthiness)
        if queue:
            out += ["", "REVIEW QUEUE", "=" * width, format_queue(queue, width=width).rstrip()]
    return "\n".join(out) + "\n"


def profile_table(timings: dict[str, float], total: float) -> str:
    """The per-stage time table of ``claimcheck check --profile``: each stage's seconds and share
    of the whole check; what no stage accounts for (model loading on a first run, rendering
    setup) is the ``other`` row.

    >>> print(profile_table({"nli": 0.5, "retrieve": 0.25}, 1.0))
    stage                 seconds   share
    nli                     0.500   50.0%
    retrieve                0.250   25.0%
    other (loading)         0.250   25.0%
    total                   1.000  100.0%
    """
    rows = sorted(timings.items(), key=lambda kv: -kv[1])
    other = max(0.0, total - sum(timings.values()))
    rows.append(("other (loading)", other))
    share = (lambda s: 100 * s / total) if total > 0 else (lambda s: 0.0)
    lines = [f"{'stage':20s} {'seconds':>8s} {'share':>7s}"]
    lines += [f"{name:20s} {s:8.3f} {share(s):6.1f}%" for name, s in rows]
    lines.append(f"{'total':20s} {total:8.3f} {share(total):6.1f}%")
    return "\n".join(lines)
