"""Run a benchmark config: load the split, run each method, score, and write the results."""

from __future__ import annotations

import json
import logging
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.bench.adapters import Loaded, Source, get_adapter
from claimcheck.bench.config import BenchConfig, load_bench_config, repo_root, resolve_data_path
from claimcheck.bench.results import build_provenance, model_info, write_outputs
from claimcheck.bench.tasks import primary_metric, run_method, score, subset
from claimcheck.errors import DataError

log = logging.getLogger(__name__)


def load_split(cfg: BenchConfig, split: str, root: Path) -> Loaded:
    path = resolve_data_path(cfg.dataset.path, root)
    if not path.exists():
        raise DataError(f"Dataset path {path} (dataset.path={cfg.dataset.path!r}) does not "
                        "exist. Fix: --set dataset.path=<folder of the published files>, or set "
                        "$CLAIMCHECK_DATA to the folder that replaces '../shared/data'.")
    adapter = get_adapter(cfg.dataset.format)
    src = Source(path, split, dict(cfg.dataset.split_files.get(split, {})))
    loaded = adapter.load(src, cfg.task, dict(cfg.dataset.options))
    if not loaded.examples:
        raise DataError(f"Split {split!r} of {path} ({cfg.dataset.format}) has no examples.")
    return loaded


def _carve(cfg: BenchConfig, loaded: Loaded) -> tuple[Loaded, Loaded]:
    """Split ``loaded`` into (held out, rest), grouped and seeded by dataset.carve."""
    c = cfg.dataset.carve
    assert c is not None
    keys = [str(e.get(c.group_by, i)) if c.group_by else str(i)
            for i, e in enumerate(loaded.examples)]
    groups = sorted(set(keys))
    rng = np.random.default_rng(c.seed)
    rng.shuffle(groups)
    n_held = max(1, round(len(groups) * c.fraction))
    held = set(groups[:n_held])
    a = [e for e, k in zip(loaded.examples, keys, strict=True) if k in held]
    b = [e for e, k in zip(loaded.examples, keys, strict=True) if k not in held]
    mk = lambda ex: Loaded(ex, loaded.files, loaded.label_space, loaded.kind)  # noqa: E731
    return mk(a), mk(b)


def held_out(config: str | Path, root: Path | None = None) -> Loaded:
    """The examples a benchmark config scores: its carve's held-out part, or the whole split.

    Training recipes use it to keep a benchmark's dev rows out of their training data.
    """
    cfg, root = _config_and_root(config, root)
    full = load_split(cfg, cfg.dataset.split, root)
    return _carve(cfg, full)[0] if cfg.dataset.carve is not None else full


def training_part(config: str | Path, root: Path | None = None) -> Loaded:
    """The examples a benchmark config's baselines train on: the rest of its carve, or its
    ``train_split``. Training recipes read their data through it, so the benchmark's scored rows
    stay out of training."""
    cfg, root = _config_and_root(config, root)
    train = _train_part(cfg, root, None)
    if train is None:
        raise DataError(f"Benchmark config {config} has neither dataset.train_split nor "
                        "dataset.carve, so it has no training part. Fix: add one of them.")
    return train


def model_predictions(config: str | Path, results: Path, scratch: Path) -> list[dict[str, Any]]:
    """The per-example prediction rows (``predictions.jsonl``'s: ``id``, ``gold``, ``model`` …) of
    a benchmark config's model method: those of the last full run in ``results/<name>/`` (as
    ``benchmarks/run_all.py`` writes them, baselines included) when it is there, else of a new
    run of the model method alone into ``scratch/<name>/``."""
    cfg, _ = load_bench_config(config)
    path = Path(results) / cfg.name / "predictions.jsonl"
    if not path.is_file():
        log.info("%s has no predictions at %s: running its model method into %s", cfg.name, path,
                 scratch)
        run(config, overrides=["methods=[model]"], output=Path(scratch) / cfg.name)
        path = Path(scratch) / cfg.name / "predictions.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _config_and_root(config: str | Path, root: Path | None) -> tuple[BenchConfig, Path]:
    cfg, info = load_bench_config(config)
    return cfg, root or repo_root(Path(info["file"]).resolve().parent if info["file"] else None)


def _train_part(cfg: BenchConfig, root: Path, full: Loaded | None) -> Loaded | None:
    d = cfg.dataset
    if d.carve is not None and d.train_split in (None, d.split):
        return _carve(cfg, full or load_split(cfg, d.split, root))[1]
    if d.train_split:
        return load_split(cfg, d.train_split, root)
    return None


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover
        pass


def run(config: str | Path | dict[str, Any] | BenchConfig, limit: int | None = None,
        overrides: list[str] | None = None, output: str | Path | None = None) -> dict[str, Any]:
    """Run a benchmark config and write results.json, predictions.jsonl, summary.md and the
    confusion-matrix PNGs into ``output`` (default ``benchmarks/results/<name>/`` of the repo).

    Returns the results dict (what results.json holds).

    Example::

        >>> from claimcheck.bench import run
        >>> res = run("configs/benchmarks/fnc1_dev.yaml", limit=200,
        ...           overrides=["methods=[majority]"], output="/tmp/fnc")  # doctest: +SKIP
        >>> res["methods"]["majority"]["metrics"]["fnc_score"]  # doctest: +SKIP
    """
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    cfg, info = load_bench_config(config, overrides)
    root = repo_root(Path(info["file"]).resolve().parent if info["file"] else None)
    if limit is not None and limit < 1:
        raise ValueError(f"The 'limit' parameter of run must be an int >= 1. Got {limit!r}.")
    _seed_everything(cfg.seed)

    full = load_split(cfg, cfg.dataset.split, root)
    data = _carve(cfg, full)[0] if cfg.dataset.carve is not None else full
    needs_train = bool({"tfidf_lr", "encoder_lr", "majority"} & set(cfg.methods))
    carve_rest = cfg.dataset.carve is not None and cfg.dataset.train_split in (None,
                                                                                cfg.dataset.split)
    train = _train_part(cfg, root, full) if needs_train or carve_rest else None
    if train is not None and cfg.train_limit:
        train = Loaded(subset(train.examples, cfg.train_limit, cfg.seed), train.files,
                       train.label_space, train.kind)
    rows_split = len(data.examples)
    data = Loaded(subset(data.examples, limit, cfg.seed), data.files, data.label_space,
                  data.kind)
    log.info("%s: %d of %d examples", cfg.name, len(data.examples), rows_split)

    pcfg = cfg.pipeline_config(root)
    methods: dict[str, Any] = {}
    preds: dict[str, Any] = {}
    for method in cfg.methods:
        _seed_everything(cfg.seed)
        m0 = time.perf_counter()
        pred = run_method(method, cfg, data, train, pcfg)
        metrics = score(cfg, data, pred)
        preds[method] = pred
        extra = {k: v for k, v in pred.extra.items() if k != "probs"}
        methods[method] = {"metrics": metrics, "duration_s": round(time.perf_counter() - m0, 2),
                           **({"details": extra} if extra else {})}
    results = build_provenance(cfg, info, overrides, root)
    results.update({
        "task": cfg.task,
        "primary_metric": primary_metric(cfg, data),
        "dataset": {
            "format": cfg.dataset.format, "path": cfg.dataset.path,
            "resolved_path": str(resolve_data_path(cfg.dataset.path, root)),
            "split": cfg.dataset.split, "rows_split": rows_split,
            "rows_evaluated": len(data.examples), "limit": limit,
            "carve": cfg.dataset.carve.model_dump() if cfg.dataset.carve else None,
            "label_space": data.label_space, "files": _files(data.files, root),
            "train": ({"split": cfg.dataset.train_split or cfg.dataset.split,
                       "rows": len(train.examples), "files": _files(train.files, root)}
                      if train is not None else None),
        },
        "model": model_info(pcfg, cfg.task) if "model" in cfg.methods else None,
        "methods": methods,
        "started_at": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - t0, 2),
    })
    out_dir = Path(output) if output else root / "benchmarks" / "results" / cfg.name
    write_outputs(results, cfg, data, preds, out_dir)
    results["output_dir"] = str(out_dir)
    return results


def _files(files: list[Path], root: Path) -> list[dict[str, Any]]:
    from claimcheck.bench.results import file_record

    return [file_record(f, root) for f in dict.fromkeys(files)]
