"""The sentence encoder (all-MiniLM-L6-v2 by default), shared by dense retrieval and
check-worthiness: a sentence-transformers model (its own modules.json pipeline: transformer,
pooling, normalization), normalized embeddings, the model loaded once per process. It runs under
bf16 autocast where the CPU has native bf16 units (``precision``, as ``model.precision``)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claimcheck.errors import ModelLoadError
from claimcheck.precision import autocast, resolve_precision
from claimcheck.text.base_encoders import MINILM, resolve_base_encoder


@functools.lru_cache(maxsize=2)
def _load_encoder(path: str, device: str = "cpu"):
    """The SentenceTransformer of an encoder folder, loaded once per process (retrieval and
    check-worthiness share the same MiniLM); offline, safetensors weights only."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return SentenceTransformer(path, device=device, local_files_only=True,
                               model_kwargs={"use_safetensors": True}).eval()


class Encoder:
    """Normalized sentence embeddings from a sentence-transformers model folder (pooled as the
    folder's own config says; a plain transformers folder gets mean pooling)."""

    def __init__(self, name: str = "default", batch_size: int = 64, max_length: int = 256,
                 device: str = "cpu", precision: str = "auto") -> None:
        self.name = name
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        #: 'bf16' or 'fp32': what ``precision`` ('auto', 'bf16', 'fp32') resolves to here
        self.precision = resolve_precision(precision, device)
        self._model = None

    @property
    def path(self) -> str:
        return resolve_base_encoder(MINILM if self.name == "default" else self.name)

    def load(self) -> Encoder:
        if self._model is None:
            p = self.path
            if not Path(p).is_dir():
                raise ModelLoadError(f"Encoder folder {p!r} does not exist. Fix: set "
                                     "model.encoder to a local sentence-transformers folder or "
                                     "'default'.")
            if not any(Path(p).glob("*.safetensors")):
                pickled = sorted(x.name for x in Path(p).glob("*.bin")) + sorted(
                    x.name for x in Path(p).glob("*.pt"))
                hint = (f" It holds pickle weights ({', '.join(pickled)}), which claimcheck "
                        "never loads: convert them to safetensors first.") if pickled else ""
                raise ModelLoadError(f"Encoder folder {p!r} has no .safetensors weights.{hint} "
                                     "Fix: set model.encoder to a sentence-transformers folder "
                                     "with model.safetensors, or 'default'.")
            try:
                self._model = _load_encoder(p, self.device)
            except (OSError, ValueError) as e:
                raise ModelLoadError(f"Could not load the encoder in {p!r}: "
                                     f"{str(e).splitlines()[0] if str(e) else type(e).__name__}. "
                                     "Fix: set model.encoder to a sentence-transformers folder "
                                     "(config.json, tokenizer, model.safetensors) or "
                                     "'default'.") from e
        return self

    def encode(self, texts: Sequence[str], progress: bool = False,
               desc: str = "encoding") -> np.ndarray:
        """(len(texts), dim) float32 unit vectors; at most ``max_length`` tokens a text. Each
        distinct text is encoded once; ``progress`` shows a bar (tqdm, stderr) once the work
        has taken more than a second."""
        self.load()
        if not texts:
            return np.zeros((0, self._model.get_embedding_dimension()), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        step = 16 * self.batch_size  # texts per encode call (a step of the bar)
        from tqdm.auto import tqdm

        parts = []
        with tqdm(total=len(unique), desc=desc, unit="text", delay=1.0, leave=False,
                  disable=not progress) as bar, autocast(self.precision, self.device):
            for s in range(0, len(unique), step):
                chunk = unique[s : s + step]
                parts.append(self._model.encode(
                    chunk, batch_size=self.batch_size, show_progress_bar=False,
                    normalize_embeddings=True, convert_to_numpy=True,
                    processing_kwargs={"text": {"max_length": self.max_length}}))
                bar.update(len(chunk))
        v = np.asarray(np.concatenate(parts), dtype=np.float32)
        if len(unique) == len(texts):
            return v
        row = {t: i for i, t in enumerate(unique)}
        return v[[row[t] for t in texts]]
