"""The sentence encoder (all-MiniLM-L6-v2 by default), shared by dense retrieval and
check-worthiness: a sentence-transformers folder read with plain transformers (its modules.json
pipeline of transformer → pooling → normalization), normalized embeddings, the model loaded once
per process. It runs under bf16 autocast where the CPU has native bf16 units (``precision``, as
``model.precision``).

The usual layout (a Transformer, a Pooling module with CLS, mean or max pooling, and optionally a
Normalize module) runs on transformers alone: importing sentence-transformers costs 2.7 s and
270 MB (it pulls in scikit-learn), more than the encoder itself. A folder with other modules
(a Dense projection, say) is run by sentence-transformers, when it is installed."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claimcheck.errors import ModelLoadError
from claimcheck.precision import autocast, inference_weights, resolve_precision
from claimcheck.text.base_encoders import MINILM, resolve_base_encoder

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"


class _TransformersEncoder:
    """A Transformer → Pooling (→ Normalize) sentence-transformers folder, run with transformers;
    embeddings are always normalized (as :class:`Encoder` promises)."""

    def __init__(self, path: Path, pooling: str, device: str, precision: str) -> None:
        from claimcheck.text import transformer

        bert_config = path / "sentence_bert_config.json"
        #: sentence-transformers lower-cases the texts first when the folder says so
        self.lower = bool(bert_config.is_file() and
                          json.loads(bert_config.read_text()).get("do_lower_case"))
        from claimcheck.text import ort

        self.model, self.tokenizer = transformer.load_any(path, "none")
        self.model = ort.prepare(self.model.to(device).eval(), precision, device)
        self.pooling, self.device = pooling, device
        self.dim = int(self.model.config.hidden_size)

    def encode(self, texts: Sequence[str], batch_size: int, max_length: int) -> np.ndarray:
        """Embeddings of ``texts``, longest first in batches (as sentence-transformers batches)."""
        import torch

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for s in range(0, len(order), batch_size):
                idx = order[s : s + batch_size]
                batch = [texts[i].lower() if self.lower else texts[i] for i in idx]
                enc = {k: v.to(self.device) for k, v in self.tokenizer(
                    batch, padding=True, truncation=True, max_length=max_length,
                    return_tensors="pt").items()}
                tokens = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(tokens.dtype)
                if self.pooling == "cls":
                    v = tokens[:, 0]
                elif self.pooling == "max":
                    v = tokens.masked_fill(mask == 0, -1e9).max(dim=1).values
                else:
                    v = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                v = torch.nn.functional.normalize(v.float(), p=2, dim=1)
                out[idx] = v.cpu().numpy()
        return out


class _SentenceTransformersEncoder:
    """Any other sentence-transformers folder, run by sentence-transformers itself."""

    def __init__(self, path: Path, device: str, precision: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ModelLoadError(f"The encoder in {str(path)!r} has modules besides transformer, "
                                 "pooling and normalization, which need sentence-transformers. "
                                 "Fix: pip install sentence-transformers.") from e
        self.model = SentenceTransformer(str(path), device=device, local_files_only=True,
                                         model_kwargs={"use_safetensors": True}).eval()
        inference_weights(self.model, precision)
        self.dim = int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int, max_length: int) -> np.ndarray:
        return self.model.encode(list(texts), batch_size=batch_size, show_progress_bar=False,
                                 normalize_embeddings=True, convert_to_numpy=True,
                                 processing_kwargs={"text": {"max_length": max_length}})


_POOLING_MODES = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean",
                  "pooling_mode_max_tokens": "max"}


def _pooling_mode(folder: Path) -> str | None:
    """'cls', 'mean' or 'max' from a Pooling module's config.json (None: another mode, or
    several at once); no config: mean."""
    if not (folder / "config.json").is_file():
        return "mean"
    cfg = json.loads((folder / "config.json").read_text())
    on = [k for k, v in cfg.items() if k.startswith("pooling_mode_") and v]
    return _POOLING_MODES.get(on[0]) if len(on) == 1 else None


@functools.lru_cache(maxsize=2)
def _load_encoder(path: str, device: str = "cpu", precision: str = "fp32"):
    """The encoder of a folder, loaded once per process; offline, safetensors weights only. A
    folder without modules.json is a plain transformers model: mean pooling, normalized."""
    folder = Path(path)
    modules = json.loads((folder / "modules.json").read_text()) \
        if (folder / "modules.json").is_file() else \
        [{"type": _TRANSFORMER, "path": ""}, {"type": _POOLING, "path": ""},
         {"type": _NORMALIZE, "path": ""}]
    kinds = [m.get("type") for m in modules]
    if kinds in ([_TRANSFORMER, _POOLING], [_TRANSFORMER, _POOLING, _NORMALIZE]) and \
            modules[0].get("path", "") == "" and \
            (pooling := _pooling_mode(folder / modules[1].get("path", ""))):
        return _TransformersEncoder(folder, pooling, device, precision)
    return _SentenceTransformersEncoder(folder, device, precision)


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
                self._model = _load_encoder(p, self.device, self.precision)
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
            return np.zeros((0, self._model.dim), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        step = 16 * self.batch_size  # texts per encode call (a step of the bar)
        from tqdm.auto import tqdm

        parts = []
        with tqdm(total=len(unique), desc=desc, unit="text", delay=1.0, leave=False,
                  disable=not progress) as bar, autocast(self.precision, self.device):
            for s in range(0, len(unique), step):
                chunk = unique[s : s + step]
                parts.append(self._model.encode(chunk, self.batch_size, self.max_length))
                bar.update(len(chunk))
        v = np.asarray(np.concatenate(parts), dtype=np.float32)
        if len(unique) == len(texts):
            return v
        row = {t: i for i, t in enumerate(unique)}
        return v[[row[t] for t in texts]]
