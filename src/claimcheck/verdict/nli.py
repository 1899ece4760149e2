"""The NLI model adapter: any Hugging Face sequence-classification NLI model.

``NLIModel("default")`` loads claimcheck's own trained model (shipped in the package and verified
against its sha256); a local folder or — with ``allow_network=True`` — a hub id loads any other
model. Labels are read from ``config.id2label`` and mapped onto entailment / neutral /
contradiction; two-way models (entailment / not_entailment, or SUPPORTS / REFUTES) are supported.
Only safetensors weights are loaded.

Example::

    >>> from claimcheck.verdict.nli import NLIModel
    >>> nli = NLIModel("default")
    >>> probs = nli.predict([("NATO was founded in 1949.", "NATO was founded in 1949.")])
    >>> probs.shape
    (1, 3)
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from claimcheck.config import PACKAGE_DIR, Strict, file_sha256
from claimcheck.errors import LabelMappingError, ModelLoadError
from claimcheck.verdict import calibration
from claimcheck.verdict.lora import ADAPTER_CONFIG, load_adapter_model


class ModelConfig(Strict):
    nli: str = Field("default", description="'default', a local model folder or a hub model id")
    device: str = Field("cpu", pattern=r"^(cpu|cuda(:\d+)?|mps)$",
                        description="cpu, cuda, cuda:N or mps")
    threads: int | None = Field(None, ge=1, description="torch threads; None leaves torch's default")
    batch_size: int = Field(16, ge=1)
    max_length: int = Field(256, ge=16, le=4096)
    quantize: Literal["int8"] | None = None
    precision: Literal["auto", "bf16", "fp32", "onnx"] = Field(
        "auto", description="how the encoders run: auto = bf16 autocast where the CPU has AMX, "
        "ONNX Runtime (fp32) on other CPUs; bf16 / fp32 = torch; onnx = ONNX Runtime")
    allow_network: bool = Field(
        False, description="allow downloading a hub model id (off: only local folders load)"
    )
    encoder: str = Field("default", description="dense retrieval encoder: 'default' or a folder")


log = logging.getLogger(__name__)

MODELS_DIR = PACKAGE_DIR / "models"
DEFAULT_MODEL_DIR = MODELS_DIR / "nli-minilm-v2"
#: Names of the NLI models shipped in the package (``model.nli: nli-minilm-v1`` selects one).
PACKAGED = ("nli-minilm-v2", "nli-minilm-v1", "nli-mpnet-v2-lora")
LABEL_ORDER = ("entailment", "neutral", "contradiction")

_ALIASES = {
    "entailment": "entailment", "entail": "entailment", "entails": "entailment",
    "supports": "entailment", "support": "entailment", "supported": "entailment",
    "yes": "entailment", "true": "entailment",
    "neutral": "neutral", "not_enough_info": "neutral", "not enough info": "neutral",
    "nei": "neutral", "unknown": "neutral",
    "contradiction": "contradiction", "contradict": "contradiction",
    "contradicts": "contradiction", "refutes": "contradiction", "refute": "contradiction",
    "refuted": "contradiction", "false": "contradiction", "no": "contradiction",
    "not_entailment": "not_entailment", "not entailment": "not_entailment",
    "non_entailment": "not_entailment", "non-entailment": "not_entailment",
    "not-entailment": "not_entailment",
}


def map_labels(id2label: dict) -> dict[int, str]:
    """Map a model's ``id2label`` onto entailment / neutral / contradiction / not_entailment.

    >>> map_labels({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"})
    {0: 'entailment', 1: 'neutral', 2: 'contradiction'}
    """
    mapping: dict[int, str] = {}
    for idx, name in id2label.items():
        key = str(name).strip().lower()
        canon = _ALIASES.get(key) or _ALIASES.get(key.replace("-", "_"))
        if canon is None:
            raise LabelMappingError(
                f"Cannot map NLI label {name!r} (id {idx}) of id2label={dict(id2label)} onto "
                "entailment/neutral/contradiction. Fix: set id2label in the model's config.json "
                "to names such as 'entailment', 'neutral', 'contradiction' (or 'not_entailment')."
            )
        mapping[int(idx)] = canon
    names = set(mapping.values())
    if "entailment" not in names or len(names) != len(mapping):
        raise LabelMappingError(
            f"id2label={dict(id2label)} must name 'entailment' exactly once and no label twice. "
            "Fix the model's config.json."
        )
    if "not_entailment" in names and names & {"neutral", "contradiction"}:
        raise LabelMappingError(
            f"id2label={dict(id2label)} mixes 'not_entailment' with neutral/contradiction."
        )
    return mapping


def resolve_model_path(name: str) -> str:
    """'default' -> the packaged default model; a packaged model's name (``PACKAGED``) -> its
    folder; an existing folder -> itself; else a hub id."""
    if name == "default":
        return str(DEFAULT_MODEL_DIR)
    if name in PACKAGED and not Path(name).exists():
        return str(MODELS_DIR / name)
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


def _looks_like_hub_id(name: str) -> bool:
    return bool(re.fullmatch(r"[\w.-]+(/[\w.-]+)?", name)) and not name.startswith((".", "/"))


def weights_file(folder: Path) -> Path:
    """The weights a model folder's checksum covers: model.safetensors, or for a LoRA adapter
    folder (``adapter_config.json``) adapter_model.safetensors."""
    if (folder / ADAPTER_CONFIG).is_file():
        return folder / "adapter_model.safetensors"
    return folder / "model.safetensors"


def check_device(device: str) -> None:
    """A clear error when the torch build has no such device (the default build is CPU-only)."""
    import torch

    kind = device.split(":")[0]
    ok = {"cuda": torch.cuda.is_available, "mps": torch.backends.mps.is_available}.get(
        kind, lambda: True)()
    if not ok:
        raise ModelLoadError(f"model.device={device!r}, but this torch build has no {kind} "
                             "device. Fix: set model.device=cpu, or install a torch build for "
                             "your accelerator.")
    if kind == "cuda" and ":" in device and int(device.split(":")[1]) >= torch.cuda.device_count():
        raise ModelLoadError(f"model.device={device!r}, but only {torch.cuda.device_count()} "
                             "CUDA device(s) exist. Fix: pick an index below that.")


def verify_checksum(folder: Path) -> None:
    """Check the weights against the sha256 in calibration.json, when one is recorded."""
    expected = calibration.read(folder).get("weights_sha256")
    if not expected:
        return
    weights = weights_file(folder)
    actual = file_sha256(weights)
    if actual != expected:
        raise ModelLoadError(
            f"{weights} has sha256 {actual[:12]}…, expected {expected[:12]}… (from "
            f"{calibration.CALIBRATION_FILE}). The file is corrupt or was replaced: restore it "
            "(git checkout, "
            "or git lfs pull) or retrain with `claimcheck train nli`."
        )


class NLIModel:
    """A batched NLI judge. ``predict(pairs)`` returns an (n, 3) array of probabilities in the
    order entailment, neutral, contradiction (a missing class of a 2-way model has 0).

    Parameters are stored at construction; the model loads on first use (or ``load()``).
    """

    def __init__(self, name_or_path: str = "default", *, device: str = "cpu",
                 threads: int | None = None, batch_size: int = 16, max_length: int = 256,
                 quantize: str | None = None, allow_network: bool = False,
                 temperature: float | None = None, precision: str = "auto") -> None:
        if batch_size < 1:
            raise ValueError(f"The 'batch_size' parameter of NLIModel must be an int >= 1. "
                             f"Got {batch_size!r} instead.")
        self.name_or_path = name_or_path
        self.device = device
        self.threads = threads
        self.batch_size = batch_size
        self.max_length = max_length
        self.quantize = quantize
        self.allow_network = allow_network
        self.temperature = temperature
        self.precision = precision
        self._precision: str | None = None  # resolved at load time: 'bf16', 'fp32' or 'onnx'
        self._model = None
        self._tokenizer = None
        self.path: str | None = None
        self.calibration: dict = {}
        self.label_map: dict[int, str] = {}

    @classmethod
    def from_config(cls, model: ModelConfig, name: str | None = None) -> NLIModel:
        """A model with the ``model:`` block's device, threads, batch size, length, quantization,
        network and precision settings; ``name`` (default ``model.nli``) picks the weights."""
        return cls(model.nli if name is None else name, device=model.device,
                   threads=model.threads, batch_size=model.batch_size,
                   max_length=model.max_length, quantize=model.quantize,
                   allow_network=model.allow_network, precision=model.precision)

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> NLIModel:
        if self._model is not None:
            return self
        import torch

        if self.threads:
            torch.set_num_threads(self.threads)
        path = resolve_model_path(self.name_or_path)
        local = Path(path).is_dir()
        if not local:
            if Path(path).exists() or not _looks_like_hub_id(path):
                raise ModelLoadError(
                    f"NLI model {self.name_or_path!r} is neither a model folder nor a hub id. "
                    "Fix: pass a folder with config.json + model.safetensors, or 'default'."
                )
            if not self.allow_network:
                raise ModelLoadError(
                    f"NLI model {self.name_or_path!r} is not a local folder, and downloading hub "
                    "models is off. Fix: pass a local model folder, or allow the download with "
                    "--set model.allow_network=true."
                )
        else:
            folder = Path(path)
            if not (folder / "config.json").is_file():
                raise ModelLoadError(f"Model folder {path!r} has no config.json. Fix: point "
                                     "model.nli at a Hugging Face model folder.")
            st = list(folder.glob("*.safetensors"))
            if not st:
                pickled = [p.name for p in folder.glob("*.bin")] + [p.name for p in
                                                                    folder.glob("*.pt")]
                hint = (f" It holds pickle weights ({', '.join(pickled)}), which claimcheck "
                        "never loads: convert them to safetensors first.") if pickled else ""
                raise ModelLoadError(f"Model folder {path!r} has no .safetensors weights.{hint}")
            verify_checksum(folder)
            self.calibration = calibration.read(folder)
        from claimcheck.precision import resolve_precision
        from claimcheck.text import ort

        # int8 dynamic quantization and bf16 autocast do not combine: int8 runs in fp32 (torch's
        # quantized kernels, or ONNX Runtime's where the precision resolves to onnx)
        self._precision = resolve_precision(self.precision, self.device)
        if self.quantize == "int8" and self._precision == "bf16":
            self._precision = "fp32"
        try:
            model, tok = self._read(path, local)
        except (LabelMappingError, ModelLoadError):
            raise
        except Exception as e:  # transformers raises many types (OSError, ValueError, ...)
            raise ModelLoadError(
                f"Could not load NLI model {self.name_or_path!r}: {type(e).__name__}: "
                f"{str(e).splitlines()[0] if str(e) else ''}. Fix: check the name/folder; only "
                "safetensors weights are accepted."
            ) from e
        self.label_map = map_labels(model.config.id2label)
        model = ort.prepare(model.eval(), self._precision, self.device,
                            int8=self.quantize == "int8")
        if self.quantize == "int8" and self._precision != "onnx":
            with warnings.catch_warnings():  # torch.ao.quantization warns it is deprecated
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear},
                                                               dtype=torch.qint8)
        if self.device != "cpu":
            check_device(self.device)
            model.to(self.device)
        self._model, self._tokenizer, self.path = model, tok, path
        if self.temperature is None:
            self.temperature = calibration.value(self.calibration, "temperature")
        return self

    def _read(self, path: str, local: bool):
        """The model and tokenizer of a folder or hub id: claimcheck's own BERT / MPNet
        (:mod:`claimcheck.text.transformer`, no transformers import) where it can, transformers
        for any other model."""
        from claimcheck.text import transformer

        folder = Path(path)
        if not (local and (folder / ADAPTER_CONFIG).is_file()):
            return transformer.load_any(path, "sequence", local)
        model = load_adapter_model(folder, precision=self._precision)
        if isinstance(model, transformer.Model):
            return model, transformer.Tokenizer(folder, token_types=model.prefix == "bert")
        from transformers import AutoTokenizer

        return model, transformer.TransformersTokenizer(
            AutoTokenizer.from_pretrained(path, local_files_only=True))

    @property
    def tokenizer(self):
        self.load()
        return self._tokenizer

    @property
    def model(self):
        self.load()
        return self._model

    def weights_sha256(self) -> str | None:
        self.load()
        if self.path and Path(self.path).is_dir():
            f = weights_file(Path(self.path))
            if f.is_file():
                return file_sha256(f)
        return None

    # -- inference -------------------------------------------------------------------------
    def logits(self, pairs: Sequence[tuple[str, str]], progress: bool = False) -> np.ndarray:
        """Raw logits as an (n, 3) array in entailment/neutral/contradiction order; a class the
        model does not have is -inf (for not_entailment models, column 1 holds not_entailment).
        Repeated pairs are scored once, in length-sorted batches."""
        import torch

        from claimcheck.precision import autocast

        self.load()
        unique = list(dict.fromkeys((p, h) for p, h in pairs))
        if len(unique) < len(pairs):  # each distinct pair is scored once
            row = {pair: i for i, pair in enumerate(unique)}
            return self.logits(unique, progress)[[row[(p, h)] for p, h in pairs]]
        n = len(pairs)
        out = np.full((n, 3), -np.inf, dtype=np.float64)
        if n == 0:
            return out
        tok = self._tokenizer
        lengths = [len(p) + len(h) for p, h in pairs]
        order = sorted(range(n), key=lambda i: (lengths[i], i))
        cols = {idx: (1 if name == "not_entailment" else LABEL_ORDER.index(name))
                for idx, name in self.label_map.items()}
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=n, desc="NLI", unit="pair", leave=False)
        with torch.inference_mode(), autocast(self._precision or "fp32", self.device):
            for s in range(0, n, self.batch_size):
                idx = order[s : s + self.batch_size]
                enc = tok([pairs[i][0] for i in idx], [pairs[i][1] for i in idx],
                          truncation="longest_first", max_length=self.max_length,
                          padding=True, return_tensors="pt")
                if self.device != "cpu":
                    enc = {k: v.to(self.device) for k, v in enc.items()}
                logits = self._model(**enc).logits.float().cpu().numpy()
                for row, i in enumerate(idx):
                    for j, col in cols.items():
                        out[i, col] = logits[row, j]
                if bar is not None:
                    bar.update(len(idx))
        if bar is not None:
            bar.close()
        return out

    def predict(self, pairs: Sequence[tuple[str, str]] | tuple[str, str],
                progress: bool = False) -> np.ndarray:
        """Probabilities (n, 3): entailment, neutral, contradiction, after temperature scaling.

        A single (premise, hypothesis) tuple returns a (3,) array.
        """
        single = isinstance(pairs, tuple) and len(pairs) == 2 and isinstance(pairs[0], str)
        batch = [pairs] if single else list(pairs)
        for p in batch:
            if not (isinstance(p, (tuple, list)) and len(p) == 2):
                raise TypeError("NLIModel.predict takes (premise, hypothesis) pairs.")
        probs = logits_to_probs(self.logits(batch, progress=progress), self.temperature or 1.0)
        return probs[0] if single else probs


def logits_to_probs(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax over finite logits (a -inf column gets probability 0)."""
    z = logits / max(temperature, 1e-6)
    z = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(z)
    e[~np.isfinite(logits)] = 0.0
    return e / e.sum(axis=1, keepdims=True)


def label_kind(labels: Sequence[str]) -> str:
    """How a dev set's labels are scored: ``3way`` (argmax over the three classes), ``e_vs_c``
    (SUPPORTS / REFUTES: entailment vs contradiction, the neutral column ignored as in training)
    or ``e_vs_not`` (entailment iff P(e) > P(n) + P(c))."""
    s = set(labels)
    if "not_entailment" in s:
        return "e_vs_not"
    if "neutral" not in s:
        return "e_vs_c"
    return "3way"


def predictions(probs: np.ndarray, kind: str) -> list[str]:
    if kind == "e_vs_not":
        return ["entailment" if p[0] > p[1] + p[2] else "not_entailment" for p in probs]
    if kind == "e_vs_c":
        return ["entailment" if p[0] >= p[2] else "contradiction" for p in probs]
    return [LABEL_ORDER[int(i)] for i in probs.argmax(axis=1)]
