"""The sentence encoder (all-MiniLM-L6-v2 by default), shared by dense retrieval and
check-worthiness: mean-pooled, normalized embeddings, the model loaded once per process."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claimcheck.errors import ModelLoadError
from claimcheck.text.base_encoders import MINILM, resolve_base_encoder


@functools.lru_cache(maxsize=2)
def _load_encoder(path: str):
    """(tokenizer, model) of an encoder folder, loaded once per process (retrieval and
    check-worthiness share the same MiniLM)."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    return tok, AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True).eval()


class Encoder:
    """Mean-pooled, normalized sentence embeddings from a transformers model folder."""

    def __init__(self, name: str = "default", batch_size: int = 64, max_length: int = 256) -> None:
        self.name = name
        self.batch_size = batch_size
        self.max_length = max_length
        self._model = None
        self._tok = None

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
                self._tok, self._model = _load_encoder(p)
            except (OSError, ValueError) as e:
                raise ModelLoadError(f"Could not load the encoder in {p!r}: "
                                     f"{str(e).splitlines()[0] if str(e) else type(e).__name__}. "
                                     "Fix: set model.encoder to a sentence-transformers folder "
                                     "(config.json, tokenizer, model.safetensors) or "
                                     "'default'.") from e
        return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        self.load()
        out = np.zeros((len(texts), self._model.config.hidden_size), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
        with torch.inference_mode():
            for s in range(0, len(order), self.batch_size):
                idx = order[s : s + self.batch_size]
                enc = self._tok([texts[i] for i in idx], padding=True, truncation=True,
                                max_length=self.max_length, return_tensors="pt")
                h = self._model(**enc).last_hidden_state
                m = enc["attention_mask"].unsqueeze(-1).float()
                v = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
                v = torch.nn.functional.normalize(v, dim=-1)
                out[idx] = v.numpy()
        return out
