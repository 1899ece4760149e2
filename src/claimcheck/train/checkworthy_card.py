"""The model card (README.md) of a check-worthiness model folder, written from its metrics.json:
what the model is, every training set with its license, commercial use, and the dev table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claimcheck.train.config import DEFAULT_CHECKWORTHY_CONFIG as DEFAULT_TRAIN_CONFIG

# Training sets of the card: (source, files, license exactly as the SOURCE.md under data_root says)
DATA_LICENSES = [
    ("clef2019", "CLEF CheckThat! 2019 task 1, `clef2019_task1/training/*.tsv` (dev debates "
     "removed)", 'README "Licensing": "These datasets are free for general research use."'),
    ("clef2020", "CLEF CheckThat! 2020 task 5, `clef2020/task5_debates_en/training/*.tsv`",
     'Official READMEs: "These datasets are free for general research use."'),
    ("covid_tweets", "CLEF CheckThat! 2020 task 1 English tweets, "
     "`clef2020/task1_covid_tweets_en/training_v2.tsv` + `dev_v2.tsv`",
     'Official READMEs: "These datasets are free for general research use."'),
    ("claimbuster", "ClaimBuster two-class `claimbuster/train.json` (dev rows removed) + the "
     "`kfold_25ncs.csv` rows whose sentence_id is not in train.json",
     "Repository: GPL-3.0 (covers the repository). The original ClaimBuster dataset (Arslan et "
     "al. 2020, Zenodo) is distributed separately; its license was not checked."),
]
COMMERCIAL_USE = (
    "Not cleared. The CLEF CheckThat! sets are licensed \"free for general research use\" and "
    "grant nothing for commercial use; the ClaimBuster repository's GPL-3.0 permits commercial "
    "use under its copyleft terms, but whether trained weights are a derivative work, and the "
    "license of the original ClaimBuster dataset, were not checked. Treat the model as "
    "research-only unless the data owners agree otherwise.")

_BASE_RATE_NOTE = ("The mix has a higher positive rate than a debate transcript, so on CLEF "
                   "debates (about 2% check-worthy) the probabilities run high: rank by them, or "
                   "recalibrate for a new base rate. No context: each sentence is scored alone.")


def write_card(folder: str | Path) -> Path:
    """Write the model card (README.md) of a trained folder from its metrics.json."""
    d = Path(folder)
    m = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    names = {"tfidf_lr": "TF-IDF (1-2 grams) + LR, all training data",
             "tfidf_lr_capped": "TF-IDF + LR, the encoder's training sample",
             "encoder_lr": "MiniLM mean-pooled embeddings + LR",
             "finetuned": "MiniLM fine-tuned (2-label sequence classifier)"}

    def ece(r: dict[str, Any], key: str) -> str:
        return f"{r[key]:.3f}" if key in r else "n/a"

    def speed(r: dict[str, Any]) -> str:
        return f"{r['dev_sentences_per_second']:,.0f}" if "dev_sentences_per_second" in r else "n/a"

    rows = [f"| {names.get(k, k)}{' (default)' if k == m['default'] else ''} | {r['train_rows']:,} "
            f"| {r['claimbuster_dev_f1_class1']:.3f} | {r['clef2019_dev_map']:.3f} "
            f"| {ece(r, 'claimbuster_dev_ece')} | {ece(r, 'clef2019_dev_ece')} | {speed(r)} |"
            for k, r in m["results"].items()]
    ref = m["reference"]
    kind = m["default"]
    if kind == "finetuned":
        r = m["results"]["finetuned"]
        ftc = m["config"]["finetune"]
        what = (f"`{ftc['base_model']}` fine-tuned as a 2-label `AutoModelForSequenceClassification` "
                f"(kind `finetuned`), stored as `model.safetensors` ({ftc['save_dtype']}) + "
                "tokenizer + `config.json` + `model.json`; no pickle. P(check-worthy) = "
                "sigmoid((logit_check-worthy - logit_other) / T) with the temperature "
                f"T = {r['temperature']} from `model.json`.")
        recipe = _soup_recipe(m, r, ftc) if "members" in r else (
                  f"\n\nRecipe: every positive and, per source, at most {ftc['neg_per_pos']} "
                  f"negatives per positive (seeded); {r['train_rows']:,} rows trained "
                  f"({r['train_positive']:,} check-worthy), {ftc['epochs']} epochs, lr "
                  f"{ftc['lr']}, batch {ftc['batch_size']}, max_length {ftc['max_length']}, "
                  f"{r['precision']}; {r['train_seconds_this_run']:,.0f} s of training on "
                  f"{m['hardware']} ({r['rows_per_second']} rows/s). The temperature is fitted "
                  f"(NLL) on a seeded {ftc['calibration_fraction']:.0%} carve of the same "
                  f"training mix ({r['calibration_rows']:,} rows, ECE after scaling "
                  f"{r['calibration_ece']:.3f}), never on a dev set. " + _BASE_RATE_NOTE)
        what = what.replace("fine-tuned as", "fine-tuned (a soup of fine-tunes, below) as") \
            if "members" in r else what
    else:
        what = (f"a logistic regression, kind `{kind}`, stored as `model.json` + "
                "`weights.safetensors` (+ `vocabulary.json` for TF-IDF); no pickle.")
        recipe = ""
    srcs = m.get("train_sources", {})
    data_rows = [f"| {desc} | {srcs.get(key, {}).get('positive', 'n/a')} / "
                 f"{srcs.get(key, {}).get('negative', 'n/a')} | {lic} |"
                 for key, desc, lic in DATA_LICENSES]
    text = f"""# {d.name}

P(check-worthy) of a sentence: {what}
Trained by `claimcheck train checkworthy --config {m.get('config_file', DEFAULT_TRAIN_CONFIG)}`
(seed {m['seed']}).{recipe}

## Data

| training set | check-worthy / other (after dedup) | license |
|---|---|---|
{chr(10).join(data_rows)}

{m['train_rows']:,} training sentences ({m['train_positive']:,} check-worthy) after removing every
text that occurs in a dev split{' or a blocked benchmark carve' if 'blocked' in m['dev'] else ''}
and duplicates across sources.

**Commercial use:** {COMMERCIAL_USE}

Dev: ClaimBuster - {m['dev']['claimbuster']}; CLEF-2019 - {m['dev']['clef2019']}.

## Metrics (dev)

| model | train rows | ClaimBuster F1 (class 1) | CLEF-2019 MAP (per debate) \
| ClaimBuster ECE | CLEF-2019 ECE | dev sentences/s |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}
| ClaimBuster, published: {ref.get('claimbuster_published_note', '')} | | n/a | | | | |
| CheckThat! 2019 best primary run (official test) | | | {ref['checkthat2019_best_map']:.3f} | | | |

MAP: scikit-learn average precision per debate (a tie block gives no free credit), averaged over
debates. ECE: P(check-worthy) in 10 equal-width bins. Published numbers are on official test sets,
these on carved dev splits: indicative only.
"""
    (d / "README.md").write_text(text, encoding="utf-8")
    return d / "README.md"


def _soup_recipe(m: dict[str, Any], r: dict[str, Any], ftc: dict[str, Any]) -> str:
    """The recipe paragraph and members table of a model soup."""
    rows = "\n".join(
        f"| m{i} | {', '.join(f'{k}: {v}' for k, v in sorted(x['changes'].items())) or '(none)'} "
        f"| {x['train_rows']:,} | {x['train_seconds']:,.0f} | {x['claimbuster_dev_f1_class1']:.3f} "
        f"| {x['clef2019_dev_map']:.3f} |" for i, x in enumerate(r["members"]))
    return (f"\n\nRecipe: a uniform model soup (Wortsman et al. 2022): {len(r['members'])} "
            f"fine-tunes of the same base, each on every positive and, per source, at most "
            f"{ftc['neg_per_pos']} negatives per positive (seeded), {ftc['epochs']} epochs, lr "
            f"{ftc['lr']}, batch {ftc['batch_size']}, max_length {ftc['max_length']}, with the "
            f"config keys below changed; the saved weights are the mean of theirs, so the soup "
            f"scores as fast as one member. {r['train_seconds_this_run']:,.0f} s of training in "
            f"all on {m['hardware']}. The temperature is fitted (NLL) on the "
            f"{r['calibration_rows']:,} rows of a seeded {ftc['calibration_fraction']:.0%} carve "
            f"of the training mix that no member trained on ({r['calibration_rows_dropped']:,} "
            f"dropped; ECE after scaling {r['calibration_ece']:.3f}), never on a dev set. "
            + _BASE_RATE_NOTE + "\n\n"
            "| member | config keys changed | train rows | train s | ClaimBuster dev F1 "
            "| CLEF-2019 dev MAP |\n|---|---|---|---|---|---|\n" + rows)
