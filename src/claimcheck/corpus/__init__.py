"""Corpus scale: check thousands of articles in one call, locally or on a Ray cluster.

    >>> from claimcheck import ClaimChecker
    >>> run = ClaimChecker().check_corpus("articles/", "refs/", "out/reports.jsonl")  # doctest: +SKIP
    >>> run.checked, run.failed, run.summary_file                                     # doctest: +SKIP
    (998, 2, PosixPath('out/reports.summary.json'))

Modules: ``articles`` (reading a folder or JSONL), ``worker`` (one article → one output line),
``output`` (the atomic, resumable JSONL), ``summary`` (summary JSON + claims CSV), ``local`` and
``ray_engine`` (the engines), ``run`` (``check_corpus``, which ties them together). See
docs/scale.md.
"""

from claimcheck.corpus.articles import Article, Corpus
from claimcheck.corpus.run import ENGINES, CorpusRun, check_corpus

__all__ = ["ENGINES", "Article", "Corpus", "CorpusRun", "check_corpus"]
