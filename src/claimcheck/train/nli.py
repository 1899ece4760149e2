"""``claimcheck train nli``: train claimcheck's default NLI judge from a YAML config.

Steps: load the data mix (with seeded dev carving), add hard negatives, perturbations and the
targeted pairs (:mod:`claimcheck.train.targeted`), train a 3-way head on the base encoder with
length-grouped batches and dynamic padding, save the model as safetensors, evaluate the dev sets,
fit a temperature on the carved dev rows, and write the model card.

Long runs go in chunks: checkpoints every ``checkpoint_every`` steps, a clean stop on a STOP file
in the output folder, SIGTERM / SIGINT, ``max_minutes`` or ``stop_after_steps`` (checkpoint at the
current step, exit status 0), and a rerun of the same command resumes exactly (weights, AdamW
moments, schedule, step = data position, RNG states; the stored mix is read back).
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
from claimcheck.train.checkpoint import (
    PROCESS_START,
    STOP_FILE,
    StopSignals,
    TrainingStopped,
    checkpoint_state,
    machine_kind,
    optimize,
    optimizer_from_checkpoint,
    save_checkpoint,
    show_loss,
    stop_reason,
)
from claimcheck.train.config import Recipe, TrainConfig
from claimcheck.train.data import (
    LABELS,
    Pair,
    decontaminate,
    drop_overlap,
    load_eval_file,
    load_training_set,
    mix_sha256,
    read_jsonl,
    read_texts,
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
    if cfg.exclude_overlap:
        texts = [t for rel in cfg.exclude_overlap for t in read_texts(root / rel)]
        per_set, dropped = drop_overlap(per_set, texts)
        log.info("exclude_overlap (%d texts): dropped %s", len(texts), dropped)
        for name, kept in per_set:
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
    negs: list[Pair] = []
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
    train.extend(targeted_pairs(cfg, raw_by_name, negs))
    random.Random(cfg.seed).shuffle(train)
    counts = Counter(p.source for p in train)
    return train, carved, counts


def targeted_pairs(cfg: TrainConfig, raw_by_name: dict[str, list[dict]],
                   negatives: list[Pair]) -> list[Pair]:
    """The targeted pairs of the config (:mod:`claimcheck.train.targeted`): denials, detail
    neutrals, overlap traps and titled premises, from the (decontaminated) training rows of
    the datasets each names; none when their counts are 0."""
    from claimcheck.train import targeted

    def rows(what: str, sources: list[str]) -> list[dict]:
        missing = [s for s in sources if s not in raw_by_name]
        if missing or not sources:
            raise DataError(f"{what}.sources {missing or sources!r}: name datasets of this "
                            f"config ({sorted(raw_by_name)}).")
        return [r for s in sources for r in raw_by_name[s]]

    out: list[Pair] = []
    d, dn, ot, ic = cfg.denials, cfg.detail_neutrals, cfg.overlap_traps, cfg.in_context
    if d.count:
        out += targeted.denials(rows("denials", d.sources), d.count, cfg.seed, d.antonym_share)
    if dn.count:
        out += targeted.detail_neutrals(rows("detail_neutrals", dn.sources), dn.count, cfg.seed,
                                        dn.kinds)
    if ot.count:
        sentences = [t for r in rows("overlap_traps", ot.sources)
                     for t in (r.get("premise"), r.get("hypothesis")) if t]
        out += targeted.overlap_traps(sentences, ot.count, cfg.seed, ot.kinds,
                                      parse_budget=ot.parse_budget)
    if ic.count or ic.negatives:
        out += targeted.in_context(rows("in_context", [ic.source]), ic.count, cfg.seed,
                                   negatives, ic.negatives)
    if out:
        log.info("targeted pairs: %s", dict(Counter(p.source for p in out)))
    return out


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


def train_model(cfg: TrainConfig, train: list[Pair], out: Path,
                resume_hint: str = "rerun the same command") -> dict:
    """The training loop. Returns timing facts for the model card.

    The run checkpoints into ``out/checkpoint`` every ``checkpoint_every`` steps and resumes from
    there exactly: the batches are a function of the seed (the step is the data position), and
    weights, optimizer, schedule and random states are restored. It stops cleanly (checkpoint at
    the current step, then :class:`TrainingStopped`) when ``out/STOP`` appears, on SIGTERM or
    SIGINT, after ``max_minutes`` or ``stop_after_steps``; ``resume_hint`` is the command the
    log line gives for resuming. A checkpoint made on another mix (or another number of steps)
    is refused rather than resumed."""
    import torch
    from tqdm.auto import tqdm

    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = cfg.device
    precision = resolve_precision(cfg.precision, device, inference=False)
    log.info("training on %s, precision %s", machine_kind(device), precision)
    model, tok, lora_base = _initial_model(cfg)
    model.to(device)
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
    total = len(batches)
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    ckpt = out / "checkpoint"
    run = {"mix_sha256": mix_sha256(train), "total_steps": total, "batch_size": cfg.batch_size}
    before = checkpoint_state(ckpt)
    if before is not None:
        for key, want in run.items():
            if key in before and before[key] != want:
                raise ConfigError(
                    f"The checkpoint in {ckpt} was made by another run ({key} {before[key]!r}, "
                    f"this one {want!r}): resuming it here would not continue that run. Fix: "
                    "resume with the config, overrides and data it was started with, or move "
                    f"{ckpt} away to start over.")
    optimizer, scheduler, start = optimizer_from_checkpoint(
        trainable, cfg.lr, cfg.weight_decay, cfg.warmup_ratio, total, model, ckpt)
    stale = out / STOP_FILE
    if stale.exists() and stale.stat().st_mtime < PROCESS_START:
        log.warning("removed %s, left from before this run started", stale)
        stale.unlink()
    chunk = {"from_step": start, "to_step": start, "seconds": 0.0, "stopped": None,
             "machine": machine_kind(device), "precision": precision,
             "threads": torch.get_num_threads(),
             "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    meta = {**run, "chunks": [*(before or {}).get("chunks", []), chunk]}
    log.info("%d pairs, %d steps of %d (%s pair-updates), from step %d; checkpoint every %d "
             "steps in %s", len(train), total, cfg.batch_size,
             f"{sum(len(b) for b in batches):,}", start, cfg.checkpoint_every, ckpt)
    model.train()
    pad = tok.pad_token_id
    t0 = time.time()
    bar = tqdm(total=total, initial=start, desc="train", unit="batch", mininterval=10.0)
    running = 0.0
    with StopSignals() as signals:
        for step in range(start, total):
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
            input_ids, attn, tt = (x.to(device) for x in (input_ids, attn, tt))
            with autocast(precision, device):
                logits = model(input_ids=input_ids, attention_mask=attn,
                               token_type_ids=tt).logits
            logits = logits.float()
            mask = two_way[b].to(device)
            if mask.any():
                logits = logits.clone()
                logits[mask, 1] = float("-inf")
            chunk["to_step"], chunk["seconds"] = step + 1, round(time.time() - t0, 1)
            loss = optimize(torch.nn.functional.cross_entropy(logits, labels[b].to(device)),
                            [p for _, p in trainable], optimizer, scheduler, model, ckpt, step,
                            total, cfg.checkpoint_every, meta)
            running = show_loss(bar, running, loss, step == start)
            done = step + 1
            if done % cfg.checkpoint_every == 0 and done < total:
                el = time.time() - t0
                log.info("checkpoint at step %d of %d: loss %.4f, %.2f steps/s this run",
                         done, total, running, (done - start) / el)
            reason = stop_reason(cfg, out, signals, t0, done - start) if done < total else None
            if reason:
                bar.close()
                chunk["stopped"] = reason
                save_checkpoint(ckpt, model, optimizer, scheduler, done, meta)
                (out / STOP_FILE).unlink(missing_ok=True)
                stop = TrainingStopped(done, total, reason, ckpt)
                log.warning("%s (%.1f%% done, %.0f s this run). Resume with: %s", stop,
                            100 * done / total, time.time() - t0, resume_hint)
                raise stop
    bar.close()
    seconds = time.time() - t0
    chunk["seconds"] = round(seconds, 1)
    model.eval()
    model.to("cpu")
    save_model(model, tok, out, cfg.save_dtype, lora_base)
    chunks = meta["chunks"]
    return {"train_seconds_this_run": round(seconds, 1), "steps": total,
            "resumed_from_step": start, "precision": precision,
            "trainable_parameters": sum(p.numel() for _, p in trainable),
            "train_pairs_seen": sum(len(b) for b in batches),
            "train_seconds_all_chunks": round(sum(c["seconds"] for c in chunks), 1),
            "chunks": chunks}


def export_checkpoint(cfg: Recipe, dest: Path, config_path: Path | None = None,
                      overrides: list[str] | None = None) -> Path:
    """The model of the checkpoint in ``<output_dir>/checkpoint`` saved as a model folder in
    ``dest`` (as the run's end would save it): an interim judge of a long run, to measure while
    the run goes on, or what a stopped run reached. With ``config_path`` (the recipe ``cfg`` was
    loaded from, and its ``overrides``) it also writes the ``training.json`` that
    benchmarks/nli_dev.py and the calibration read, marked ``interim_step``. Returns ``dest``."""
    from safetensors.torch import load_file

    ckpt = Path(cfg.output_dir) / "checkpoint"
    meta = checkpoint_state(ckpt)
    if meta is None:
        raise ConfigError(f"No checkpoint in {ckpt}. Fix: name the config of a run that has "
                          "made one (output_dir/checkpoint/state.json).")
    model, tok, lora_base = _initial_model(cfg)
    files = ckpt / meta["dir"] if meta.get("dir") else ckpt
    model.load_state_dict(load_file(str(files / "model.safetensors")))
    model.eval()
    save_model(model, tok, dest, cfg.save_dtype, lora_base)
    (dest / "checkpoint_step.json").write_text(json.dumps(
        {"from": str(ckpt), "step": meta["step"], "total_steps": meta.get("total_steps"),
         "chunks": meta.get("chunks", [])}, indent=2) + "\n")
    if config_path is not None:
        (dest / "training.json").write_text(json.dumps(
            {"config": str(config_path), "config_sha256": file_sha256(Path(config_path)),
             "overrides": list(overrides or []), "base_model": cfg.base_model,
             "eval_cap": cfg.eval_cap, "seed": cfg.seed, "interim_step": meta["step"],
             "total_steps": meta.get("total_steps")}, indent=2) + "\n")
    return dest


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


#: the config keys that decide the training mix (and nothing else does)
MIX_KEYS = ("data_root", "seed", "datasets", "hard_negatives", "perturbations", "nei_neutrals",
            "decontaminate", "eval_sets", "exclude_overlap", "denials", "detail_neutrals",
            "overlap_traps", "in_context")


def mix_recipe_sha256(cfg: TrainConfig) -> str:
    """A fingerprint of what decides the training mix (:data:`MIX_KEYS`)."""
    import hashlib

    d = cfg.model_dump(mode="json", include=set(MIX_KEYS))
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


def _read_pairs(path: Path) -> list[tuple[str, Pair]]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out.append((r.get("set", ""), Pair(r["premise"], r["hypothesis"],
                                               LABELS.index(r["label"]), bool(r["two_way"]),
                                               r["source"], r["id"])))
    return out


def store_mix(folder: Path, cfg: TrainConfig, train: list[Pair],
              carved: dict[str, list[Pair]]) -> None:
    """Write the mix (``train_mix.jsonl``), the carved dev pairs (``carved_dev.jsonl``) and
    their fingerprints (``mix.json``) into ``folder``, for resuming without rebuilding."""
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "train_mix.jsonl", train)
    with open(folder / "carved_dev.jsonl", "w", encoding="utf-8") as f:
        for name, pairs in carved.items():
            for p in pairs:
                f.write(json.dumps({"set": name, "id": p.id, "premise": p.premise,
                                    "hypothesis": p.hypothesis, "label": LABELS[p.label],
                                    "two_way": p.two_way, "source": p.source},
                                   ensure_ascii=False) + "\n")
    (folder / "mix.json").write_text(json.dumps(
        {"mix_sha256": mix_sha256(train), "mix_recipe_sha256": mix_recipe_sha256(cfg),
         "pairs": len(train)}, indent=2) + "\n")


def stored_mix(folder: Path, cfg: TrainConfig
               ) -> tuple[list[Pair], dict[str, list[Pair]], Counter] | None:
    """The mix a checkpointed run in ``folder`` trains on, read back instead of rebuilt (the
    BM25 and spaCy work of the negatives and targeted pairs is minutes): only when the
    checkpoint was made on it and the config's mix keys are those it was built from; None
    otherwise (then the mix is built again, and a checkpoint on another mix is refused)."""
    state, info = checkpoint_state(folder), folder / "mix.json"
    if state is None or not info.is_file() or not (folder / "carved_dev.jsonl").is_file():
        return None
    meta = json.loads(info.read_text())
    if meta.get("mix_recipe_sha256") != mix_recipe_sha256(cfg) or \
            meta.get("mix_sha256") != state.get("mix_sha256"):
        return None
    train = [p for _, p in _read_pairs(folder / "train_mix.jsonl")]
    if mix_sha256(train) != meta["mix_sha256"]:
        return None
    carved: dict[str, list[Pair]] = {}
    for name, p in _read_pairs(folder / "carved_dev.jsonl"):
        carved.setdefault(name, []).append(p)
    return train, carved, Counter(p.source for p in train)


def train_nli(config_path: str | Path, overrides: list[str] | None = None,
              skip_training: bool = False) -> Path:
    """Run the whole recipe; returns the output model folder. A run with a checkpoint resumes
    on the mix it stored (:func:`stored_mix`) and from the checkpoint's step."""
    cfg = load_config(TrainConfig, config_path, overrides)
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    data_dir = out / "checkpoint"
    stored = stored_mix(data_dir, cfg)
    if stored is not None:
        train, carved, counts = stored
        log.info("resuming: the training mix read back from %s (%d pairs)", data_dir,
                 len(train))
    else:
        train, carved, counts = build_mix(cfg)
        store_mix(data_dir, cfg, train, carved)
    log.info("training pairs: %d (%s)", len(train), dict(counts))
    timing = {}
    if not skip_training:
        hint = " ".join(["claimcheck train nli --config", str(config_path),
                         *(f"--set {o}" for o in overrides or [])])
        timing = train_model(cfg, train, out, resume_hint=hint)
    meta = {
        "config": str(config_path),
        "config_sha256": file_sha256(config_path),
        "overrides": list(overrides or []),
        "base_model": cfg.base_model,
        "lora": cfg.lora.model_dump() if cfg.lora else None,
        "eval_cap": cfg.eval_cap,
        "seed": cfg.seed,
        "train_pairs": len(train),
        "mix_sha256": mix_sha256(train),
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
