"""BERT and MPNet encoders in plain torch, for inference: the two families of every model
claimcheck ships (MiniLM is a BERT; ``stance-mpnet-v1`` and ``nli-mpnet-v2-lora`` are mpnet-base),
with their tokenizers read by the ``tokenizers`` library.

Importing transformers' model classes takes 1.8 s and 150 MB per process (they pull in
``torch.distributed.tensor``, ``torch._dynamo`` and sympy), a third of a cold start. These modules
follow transformers' (5.x) ``BertModel`` and ``MPNetModel`` operation by operation, with the same
parameter names, so a transformers folder's safetensors load unchanged and the logits are the
same numbers, in fp32 and under bf16 autocast (``tests/test_transformer.py`` compares them with
transformers). A folder of any other architecture, or with options these do not implement
(:func:`supports`), is loaded by transformers as before.

Example::

    >>> from claimcheck.text.transformer import load
    >>> from claimcheck.verdict.nli import DEFAULT_MODEL_DIR
    >>> model, tok = load(DEFAULT_MODEL_DIR, "sequence")
    >>> model.config.id2label[0]
    'entailment'
    >>> model(**tok(["NATO was founded in 1949."], ["NATO exists."])).logits.shape
    torch.Size([1, 3])
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import nn
from torch.nn import functional as F

from claimcheck.errors import ModelLoadError

HEADS = ("sequence", "token", "none")
TOKENIZER_FILE = "tokenizer.json"
WEIGHTS_FILE = "model.safetensors"


def read_config(folder: Path) -> dict:
    return json.loads((Path(folder) / "config.json").read_text())


def supports(config: Mapping, folder: Path | None = None, weights: bool = False) -> bool:
    """Can this module run a model of this ``config.json`` (and, with ``folder``, read its
    tokenizer, and with ``weights`` its single ``model.safetensors``)? BERT with absolute
    positions, or MPNet, with GELU; encoders only."""
    if folder is not None and not (Path(folder) / TOKENIZER_FILE).is_file():
        return False
    if weights and not (folder is not None and (Path(folder) / WEIGHTS_FILE).is_file()):
        return False
    if config.get("hidden_act", "gelu") != "gelu" or config.get("is_decoder") or \
            config.get("add_cross_attention"):
        return False
    if config.get("model_type") == "bert":
        return config.get("position_embedding_type", "absolute") == "absolute"
    # transformers' MPNet buckets relative positions into 32 whatever the config says
    return config.get("model_type") == "mpnet" and \
        config.get("relative_attention_num_buckets", 32) == 32


def _labels(config: Mapping) -> tuple[dict[int, str], dict[str, int]]:
    id2label = {int(k): str(v) for k, v in (config.get("id2label") or {}).items()}
    if not id2label:
        id2label = {i: f"LABEL_{i}" for i in range(int(config.get("num_labels", 2)))}
    label2id = {str(k): int(v) for k, v in (config.get("label2id") or {}).items()} or \
        {v: k for k, v in id2label.items()}
    return id2label, label2id


# --- layers (names as transformers', so state dicts load unchanged) ---------------------------
# Each is made on the meta device, its weights unallocated until Model.load_weights assigns them
# (a `with torch.device("meta")` block, or an embedding's random init on meta, would import
# sympy and dynamo: 0.8 s and 75 MB).


def _linear(n_in: int, n_out: int) -> nn.Linear:
    return nn.Linear(n_in, n_out, device="meta")


def _norm(n: int, eps: float) -> nn.LayerNorm:
    return nn.LayerNorm(n, eps=eps, device="meta")


class _Output(nn.Module):
    """dense → LayerNorm(· + residual) (BertSelfOutput, BertOutput, MPNetOutput)."""

    def __init__(self, n_in: int, n_out: int, eps: float) -> None:
        super().__init__()
        self.dense = _linear(n_in, n_out)
        self.LayerNorm = _norm(n_out, eps)

    def forward(self, h: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(h) + residual)


class _Intermediate(nn.Module):
    def __init__(self, c: SimpleNamespace) -> None:
        super().__init__()
        self.dense = _linear(c.hidden_size, c.intermediate_size)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(h))


class _BertSelfAttention(nn.Module):
    def __init__(self, c: SimpleNamespace) -> None:
        super().__init__()
        self.head_size = c.hidden_size // c.num_attention_heads
        self.query = _linear(c.hidden_size, c.hidden_size)
        self.key = _linear(c.hidden_size, c.hidden_size)
        self.value = _linear(c.hidden_size, c.hidden_size)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        shape = (*h.shape[:-1], -1, self.head_size)
        q = self.query(h).view(shape).transpose(1, 2)
        k = self.key(h).view(shape).transpose(1, 2)
        v = self.value(h).view(shape).transpose(1, 2)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.0,
                                             scale=self.head_size ** -0.5, is_causal=False)
        return out.transpose(1, 2).contiguous().reshape(*h.shape[:-1], -1).contiguous()


class _BertAttention(nn.Module):
    def __init__(self, c: SimpleNamespace) -> None:
        super().__init__()
        self.self = _BertSelfAttention(c)
        self.output = _Output(c.hidden_size, c.hidden_size, c.layer_norm_eps)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None, bias=None) -> torch.Tensor:
        return self.output(self.self(h, mask), h)


class _MPNetSelfAttention(nn.Module):
    def __init__(self, c: SimpleNamespace) -> None:
        super().__init__()
        self.head_size = c.hidden_size // c.num_attention_heads
        self.q = _linear(c.hidden_size, c.hidden_size)
        self.k = _linear(c.hidden_size, c.hidden_size)
        self.v = _linear(c.hidden_size, c.hidden_size)
        self.o = _linear(c.hidden_size, c.hidden_size)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None, bias: torch.Tensor
                ) -> torch.Tensor:
        shape = (*h.shape[:-1], -1, self.head_size)
        q = self.q(h).view(shape).transpose(1, 2)
        k = self.k(h).view(shape).transpose(1, 2)
        v = self.v(h).view(shape).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size)
        scores += bias
        if mask is not None:
            scores = scores + mask
        c = torch.matmul(F.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).contiguous()
        return self.o(c.view(*c.shape[:-2], -1))


class _MPNetAttention(nn.Module):
    def __init__(self, c: SimpleNamespace) -> None:
        super().__init__()
        self.attn = _MPNetSelfAttention(c)
        self.LayerNorm = _norm(c.hidden_size, c.layer_norm_eps)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None, bias: torch.Tensor
                ) -> torch.Tensor:
        return self.LayerNorm(self.attn(h, mask, bias) + h)


class _Layer(nn.Module):
    def __init__(self, c: SimpleNamespace, attention: type[nn.Module]) -> None:
        super().__init__()
        self.attention = attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _Output(c.intermediate_size, c.hidden_size, c.layer_norm_eps)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None, bias=None) -> torch.Tensor:
        a = self.attention(h, mask, bias)
        return self.output(self.intermediate(a), a)


class _Embedding(nn.Embedding):
    """A lookup table left in its file's dtype and memory map (fp16 for claimcheck's MiniLM
    models): only the rows read become resident, and each lookup is cast to fp32, the same
    numbers as a table converted to fp32 first (:func:`claimcheck.precision.inference_weights`
    leaves it as it is). The word tables are half of a MiniLM's weights: 47 MB each in fp32."""

    keep_dtype = True

    def __init__(self, n: int, dim: int) -> None:
        # given a (meta) table, nn.Embedding skips its random init, whose meta kernel would
        # import dynamo
        super().__init__(n, dim, _weight=torch.empty(n, dim, device="meta"))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return super().forward(ids).float()


class _Embeddings(nn.Module):
    def __init__(self, c: SimpleNamespace, token_types: bool) -> None:
        super().__init__()
        self.word_embeddings = _Embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = _Embedding(c.max_position_embeddings, c.hidden_size)
        if token_types:
            self.token_type_embeddings = _Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = _norm(c.hidden_size, c.layer_norm_eps)


class _Encoder(nn.Module):
    def __init__(self, c: SimpleNamespace, attention: type[nn.Module]) -> None:
        super().__init__()
        self.layer = nn.ModuleList([_Layer(c, attention) for _ in range(c.num_hidden_layers)])


class _Bert(nn.Module):
    """transformers' BertModel without its pooler: (input_ids, attention_mask, token_type_ids)
    → hidden states."""

    def __init__(self, c: SimpleNamespace) -> None:
        super().__init__()
        self.embeddings = _Embeddings(c, token_types=True)
        self.encoder = _Encoder(c, _BertAttention)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, word_vectors=None
                ) -> torch.Tensor:
        """``word_vectors``: the word table's rows for ``input_ids``, looked up by the caller
        (the ONNX graph of :mod:`claimcheck.text.ort` leaves the table out)."""
        e = self.embeddings
        n, length = input_ids.shape
        positions = torch.arange(length, device=input_ids.device)[None]
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        words = e.word_embeddings(input_ids) if word_vectors is None else word_vectors
        h = words + e.token_type_embeddings(token_type_ids)
        h = e.LayerNorm(h + e.position_embeddings(positions))
        mask = None  # sdpa's boolean mask over the keys, as transformers builds it
        if attention_mask is not None and not bool(attention_mask.all()):
            mask = attention_mask.bool()[:, None, None, :].expand(n, 1, length, length)
        for layer in self.encoder.layer:
            h = layer(h, mask)
        return h


class _MPNet(nn.Module):
    """transformers' MPNetModel without its pooler: relative position buckets shared by the
    layers, positions counted from the padding id, eager attention with an additive mask."""

    padding_idx = 1

    def __init__(self, c: SimpleNamespace) -> None:
        super().__init__()
        self.embeddings = _Embeddings(c, token_types=False)
        self.encoder = _Encoder(c, _MPNetAttention)
        self.encoder.relative_attention_bias = _Embedding(c.relative_attention_num_buckets,
                                                            c.num_attention_heads)
        self.buckets = c.relative_attention_num_buckets

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, word_vectors=None
                ) -> torch.Tensor:
        e = self.embeddings
        n, length = input_ids.shape
        real = input_ids.ne(self.padding_idx).int()
        positions = (torch.cumsum(real, dim=1).type_as(real) * real).long() + self.padding_idx
        words = e.word_embeddings(input_ids) if word_vectors is None else word_vectors
        h = e.LayerNorm(words + e.position_embeddings(positions))
        mask = None
        if attention_mask is not None and not bool(attention_mask.all()):
            keep = attention_mask.bool()[:, None, None, :].expand(n, 1, length, length)
            mask = torch.where(keep, 0.0, torch.finfo(h.dtype).min).to(h.dtype)
        ctx = torch.arange(length, dtype=torch.long, device=h.device)
        bucket = _relative_bucket(ctx[None, :] - ctx[:, None], self.buckets)
        # (1, heads, length, length), broadcast over the batch (transformers copies it n times)
        bias = self.encoder.relative_attention_bias(bucket).permute([2, 0, 1]).unsqueeze(0)
        for layer in self.encoder.layer:
            h = layer(h, mask, bias)
        return h


def _relative_bucket(relative: torch.Tensor, num_buckets: int = 32, max_distance: int = 128):
    """MPNet's (T5's) bidirectional relative position buckets."""
    n = -relative
    num_buckets //= 2
    ret = (n < 0).to(torch.long) * num_buckets
    n = torch.abs(n)
    max_exact = num_buckets // 2
    large = max_exact + (torch.log(n.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return ret + torch.where(n < max_exact, n, large)


class _Pooler(nn.Module):
    def __init__(self, c: SimpleNamespace) -> None:
        super().__init__()
        self.dense = _linear(c.hidden_size, c.hidden_size)


class _MPNetHead(nn.Module):
    """MPNetClassificationHead: the <s> token → dense → tanh → out_proj."""

    def __init__(self, c: SimpleNamespace) -> None:
        super().__init__()
        self.dense = _linear(c.hidden_size, c.hidden_size)
        self.out_proj = _linear(c.hidden_size, c.num_labels)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.out_proj(torch.tanh(self.dense(h[:, 0, :])))


class Model(nn.Module):
    """An encoder (``bert`` or ``mpnet``) with one head: ``sequence`` (transformers'
    …ForSequenceClassification), ``token`` (…ForTokenClassification) or ``none`` (the bare
    encoder, as AutoModel). Called like the transformers model, it returns ``.logits`` (heads) or
    ``.last_hidden_state``; ``.config`` has ``id2label``, ``label2id``, ``hidden_size`` and
    ``model_type``."""

    def __init__(self, config: Mapping, head: str) -> None:
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, not {head!r}")
        id2label, label2id = _labels(config)
        c = SimpleNamespace(**{"layer_norm_eps": 1e-12, "type_vocab_size": 2,
                               "relative_attention_num_buckets": 32, **config,
                               "id2label": id2label, "label2id": label2id,
                               "num_labels": len(id2label)})
        self.config, self.head, self.prefix = c, head, c.model_type
        setattr(self, self.prefix, (_Bert if c.model_type == "bert" else _MPNet)(c))
        if head == "sequence" and c.model_type == "mpnet":
            self.classifier = _MPNetHead(c)
        elif head == "sequence":
            getattr(self, self.prefix).pooler = _Pooler(c)
            self.classifier = _linear(c.hidden_size, c.num_labels)
        elif head == "token":
            self.classifier = _linear(c.hidden_size, c.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, word_vectors=None
                ) -> SimpleNamespace:
        encoder = getattr(self, self.prefix)
        h = encoder(input_ids, attention_mask, token_type_ids, word_vectors)
        if self.head == "none":
            return SimpleNamespace(last_hidden_state=h)
        if self.head == "token":
            return SimpleNamespace(logits=self.classifier(h))
        if self.prefix == "mpnet":
            return SimpleNamespace(logits=self.classifier(h))
        return SimpleNamespace(logits=self.classifier(torch.tanh(encoder.pooler.dense(h[:, 0]))))

    def load_weights(self, tensors: Mapping[str, torch.Tensor], source: str) -> Model:
        """Take ``tensors`` as the parameters (no copy); names may lack the encoder's prefix
        (a bare encoder's file). Tensors the model has no place for (a pooler it does not use,
        ``position_ids``) are ignored; a missing one is a :class:`ModelLoadError`."""
        params = dict(self.named_parameters())
        state = {}
        for name, t in tensors.items():
            key = name if name in params else f"{self.prefix}.{name}"
            if key in params:
                state[key] = t
        missing = sorted(set(params) - set(state))
        if missing:
            raise ModelLoadError(f"{source} has no weights for {', '.join(missing[:3])}"
                                 f"{' …' if len(missing) > 3 else ''} (a {self.prefix} model with "
                                 f"a {self.head!r} head). Fix: point at a complete model folder.")
        self.load_state_dict(state, strict=False, assign=True)
        return self.eval()

    def read(self, file: Path, names: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        """This model's tensors ``names`` (all when None) from a safetensors file, by two maps
        of it: the lookup tables (:class:`_Embedding`) stay in theirs, where only the rows read
        become resident; the other, whose weights :func:`~claimcheck.precision.inference_weights`
        copies out, is released once they are."""
        names = [n for n, _ in self.named_parameters()] if names is None else list(names)
        tables = {f"{m}.weight" for m, module in self.named_modules()
                  if getattr(module, "keep_dtype", False)}
        return {**read_weights(file, [n for n in names if n not in tables], self.prefix),
                **read_weights(file, [n for n in names if n in tables], self.prefix)}


def build(config: Mapping, head: str) -> Model:
    """The model of ``config`` with ``head``, its parameters not yet allocated (``meta``): load
    them with :meth:`Model.load_weights`."""
    return Model(config, head)


def read_weights(file: Path, names: Sequence[str] | None = None, prefix: str = ""
                 ) -> dict[str, torch.Tensor]:
    """The tensors ``names`` (all when None) of a safetensors file, read into memory; a file of a
    bare encoder may store a name without the model's ``prefix`` (``mpnet.``)."""
    from safetensors import safe_open

    with safe_open(str(file), framework="pt") as f:
        keys = set(f.keys())
        if names is None:
            return {k: f.get_tensor(k) for k in sorted(keys)}
        out = {}
        for name in names:
            key = name if name in keys else name.removeprefix(f"{prefix}.")
            if key in keys:
                out[name] = f.get_tensor(key)
        return out


class Tokenizer:
    """A folder's ``tokenizer.json`` run by the ``tokenizers`` library, called as transformers'
    fast tokenizer is for claimcheck's models: texts (and second texts of pairs), truncation
    longest-first to ``max_length``, padded to the longest of the batch, torch tensors."""

    def __init__(self, folder: Path, token_types: bool) -> None:
        from tokenizers import Tokenizer as Fast

        folder = Path(folder)
        self._tok = Fast.from_file(str(folder / TOKENIZER_FILE))
        cfg_file = folder / "tokenizer_config.json"
        cfg = json.loads(cfg_file.read_text()) if cfg_file.is_file() else {}
        self.token_types = token_types
        self.pad_token = str(cfg.get("pad_token") or "[PAD]")
        self.pad_token_id = self._id(self.pad_token)
        self.cls_token_id = self._id(str(cfg.get("cls_token") or "[CLS]"))
        self.sep_token_id = self._id(str(cfg.get("sep_token") or "[SEP]"))
        self._tok.no_truncation()
        self._tok.no_padding()

    def _id(self, token: str) -> int:
        i = self._tok.token_to_id(token)
        if i is None:
            raise ModelLoadError(f"The tokenizer has no {token!r} token. Fix: use the folder's "
                                 "own tokenizer files.")
        return i

    def __call__(self, texts: Sequence[str], pairs: Sequence[str] | None = None, *,
                 max_length: int = 512, truncation: bool | str = "longest_first",
                 padding: bool = True, return_tensors: str = "pt") -> dict[str, torch.Tensor]:
        """Called as transformers' tokenizer is: ``truncation``, ``padding`` and
        ``return_tensors`` take only the values claimcheck uses (longest-first, to the longest of
        the batch, torch)."""
        if truncation not in (True, "longest_first") or padding is not True or \
                return_tensors != "pt":
            raise ValueError("claimcheck's tokenizer truncates longest-first, pads to the longest "
                             "text and returns torch tensors only.")
        tok = self._tok
        tok.enable_truncation(max_length, stride=0, strategy="longest_first", direction="right")
        tok.enable_padding(direction="right", pad_id=self.pad_token_id, pad_type_id=0,
                           pad_token=self.pad_token)
        try:
            batch = list(texts) if pairs is None else list(zip(texts, pairs, strict=True))
            encs = tok.encode_batch(batch, add_special_tokens=True)
        finally:
            tok.no_truncation()
            tok.no_padding()
        out = {"input_ids": torch.tensor([e.ids for e in encs], dtype=torch.long),
               "attention_mask": torch.tensor([e.attention_mask for e in encs], dtype=torch.long)}
        if self.token_types:
            out["token_type_ids"] = torch.tensor([e.type_ids for e in encs], dtype=torch.long)
        return out

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Token ids and character offsets of ``text``, without special tokens or truncation."""
        e = self._tok.encode(text, add_special_tokens=False)
        return list(e.ids), [tuple(o) for o in e.offsets]


def load(folder: Path, head: str, tensors: Mapping[str, torch.Tensor] | None = None,
         config: Mapping | None = None) -> tuple[Model, Tokenizer]:
    """The model and tokenizer of a transformers folder (``config.json``, ``tokenizer.json``,
    ``model.safetensors``), weights as stored (call
    :func:`claimcheck.precision.inference_weights` next). ``tensors`` replaces reading the
    folder's weights; ``config`` its config.json."""
    folder = Path(folder)
    config = read_config(folder) if config is None else config
    model = build(config, head)
    if tensors is None:
        tensors = model.read(folder / WEIGHTS_FILE)
    model.load_weights(tensors, str(folder))
    return model, Tokenizer(folder, token_types=model.prefix == "bert")


class TransformersTokenizer:
    """A transformers tokenizer behind :class:`Tokenizer`'s interface (its calls pass through;
    :meth:`encode` as ours)."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self.cls_token_id, self.sep_token_id = tokenizer.cls_token_id, tokenizer.sep_token_id

    def __call__(self, *args, **kwargs):
        return self.tokenizer(*args, **kwargs)

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True,
                             return_attention_mask=False, verbose=False)
        return enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]


def load_any(path: str | Path, head: str, local: bool = True):
    """The model and tokenizer of a folder (``local``) or hub id with ``head``: this module's
    (:func:`load`) where :func:`supports` says so, transformers' for any other model (a hub id,
    another architecture, sharded weights). Safetensors weights only."""
    folder = Path(path)
    if local and supports(read_config(folder), folder, weights=True):
        return load(folder, head)
    import transformers
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    auto = {"sequence": transformers.AutoModelForSequenceClassification,
            "token": transformers.AutoModelForTokenClassification,
            "none": transformers.AutoModel}[head]
    model = auto.from_pretrained(str(path), local_files_only=local, use_safetensors=True)
    tok = transformers.AutoTokenizer.from_pretrained(str(path), local_files_only=local)
    return model.eval(), TransformersTokenizer(tok)
