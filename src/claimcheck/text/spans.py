"""Lookups into a fixed set of character spans by bisection, for the stages that test many
positions or spans of a long article against many spans (headings, boilerplate, excluded
sentences): O(log n) a test instead of a scan of every span, so the stage stays linear.

>>> spans = SpanIndex([(0, 5), (10, 20)])
>>> spans.holds(3), spans.holds(7), spans.overlaps(4, 12), spans.overlaps(5, 10)
(True, False, True, False)
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable


class SpanIndex:
    """``[start, end)`` spans (any order, overlapping or not), sorted by start, with the
    running maximum of their ends."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [s for s, _ in spans]
        self.reach = list(itertools.accumulate((e for _, e in spans), max))

    def holds(self, pos: int) -> bool:
        """Does a span hold ``pos`` (``start <= pos < end``)?"""
        k = bisect.bisect_right(self.starts, pos) - 1
        return k >= 0 and self.reach[k] > pos

    def overlaps(self, start: int, end: int) -> bool:
        """Does a span overlap ``[start, end)`` (``s < end and start < e``)?"""
        k = bisect.bisect_left(self.starts, end) - 1
        return k >= 0 and self.reach[k] > start
