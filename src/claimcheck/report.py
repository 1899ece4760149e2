"""``Report``: the data of :class:`claimcheck.types.Report` plus its renderings, as returned by
:class:`~claimcheck.pipeline.ClaimChecker`.

The data model stays rendering-free (no stage imports a renderer); this subclass, above the
stages, gives users the methods:

    >>> from claimcheck.types import Document
    >>> Report(Document("No claims here.")).to_dict(timings=False)["counts"]
    {'supported': 0, 'contradicted': 0, 'unverified': 0}
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from claimcheck.types import Report as ReportData


@dataclass(frozen=True, slots=True)
class Report(ReportData):
    """Everything claimcheck found in one article, with its renderings."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """The report a :meth:`to_dict` dict (or a parsed report JSON) holds
        (:func:`claimcheck.render.json.report_from_dict`)."""
        from claimcheck.render.json import report_from_dict

        return report_from_dict(data, cls)

    def to_dict(self, timings: bool = True) -> dict[str, Any]:
        from claimcheck.render.json import report_to_dict

        return report_to_dict(self, timings=timings)

    def to_json(self, timings: bool = True, indent: int | None = 2) -> str:
        from claimcheck.render.json import report_to_json

        return report_to_json(self, timings=timings, indent=indent)

    def to_dataframe(self):
        from claimcheck.render.json import claims_dataframe

        return claims_dataframe(self)

    def review_queue(self):
        """What an editor should look at first (see :func:`claimcheck.review.triage.review_queue`);
        claims the pipeline left unscored for check-worthiness are scored first."""
        from claimcheck.review.triage import review_queue

        return review_queue(self, missing_checkworthiness(self))

    def stance_table(self):
        """Per-speaker stance as a pandas DataFrame (see
        :func:`claimcheck.quotes.stance.stance_table`)."""
        from claimcheck.quotes.stance import stance_table

        return stance_table(self)

    def to_html(self) -> str:
        """The HTML review page (see :func:`claimcheck.render.html.render_html`); claims without a
        check-worthiness score are scored first."""
        from claimcheck.render.html import render_html

        return render_html(self, checkworthiness=missing_checkworthiness(self))

    def table(self, width: int = 100, review: bool = False) -> str:
        """The text table the CLI prints (see :func:`claimcheck.render.table.render_table`)."""
        from claimcheck.render.table import render_table

        return render_table(self, width, review,
                            missing_checkworthiness(self) if review else None)


def as_report(report: ReportData) -> Report:
    """``report`` as a :class:`Report` (with methods); the same object when it already is one."""
    if isinstance(report, Report):
        return report
    return Report(**{f.name: getattr(report, f.name) for f in dataclasses.fields(report)})


def missing_checkworthiness(report: ReportData) -> dict[int, float]:
    """Check-worthiness of the claims the pipeline left unscored (``check_claims``, or
    ``segment.checkworthiness: false``), from the committed model; 0 for each when the model
    cannot load (the review queue then orders by verdicts only)."""
    missing = [c for c in report.claims if c.checkworthiness is None]
    if not missing:
        return {}
    import logging

    from claimcheck.claims.checkworthy import score_sentences
    from claimcheck.errors import ModelLoadError

    try:
        scores = score_sentences([c.statement or c.text for c in missing])
    except ModelLoadError as e:
        logging.getLogger(__name__).warning(
            "check-worthiness unavailable, queue order uses verdicts only: %s", e)
        scores = [0.0] * len(missing)
    return {c.id: float(s) for c, s in zip(missing, scores, strict=True)}
