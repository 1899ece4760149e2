"""``claimcheck train quotes``: the quote tagger (:mod:`claimcheck.quotes.tagger`), a
token-classification encoder that tags the content, source and cue spans of attributions.

The documents of a quote-attribution benchmark's training part (PolNeAR train by default) are
tokenized whole, cut into windows of ``max_length`` tokens that overlap by a quarter (as the tagger
reads them), and every token is labelled with the BIO tag of the span its first character falls
in. The base encoder gets a new 7-label head and trains in full (bf16 autocast where the CPU has
bf16 units), with checkpoints to resume from. Then the benchmark's dev split is scored with
``quotes.model`` set to the new folder; the numbers go into ``metrics.json`` and the model card.

claimcheck does not ship the tagger it trains on PolNeAR: PolNeAR states no license over
copyrighted news (its SOURCE.md), so the folder goes to ``runs/`` (not committed).
"""

from __future__ import annotations

import json
import logging
import platform
import time
from pathlib import Path

import numpy as np

from claimcheck.config import file_sha256, load_config
from claimcheck.errors import DataError
from claimcheck.precision import autocast, resolve_precision
from claimcheck.quotes.tagger import LABELS, char_roles, token_labels, windows
from claimcheck.train.card import trained_meta
from claimcheck.train.checkpoint import optimize, optimizer_from_checkpoint, show_loss
from claimcheck.train.config import QuotesTrainConfig
from claimcheck.train.nli import save_model

log = logging.getLogger(__name__)

DEFAULT_QUOTES_CONFIG = "configs/train/quotes-minilm-polnear.yaml"


def tagged_windows(docs: list[dict], tok, max_length: int) -> list[tuple[list[int], list[int]]]:
    """(input ids with [CLS]/[SEP], BIO label ids with -100 on the special tokens) per window of
    every document (``text`` and ``quotes`` with ``spans`` / ``source`` / ``cue``)."""
    out = []
    for d in docs:
        enc = tok(d["text"], add_special_tokens=False, return_offsets_mapping=True,
                  return_attention_mask=False, verbose=False)
        ids, offsets = enc["input_ids"], enc["offset_mapping"]
        labels = token_labels(offsets, *char_roles(len(d["text"]), d["quotes"]))
        for s, e in windows(len(ids), max_length - 2):
            out.append(([tok.cls_token_id, *ids[s:e], tok.sep_token_id],
                        [-100, *labels[s:e], -100]))
    return out


def train_tagger(cfg: QuotesTrainConfig, docs: list[dict], out: Path) -> dict:
    """The training loop; returns timing facts for the card."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from claimcheck.text.base_encoders import resolve_base_encoder

    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    precision = resolve_precision(cfg.precision, inference=False)
    base = resolve_base_encoder(cfg.base_model)
    tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForTokenClassification.from_pretrained(
        base, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={n: i for i, n in enumerate(LABELS)}, local_files_only=True,
        use_safetensors=True, dtype=torch.float32, ignore_mismatched_sizes=True)  # a new head
    wins = tagged_windows(docs, tok, cfg.max_length)
    rng = np.random.default_rng(cfg.seed)
    n_epochs = max(1, int(np.ceil(cfg.epochs)))
    order = np.concatenate([rng.permutation(len(wins)) for _ in range(n_epochs)])
    batches = [order[s:s + cfg.batch_size].tolist()
               for s in range(0, len(order), cfg.batch_size)]
    batches = batches[: int(len(batches) * cfg.epochs / n_epochs)]
    named = list(model.named_parameters())
    ckpt = out / "checkpoint"
    optimizer, scheduler, start = optimizer_from_checkpoint(
        named, cfg.lr, cfg.weight_decay, cfg.warmup_ratio, len(batches), model, ckpt)
    log.info("quote tagger: %d documents, %d windows, %d steps (precision %s)", len(docs),
             len(wins), len(batches), precision)
    model.train()
    t0, running = time.time(), 0.0
    bar = tqdm(total=len(batches), initial=start, desc="train", unit="batch", mininterval=10.0)
    for step in range(start, len(batches)):
        b = batches[step]
        width = max(len(wins[i][0]) for i in b)
        ids = torch.full((len(b), width), tok.pad_token_id, dtype=torch.long)
        labels = torch.full((len(b), width), -100, dtype=torch.long)
        attn = torch.zeros((len(b), width), dtype=torch.long)
        for r, i in enumerate(b):
            x, y = wins[i]
            ids[r, :len(x)], labels[r, :len(y)], attn[r, :len(x)] = (
                torch.tensor(x), torch.tensor(y), 1)
        with autocast(precision):
            logits = model(input_ids=ids, attention_mask=attn).logits
        loss = optimize(torch.nn.functional.cross_entropy(
            logits.float().reshape(-1, len(LABELS)), labels.reshape(-1), ignore_index=-100),
            model.parameters(), optimizer, scheduler, model, ckpt, step, len(batches),
            cfg.checkpoint_every)
        running = show_loss(bar, running, loss, step == start)
    bar.close()
    seconds = time.time() - t0
    model.eval()
    save_model(model, tok, out, cfg.save_dtype)
    return {"train_seconds_this_run": round(seconds, 1), "steps": len(batches),
            "resumed_from_step": start, "precision": precision, "windows": len(wins),
            "documents": len(docs), "final_loss": round(running, 4)}


def evaluate_dev(cfg: QuotesTrainConfig, model_dir: Path) -> dict:
    """The benchmark's dev split with ``quotes.model`` = ``model_dir`` (results into
    ``model_dir/checkpoint/dev/``)."""
    from claimcheck.bench.runner import run

    res = run(cfg.benchmark, overrides=[f"pipeline.quotes.model={model_dir}",
                                        "methods=[model]"],
              output=model_dir / "checkpoint" / "dev" / Path(cfg.benchmark).stem)
    m = res["methods"]["model"]["metrics"]
    return {"benchmark": cfg.benchmark, "rows": res["dataset"]["rows_evaluated"],
            **{k: m[k] for k in ("content_overlap", "content_exact", "speaker_match") if k in m}}


def train_quotes(config_path: str | Path = DEFAULT_QUOTES_CONFIG,
                 overrides: list[str] | None = None, skip_training: bool = False) -> Path:
    """Train the tagger into ``output_dir``, score the dev split and write the card
    (``skip_training``: only score and write, for the tagger already there)."""
    from claimcheck.bench.runner import training_part

    cfg = load_config(QuotesTrainConfig, config_path, overrides)
    out = Path(cfg.output_dir)
    if skip_training:
        meta = trained_meta(out, "quote tagger")
    else:
        docs = training_part(cfg.benchmark).examples
        if not docs or "quotes" not in docs[0]:
            raise DataError(f"{cfg.benchmark} is not a quote-attribution benchmark (its examples "
                            "have no quotes). Fix: point benchmark at one, such as "
                            "configs/benchmarks/polnear_dev.yaml.")
        out.mkdir(parents=True, exist_ok=True)
        if cfg.validation_docs:
            held = set(np.random.default_rng(cfg.seed).permutation(
                sorted(d["id"] for d in docs))[: cfg.validation_docs].tolist())
            (out / "validation_ids.json").write_text(json.dumps(sorted(held), indent=1) + "\n")
            docs = [d for d in docs if d["id"] not in held]
        timing = train_tagger(cfg, docs, out)
        meta = {"config": str(config_path), "config_sha256": file_sha256(config_path),
                "overrides": list(overrides or []), "recipe": cfg.model_dump(mode="json"),
                "machine": platform.processor() or platform.machine(),
                "labels": list(LABELS), **timing,
                "weights_sha256": file_sha256(out / "model.safetensors")}
        (out / "training.json").write_text(json.dumps(meta, indent=2) + "\n")
    metrics = evaluate_dev(cfg, out) if cfg.dev else {}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out / "MODEL_CARD.md").write_text(model_card(cfg, meta, metrics))
    return out


def model_card(cfg: QuotesTrainConfig, meta: dict, metrics: dict) -> str:
    ov = metrics.get("content_overlap", {})
    ex = metrics.get("content_exact", {})
    sp = metrics.get("speaker_match", {})
    dev = (f"| {Path(cfg.benchmark).stem} | {metrics.get('rows')} documents | "
           f"{ov.get('precision')} / {ov.get('recall')} / **{ov.get('f1')}** | {ex.get('f1')} | "
           f"{sp.get('rate')} |" if metrics else "| (not scored) | | | | |")
    return f"""# Quote tagger ({Path(cfg.output_dir).name})

A token-classification encoder (base `{cfg.base_model}`, {len(LABELS)} BIO labels: content,
source and cue spans of attributions) for `quotes.model` (claimcheck.quotes.tagger).

**Not for redistribution.** It is trained on the training part of `{cfg.benchmark}`:
{cfg.license}

## Training

- recipe `{meta.get('config')}` (sha256 `{str(meta.get('config_sha256'))[:12]}`), overrides
  {meta.get('overrides') or 'none'}
- {meta.get('documents')} documents, {meta.get('windows')} windows of {cfg.max_length} tokens,
  {cfg.epochs} epochs, batch {cfg.batch_size}, lr {cfg.lr}, precision {meta.get('precision')}
- {meta.get('train_seconds_this_run')} s of training on {meta.get('machine')}, final loss
  {meta.get('final_loss')}
- weights sha256 `{meta.get('weights_sha256')}`

## Dev

| benchmark | rows | content overlap P / R / F1 | exact F1 | speaker match |
|---|---|---|---|---|
{dev}
"""
