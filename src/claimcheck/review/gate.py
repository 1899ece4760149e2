"""The pre-publish gate for CI: fail on contradicted claims, serious flags or unverified claims,
and on an article whose text was largely not checked.

No model runs here: the gate reads a finished report. Whatever kinds are asked for, an article
with more than ``max_unchecked`` of its text unchecked (headings, a related-posts list, fragments,
another language: see :mod:`claimcheck.claims.coverage`) fails, so text that no check read cannot
pass; ``--set segment.max_unchecked=1`` allows it.
"""

from __future__ import annotations

from claimcheck.errors import ConfigError
from claimcheck.types import Report

GATE_KINDS = ("contradicted", "flagged", "unverified", "unchecked")


#: the corpus gate also fails on articles that could not be checked
CORPUS_GATE_KINDS = (*GATE_KINDS, "failed")


def check_kinds(kinds: list[str], allowed: tuple[str, ...] = GATE_KINDS) -> None:
    """Raise ConfigError naming the first unknown gate kind (called before any work starts);
    ``allowed``: :data:`GATE_KINDS` for one article, :data:`CORPUS_GATE_KINDS` for a corpus."""
    bad = [k for k in kinds if k not in allowed]
    if bad:
        raise ConfigError(f"Unknown --fail-on kind {bad[0]!r}; options: {', '.join(allowed)}. "
                          "Example: --fail-on contradicted,flagged")


def unchecked_hit(report: Report, max_unchecked: float) -> str | None:
    """'unchecked: …' when more than ``max_unchecked`` of the article's text was not checked."""
    cov = report.coverage
    if cov is None or cov.unchecked_fraction <= max_unchecked:
        return None
    why = ", ".join(f"{k} {v / cov.characters:.0%}" for k, v in
                    sorted(cov.unchecked.items(), key=lambda kv: -kv[1]) if v)
    return (f"unchecked: {cov.unchecked_fraction:.0%} of the text ({why}; allowed: "
            f"{max_unchecked:.0%}, see segment.max_unchecked)")


def gate(report: Report, fail_on: list[str], max_unchecked: float = 0.25) -> tuple[bool, str]:
    """Decide a pre-publish gate: ``(should_fail, one-line summary)``.

    ``fail_on`` lists kinds (``contradicted``, ``flagged``, ``unverified``, ``unchecked``;
    comma-separated items are split). ``flagged`` counts flags of high or medium severity (low
    intensifier flags never fail). With any kind, more than ``max_unchecked`` of the text left
    unchecked fails too (:func:`unchecked_hit`).

    >>> from claimcheck.types import Document, Report
    >>> fail, line = gate(Report(Document("Nothing here.")), ["contradicted"])
    >>> fail, line[:40]
    (False, 'claimcheck: PASS (fail-on: contradicted)')
    """
    kinds = [k.strip().lower() for item in fail_on for k in item.split(",") if k.strip()]
    check_kinds(kinds)
    counts = report.counts()
    serious = [f for f in report.flags if f.severity in ("high", "medium")]
    found = {"contradicted": counts["contradicted"], "flagged": len(serious),
             "unverified": counts["unverified"]}
    hits = [f"{k}: {found[k]}" for k in dict.fromkeys(kinds) if found.get(k, 0) > 0]
    unchecked = unchecked_hit(report, max_unchecked) if kinds else None
    if unchecked:
        hits.append(unchecked)
    verdict = "FAIL" if hits else "PASS"
    listed = ",".join(dict.fromkeys(kinds)) or "-"
    why = f" ({', '.join(hits)})" if hits else f" (fail-on: {listed})"
    summary = (f"claimcheck: {verdict}{why} - {len(report.claims)} claims: "
               f"{counts['supported']} supported, {counts['contradicted']} contradicted, "
               f"{counts['unverified']} unverified; {len(report.flags)} flags")
    return bool(hits), summary


def corpus_gate(summary: dict, kinds: list[str]) -> tuple[bool, str]:
    """The gate over a ``check-corpus`` summary (:mod:`claimcheck.corpus.summary`):
    ``(should_fail, one-line verdict)``; ``kinds`` from :data:`CORPUS_GATE_KINDS`. As for one
    article, articles over ``max_unchecked`` fail it whatever the kinds."""
    s = summary
    found = {"contradicted": s["counts"]["contradicted"], "unverified": s["counts"]["unverified"],
             "failed": s["failed"],
             "flagged": sum(1 for a in s["flagged_articles"] if a["serious_flags"]),
             "unchecked": len(s["unchecked_articles"])}
    hits = [f"{k}: {found[k]}" for k in dict.fromkeys(kinds) if found[k]]
    if found["unchecked"] and "unchecked" not in kinds:
        hits.append(f"unchecked: {found['unchecked']} articles over {s['max_unchecked']:.0%} "
                    "(see unchecked_articles in the summary)")
    verdict = f"FAIL ({', '.join(hits)})" if hits else "PASS"
    return bool(hits), f"claimcheck: {verdict} (fail-on: {','.join(dict.fromkeys(kinds))})"
