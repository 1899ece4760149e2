"""The Ray engine: Ray Data ``map_batches`` over a pool of actors, each holding one
:class:`~claimcheck.pipeline.ClaimChecker`.

What travels where: the reference set goes into the object store once (``ray.put``) and each
actor fetches it when it starts; the pipeline config travels as a dict; the articles travel as
JSON rows (text included: workers never read the input files, so they need not share a file
system with the driver). Each actor loads the models and builds the reference index once, then
checks batches of ``batch_size`` articles and returns finished output lines. The driver reads the
lines back in input order (``preserve_order``) and writes them through the same
:class:`~claimcheck.corpus.output.CorpusOutput` as the local engine, so resume and failures behave
the same. Every node needs claimcheck (same version) and its models installed.

``address=None`` starts a local Ray for this run (and stops it after); ``address="auto"`` or
``"host:6379"`` joins a running cluster (``ray start --head`` on the head node).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from claimcheck.corpus.articles import Article
from claimcheck.errors import ClaimcheckError
from claimcheck.evidence.references import ReferenceSet

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'claimcheck-nli[ray]'"


def import_ray():
    """``ray`` with Ray Data, or a ClaimcheckError that names the install command."""
    import os

    # claimcheck never reaches the network unless told to: no Ray usage stats, and no Ray Data
    # metrics poller (it queries a Prometheus that a plain `ray start` does not run).
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_DATA_USAGE_DISABLED", "1")
    try:
        import ray
        import ray.data
    except ImportError as e:
        raise ClaimcheckError(f"--engine ray needs Ray Data, which is not installed ({e}). Fix: "
                              f"{INSTALL_HINT}, or use --engine local.") from None
    return ray


class CheckActor:
    """A Ray Data actor: one ClaimChecker, loaded once, for every batch this actor gets."""

    def __init__(self, checker_cls: type, config: dict, refs, threads: int) -> None:
        import ray
        import torch

        from claimcheck.corpus.worker import warm_up

        torch.set_num_threads(threads)
        self.refs = ray.get(refs) if isinstance(refs, ray.ObjectRef) else refs
        self.checker = checker_cls(config)
        warm_up(self.checker, self.refs)

    def __call__(self, batch: dict) -> dict:
        from claimcheck.corpus.worker import check_article

        articles = [Article.from_json(str(a)) for a in batch["article"]]
        return {"index": [a.index for a in articles],
                "line": [check_article(self.checker, self.refs, a) for a in articles]}


def run_ray(checker, refs: ReferenceSet, articles: Iterable[Article], workers: int = 1,
            batch_size: int = 8, address: str | None = None,
            cpus_per_worker: float | None = None) -> Iterator[str]:
    """Output lines for ``articles``, in their order, checked by ``workers`` Ray actors."""
    ray = import_ray()
    rows = [{"index": a.index, "article": a.to_json()} for a in articles]
    if not rows:
        return
    started = _connect(ray, address)
    try:
        from ray.data import ActorPoolStrategy, DataContext

        ctx = DataContext.get_current()
        ctx.execution_options.preserve_order = True  # output in input order
        ctx.enable_progress_bars = False  # the corpus bar counts articles
        cpus = cpus_per_worker or max(1, int(ray.cluster_resources().get("CPU", 1)) // workers)
        threads = checker.config.model.threads or max(1, int(cpus))
        ds = ray.data.from_items(rows).map_batches(
            CheckActor, batch_size=batch_size, batch_format="numpy",
            compute=ActorPoolStrategy(size=workers), num_cpus=cpus,
            fn_constructor_kwargs={"checker_cls": type(checker),
                                   "config": checker.config.model_dump(mode="json"),
                                   "refs": ray.put(refs), "threads": threads})
        log.info("ray: %d articles, %d actors x %s CPUs, batches of %d", len(rows), workers, cpus,
                 batch_size)
        try:
            for row in ds.iter_rows():
                yield str(row["line"])
        except Exception as e:
            raise _unwrap(e) from None
    finally:
        if started:
            ray.shutdown()


def _connect(ray, address: str | None) -> bool:
    """Join ``address`` (or start a local Ray when None); True when this run started it."""
    if ray.is_initialized():
        return False
    try:
        ray.init(address=address, logging_level=logging.WARNING, include_dashboard=False)
    except ConnectionError as e:
        raise ClaimcheckError(f"Cannot reach a Ray cluster at --ray-address {address!r} ({e}). "
                              "Fix: check the address (`ray status` on the head node), or leave "
                              "--ray-address out to start a local Ray.") from None
    except Exception as e:
        where = f"join Ray at {address!r}" if address else "start a local Ray"
        raise ClaimcheckError(f"Could not {where}: {str(e).splitlines()[0]} Fix: start one with "
                              "`ray start --head --num-cpus N` and pass --ray-address auto, or "
                              "use --engine local.") from None
    return address is None


def _unwrap(e: Exception) -> Exception:
    """The claimcheck error behind a Ray task error (Ray wraps it, with the worker's traceback
    in its message), else a one-line ClaimcheckError."""
    chain, node = [], e
    while node is not None and len(chain) < 10:
        chain.append(node)
        node = getattr(node, "cause", None) or node.__cause__
    for err in reversed(chain):
        if isinstance(err, ClaimcheckError) and type(err).__module__.startswith("claimcheck"):
            return err
    last = chain[-1]
    first = (str(last).strip().splitlines() or [""])[-1]
    return ClaimcheckError(f"The Ray run failed: {type(last).__name__}: {first} The articles "
                           "finished so far are in --output; rerun the same command to resume.")
