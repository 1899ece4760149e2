"""The local engine: this machine, one checker per process, articles in input order.

``workers=1`` (the default) runs in this process with the caller's :class:`ClaimChecker`: the
models load once and the reference index is built once. ``workers=N`` starts N spawned worker
processes, each with its own checker (models loaded once per worker), sends them batches of
articles and writes their lines back in input order; each worker gets ``cpus // N`` torch threads
unless ``model.threads`` is set.

``ClaimChecker.check_many`` checks article by article (the NLI model sees one article's
claim/passage pairs per call, already batched by ``model.batch_size``), so a batch here is the
unit of work sent to a worker, not one NLI batch across articles.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from claimcheck.corpus.articles import Article
from claimcheck.corpus.worker import check_articles, warm_up
from claimcheck.evidence.references import ReferenceSet


def batched(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def run_local(checker, refs: ReferenceSet, articles: Iterable[Article], workers: int = 1,
              batch_size: int = 8) -> Iterator[str]:
    """Output lines for ``articles``, in their order."""
    if workers == 1:
        warm_up(checker, refs)
        for batch in batched(articles, batch_size):
            yield from check_articles(checker, refs, batch)
        return
    import multiprocessing

    threads = checker.config.model.threads or max(1, (os.cpu_count() or 1) // workers)
    config = checker.config.model_dump(mode="json")
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker,
                               initargs=(type(checker), config, refs, threads))
    try:
        in_flight: deque[Future] = deque()
        for batch in batched(articles, batch_size):
            in_flight.append(pool.submit(_check_batch, batch))
            if len(in_flight) >= 2 * workers:  # bounded: the corpus is never all in memory
                yield from in_flight.popleft().result()
        while in_flight:
            yield from in_flight.popleft().result()
    finally:  # on an error or an interrupt, queued batches are dropped (they run again on resume)
        pool.shutdown(wait=True, cancel_futures=True)


# -- in the worker process ---------------------------------------------------------------------
_WORKER: dict = {}


def _init_worker(checker_cls: type, config: dict, refs: ReferenceSet, threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    _WORKER.update(cls=checker_cls, config=config, refs=refs)


def _check_batch(batch: list[Article]) -> list[str]:
    if "checker" not in _WORKER:  # here, not in the initializer: its errors would be lost
        checker = _WORKER["cls"](_WORKER["config"])
        warm_up(checker, _WORKER["refs"])
        _WORKER["checker"] = checker
    return check_articles(_WORKER["checker"], _WORKER["refs"], batch)
