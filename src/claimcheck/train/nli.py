"""``claimcheck train nli``: train claimcheck's default NLI judge from a YAML config.

Steps: load the data mix (with seeded dev carving), add hard negatives and perturbations, train a
3-way head on the base encoder with length-grouped batches and dynamic padding (checkpoints every
``checkpoint_every`` steps; a rerun resumes from the last one), save the model as safetensors,
evaluate the dev sets, fit a temperature on the carved dev rows, and write the model card.
Threshold calibration in the retrieval setting is ``claimcheck.train.calibrate`` (run after).
"""

from __future__ import annotations

import json
import logging
import os
import platform
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np

from claimcheck.config import file_sha256, load_config
from claimcheck.errors import ConfigError, DataError, ModelLoadError
from claimcheck.precision import autocast, resolve_precision
from claimcheck.text.base_encoders import resolve_base_encoder
from claimcheck.train.config import Recipe, TrainConfig
from claimcheck.train.data import (
    LABELS,
    Pair,
    decontaminate,
    load_eval_file,
    load_training_set,
    read_jsonl,
    resolve_data_root,
    write_jsonl,
)
from claimcheck.train.negatives import hard_negatives, negated_negatives, nei_neutrals, perturbations
from claimcheck.verdict.lora import ADAPTER_CONFIG, load_adapter_model

log = logging.getLogger(__name__)


def build_mix(cfg: TrainConfig) -> tuple[list[Pair], dict[str, list[Pair]], Counter]:
    """All training pairs (shuffled, seeded) and the carved dev pairs per dataset."""
    root = resolve_data_root(cfg.data_root)
    train: list[Pair] = []
    carved: dict[str, list[Pair]] = {}
    raw_by_name: dict[str, list[dict]] = {}
    per_set: list[tuple[str, list[Pair]]] = []
    for spec in cfg.datasets:
        tr, dev, raw = load_training_set(spec, root, cfg.seed)
        log.info("%s: %d train, %d carved dev", spec.name, len(tr), len(dev))
        per_set.append((spec.name, tr))
        if dev:
            carved[spec.name] = dev
        raw_by_name[spec.name] = raw
    if cfg.decontaminate:
        held_out = [p for ps in carved.values() for p in ps]
        for rel in cfg.eval_sets:
            held_out.extend(Pair(r["premise"], r["hypothesis"], 0, False, rel)
                            for r in load_eval_file(root / rel))
        by_claim = {s.name for s in cfg.datasets if s.group_by == "hypothesis"}
        per_set = decontaminate(per_set, held_out, by_claim)
        for name, kept in per_set:  # negatives and perturbations use only the kept rows
            keys = {(p.premise, p.hypothesis) for p in kept}
            raw_by_name[name] = [r for r in raw_by_name[name]
                                 if ((r.get("premise") or "").strip(),
                                     (r.get("hypothesis") or "").strip()) in keys]
    for _, tr in per_set:
        train.extend(tr)
    hn, pt, nn = cfg.hard_negatives, cfg.perturbations, cfg.nei_neutrals
    for what, src, on in (("hard_negatives", hn.source, hn.count),
                          ("perturbations", pt.source, pt.count),
                          ("nei_neutrals", nn.source, nn.count and nn.file)):
        if on and src not in raw_by_name:
            raise DataError(f"{what}.source {src!r} is not one of the datasets "
                            f"{sorted(raw_by_name)}.")
    if hn.count:
        negs = hard_negatives(raw_by_name[hn.source], hn.count, hn.top_k, cfg.seed,
                              same_subject=hn.same_subject)
        train.extend(negs)
        train.extend(negated_negatives(negs, hn.negated, cfg.seed))
    if pt.count:
        if pt.source not in raw_by_name:
            raise DataError(f"perturbations.source {pt.source!r} is not one of the datasets "
                            f"{sorted(raw_by_name)}.")
        train.extend(perturbations(raw_by_name[pt.source], pt.count, pt.kinds, cfg.seed))
    if nn.count and nn.file:
        claims = [r["hypothesis"] for r in read_jsonl(root / nn.file) if r.get("hypothesis")]
        train.extend(nei_neutrals(claims, raw_by_name[nn.source], nn.count, nn.top_k, cfg.seed))
    random.Random(cfg.seed).shuffle(train)
    counts = Counter(p.source for p in train)
    return train, carved, counts


def length_grouped_batches(lengths: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Batches of similar length: shuffle, sort within chunks of 64 batches, shuffle batches."""
    rng = random.Random(seed)
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    chunk = batch_size * 64
    batches = []
    for s in range(0, len(idx), chunk):
        part = sorted(idx[s : s + chunk], key=lambda i: lengths[i])
        batches.extend(part[j : j + batch_size] for j in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def _save_checkpoint(folder: Path, model, optimizer, scheduler, step: int) -> None:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"))
    opt = {}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in optimizer.param_groups:
        for p in group["params"]:
            st = optimizer.state.get(p)
            if st:
                n = names[id(p)]
                opt[f"{n}::exp_avg"] = st["exp_avg"].contiguous()
                opt[f"{n}::exp_avg_sq"] = st["exp_avg_sq"].contiguous()
                opt[f"{n}::step"] = st["step"].reshape(1).float()
    save_file(opt, str(folder / "optimizer.safetensors"))
    (folder / "state.json").write_text(json.dumps({"step": step,
                                                   "scheduler": scheduler.state_dict()}))


def _load_checkpoint(folder: Path, model, optimizer, scheduler) -> int:
    import torch
    from safetensors.torch import load_file

    if not (folder / "state.json").is_file():
        return 0
    model.load_state_dict(load_file(str(folder / "model.safetensors")))
    opt = load_file(str(folder / "optimizer.safetensors"))
    for n, p in model.named_parameters():
        if f"{n}::exp_avg" in opt:
            optimizer.state[p] = {"exp_avg": opt[f"{n}::exp_avg"],
                                  "exp_avg_sq": opt[f"{n}::exp_avg_sq"],
                                  "step": torch.tensor(float(opt[f"{n}::step"][0]))}
    meta = json.loads((folder / "state.json").read_text())
    scheduler.load_state_dict(meta["scheduler"])
    return int(meta["step"])


def optimize(loss, params, optimizer, scheduler, model, ckpt: Path, step: int, total: int,
             every: int) -> float:
    """One training step on ``loss``: backward, gradients clipped to norm 1, the optimizer and the
    schedule advanced; a checkpoint into ``ckpt`` every ``every`` steps but the last. Returns the
    loss value."""
    import torch

    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    if (step + 1) % every == 0 and step + 1 < total:
        _save_checkpoint(ckpt, model, optimizer, scheduler, step + 1)
    return loss.item()


def show_loss(bar, running: float, loss: float, first: bool) -> float:
    """The running loss (an exponential mean; ``loss`` itself on a run's first step) after one
    step, shown on the progress ``bar``, which advances by one."""
    running = loss if first else 0.98 * running + 0.02 * loss
    bar.update(1)
    bar.set_postfix(loss=f"{running:.3f}", refresh=False)
    return running


def optimizer_from_checkpoint(named: list, lr: float, weight_decay: float, warmup_ratio: float,
                              steps: int, model, ckpt: Path):
    """AdamW over ``named`` (name, parameter) pairs (no decay on biases and LayerNorm weights)
    with a linear warmup/decay schedule over ``steps``, resumed from ``ckpt`` when it holds a
    checkpoint. Returns (optimizer, scheduler, first step)."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    no_decay = ("bias", "LayerNorm.weight")
    optimizer = torch.optim.AdamW([
        {"params": [p for n, p in named if not n.endswith(no_decay)],
         "weight_decay": weight_decay},
        {"params": [p for n, p in named if n.endswith(no_decay)], "weight_decay": 0.0},
    ], lr=lr)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(warmup_ratio * steps), steps)
    start = _load_checkpoint(ckpt, model, optimizer, scheduler)
    if start:
        log.info("resuming from checkpoint at step %d", start)
    return optimizer, scheduler, start


def train_model(cfg: TrainConfig, train: list[Pair], out: Path) -> dict:
    """The training loop. Returns timing facts for the model card."""
    import torch
    from tqdm.auto import tqdm

    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    precision = resolve_precision(cfg.precision)
    log.info("training precision: %s", precision)
    model, tok, lora_base = _initial_model(cfg)
    enc = tok([p.premise for p in train], [p.hypothesis for p in train],
              truncation="longest_first", max_length=cfg.max_length)
    ids = enc["input_ids"]
    types = enc.get("token_type_ids")
    labels = torch.tensor([p.label for p in train])
    two_way = torch.tensor([p.two_way for p in train])
    n_epochs = max(1, int(np.ceil(cfg.epochs)))
    batches: list[list[int]] = []
    for e in range(n_epochs):
        batches.extend(length_grouped_batches([len(x) for x in ids], cfg.batch_size,
                                              cfg.seed + e))
    batches = batches[: int(len(batches) * cfg.epochs / n_epochs)]
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    ckpt = out / "checkpoint"
    optimizer, scheduler, start = optimizer_from_checkpoint(
        trainable, cfg.lr, cfg.weight_decay, cfg.warmup_ratio, len(batches), model, ckpt)
    model.train()
    pad = tok.pad_token_id
    t0 = time.time()
    bar = tqdm(total=len(batches), initial=start, desc="train", unit="batch",
               mininterval=10.0)
    running = 0.0
    for step in range(start, len(batches)):
        b = batches[step]
        width = max(len(ids[i]) for i in b)
        input_ids = torch.full((len(b), width), pad, dtype=torch.long)
        attn = torch.zeros((len(b), width), dtype=torch.long)
        tt = torch.zeros((len(b), width), dtype=torch.long)
        for r, i in enumerate(b):
            n = len(ids[i])
            input_ids[r, :n] = torch.tensor(ids[i])
            attn[r, :n] = 1
            if types is not None:
                tt[r, :n] = torch.tensor(types[i])
        with autocast(precision):
            logits = model(input_ids=input_ids, attention_mask=attn, token_type_ids=tt).logits
        logits = logits.float()
        mask = two_way[b]
        if mask.any():
            logits = logits.clone()
            logits[mask, 1] = float("-inf")
        loss = optimize(torch.nn.functional.cross_entropy(logits, labels[b]),
                        [p for _, p in trainable], optimizer, scheduler, model, ckpt, step,
                        len(batches), cfg.checkpoint_every)
        running = show_loss(bar, running, loss, step == start)
    bar.close()
    seconds = time.time() - t0
    model.eval()
    save_model(model, tok, out, cfg.save_dtype, lora_base)
    return {"train_seconds_this_run": round(seconds, 1), "steps": len(batches),
            "resumed_from_step": start, "precision": precision,
            "trainable_parameters": sum(p.numel() for _, p in trainable),
            "train_pairs_seen": sum(len(b) for b in batches)}


def _initial_model(cfg: Recipe):
    """(model, tokenizer, LoRA base package or None) to start from: a base encoder with a new
    3-way head (wrapped in LoRA adapters when ``cfg.lora``), a full model folder, or a LoRA adapter
    folder (a warm start from the adapter judge: its adapters and head train further over the
    same packaged base, and the result is again an adapter folder over that base)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = Path(cfg.base_model)
    if (folder / ADAPTER_CONFIG).is_file():
        if cfg.lora:
            raise ConfigError(f"base_model {folder} is a LoRA adapter folder, whose adapters train "
                              "further as they are. Fix: remove the lora block from the config.")
        from peft import PeftModel

        base_name = json.loads((folder / ADAPTER_CONFIG).read_text())["base_model_name_or_path"]
        base = load_adapter_model(folder, merge=False)
        model = PeftModel.from_pretrained(base, str(folder), is_trainable=True)
        return model, AutoTokenizer.from_pretrained(str(folder), local_files_only=True), base_name
    base = resolve_base_encoder(cfg.base_model)
    tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=3, id2label=dict(enumerate(LABELS)),
        label2id={n: i for i, n in enumerate(LABELS)}, local_files_only=True,
        use_safetensors=True, dtype=torch.float32)  # a warm start may be saved in float16
    if cfg.lora:
        return with_lora(model, cfg), tok, cfg.base_model
    return model, tok, None


def with_lora(model, cfg: TrainConfig):
    """Wrap ``model`` in LoRA adapters (peft); the classification head trains in full."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as e:
        raise ModelLoadError("LoRA training needs the peft package. Fix: pip install "
                             "'claimcheck-nli[mpnet]' (or pip install peft).") from e
    lc = cfg.lora
    return get_peft_model(model, LoraConfig(
        task_type="SEQ_CLS", r=lc.r, lora_alpha=lc.alpha, lora_dropout=lc.dropout,
        target_modules=lc.target_modules, layers_pattern="layer",
        layers_to_transform=list(range(lc.layers_from, lc.num_layers))))


def save_model(model, tok, out: Path, dtype: str, lora_base: str | None = None) -> None:
    """Save the model (safetensors) and tokenizer. A LoRA model saves only its adapters and head
    (``adapter_model.safetensors``) with ``lora_base`` (a package name) as the base to load."""
    import torch

    out.mkdir(parents=True, exist_ok=True)
    if dtype == "float16":
        model = model.to(torch.float16)
    if lora_base:
        # embeddings never train here; "auto" would look the base up on the hub
        model.save_pretrained(str(out), safe_serialization=True, save_embedding_layers=False)
        model.base_model.model.config.save_pretrained(str(out))  # labels for the loader
        (out / "README.md").unlink(missing_ok=True)  # peft's template; MODEL_CARD.md is ours
        cfg_file = out / "adapter_config.json"  # the base by package name, not this machine's path
        adapter = json.loads(cfg_file.read_text())
        adapter["base_model_name_or_path"] = lora_base
        cfg_file.write_text(json.dumps(adapter, indent=2, sort_keys=True) + "\n")
    else:
        model.save_pretrained(str(out), safe_serialization=True)
    tok.save_pretrained(str(out))
    model.to(torch.float32)


def train_nli(config_path: str | Path, overrides: list[str] | None = None,
              skip_training: bool = False) -> Path:
    """Run the whole recipe; returns the output model folder."""
    cfg = load_config(TrainConfig, config_path, overrides)
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    train, carved, counts = build_mix(cfg)
    log.info("training pairs: %d (%s)", len(train), dict(counts))
    data_dir = out / "checkpoint"
    data_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(data_dir / "train_mix.jsonl", train)
    timing = {}
    if not skip_training:
        timing = train_model(cfg, train, out)
    meta = {
        "config": str(config_path),
        "config_sha256": file_sha256(config_path),
        "overrides": list(overrides or []),
        "base_model": cfg.base_model,
        "lora": cfg.lora.model_dump() if cfg.lora else None,
        "eval_cap": cfg.eval_cap,
        "seed": cfg.seed,
        "train_pairs": len(train),
        "train_counts": dict(sorted(counts.items())),
        "label_counts": dict(Counter(LABELS[p.label] for p in train)),
        "two_way_rows": sum(p.two_way for p in train),
        "carved_dev": {k: len(v) for k, v in carved.items()},
        "hardware": f"{platform.machine()}, {os.cpu_count()} CPU cores, torch CPU",
        "wall_seconds": round(time.time() - t_start, 1),
        **timing,
    }
    (out / "training.json").write_text(json.dumps(meta, indent=2) + "\n")
    from claimcheck.train.card import evaluate_and_document

    evaluate_and_document(cfg, out, carved)
    return out
