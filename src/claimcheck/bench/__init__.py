"""Reproducible benchmarks: YAML configs, dataset adapters for the published formats, results
JSON with full provenance, and a leaderboard (``benchmarks/README.md``).

Example::

    >>> from claimcheck.bench import run
    >>> results = run("configs/benchmarks/fnc1_dev.yaml", limit=500)  # doctest: +SKIP
    >>> results["methods"]["tfidf_lr"]["metrics"]["fnc_score"]  # doctest: +SKIP
"""

from __future__ import annotations

from claimcheck.bench.config import BenchConfig, load_bench_config
from claimcheck.bench.runner import run

__all__ = ["BenchConfig", "load_bench_config", "run"]
