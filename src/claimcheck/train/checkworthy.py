"""Training of the check-worthiness model (``claimcheck train checkworthy``): data loading from
CLEF CheckThat! and ClaimBuster, the TF-IDF and encoder logistic regressions, metrics and the model
card. Inference is :mod:`claimcheck.claims.checkworthy`."""

from __future__ import annotations

import csv
import json
import logging
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from claimcheck.claims.checkworthy import load_model, tfidf_params
from claimcheck.config import Strict, load_config
from claimcheck.errors import DataError
from claimcheck.ranking import average_precision
from claimcheck.text.encoder import Encoder

log = logging.getLogger(__name__)

DEFAULT_TRAIN_CONFIG = "configs/train/checkworthy.yaml"

# Published reference points the dev numbers are compared with.
# ClaimBuster (Meng et al. 2020, the claimbuster-spotter paper): their models are scored on their
# own test split; the exact CFS F1 could not be checked offline, so it is recorded as a note.
CLAIMBUSTER_PUBLISHED_F1: float | None = None
CLAIMBUSTER_PUBLISHED_NOTE = ("Meng et al. 2020 (arXiv 2002.07725), adversarial transformer on the "
                              "ClaimBuster test split: figure not verified offline, compare by hand")
CHECKTHAT2019_BEST_MAP = 0.166  # CLEF CheckThat! 2019 task 1, best primary run (Copenhagen)



# ---------------------------------------------------------------------------------------------
# Training config and data


class TfidfConfig(Strict):
    ngram_range: tuple[int, int] = (1, 2)
    min_df: int = Field(2, ge=1)
    max_features: int = Field(30000, ge=100)
    sublinear_tf: bool = True


class CheckworthyTrainConfig(Strict):
    data_root: str = "../shared/data/checkworthiness"
    model: Literal["tfidf_lr", "encoder_lr"] = "tfidf_lr"
    compare: bool = Field(True, description="also fit and measure the other feature set")
    clef2019_dev_debates: list[str] = ["20160209_msnbc_dem.tsv", "20170928_trump_tax.tsv",
                                       "20180916_trump_miami.tsv"]
    claimbuster_dev_fraction: float = Field(0.1, gt=0, lt=1)
    use_claimbuster_kfold: bool = True
    use_covid_tweets: bool = True
    seed: int = 13
    C: float = Field(1.0, gt=0)
    class_weight: Literal["balanced"] | None = "balanced"
    tfidf: TfidfConfig = TfidfConfig()
    encoder: str = "default"
    encoder_max_length: int = Field(64, ge=8)
    encoder_cap: int = Field(15000, ge=100, description="sentences embedded in all (train + dev)")
    threads: int | None = Field(None, ge=1)
    output_dir: str = "src/claimcheck/models/checkworthy-v1"


@dataclass
class _Rows:
    text: list[str]
    label: list[int]
    group: list[str]  # source / debate, for MAP per debate


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip().lower())


def _read_debates(folder: Path, files: list[Path]) -> list[tuple[str, str, int]]:
    rows = []
    for f in files:
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 4 and parts[3].strip() in ("0", "1"):
                    rows.append((f.name, parts[2], int(parts[3])))
    if not rows:
        raise DataError(f"No debate rows read from {str(folder)!r}; expected TSV "
                        "line_number, speaker, text, label.")
    return rows


def load_splits(cfg: CheckworthyTrainConfig) -> tuple[_Rows, _Rows, _Rows]:
    """Return (train, claimbuster_dev, clef2019_dev), deduplicated so no dev text is trained on."""
    root = Path(cfg.data_root)
    c19 = root / "clef2019_task1" / "training"
    c20 = root / "clef2020" / "task5_debates_en" / "training"
    cb = root / "claimbuster"
    for p in (c19, c20, cb):
        if not p.is_dir():
            raise DataError(f"Check-worthiness data folder {str(p)!r} is missing. Set data_root "
                            "in the training config to the folder holding claimbuster/ and clef*/.")
    missing = [n for n in cfg.clef2019_dev_debates if not (c19 / n).is_file()]
    if missing:
        raise DataError(f"clef2019_dev_debates names unknown transcripts {missing}; options: "
                        f"{sorted(p.name for p in c19.glob('*.tsv'))}.")
    dev_names = set(cfg.clef2019_dev_debates)
    c19_all = _read_debates(c19, sorted(c19.glob("*.tsv")))
    clef_dev = _Rows([], [], [])
    for g, t, y in c19_all:
        if g in dev_names:
            clef_dev.text.append(t), clef_dev.label.append(y), clef_dev.group.append(g)

    cb_train = json.loads((cb / "train.json").read_text(encoding="utf-8"))
    ids = sorted(r["sentence_id"] for r in cb_train)
    rng = random.Random(cfg.seed)
    dev_ids = set(rng.sample(ids, round(len(ids) * cfg.claimbuster_dev_fraction)))
    cb_dev = _Rows([], [], [])
    for r in cb_train:
        if r["sentence_id"] in dev_ids:
            cb_dev.text.append(r["text"]), cb_dev.label.append(int(r["label"]))
            cb_dev.group.append("claimbuster")

    cands: list[tuple[str, str, int]] = [(g, t, y) for g, t, y in c19_all if g not in dev_names]
    cands += [("claimbuster", r["text"], int(r["label"])) for r in cb_train
              if r["sentence_id"] not in dev_ids]
    if cfg.use_claimbuster_kfold:
        seen_ids = {r["sentence_id"] for r in cb_train}
        with (cb / "kfold_25ncs.csv").open(encoding="utf-8", newline="") as fh:
            cands += [("claimbuster", r["text"], int(r["label"])) for r in csv.DictReader(fh)
                      if int(r["sentence_id"]) not in seen_ids]
    cands += [("clef2020", t, y) for _, t, y in _read_debates(c20, sorted(c20.glob("*.tsv")))]
    if cfg.use_covid_tweets:
        tw = root / "clef2020" / "task1_covid_tweets_en"
        for name in ("training_v2.tsv", "dev_v2.tsv"):
            with (tw / name).open(encoding="utf-8", newline="") as fh:
                rd = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
                cands += [("covid_tweets", r["tweet_text"], int(r["check_worthiness"])) for r in rd]

    blocked = {_norm(t) for t in clef_dev.text} | {_norm(t) for t in cb_dev.text}
    train, seen = _Rows([], [], []), set()
    for g, t, y in cands:
        k = _norm(t)
        if not k or k in blocked or k in seen:
            continue
        seen.add(k)
        train.text.append(t), train.label.append(y), train.group.append(g)
    log.info("check-worthiness data: train %d (%d positive), claimbuster dev %d, clef2019 dev %d",
             len(train.text), sum(train.label), len(cb_dev.text), len(clef_dev.text))
    return train, cb_dev, clef_dev


def _metrics(p_cb: np.ndarray, cb: _Rows, p_clef: np.ndarray, clef: _Rows) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_score, recall_score

    y = np.array(cb.label)
    pred = (p_cb >= 0.5).astype(int)
    aps = {}
    for g in sorted(set(clef.group)):
        m = np.array([x == g for x in clef.group])
        aps[g] = average_precision(np.array(clef.label)[m], p_clef[m])
    return {
        "claimbuster_dev_f1_class1": float(f1_score(y, pred)),
        "claimbuster_dev_precision_class1": float(precision_score(y, pred, zero_division=0)),
        "claimbuster_dev_recall_class1": float(recall_score(y, pred)),
        "clef2019_dev_map": float(np.mean(list(aps.values()))),
        "clef2019_dev_ap_per_debate": aps,
    }


def _fit_lr(x, y, cfg: CheckworthyTrainConfig):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=cfg.C, class_weight=cfg.class_weight, max_iter=2000,
                              random_state=cfg.seed).fit(x, y)


def _capped_sample(train: _Rows, n: int, seed: int) -> _Rows:
    """All positives (up to n/3) and random negatives up to ``n`` rows, seeded."""
    rng = random.Random(seed)
    pos = [i for i, y in enumerate(train.label) if y == 1]
    neg = [i for i, y in enumerate(train.label) if y == 0]
    pos = rng.sample(pos, min(len(pos), n // 3))
    idx = sorted(pos + rng.sample(neg, min(len(neg), n - len(pos))))
    return _Rows([train.text[i] for i in idx], [train.label[i] for i in idx],
                 [train.group[i] for i in idx])


def train(config_path: str | Path, overrides: list[str] | None = None) -> Path:
    """Train the check-worthiness model from a YAML config; write the artifact and metrics.json.

    Both feature sets are measured when ``compare`` is true; ``model`` picks the one saved.
    Returns the output folder.
    """
    from safetensors.numpy import save_file
    from sklearn.feature_extraction.text import TfidfVectorizer

    cfg = load_config(CheckworthyTrainConfig, config_path, overrides)
    if cfg.threads:
        import torch

        torch.set_num_threads(cfg.threads)
    t0 = time.time()
    tr, cb, clef = load_splits(cfg)
    results: dict[str, Any] = {}
    fitted: dict[str, Any] = {}
    kinds = ["tfidf_lr", "encoder_lr"] if cfg.compare else [cfg.model]
    dev_n = len(cb.text) + len(clef.text)
    small = _capped_sample(tr, max(100, cfg.encoder_cap - dev_n), cfg.seed)
    if "tfidf_lr" in kinds:
        for tag, rows in (("tfidf_lr", tr), ("tfidf_lr_capped", small)):
            vec = TfidfVectorizer(min_df=cfg.tfidf.min_df, max_features=cfg.tfidf.max_features,
                                  **tfidf_params(cfg.tfidf))
            lr = _fit_lr(vec.fit_transform(rows.text), rows.label, cfg)
            p_cb = lr.predict_proba(vec.transform(cb.text))[:, 1]
            p_clef = lr.predict_proba(vec.transform(clef.text))[:, 1]
            results[tag] = {"train_rows": len(rows.text), **_metrics(p_cb, cb, p_clef, clef)}
            fitted[tag] = (vec, lr)
            log.info("%s: %s", tag, {k: v for k, v in results[tag].items() if "per" not in k})
    if "encoder_lr" in kinds:
        enc = Encoder(cfg.encoder, max_length=cfg.encoder_max_length)
        te = time.time()
        x = enc.encode(small.text)
        e_cb, e_clef = enc.encode(cb.text), enc.encode(clef.text)
        lr = _fit_lr(x, small.label, cfg)
        results["encoder_lr"] = {"train_rows": len(small.text),
                                 "embed_seconds": round(time.time() - te, 1),
                                 **_metrics(lr.predict_proba(e_cb)[:, 1], cb,
                                            lr.predict_proba(e_clef)[:, 1], clef)}
        fitted["encoder_lr"] = (enc, lr)
        log.info("encoder_lr: %s", results["encoder_lr"])

    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("vocabulary.json",):
        (out / stale).unlink(missing_ok=True)
    feat, lr = fitted[cfg.model]
    meta: dict[str, Any] = {"kind": cfg.model, "version": "checkworthy-v1",
                            "labels": {"1": "check-worthy"}}
    weights = {"coef": lr.coef_[0].astype(np.float32),
               "intercept": np.array([lr.intercept_[0]], dtype=np.float32)}
    if cfg.model == "tfidf_lr":
        meta["tfidf"] = cfg.tfidf.model_dump()
        weights["idf"] = feat.idf_.astype(np.float32)
        vocab = {k: int(v) for k, v in sorted(feat.vocabulary_.items(), key=lambda kv: kv[1])}
        (out / "vocabulary.json").write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
    else:
        meta["encoder"], meta["max_length"] = cfg.encoder, cfg.encoder_max_length
    save_file(weights, str(out / "weights.safetensors"))
    (out / "model.json").write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
    metrics = {
        "default": cfg.model, "config": cfg.model_dump(mode="json"), "seed": cfg.seed,
        "dev": {"claimbuster": f"seeded {cfg.claimbuster_dev_fraction:.0%} of train.json "
                f"({len(cb.text)} rows)",
                "clef2019": f"held-out debates {cfg.clef2019_dev_debates} ({len(clef.text)} rows)"},
        "train_rows": len(tr.text), "train_positive": int(sum(tr.label)),
        "reference": {"claimbuster_published_f1_class1": CLAIMBUSTER_PUBLISHED_F1,
                      "claimbuster_published_note": CLAIMBUSTER_PUBLISHED_NOTE,
                      "checkthat2019_best_map": CHECKTHAT2019_BEST_MAP},
        "results": results, "seconds": round(time.time() - t0, 1),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", "utf-8")
    write_card(out)
    load_model.cache_clear()
    return out


def write_card(folder: str | Path) -> Path:
    """Write the model card (README.md) of a trained folder from its metrics.json."""
    d = Path(folder)
    m = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    names = {"tfidf_lr": "TF-IDF (1-2 grams) + LR, all training data",
             "tfidf_lr_capped": "TF-IDF + LR, the encoder's training sample",
             "encoder_lr": "MiniLM mean-pooled embeddings + LR"}
    rows = [f"| {names.get(k, k)}{' (default)' if k == m['default'] else ''} | {r['train_rows']:,} "
            f"| {r['claimbuster_dev_f1_class1']:.3f} | {r['clef2019_dev_map']:.3f} |"
            for k, r in m["results"].items()]
    ref = m["reference"]
    text = f"""# checkworthy-v1

P(check-worthy) of a sentence: a logistic regression, kind `{m['default']}`, stored as
`model.json` + `weights.safetensors` (+ `vocabulary.json` for TF-IDF); no pickle.
Trained by `claimcheck.train.checkworthy.train("configs/train/checkworthy.yaml")` (seed {m['seed']}).

## Data

CLEF CheckThat! 2019 task 1 training, CLEF 2020 task 5 training + task 1 English tweets, ClaimBuster
2-class `train.json` + the k-fold pool rows not in it (licenses: CLEF "free for general research
use"; ClaimBuster repository GPL-3.0). {m['train_rows']:,} training sentences
({m['train_positive']:,} check-worthy) after removing every text that occurs in a dev split and
duplicates across sources.

Dev: ClaimBuster - {m['dev']['claimbuster']}; CLEF-2019 - {m['dev']['clef2019']}.

## Metrics (dev)

| model | train rows | ClaimBuster F1 (class 1) | CLEF-2019 MAP (per debate) |
|---|---|---|---|
{chr(10).join(rows)}
| ClaimBuster, published: {ref.get('claimbuster_published_note', '')} | | n/a | |
| CheckThat! 2019 best primary run (official test) | | | {ref['checkthat2019_best_map']:.3f} |

Published numbers are on official test sets, these on carved dev splits: indicative only.
"""
    (d / "README.md").write_text(text, encoding="utf-8")
    return d / "README.md"
