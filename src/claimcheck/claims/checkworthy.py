"""Check-worthiness: the probability that a sentence states a fact worth checking.

Two committed models, both safetensors + JSON (no pickle), trained on the CLEF CheckThat!
2019/2020 and ClaimBuster training splits by :func:`claimcheck.train.checkworthy.train`:

* ``checkworthy-v3`` (the default): MiniLM fine-tuned as a 2-label sequence classifier
  (kind ``finetuned``; a uniform soup of three fine-tunes, one model's cost), probabilities
  temperature-scaled on a carve of its training mix;
* ``checkworthy-v1`` (the fast option): a logistic regression over TF-IDF word n-grams or
  mean-pooled MiniLM embeddings (kinds ``tfidf_lr`` / ``encoder_lr``).

Each folder's ``metrics.json`` holds the dev numbers the default was picked by.

>>> from claimcheck.claims.checkworthy import score_sentences
>>> p = score_sentences(["Unemployment fell to 3.9% in 2018.", "Thank you all for coming."])
>>> bool(p[0] > p[1])
True
>>> fast = score_sentences(["Unemployment fell to 3.9% in 2018."], model="checkworthy-v1")
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.errors import ModelLoadError
from claimcheck.precision import autocast, resolve_precision
from claimcheck.text.encoder import Encoder

log = logging.getLogger(__name__)

MODELS_ROOT = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = "checkworthy-v3"
MODEL_DIR = MODELS_ROOT / DEFAULT_MODEL
KINDS = ("tfidf_lr", "encoder_lr", "finetuned")
POSITIVE_LABEL = "check-worthy"

# ---------------------------------------------------------------------------------------------
# Scoring


def score_sentences(sentences: list[str], batch_size: int = 64,
                    model: str | None = None, precision: str = "auto") -> np.ndarray:
    """Return P(check-worthy) for each sentence (float array, same length as ``sentences``).

    ``model``: a committed model name (``"checkworthy-v1"``, ``"checkworthy-v3"``) or a model
    folder; default :data:`DEFAULT_MODEL`. The model is loaded once and cached. ``precision``
    (as ``model.precision``): 'auto' runs the encoder models under bf16 autocast where the CPU
    has native bf16 units.
    """
    if isinstance(sentences, str):
        sentences = [sentences]
    if not sentences:
        return np.zeros(0, dtype=np.float64)
    return load_model(model, precision).predict_proba(list(sentences), batch_size=batch_size)


@dataclass
class CheckworthyModel:
    """A logistic regression over TF-IDF n-grams or encoder embeddings."""

    kind: str
    coef: np.ndarray
    intercept: float
    vectorizer: Any = None  # TfidfVectorizer for kind == "tfidf_lr"
    encoder: Any = None  # claimcheck.text.encoder.Encoder for kind == "encoder_lr"

    def features(self, sentences: list[str], batch_size: int = 64):
        if self.kind == "tfidf_lr":
            return self.vectorizer.transform(sentences)
        self.encoder.batch_size = batch_size
        return self.encoder.encode(sentences)

    def predict_proba(self, sentences: list[str], batch_size: int = 64) -> np.ndarray:
        z = self.features(sentences, batch_size) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64).ravel()))


class FinetunedCheckworthy:
    """A 2-label transformers sequence classifier (safetensors), temperature-scaled.

    The check-worthy column is found through the model's ``config.label2id``.
    """

    kind = "finetuned"

    def __init__(self, folder: str | Path, temperature: float = 1.0, max_length: int = 64,
                 batch_size: int = 64, precision: str = "auto") -> None:
        self.precision = resolve_precision(precision)  # bf16 autocast or fp32
        self.folder = Path(folder)
        self.temperature = temperature
        self.max_length = max_length
        self.batch_size = batch_size
        self._model = None
        self._tok = None
        self.positive_index = 1

    def load(self) -> FinetunedCheckworthy:
        if self._model is None:
            from claimcheck.text import transformer

            if not (self.folder / "model.safetensors").is_file():
                raise ModelLoadError(f"No model.safetensors in {str(self.folder)!r} (a "
                                     "fine-tuned check-worthiness model is loaded from "
                                     "safetensors only). Fix: run `claimcheck train checkworthy`.")
            # saved in float16: inference_weights gives fp32 / bf16 weights
            model, self._tok = transformer.load_any(self.folder, "sequence")
            label2id = {str(k): int(v) for k, v in (model.config.label2id or {}).items()}
            if POSITIVE_LABEL not in label2id:
                raise ModelLoadError(f"The model in {str(self.folder)!r} has no "
                                     f"{POSITIVE_LABEL!r} label (labels: {sorted(label2id)}).")
            self.positive_index = label2id[POSITIVE_LABEL]
            from claimcheck.text import ort

            self._model = ort.prepare(model.eval(), self.precision)
        return self

    def logits(self, sentences: list[str], batch_size: int | None = None) -> np.ndarray:
        """Raw logits (n, 2), batches of similar length."""
        import torch

        self.load()
        bs = batch_size or self.batch_size
        out = np.zeros((len(sentences), 2), dtype=np.float64)
        order = sorted(range(len(sentences)), key=lambda i: (len(sentences[i]), i))
        with torch.inference_mode(), autocast(self.precision):
            for s in range(0, len(order), bs):
                idx = order[s : s + bs]
                enc = self._tok([sentences[i] for i in idx], padding=True, truncation=True,
                                max_length=self.max_length, return_tensors="pt")
                out[idx] = self._model(**enc).logits.float().numpy()
        return out

    def proba_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """P(check-worthy) of logits (n, 2) after the temperature."""
        pos = self.positive_index
        z = (logits[:, pos] - logits[:, 1 - pos]) / max(self.temperature, 1e-6)
        return 1.0 / (1.0 + np.exp(-z))

    def predict_proba(self, sentences: list[str], batch_size: int | None = None) -> np.ndarray:
        return self.proba_from_logits(self.logits(sentences, batch_size))


def resolve_model_dir(model: str | Path | None = None) -> Path:
    """The folder of a model name (``checkworthy-v1``), a folder path, or the default."""
    if model is None:
        return MODEL_DIR
    d = Path(model)
    if not d.is_dir() and (MODELS_ROOT / str(model)).is_dir():
        return MODELS_ROOT / str(model)
    return d


def load_model(folder: str | None = None, precision: str = "auto"
               ) -> CheckworthyModel | FinetunedCheckworthy:
    """Load a check-worthiness model: a committed name, a folder, or the default
    (:data:`DEFAULT_MODEL`); ``precision`` for its encoder (TF-IDF models ignore it). Cached by
    the folder and the precision they resolve to, so each model is loaded once per process."""
    return _load_model(resolve_model_dir(folder), resolve_precision(precision))


# ``load_model.cache_clear()`` forgets the loaded models (after training writes a new one)
load_model.cache_clear = lambda: _load_model.cache_clear()  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=4)
def _load_model(d: Path, precision: str) -> CheckworthyModel | FinetunedCheckworthy:
    meta_path = d / "model.json"
    if not meta_path.is_file():
        raise ModelLoadError(
            f"Check-worthiness model not found in {str(d)!r} (need model.json and "
            "weights.safetensors or model.safetensors). Fix: run `claimcheck train checkworthy` "
            "or reinstall claimcheck."
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    kind = meta.get("kind")
    if kind == "finetuned":
        return FinetunedCheckworthy(d, temperature=float(meta.get("temperature", 1.0)),
                                    max_length=int(meta.get("max_length", 64)),
                                    precision=precision).load()
    if kind not in KINDS:
        raise ModelLoadError(f"Unknown check-worthiness model kind {kind!r} in {str(meta_path)!r}; "
                             f"expected one of {list(KINDS)}.")
    from safetensors.numpy import load_file

    weights_path = d / "weights.safetensors"
    if not weights_path.is_file():
        raise ModelLoadError(
            f"Check-worthiness model not found in {str(d)!r} (need model.json and "
            "weights.safetensors). Fix: run `claimcheck train checkworthy` or reinstall claimcheck."
        )
    w = load_file(str(weights_path))
    model = CheckworthyModel(kind=kind, coef=w["coef"].astype(np.float64),
                             intercept=float(w["intercept"][0]))
    if kind == "tfidf_lr":
        vocab = json.loads((d / "vocabulary.json").read_text(encoding="utf-8"))
        model.vectorizer = _tfidf_from_parts(meta["tfidf"], vocab, w["idf"])
    else:
        model.encoder = Encoder(meta.get("encoder", "default"),
                                max_length=meta.get("max_length", 64), precision=precision)
    return model


def model_record(model: str | None = None) -> dict[str, Any]:
    """Name, kind, folder and weights sha256 of a model (for benchmark provenance)."""
    from claimcheck.config import file_sha256

    d = resolve_model_dir(model)
    meta_path = d / "model.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    weights = next((d / n for n in ("model.safetensors", "weights.safetensors")
                    if (d / n).is_file()), None)
    return {"name": d.name, "kind": meta.get("kind"), "path": str(d),
            "temperature": meta.get("temperature"),
            "weights_sha256": file_sha256(weights) if weights else None}


def tfidf_params(cfg: Any) -> dict[str, Any]:
    """TfidfVectorizer arguments of a ``TfidfConfig`` (or its dict), shared by training and loading."""
    c = cfg if isinstance(cfg, dict) else cfg.model_dump()
    return dict(lowercase=True, ngram_range=tuple(c["ngram_range"]), sublinear_tf=c["sublinear_tf"],
                token_pattern=r"(?u)\b\w+\b|[$%€£]", strip_accents="unicode")


def _tfidf_from_parts(cfg: dict[str, Any], vocab: dict[str, int], idf: np.ndarray):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(vocabulary=vocab, **tfidf_params(cfg))
    vec.idf_ = idf.astype(np.float64)
    return vec
