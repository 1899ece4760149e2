"""Numeric precision and runtime for CPU inference and training.

- **bf16** (torch autocast) for inference where the CPU computes bf16 natively (AMX-BF16: ~2.7x;
  AVX512-BF16 without AMX: 187 against 113 pairs/s of the judge in fp32, idle 2-core AMD EPYC),
  and for training where it has AMX (1.6-2x; on AVX512-BF16 alone training was no faster).
- **onnx** (ONNX Runtime, fp32; :mod:`claimcheck.text.ort`) for inference on every other CPU
  (AVX2 only, where torch emulates bf16 several times *slower*: MiniLM inference 30 -> 6 pairs/s):
  the same labels as torch fp32, a little faster idle (120 against 113 pairs/s on the EPYC; 97
  against 87 measured on an AVX2-only one) and two to three times faster when the cores are shared.
- **fp32** (torch) for training on CPUs without AMX, and for inference where onnxruntime is
  missing.

>>> resolve_precision("fp32")
'fp32'
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
from pathlib import Path
from typing import Literal

Precision = Literal["auto", "bf16", "fp32", "onnx"]
#: the CPU features that decide the speed of a model's arithmetic, as /proc/cpuinfo names them
CPU_FEATURES = ("amx_bf16", "avx512_bf16", "avx512f", "avx2")


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The flags /proc/cpuinfo lists for the first CPU (empty where it cannot be read)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def cpu_has_amx() -> bool:
    """True when the CPU has AMX-BF16 tiles: the only CPUs where torch's bf16 beats fp32."""
    return "amx_bf16" in cpu_flags()


def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bf16 products natively (AMX-BF16 or AVX512-BF16)."""
    return bool({"amx_bf16", "avx512_bf16"} & cpu_flags())


def cpu_kind() -> str:
    """'amx', 'avx512' or 'avx2' (or 'other'): which table of docs/speed.md a timing belongs in."""
    flags = cpu_flags()
    return next((k for k, f in (("amx", "amx_bf16"), ("avx512", "avx512f"), ("avx2", "avx2"))
                 if f in flags), "other")


def resolve_precision(setting: str, device: str = "cpu", inference: bool = True
                      ) -> Literal["bf16", "fp32", "onnx"]:
    """What ``setting`` runs as: 'auto' -> 'bf16' on any CUDA device, for ``inference`` on a CPU
    with native bf16 (AMX or AVX512-BF16), for training on one with AMX; else 'onnx' for
    ``inference`` when onnxruntime is installed, and 'fp32'. Training never gets 'onnx'."""
    if setting not in ("auto", "bf16", "fp32", "onnx"):
        raise ValueError(f"The 'precision' parameter must be 'auto', 'bf16', 'fp32' or 'onnx'. "
                         f"Got {setting!r} instead.")
    if setting == "onnx" and not inference:
        raise ValueError("precision 'onnx' is for inference; training runs in torch. Fix: set "
                         "precision to auto, bf16 or fp32.")
    if setting != "auto":
        return setting  # type: ignore[return-value]
    if device.startswith("cuda"):
        return "bf16"
    if device == "cpu" and (cpu_has_native_bf16() if inference else cpu_has_amx()):
        return "bf16"
    if inference and device == "cpu" and importlib.util.find_spec("onnxruntime") is not None:
        return "onnx"
    return "fp32"


def autocast(precision: str, device: str = "cpu"):
    """A ``torch.autocast`` context for bf16, a no-op context for fp32."""
    if precision != "bf16":
        return contextlib.nullcontext()
    import torch

    return torch.autocast(device.split(":")[0], dtype=torch.bfloat16)


def inference_weights(model, precision: str):
    """Put ``model``'s weights in the dtypes ``precision`` runs them in, in place: fp32 everywhere
    for fp32; for bf16, each ``nn.Linear``'s weight and bias in bf16 and the rest in fp32.

    bf16 autocast casts every fp32 linear weight to bf16 on every call; storing the cast once gives
    the same products (the same rounding) and skips those copies: the NLI judge's 250 pairs of the
    NATO example in 0.72 → 0.65 s, with identical logits. Embeddings and layer norms stay fp32, as
    autocast runs them. Weights read from a memory-mapped file (fp16 or fp32) are copied out of it,
    so the file's pages are released once nothing maps them; a module marked ``keep_dtype`` (the
    lookup tables of :mod:`claimcheck.text.transformer`, which cast what they read) is left as
    it is, in its file. Returns ``model``.
    """
    import torch

    keep = {id(p) for m in model.modules() if getattr(m, "keep_dtype", False)
            for p in m.parameters(recurse=False)}
    linear = {id(p) for m in model.modules() if type(m) is torch.nn.Linear
              for p in m.parameters(recurse=False)} if precision == "bf16" else set()
    for param in model.parameters():
        if id(param) in keep:
            continue
        if id(param) in linear:
            param.data = param.data.to(torch.bfloat16)
        elif param.is_floating_point():
            param.data = param.data.to(torch.float32, copy=True)
    for buffer in model.buffers():
        if buffer.is_floating_point():
            buffer.data = buffer.data.float()
    return model


def linear_parameter_names(model) -> list[str]:
    """The names of ``model``'s ``nn.Linear`` weights and biases (what :func:`inference_weights`
    keeps in bf16)."""
    import torch

    return [f"{name}.{p}" for name, module in model.named_modules()
            if type(module) is torch.nn.Linear
            for p, v in (("weight", module.weight), ("bias", module.bias)) if v is not None]
