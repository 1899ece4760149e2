"""LoRA adapter folders (``claimcheck train nli`` / ``train stance`` with ``lora:``): the adapters
and the classification head over a packaged base encoder, merged into the base weights at load
time so inference costs the same as a plain model.

Plain LoRA (``W + B·A·alpha/r`` on linear weights) merges without importing peft (1.8 s and
140 MB): :func:`merge_lora` gives bit-identical weights to peft's ``merge_and_unload``. Anything
else (DoRA, rsLoRA, per-module ranks, LoRA on embeddings …) goes to peft.

The merged tensors are cached (``$CLAIMCHECK_CACHE`` or ``~/.cache/claimcheck``, ``merged/``)
under the adapter file's sha256 and the base weights' identity: the next load reads them
instead of merging (mpnet-base: 170 MB of merged weights, 0.45 s of merging saved per process).
A cache that cannot be written or read is skipped.

Example::

    >>> from claimcheck.verdict.lora import load_adapter_model
    >>> from claimcheck.verdict.nli import MODELS_DIR
    >>> model = load_adapter_model(MODELS_DIR / "stance-mpnet-v1")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from claimcheck.config import file_sha256
from claimcheck.errors import ModelLoadError

log = logging.getLogger(__name__)

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
_PREFIX = "base_model.model."


def load_adapter_model(folder: Path, merge: bool = True, precision: str = "fp32"):
    """A LoRA adapter folder's model: its base encoder comes from the package named in
    adapter_config.json, with the adapters merged into it (``merge=False``: the bare transformers
    base model with the folder's config, for the caller to wrap). ``precision`` 'bf16': the merged
    model with its linear weights in bf16 (:func:`claimcheck.precision.inference_weights`), cached
    so, so a load reads those from the cache and never reads the base's fp32 linear weights.
    A BERT or MPNet base with plain LoRA runs in :mod:`claimcheck.text.transformer`, anything
    else in transformers (and peft)."""
    from claimcheck.text import transformer
    from claimcheck.text.base_encoders import resolve_base_encoder

    folder = Path(folder)
    adapter = json.loads((folder / ADAPTER_CONFIG).read_text())
    base_path = Path(resolve_base_encoder(adapter.get("base_model_name_or_path")))
    weights = folder / ADAPTER_WEIGHTS
    config = transformer.read_config(folder)
    if merge and plain_lora(adapter, tensor_names(weights)) and \
            transformer.supports(config, folder) and (base_path / "model.safetensors").is_file():
        return _merged_model(transformer.build(config, "sequence"), base_path, weights,
                             adapter["lora_alpha"] / adapter["r"], precision)
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    base = AutoModelForSequenceClassification.from_pretrained(
        str(base_path), config=AutoConfig.from_pretrained(str(folder), local_files_only=True),
        local_files_only=True, use_safetensors=True, dtype=torch.float32)
    if not merge:
        return base
    if not plain_lora(adapter, tensor_names(weights)):
        try:
            from peft import PeftModel
        except ImportError as e:
            raise ModelLoadError(f"{folder} is a LoRA adapter model with options beyond plain "
                                 "LoRA, which need the peft package. Fix: pip install peft.") from e
        return PeftModel.from_pretrained(base, str(folder)).merge_and_unload()
    merge_lora(base, weights, adapter["lora_alpha"] / adapter["r"])
    return base


def _merged_model(model, base: Path, weights: Path, scaling: float, precision: str):
    """``model`` (built on the meta device) with the base encoder's weights and the adapter
    merged in, in ``precision``; the merged tensors come from, or go to, the cache."""
    import torch

    from claimcheck.precision import inference_weights, linear_parameter_names

    base_file = base / "model.safetensors"
    shapes = {n: p.shape for n, p in model.named_parameters()}
    cached = merged_cache_file(weights, base, precision)
    state = _read_merged(cached, shapes) if cached is not None else None
    if state is not None:  # only what the cache lacks (embeddings, layer norms) from the base
        state.update(model.read(base_file, [n for n in shapes if n not in state]))
        return inference_weights(model.load_weights(state, str(base)), precision)
    state = model.read(base_file)
    for name in shapes.keys() - state.keys():  # the head: the adapter file holds it
        state[name] = torch.zeros(shapes[name])
    model.load_weights(state, str(base))
    names = merge_lora(model, weights, scaling)
    inference_weights(model, precision)
    if precision == "bf16":
        names = sorted(set(names) | set(linear_parameter_names(model)))
    if cached is not None:
        _save_merged(model, names, cached)
    return model


def tensor_names(weights: Path) -> list[str]:
    """The tensor names of a safetensors file (its header only)."""
    from safetensors import safe_open

    with safe_open(str(weights), framework="pt") as f:
        return list(f.keys())


def plain_lora(adapter: dict, names: list[str] = ()) -> bool:
    """Is this adapter plain LoRA (W + B·A·alpha/r on nn.Linear weights, no DoRA, rsLoRA,
    per-module ranks, trained biases or LoRA on embeddings: no tensor ``names`` with a ``lora_``
    part other than lora_A / lora_B), which :func:`merge_lora` merges without peft?"""
    other = [n for n in names if "lora_" in n and ".lora_A." not in n and ".lora_B." not in n]
    return (not other and adapter.get("peft_type") == "LORA"
            and adapter.get("bias", "none") == "none"
            and not any(adapter.get(k) for k in (
                "use_dora", "use_rslora", "fan_in_fan_out", "lora_bias", "alpha_pattern",
                "rank_pattern", "use_qalora", "layer_replication", "target_parameters",
                "trainable_token_indices"))
            and isinstance(adapter.get("r"), int) and adapter.get("lora_alpha") is not None)


def merge_lora(model, weights: Path, scaling: float) -> list[str]:
    """Merge a plain LoRA adapter file into ``model`` in place, as peft's ``merge_and_unload``
    does (``W += (B @ A) * scaling`` in fp32; ``modules_to_save`` weights, such as the
    classification head, replace the model's), without importing peft. Returns the names of the
    model's parameters it changed."""
    import torch
    from safetensors.torch import load_file

    state = load_file(str(weights))
    params = dict(model.named_parameters())
    changed = []
    with torch.no_grad():
        for key, value in state.items():
            name = key.removeprefix(_PREFIX)
            if ".lora_B." in name:
                continue
            if ".lora_A." in name:
                module = name.split(".lora_A.")[0]
                target = params.get(f"{module}.weight")
                b = state.get(key.replace(".lora_A.", ".lora_B."))
                if target is None or b is None:
                    raise ModelLoadError(f"{weights} adapts {module!r}, which the base model "
                                         "does not have (or its lora_B is missing). Fix: retrain "
                                         "the adapter for this base encoder.")
                # in place: the base weights map the safetensors file, and the written pages
                # become the merged weights (a new tensor would keep the old pages resident
                # beside it: +170 MB of RSS for mpnet, for 0.4 s less of page copying)
                target += (b.float() @ value.float()) * scaling
                changed.append(f"{module}.weight")
            elif name in params:
                params[name].copy_(value.to(params[name].dtype))
                changed.append(name)
            else:
                raise ModelLoadError(f"{weights} holds {key!r}, which matches no weight of the "
                                     "base model. Fix: retrain the adapter for this base "
                                     "encoder.")
    return changed


# --- the merged-weights cache ------------------------------------------------------------------


def merged_cache_file(weights: Path, base: Path, precision: str = "fp32") -> Path | None:
    """Where the merge of ``weights`` into the base encoder folder ``base`` is cached: keyed by
    the adapter file's sha256 and the base weights' path, size and modification time (None when
    the base is not a local folder)."""
    from claimcheck.text.base_encoders import cache_root

    base_weights = base / "model.safetensors"
    if not base_weights.is_file():
        return None
    st = base_weights.stat()
    key = hashlib.sha256(f"{file_sha256(weights)}|{base_weights.resolve()}|{st.st_size}|"
                         f"{st.st_mtime_ns}".encode()).hexdigest()[:20]
    tag = "-bf16" if precision == "bf16" else ""
    return cache_root() / "merged" / f"{weights.parent.name}{tag}-{key}.safetensors"


def _read_merged(cached: Path, shapes: dict) -> dict | None:
    """The cached merged tensors, when the file exists, reads and fits a model of parameter
    ``shapes`` (None otherwise: merge again)."""
    if not cached.is_file():
        return None
    from safetensors.torch import load_file

    try:
        state = load_file(str(cached))
    except Exception as e:  # a truncated or foreign file: merge again
        log.info("ignoring the merged-weights cache %s (%s)", cached, e)
        return None
    if not state or any(name not in shapes or shapes[name] != t.shape
                        for name, t in state.items()):
        log.info("ignoring the merged-weights cache %s: it does not fit the model", cached)
        return None
    return state


def _save_merged(model, names: list[str], cached: Path) -> None:
    """Write the merged tensors ``names`` of ``model`` to ``cached`` (atomically; a cache that
    cannot be written is skipped)."""
    from safetensors.torch import save_file

    params = dict(model.named_parameters())
    tmp = cached.with_name(f"{cached.name}.tmp{os.getpid()}")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        save_file({n: params[n].detach().contiguous() for n in names}, str(tmp))
        tmp.replace(cached)
    except OSError as e:
        log.info("could not write the merged-weights cache %s (%s)", cached, e)
        tmp.unlink(missing_ok=True)
