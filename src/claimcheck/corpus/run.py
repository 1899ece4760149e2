"""``check_corpus``: check every article of a folder or JSONL file into one resumable JSONL.

    reports.jsonl          one line per article, in input order: the report (``check --format
                           json`` plus ``id`` and ``fields``) or a failure (``id``, ``error``)
    reports.summary.json   verdict counts, flagged articles, failures, this run's speed
    reports.claims.csv     one row per claim of every checked article

Rerunning the same command checks only the articles whose id is not in the JSONL yet.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimcheck.config import config_sha256
from claimcheck.corpus.articles import Corpus
from claimcheck.corpus.output import CorpusOutput, claims_csv_path, summary_path
from claimcheck.corpus.summary import write_summary_and_claims
from claimcheck.errors import ConfigError, InputError

log = logging.getLogger(__name__)

ENGINES = ("local", "ray")


@dataclass(frozen=True, slots=True)
class CorpusRun:
    """What a :func:`check_corpus` call did, and where its files are."""

    output: Path
    summary_file: Path
    claims_file: Path
    articles: int        # articles in the corpus
    checked: int         # report lines in the output (every run)
    failed: int          # failure lines in the output (every run)
    this_run: int        # lines this run added
    skipped: int         # articles already in the output before this run
    seconds: float       # this run, from the first article to the last line
    summary: dict[str, Any] = field(default_factory=dict)


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"The {name!r} parameter of check_corpus must be an int >= 1. Got "
                          f"{value!r} instead.")
    return value


def check_corpus(checker, corpus: str | Path, references, output: str | Path, *,
                 engine: str = "local", workers: int = 1, batch_size: int = 8,
                 ray_address: str | None = None, cpus_per_worker: float | None = None,
                 input_format: str | None = None, retry_failed: bool = False,
                 progress: bool | None = None) -> CorpusRun:
    """Check every article of ``corpus`` against ``references`` into ``output`` (JSONL); see
    :meth:`claimcheck.pipeline.ClaimChecker.check_corpus`."""
    if engine not in ENGINES:
        raise ConfigError(f"Unknown engine {engine!r}. Use one of: {', '.join(ENGINES)}.")
    workers = _positive_int(workers, "workers")
    batch_size = _positive_int(batch_size, "batch_size")
    if ray_address and engine != "ray":
        raise ConfigError("--ray-address joins a Ray cluster, which only --engine ray uses. "
                          "Fix: add --engine ray, or drop --ray-address.")
    if cpus_per_worker is not None and (isinstance(cpus_per_worker, bool) or not
                                        isinstance(cpus_per_worker, (int, float))
                                        or cpus_per_worker <= 0):
        raise ConfigError(f"The 'cpus_per_worker' parameter of check_corpus must be a number > 0. "
                          f"Got {cpus_per_worker!r} instead.")
    if engine == "ray":
        from claimcheck.corpus.ray_engine import import_ray

        import_ray()  # a missing extra fails before the reference set loads
    out_path = Path(output)
    source = Path(corpus).expanduser()
    if out_path.resolve() == source.resolve():
        raise InputError(f"--output {str(out_path)!r} is the corpus itself. Fix: write the "
                         "reports to another file, e.g. reports.jsonl.")
    articles = Corpus(source, input_format, checker.config.segment.max_input_chars)
    ids = articles.ids()

    refs = checker._refs(references)
    out = CorpusOutput(out_path)
    done = out.resume(config_sha256(checker.config), refs.content_hash, retry_failed)
    pending = sum(1 for i in ids if i not in done)
    skipped = len(ids) - pending
    if skipped:
        log.info("%s: %d of %d articles already checked; %d to go", out_path, skipped, len(ids),
                 pending)
    todo = articles.articles(skip=done)
    if engine == "local":
        from claimcheck.corpus.local import run_local

        lines = run_local(checker, refs, todo, workers, batch_size)
    else:
        from claimcheck.corpus.ray_engine import run_ray

        lines = run_ray(checker, refs, todo, workers, batch_size, ray_address, cpus_per_worker)

    from tqdm.auto import tqdm

    show = checker._progress() if progress is None else progress
    t0 = time.perf_counter()
    with out, tqdm(total=pending, desc="check-corpus", unit="article", disable=not show,
                   dynamic_ncols=True) as bar:
        for line in lines:
            out.append(line)
            bar.update(1)
    seconds = time.perf_counter() - t0
    run = {"engine": engine, "workers": workers, "batch_size": batch_size,
           "corpus": str(source), "articles_in_corpus": len(ids), "this_run": out.written,
           "skipped_already_done": skipped, "seconds": round(seconds, 2),
           "articles_per_min": round(60 * out.written / seconds, 2) if out.written and seconds
           else None}
    s_path, c_path = summary_path(out_path), claims_csv_path(out_path)
    summary = write_summary_and_claims(out_path, s_path, c_path, run,
                                       checker.config.segment.max_unchecked)
    return CorpusRun(out_path, s_path, c_path, len(ids), summary["checked"], summary["failed"],
                     out.written, skipped, round(seconds, 2), summary)
