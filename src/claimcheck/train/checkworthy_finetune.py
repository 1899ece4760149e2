"""Fine-tuning of the check-worthiness classifier (kind ``finetuned``): a 2-label
``AutoModelForSequenceClassification`` on the MiniLM base, trained on all positives and a seeded
sample of negatives per source, with a temperature fitted on a carve of that training mix.

Called by :func:`claimcheck.train.checkworthy.train` when the config's ``model`` (or ``compare``)
asks for it; the length-grouped batches and checkpoints are the NLI trainer's.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.claims.checkworthy import POSITIVE_LABEL, FinetunedCheckworthy
from claimcheck.precision import autocast, resolve_precision
from claimcheck.text.base_encoders import resolve_base_encoder
from claimcheck.train.checkpoint import optimize, optimizer_from_checkpoint, show_loss
from claimcheck.train.config import CheckworthyTrainConfig
from claimcheck.train.data import SentenceRows
from claimcheck.train.evaluate import fit_temperature
from claimcheck.train.nli import length_grouped_batches, save_model

log = logging.getLogger(__name__)

LABELS = ("not check-worthy", POSITIVE_LABEL)


def source_of(group: str) -> str:
    """The data source of a training row's group (CLEF-2019 rows are grouped by debate file)."""
    return "clef2019" if group.endswith(".tsv") else group


def sample_pool(rows: SentenceRows, neg_per_pos: float | None, seed: int) -> SentenceRows:
    """All positives and, per source, at most ``neg_per_pos`` negatives per positive (seeded)."""

    if neg_per_pos is None:
        return rows
    rng = random.Random(seed)
    by_src: dict[str, tuple[list[int], list[int]]] = {}
    for i, (g, y) in enumerate(zip(rows.group, rows.label, strict=True)):
        by_src.setdefault(source_of(g), ([], []))[y].append(i)
    keep: list[int] = []
    for src in sorted(by_src):
        neg, pos = by_src[src]
        n = min(len(neg), round(neg_per_pos * len(pos)))
        keep += pos + rng.sample(neg, n)
        log.info("fine-tune pool %s: %d positive, %d of %d negatives", src, len(pos), n, len(neg))
    keep.sort()
    return SentenceRows([rows.text[i] for i in keep], [rows.label[i] for i in keep],
                 [rows.group[i] for i in keep])


def carve(rows: SentenceRows, fraction: float, seed: int) -> tuple[SentenceRows, SentenceRows]:
    """(fit, calibration): a seeded ``fraction`` of the rows held out for the temperature."""

    idx = list(range(len(rows.text)))
    random.Random(seed + 1).shuffle(idx)
    n_cal = max(1, round(len(idx) * fraction))
    parts = sorted(idx[n_cal:]), sorted(idx[:n_cal])
    return tuple(SentenceRows([rows.text[i] for i in p], [rows.label[i] for i in p],  # type: ignore
                       [rows.group[i] for i in p]) for p in parts)


def fine_tune(cfg: CheckworthyTrainConfig, rows: SentenceRows, out: Path) -> dict[str, Any]:
    """Train on ``rows`` and save the model (safetensors) + tokenizer into ``out``.

    Checkpoints every ``finetune.checkpoint_every`` steps into ``out/checkpoint``; a rerun with
    the same config resumes from there. Returns timing facts.
    """
    import torch
    from tqdm.auto import tqdm
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )

    ft = cfg.finetune
    torch.manual_seed(cfg.seed)
    precision = resolve_precision(ft.precision, inference=False)
    base = resolve_base_encoder(ft.base_model)
    tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=2, id2label=dict(enumerate(LABELS)),
        label2id={n: i for i, n in enumerate(LABELS)}, local_files_only=True,
        use_safetensors=True, dtype=torch.float32,
        ignore_mismatched_sizes=True)  # a start with another head (the 3-label judge) gets a new one
    ids = tok(rows.text, truncation=True, max_length=ft.max_length)["input_ids"]
    labels = torch.tensor(rows.label)
    n_epochs = max(1, int(np.ceil(ft.epochs)))
    batches: list[list[int]] = []
    for e in range(n_epochs):
        batches.extend(length_grouped_batches([len(x) for x in ids], ft.batch_size, cfg.seed + e))
    batches = batches[: int(len(batches) * ft.epochs / n_epochs)]
    ckpt = out / "checkpoint"
    optimizer, scheduler, start = optimizer_from_checkpoint(
        list(model.named_parameters()), ft.lr, ft.weight_decay, ft.warmup_ratio, len(batches),
        model, ckpt)
    log.info("fine-tuning %s on %d rows (%d positive): %d steps of %d, precision %s",
             ft.base_model, len(ids), int(labels.sum()), len(batches), ft.batch_size, precision)
    model.train()
    pad = tok.pad_token_id
    t0 = time.time()
    bar = tqdm(total=len(batches), initial=start, desc="train", unit="batch", mininterval=30.0)
    running, seen = 0.0, 0
    for step in range(start, len(batches)):
        b = batches[step]
        width = max(len(ids[i]) for i in b)
        input_ids = torch.full((len(b), width), pad, dtype=torch.long)
        attn = torch.zeros((len(b), width), dtype=torch.long)
        for r, i in enumerate(b):
            input_ids[r, : len(ids[i])] = torch.tensor(ids[i])
            attn[r, : len(ids[i])] = 1
        with autocast(precision):
            logits = model(input_ids=input_ids, attention_mask=attn).logits
        loss = optimize(torch.nn.functional.cross_entropy(logits.float(), labels[b]),
                        model.parameters(), optimizer, scheduler, model, ckpt, step,
                        len(batches), ft.checkpoint_every)
        running = show_loss(bar, running, loss, step == start)
        seen += len(b)
        if (step + 1) % ft.log_every == 0:
            el = time.time() - t0
            log.info("step %d/%d loss %.4f, %.1f rows/s, %.0f s", step + 1, len(batches), running,
                     seen / el, el)
    bar.close()
    seconds = time.time() - t0
    model.eval()
    save_model(model, tok, out, ft.save_dtype)
    return {"train_seconds_this_run": round(seconds, 1), "steps": len(batches),
            "resumed_from_step": start, "precision": precision,
            "rows_per_second": round(seen / seconds, 1) if seconds else None,
            "train_rows_seen": sum(len(b) for b in batches)}


def calibrate(out: Path, cal: SentenceRows, max_length: int) -> tuple[float, np.ndarray]:
    """Fit the temperature on the calibration carve; returns it and the carve's P(check-worthy)."""
    clf = FinetunedCheckworthy(out, max_length=max_length).load()
    logits = clf.logits(cal.text)
    gold = np.array(cal.label)
    if clf.positive_index != 1:  # gold indices follow the model's label order
        gold = 1 - gold
    t = fit_temperature(logits, gold)
    clf.temperature = t
    return t, clf.proba_from_logits(logits)
