"""Benchmark configs: the pydantic schema of ``configs/benchmarks/*.yaml`` and its loader.

A config names a task, a dataset (format, path, split), the pipeline/model config, the methods to
run (the model and baselines), the seed and the metrics. Unknown keys are errors. ``--set``
overrides (``dataset.path=/official/fnc-1``, ``dataset.split=test``) retarget any config at another
copy of the same published format without editing the file.

Example::

    >>> from claimcheck.bench.config import load_bench_config
    >>> cfg = load_bench_config("configs/benchmarks/fnc1_dev.yaml",
    ...                         overrides=["methods=[majority]"])  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from claimcheck.config import apply_overrides, load_config, read_yaml, validate
from claimcheck.errors import ConfigError
from claimcheck.pipeline import PipelineConfig

Task = Literal["nli_pairs", "claim_verification", "stance", "quote_attribution",
               "check_worthiness", "grounded"]
Method = Literal["model", "zero_shot", "majority", "tfidf_lr", "encoder_lr", "quote_marks"]
DATA_PREFIX = "../shared/data"
DATA_ENV = "CLAIMCHECK_DATA"

#: which task metrics exist for which task (besides the sklearn classification metrics)
TASK_METRICS: dict[str, set[str]] = {
    "nli_pairs": {"accuracy", "macro_f1"},
    "claim_verification": {"accuracy", "macro_f1", "disputed", "false_support"},
    "stance": {"accuracy", "macro_f1", "fnc_score", "f_avg"},
    "quote_attribution": {"content_exact", "content_overlap", "speaker_match"},
    "check_worthiness": {"map", "f1_pos", "p_at_k"},
    "grounded": {"accuracy", "macro_f1", "balanced_accuracy", "roc_auc", "false_support"},
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CarveConfig(_Strict):
    """Hold out part of a split as the evaluation set (grouped, seeded): for sets such as ARC or
    ClaimBuster that publish no dev split. The rest of the split is the baselines' training data."""

    fraction: float = Field(0.1, gt=0, lt=1)
    seed: int = 13
    group_by: str | None = Field(None, description="example field kept together, e.g. 'group'")


class DatasetConfig(_Strict):
    format: str = Field(description="one of `claimcheck bench list --formats`")
    path: str = Field(description="file or folder; relative to the repo root; the '../shared/data' "
                                  "prefix is replaced by $CLAIMCHECK_DATA when set")
    split: str = Field(description="split evaluated (dev, val, test, ...)")
    train_split: str | None = Field(None, description="split the tf-idf baseline trains on")
    split_files: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="per split, file names that replace the format's defaults (e.g. FNC-1 dev "
                    "= UKPLab's 10% part): {split: {role: relative path}}")
    carve: CarveConfig | None = None
    options: dict[str, Any] = Field(default_factory=dict, description="format-specific options")


class Anchor(_Strict):
    """A published number shown next to ours in the leaderboard."""

    name: str
    metric: str
    value: float
    split: str = "test"
    source: str = ""


class BenchConfig(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    task: Task
    dataset: DatasetConfig
    pipeline: dict[str, Any] | str | None = Field(
        None, description="PipelineConfig mapping, or a path to a pipeline YAML; None: defaults")
    methods: list[Method] = Field(default_factory=lambda: ["model"])
    seed: int = 13
    train_limit: int | None = Field(None, ge=1, description="seeded sample of at most this "
                                    "many training rows for the baselines")
    metrics: list[str] = Field(default_factory=list, description="task metrics to add")
    options: dict[str, Any] = Field(default_factory=dict, description="task-specific options")
    predictions: bool = Field(True, description="write per-example predictions")
    anchors: list[Anchor] = Field(default_factory=list)

    @field_validator("methods")
    @classmethod
    def _methods(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("at least one method is needed (model, majority, tfidf_lr, ...)")
        if len(set(v)) != len(v):
            raise ValueError(f"methods lists a method twice: {v}")
        return v

    @model_validator(mode="after")
    def _check(self) -> BenchConfig:
        allowed = TASK_METRICS[self.task]
        bad = [m for m in self.metrics if m not in allowed]
        if bad:
            raise ValueError(f"metrics {bad} do not apply to task {self.task!r}; "
                             f"available: {sorted(allowed)}")
        if "quote_marks" in self.methods and self.task != "quote_attribution":
            raise ValueError("method 'quote_marks' only applies to task quote_attribution")
        if "zero_shot" in self.methods and self.task != "stance":
            raise ValueError("method 'zero_shot' (the NLI judge as the stance model) only "
                             "applies to task stance")
        if isinstance(self.pipeline, dict):
            validate(PipelineConfig, self.pipeline, source="pipeline block")
        from claimcheck.bench.adapters import get_adapter

        adapter = get_adapter(self.dataset.format)
        if self.task not in adapter.tasks:
            raise ValueError(f"dataset format {self.dataset.format!r} supports tasks "
                             f"{sorted(adapter.tasks)}, not {self.task!r}")
        return self

    # -- helpers ---------------------------------------------------------------------------
    def pipeline_config(self, base_dir: Path | None = None) -> PipelineConfig:
        if self.pipeline is None:
            return PipelineConfig()
        if isinstance(self.pipeline, dict):
            return validate(PipelineConfig, self.pipeline, source="pipeline block")
        p = Path(self.pipeline)
        if not p.is_absolute() and base_dir is not None:
            p = base_dir / p
        return load_config(PipelineConfig, p)

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


def repo_root(start: Path | None = None) -> Path:
    """The nearest folder above ``start`` (default: the cwd) holding pyproject.toml, else cwd."""
    here = (start or Path.cwd()).resolve()
    for d in [here, *here.parents]:
        if (d / "pyproject.toml").is_file():
            return d
    return Path.cwd().resolve()


def resolve_data_path(path: str, root: Path | None = None) -> Path:
    """Apply $CLAIMCHECK_DATA to the '../shared/data' prefix, then resolve against the repo root.

    >>> import os; os.environ["CLAIMCHECK_DATA"] = "/data"
    >>> str(resolve_data_path("../shared/data/stance/fnc1"))
    '/data/stance/fnc1'
    >>> del os.environ["CLAIMCHECK_DATA"]
    """
    env = os.environ.get(DATA_ENV)
    norm = path.replace("\\", "/")
    if env and (norm == DATA_PREFIX or norm.startswith(DATA_PREFIX + "/")):
        return Path(env).expanduser() / norm[len(DATA_PREFIX):].lstrip("/")
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    return ((root or repo_root()) / p).resolve()


def load_bench_config(path: str | Path | dict[str, Any] | BenchConfig,
                      overrides: list[str] | None = None) -> tuple[BenchConfig, dict[str, Any]]:
    """Load, override and validate a benchmark config.

    Returns the config and provenance: the file path and its sha256 (None for dicts).
    """
    info: dict[str, Any] = {"file": None, "file_sha256": None}
    if isinstance(path, BenchConfig):
        data = path.model_dump(mode="json")
    elif isinstance(path, dict):
        data = path
    else:
        p = Path(path)
        data = read_yaml(p)
        from claimcheck.config import file_sha256

        info = {"file": str(p), "file_sha256": file_sha256(p)}
    data = apply_overrides(data, overrides)
    try:
        cfg = validate(BenchConfig, data, source=info["file"] or "benchmark config")
    except ConfigError:
        raise
    except ValueError as e:  # raised inside validators that import adapters
        raise ConfigError(f"Invalid benchmark config {info['file'] or ''}: {e}") from e
    return cfg, info
