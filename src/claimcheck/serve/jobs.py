"""Background checks: one worker thread with one shared :class:`ClaimChecker` (the models load
once), so that a check never blocks the event loop that answers the pages. Checks queue behind
each other (the models use every core already); each has a status the page polls: ``queued``
(with its place in the queue), ``running`` (with the stage and the seconds so far), ``done`` or
``failed`` (with the message).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimcheck.errors import ClaimcheckError
from claimcheck.evidence.references import ReferenceSet
from claimcheck.serve.store import Store

log = logging.getLogger(__name__)

#: what a check of a few thousand characters takes before the first one has been timed (s)
FIRST_ESTIMATE_S = 10.0


@dataclass
class JobStatus:
    """What the progress endpoint answers for one check."""

    check_id: str
    status: str = "queued"  # queued | running | done | failed
    stage: str = "waiting for the checks before it"
    started: float | None = None
    finished: float | None = None
    submitted: float = field(default_factory=time.monotonic)
    error: str | None = None
    chars: int = 0

    def to_dict(self, position: int | None, estimate: float) -> dict[str, Any]:
        now = time.monotonic()
        elapsed = (self.finished or now) - self.started if self.started else 0.0
        progress = 1.0 if self.status == "done" else (
            min(0.95, elapsed / estimate) if self.status == "running" and estimate else 0.0)
        return {"id": self.check_id, "status": self.status, "stage": self.stage,
                "elapsed_s": round(elapsed, 1), "estimate_s": round(estimate, 1),
                "progress": round(progress, 3), "queue_position": position,
                "error": self.error}


class JobRunner:
    """Runs checks one at a time in a worker thread and records them in ``store``.

    ``references`` maps a reference-set name to its ReferenceSet (loaded once at start).
    """

    def __init__(self, checker, store: Store, references: dict[str, ReferenceSet]) -> None:
        self.checker = checker
        self.store = store
        self.references = references
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="claimcheck-check")
        self._lock = threading.Lock()
        self._jobs: dict[str, JobStatus] = {}
        self._order: list[str] = []
        self._seconds_per_kchar: float | None = None
        self.ready = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------
    def warm_up(self) -> Future:
        """Load the models and index the reference sets in the worker (before any check)."""
        return self._pool.submit(self._warm_up)

    def _warm_up(self) -> None:
        t = time.perf_counter()
        try:
            c = self.checker
            for refs in self.references.values():
                c.retriever(refs)
            first = next(iter(self.references.values()), None)
            if first is not None:  # loads every model the pipeline uses (NLI, stance, spaCy …)
                c.check(warm_up_text(first), first)  # and runs them on a page's worth of text
            log.info("models loaded and references indexed in %.1f s", time.perf_counter() - t)
        except Exception:  # a broken model shows in the first check's message, not here
            log.exception("warm-up failed")
        finally:
            self.ready.set()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- checks ------------------------------------------------------------------------------
    def submit(self, check_id: str, text: str, fmt: str | None,
               references: ReferenceSet | Callable[[], ReferenceSet], title: str) -> JobStatus:
        """Queue a check of ``text``; ``references`` may be a callable that builds the set (for
        uploaded files: built in the worker, not in the event loop)."""
        job = JobStatus(check_id, chars=len(text))
        with self._lock:
            self._jobs[check_id] = job
            self._order.append(check_id)
        self._pool.submit(self._run, job, text, fmt, references, title)
        return job

    def _run(self, job: JobStatus, text: str, fmt: str | None, references, title: str) -> None:
        job.status, job.started = "running", time.monotonic()
        self.store.set_status(job.check_id, "running")
        try:
            if callable(references):
                job.stage = "reading the uploaded references"
                references = references()
            job.stage = "indexing the references"
            self.checker.retriever(references)
            job.stage = "checking the article (claims, evidence, verdicts, quotes, flags)"
            report = self.checker.check(text, references, fmt=fmt, source=title)
            job.stage = "saving the report"
            seconds = time.monotonic() - job.started
            self.store.set_status(job.check_id, "done", report=report.to_json(indent=None),
                                  seconds=round(seconds, 2))
            if job.chars:
                self._seconds_per_kchar = seconds / max(1.0, job.chars / 1000)
            job.status, job.stage = "done", "done"
        except ClaimcheckError as e:
            job.status, job.stage, job.error = "failed", "failed", str(e)
            self.store.set_status(job.check_id, "failed", error=str(e))
        except Exception as e:
            log.exception("check %s failed", job.check_id)
            msg = (f"The check failed unexpectedly ({type(e).__name__}: {e}). The server log has "
                   "the details; please report it with the article.")
            job.status, job.stage, job.error = "failed", "failed", msg
            self.store.set_status(job.check_id, "failed", error=msg)
        finally:
            job.finished = time.monotonic()

    def status(self, check_id: str) -> dict[str, Any] | None:
        """The progress of a check this server ran (None for a check of an earlier run)."""
        job = self._jobs.get(check_id)
        if job is None:
            return None
        with self._lock:
            waiting = [j for j in self._order if self._jobs[j].status == "queued"]
        position = waiting.index(check_id) + 1 if check_id in waiting else None
        if self._seconds_per_kchar is None:
            estimate = FIRST_ESTIMATE_S
        else:
            estimate = self._seconds_per_kchar * max(1.0, job.chars / 1000)
        out = job.to_dict(position, estimate)
        if job.status == "queued" and not self.ready.is_set():
            out["stage"] = "waiting for the models to load"
        return out


def warm_up_text(refs: ReferenceSet, passages: int = 12) -> str:
    """An article to warm the models with: the reference set's first passages (claims the
    judge scores in batches of an article's size) and a quote (the stance model loads)."""
    body = " ".join(p.text.replace("\n", " ") for p in refs.passages[:passages])
    return f'{body}\n"We will stand with Ukraine for as long as it takes," the spokesperson said.'


def upload_dir(data_dir: Path, check_id: str) -> Path:
    """Where a check's uploaded reference files are kept."""
    return data_dir / "uploads" / check_id
