"""ONNX Runtime inference for claimcheck's encoders: the second inference path of issue #37.

A model of :mod:`claimcheck.text.transformer` (every model claimcheck ships: the judges, the
stance models, check-worthiness, the sentence encoder, a quote tagger) is exported to ONNX once,
with ``torch.onnx.export``, into the claimcheck cache (``$CLAIMCHECK_CACHE`` or
``~/.cache/claimcheck``, folder ``onnx/``) under the sha256 of its weights, its head and this
module's export version; every later load on the machine reads that file. ONNX Runtime's CPU
provider then runs it with all graph optimizations (fused attention, GELU and layer norm kernels).

The graph leaves out the word table: :class:`OnnxModel` looks the rows up in torch, from the
table as the model file stores it (fp16, memory-mapped: only the rows a check reads become
resident), and passes them in. Inside the graph the table would be an fp32 copy, 47 MB per MiniLM
model resident whatever is read (four of them in a check).

The weights and the tokenizer are the model's own, so the numbers are the same as the torch fp32
path up to float rounding (labels agree on 100% of the dev inputs of ``benchmarks/ort_agreement.py``
for every shipped model). Idle it is a little faster than torch fp32 (120 against 113 pairs/s of
the judge on a 2-core AMD EPYC), and two to three times faster when the cores are shared; torch's
bf16 is faster where the CPU computes bf16 natively (187 pairs/s there). So ``model.precision:
auto`` runs the encoders here on AVX2-only CPUs and keeps torch's bf16 autocast on the others
(:func:`claimcheck.precision.resolve_precision`); ``precision: onnx`` asks for it anywhere.

Example::

    >>> from claimcheck.text import ort, transformer
    >>> from claimcheck.verdict.nli import DEFAULT_MODEL_DIR
    >>> model, tok = transformer.load(DEFAULT_MODEL_DIR, "sequence")
    >>> fast = ort.accelerate(model, "onnx")
    >>> fast(**tok(["NATO was founded in 1949."], ["NATO exists."])).logits.shape
    torch.Size([1, 3])
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path
from types import SimpleNamespace

from claimcheck.errors import ModelLoadError

log = logging.getLogger(__name__)

#: Changes whenever the exported graph would differ for the same weights (a new cache entry).
EXPORT_VERSION = 3
OPSET = 17
_lock = threading.Lock()
_shared_arena: list[bool] = []  # registered once per process


def _use_shared_arena(onnxruntime, so) -> None:
    """One memory arena for every session of the process instead of one each: the judge, the
    stance model, check-worthiness and the encoder run one after another, so each session's
    arena would hold its largest activations for good (about 30 MB each on the example)."""
    with _lock:
        if not _shared_arena:
            mem = onnxruntime.OrtMemoryInfo("Cpu", onnxruntime.OrtAllocatorType.ORT_ARENA_ALLOCATOR,
                                            0, onnxruntime.OrtMemType.DEFAULT)
            onnxruntime.create_and_register_allocator(mem, onnxruntime.OrtArenaCfg(0, -1, -1, -1))
            _shared_arena.append(True)
    so.add_session_config_entry("session.use_env_allocators", "1")


def available() -> bool:
    """Is ONNX Runtime installed?"""
    return importlib.util.find_spec("onnxruntime") is not None


def cache_dir() -> Path:
    from claimcheck.text.base_encoders import cache_root

    return cache_root() / "onnx"


def weights_key(model, head: str) -> str:
    """sha256 of the parameters the export holds, as the model file stores them (names, dtypes,
    shapes, bytes: all but the word table, which stays outside the graph and is not read here, so
    its pages stay out of memory), the head, the model type and :data:`EXPORT_VERSION`: the name
    of the export in the cache."""
    import torch

    h = hashlib.sha256(f"claimcheck-onnx|{EXPORT_VERSION}|{model.prefix}|{head}".encode())
    words = f"{model.prefix}.embeddings.word_embeddings.weight"
    for name, p in model.state_dict().items():
        if name == words:
            continue
        t = p.detach().contiguous()
        h.update(f"|{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(memoryview(t.reshape(-1).view(torch.uint8).numpy()))
    return h.hexdigest()


def _inputs(prefix: str) -> list[str]:
    return ["input_ids", "attention_mask", *(["token_type_ids"] if prefix == "bert" else []),
            "word_vectors"]


def _word_table(model):
    return getattr(model, model.prefix).embeddings.word_embeddings


def export(model, file: Path) -> Path:
    """Write ``model`` (a :class:`claimcheck.text.transformer.Model`, fp32) to ``file`` as ONNX
    with dynamic batch and sequence axes; written to a temporary file first, then moved into
    place, so a reader never sees half a file."""
    import torch

    names = _inputs(model.prefix)
    output = "last_hidden_state" if model.head == "none" else "logits"

    class _Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, *rest):
            *types, words = rest
            return getattr(self.model(input_ids, attention_mask, *(types or [None]), words),
                           output)

    # padded rows, so that the trace takes the masked attention path (which an all-ones mask
    # computes the same as the unmasked one)
    ids = torch.tensor([[2, 4, 5, 6, 3], [2, 7, 3, 0, 0]])  # small ids: any vocabulary
    args = (ids, (ids != 0).long(), *([torch.zeros_like(ids)] if model.prefix == "bert" else []))
    if model.prefix == "mpnet":  # MPNet's pad id is 1, its <s> and </s> 0 and 2
        ids = torch.tensor([[0, 4, 5, 6, 2], [0, 7, 2, 1, 1]])
        args = (ids, (ids != 1).long())
    with torch.no_grad():
        args = (*args, _word_table(model)(ids).float())
    axes = {n: {0: "batch", 1: "sequence"} for n in names}  # word_vectors: also (batch, sequence)
    axes[output] = {0: "batch", 1: "sequence"} if output == "last_hidden_state" or \
        model.head == "token" else {0: "batch"}
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, suffix=".onnx.part")
    os.close(fd)
    try:
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the trace warns about the mask branch
            torch.onnx.export(_Graph().eval(), args, tmp, input_names=names,
                              output_names=[output], dynamic_axes=axes, opset_version=OPSET,
                              dynamo=False, do_constant_folding=True)
        os.replace(tmp, file)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return file


class OnnxModel:
    """An exported encoder run by ONNX Runtime, called as :class:`~claimcheck.text.transformer.
    Model` is (torch tensors in, ``.logits`` or ``.last_hidden_state`` out as a torch tensor);
    ``config``, ``prefix`` and ``head`` are the torch model's."""

    def __init__(self, file: Path, config, prefix: str, head: str, threads: int,
                 word_table) -> None:
        import onnxruntime

        so = onnxruntime.SessionOptions()
        so.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        # pre-packed matrix weights are a second copy of them (30 MB per MiniLM model), for a
        # few percent of speed on the example's batches
        so.add_session_config_entry("session.disable_prepacking", "1")
        _use_shared_arena(onnxruntime, so)
        self.session = onnxruntime.InferenceSession(str(file), so,
                                                    providers=["CPUExecutionProvider"])
        self.file, self.config, self.prefix, self.head = file, config, prefix, head
        self.word_table = word_table  # the torch lookup table (fp16, memory-mapped)
        self._output = "last_hidden_state" if head == "none" else "logits"
        self._inputs = [i.name for i in self.session.get_inputs()]

    def __call__(self, *args, **kwargs) -> SimpleNamespace:
        return self.forward(*args, **kwargs)  # as torch modules are called

    def forward(self, input_ids, attention_mask=None, token_type_ids=None) -> SimpleNamespace:
        import numpy as np
        import torch

        with torch.inference_mode():
            words = self.word_table(input_ids.cpu()).float().numpy()
        ids = input_ids.cpu().numpy()
        given = {"input_ids": ids, "word_vectors": words,
                 "attention_mask": np.ones_like(ids) if attention_mask is None else
                 attention_mask.cpu().numpy(),
                 "token_type_ids": np.zeros_like(ids) if token_type_ids is None else
                 token_type_ids.cpu().numpy()}
        out = self.session.run([self._output], {n: given[n] for n in self._inputs})[0]
        return SimpleNamespace(**{self._output: torch.from_numpy(out)})

    # the torch model's calls that the loaders make
    def eval(self) -> OnnxModel:
        return self

    def to(self, device) -> OnnxModel:
        if str(device) != "cpu":
            raise ModelLoadError("ONNX Runtime runs claimcheck's models on the CPU only. Fix: "
                                 "set model.precision to fp32 or bf16 for another device.")
        return self


def quantized(file: Path) -> Path:
    """The int8 version of an exported model (ONNX Runtime's dynamic quantization, per-channel
    int8 weights of the matrix products), made once beside it. Not the default for any shipped
    model: ``benchmarks/ort_agreement.py`` measures how often its labels differ from fp32."""
    out = file.with_suffix(".int8.onnx")
    if out.is_file():
        return out
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as e:  # it needs the onnx package
        raise ModelLoadError("int8 ONNX models need the onnx package. Fix: pip install onnx.") \
            from e
    fd, tmp = tempfile.mkstemp(dir=file.parent, suffix=".onnx.part")
    os.close(fd)
    try:
        quantize_dynamic(str(file), tmp, per_channel=True, weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Gemm"])
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def prepare(model, precision: str, device: str = "cpu", int8: bool = False):
    """``model`` (as loaded: weights in their file's dtype) ready to run in ``precision``: on ONNX
    Runtime for 'onnx' (:func:`accelerate`; an export found in the cache is used without
    converting the torch weights at all), else its weights converted in place
    (:func:`claimcheck.precision.inference_weights`)."""
    from claimcheck.precision import inference_weights
    from claimcheck.text import transformer

    if precision == "onnx" and isinstance(model, transformer.Model):
        return accelerate(model, precision, device, int8)
    return inference_weights(model, precision)


def accelerate(model, precision: str, device: str = "cpu", int8: bool = False):
    """``model`` on ONNX Runtime when ``precision`` is 'onnx' (exported on first use, then read
    from the cache; ``int8``: its :func:`quantized` version); any other precision, or a model that
    is not one of :mod:`claimcheck.text.transformer`'s (a transformers model of another
    architecture), is returned as it is. Its weights are converted to fp32 only to export it."""
    from claimcheck.text import transformer

    if precision != "onnx" or not isinstance(model, transformer.Model):
        return model
    if device != "cpu":
        raise ModelLoadError("ONNX Runtime runs claimcheck's models on the CPU only. Fix: set "
                             "model.precision to fp32 or bf16 for another device.")
    if not available():
        raise ModelLoadError("model.precision is 'onnx' but onnxruntime is not installed. Fix: "
                             "pip install onnxruntime, or set model.precision to fp32.")
    import torch

    from claimcheck.precision import inference_weights

    file = cache_dir() / f"{model.prefix}-{model.head}-{weights_key(model, model.head)[:24]}.onnx"
    threads = torch.get_num_threads()
    with _lock:
        if not file.is_file():
            log.info("exporting %s model to ONNX (once per machine): %s", model.prefix, file)
            export(inference_weights(model, "fp32"), file)
        target = quantized(file) if int8 else file
    try:
        return OnnxModel(target, model.config, model.prefix, model.head, threads,
                         _word_table(model))
    except Exception as e:  # a truncated or foreign cache file: export again
        log.warning("could not read %s (%s); exporting again", target, e)
        with _lock:
            export(inference_weights(model, "fp32"), file)
            if int8:
                target.unlink(missing_ok=True)
                target = quantized(file)
        return OnnxModel(target, model.config, model.prefix, model.head, threads,
                         _word_table(model))
