"""Training of the check-worthiness model (``claimcheck train checkworthy``): data loading from
CLEF CheckThat! and ClaimBuster, the TF-IDF and encoder logistic regressions, the fine-tuned
classifier (:mod:`claimcheck.train.checkworthy_finetune`), metrics and the model card.
Inference is :mod:`claimcheck.claims.checkworthy`."""

from __future__ import annotations

import csv
import json
import logging
import os
import platform
import random
import re
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.bench.metrics import reliability
from claimcheck.claims.checkworthy import load_model, tfidf_params
from claimcheck.config import load_config
from claimcheck.errors import DataError
from claimcheck.ranking import average_precision
from claimcheck.text.encoder import Encoder
from claimcheck.train.config import BenchmarkDev, CheckworthyTrainConfig
from claimcheck.train.data import SentenceRows

log = logging.getLogger(__name__)


# Published reference points the dev numbers are compared with.
# ClaimBuster (Meng et al. 2020, the claimbuster-spotter paper): their models are scored on their
# own test split; the exact CFS F1 could not be checked offline, so it is recorded as a note.
CLAIMBUSTER_PUBLISHED_F1: float | None = None
CLAIMBUSTER_PUBLISHED_NOTE = ("Meng et al. 2020 (arXiv 2002.07725), adversarial transformer on the "
                              "ClaimBuster test split: figure not verified offline, compare by hand")
CHECKTHAT2019_BEST_MAP = 0.166  # CLEF CheckThat! 2019 task 1, best primary run (Copenhagen)



# ---------------------------------------------------------------------------------------------
# Training config and data


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


def load_splits(cfg: CheckworthyTrainConfig) -> tuple[SentenceRows, SentenceRows, SentenceRows]:
    """Return (train, claimbuster_dev, clef2019_dev), deduplicated so no dev text is trained on."""
    root = Path(cfg.data_root)
    c19 = root / "clef2019_task1" / "training"
    c20 = root / "clef2020" / "task5_debates_en" / "training"
    cb = root / "claimbuster"
    for p in (c19, c20, cb):
        if not p.is_dir():
            raise DataError(f"Check-worthiness data folder {str(p)!r} is missing. Set data_root "
                            "in the training config to the folder holding claimbuster/ and clef*/.")
    c19_all = _read_debates(c19, sorted(c19.glob("*.tsv")))
    cb_train = json.loads((cb / "train.json").read_text(encoding="utf-8"))
    extra_blocked: set[str] = set()
    if cfg.dev_from_benchmarks is not None:
        cb_dev, clef_dev, extra_blocked = _benchmark_dev(cfg.dev_from_benchmarks)
        dev_names = {f"{g}.tsv" for g in clef_dev.group}
        dev_ids = {r["sentence_id"] for r in cb_train} & {int(i) for i in cb_dev.group}
        cb_dev.group[:] = ["claimbuster"] * len(cb_dev.text)
    else:
        missing = [n for n in cfg.clef2019_dev_debates if not (c19 / n).is_file()]
        if missing:
            raise DataError(f"clef2019_dev_debates names unknown transcripts {missing}; options: "
                            f"{sorted(p.name for p in c19.glob('*.tsv'))}.")
        dev_names = set(cfg.clef2019_dev_debates)
        clef_dev = SentenceRows([], [], [])
        for g, t, y in c19_all:
            if g in dev_names:
                clef_dev.text.append(t), clef_dev.label.append(y), clef_dev.group.append(g)
        ids = sorted(r["sentence_id"] for r in cb_train)
        rng = random.Random(cfg.seed)
        dev_ids = set(rng.sample(ids, round(len(ids) * cfg.claimbuster_dev_fraction)))
        cb_dev = SentenceRows([], [], [])
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

    blocked = {_norm(t) for t in clef_dev.text} | {_norm(t) for t in cb_dev.text} | extra_blocked
    train, seen = SentenceRows([], [], []), set()
    for g, t, y in cands:
        k = _norm(t)
        if not k or k in blocked or k in seen:
            continue
        seen.add(k)
        train.text.append(t), train.label.append(y), train.group.append(g)
    log.info("check-worthiness data: train %d (%d positive), claimbuster dev %d, clef2019 dev %d",
             len(train.text), sum(train.label), len(cb_dev.text), len(clef_dev.text))
    return train, cb_dev, clef_dev


def _benchmark_dev(bd: BenchmarkDev) -> tuple[SentenceRows, SentenceRows, set[str]]:
    """ClaimBuster dev (group = sentence id), CLEF-2019 dev (group = debate) and the normalized
    texts of the ``block`` benchmarks' held-out rows, all from the benchmark carves."""
    from claimcheck.bench.runner import held_out

    def rows(config: str, group: str) -> SentenceRows:
        ex = held_out(config).examples
        return SentenceRows([e["text"] for e in ex], [int(e["label"]) for e in ex],
                     [str(e[group]) for e in ex])

    cb, clef = rows(bd.claimbuster, "id"), rows(bd.clef2019, "group")
    blocked = {_norm(e["text"]) for c in bd.block for e in held_out(c).examples}
    return cb, clef, blocked


def _metrics(p_cb: np.ndarray, cb: SentenceRows, p_clef: np.ndarray,
             clef: SentenceRows) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_score, recall_score

    y = np.array(cb.label)
    pred = (p_cb >= 0.5).astype(int)
    aps = {}
    for g in sorted(set(clef.group)):
        m = np.array([x == g for x in clef.group])
        aps[g] = average_precision(np.array(clef.label)[m], p_clef[m])
    rel_cb, rel_clef = reliability(y, p_cb), reliability(clef.label, p_clef)
    return {
        "claimbuster_dev_f1_class1": float(f1_score(y, pred)),
        "claimbuster_dev_precision_class1": float(precision_score(y, pred, zero_division=0)),
        "claimbuster_dev_recall_class1": float(recall_score(y, pred)),
        "clef2019_dev_map": float(np.mean(list(aps.values()))),
        "clef2019_dev_ap_per_debate": aps,
        "claimbuster_dev_ece": rel_cb["ece"], "clef2019_dev_ece": rel_clef["ece"],
        "claimbuster_dev_reliability": rel_cb["bins"], "clef2019_dev_reliability": rel_clef["bins"],
    }


def _fit_lr(x, y, cfg: CheckworthyTrainConfig):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=cfg.C, class_weight=cfg.class_weight, max_iter=2000,
                              random_state=cfg.seed).fit(x, y)


def _capped_sample(train: SentenceRows, n: int, seed: int) -> SentenceRows:
    """All positives (up to n/3) and random negatives up to ``n`` rows, seeded."""
    rng = random.Random(seed)
    pos = [i for i, y in enumerate(train.label) if y == 1]
    neg = [i for i, y in enumerate(train.label) if y == 0]
    pos = rng.sample(pos, min(len(pos), n // 3))
    idx = sorted(pos + rng.sample(neg, min(len(neg), n - len(pos))))
    return SentenceRows([train.text[i] for i in idx], [train.label[i] for i in idx],
                 [train.group[i] for i in idx])


def _soup(config_path: str | Path, overrides: list[str] | None, cfg: CheckworthyTrainConfig,
          out: Path, cal: SentenceRows) -> tuple[dict[str, Any], SentenceRows]:
    """Train (or reuse) every soup member, then average them into ``out``
    (:mod:`claimcheck.train.checkworthy_soup`); returns the facts and the calibration rows that
    no member trained on."""
    from claimcheck.train import checkworthy_soup as soup
    from claimcheck.train.checkworthy_finetune import carve, sample_pool

    members, seen = [], set()
    for i in range(len(cfg.soup)):
        ov = soup.member_overrides(cfg, overrides, i)
        mcfg = load_config(CheckworthyTrainConfig, config_path, ov)
        folder = Path(mcfg.output_dir)
        if soup.same_recipe(folder, mcfg):
            log.info("soup member %d/%d: reusing %s (same recipe)", i + 1, len(cfg.soup), folder)
        else:
            log.info("soup member %d/%d: training %s with %s", i + 1, len(cfg.soup), folder,
                     cfg.soup[i])
            train(config_path, ov)
        members.append((mcfg, folder))
        fit, _ = carve(sample_pool(load_splits(mcfg)[0], mcfg.finetune.neg_per_pos, mcfg.seed),
                       mcfg.finetune.calibration_fraction, mcfg.seed)
        seen |= {_norm(t) for t in fit.text}
    return soup.assemble(members, cfg.soup, out, cal, seen, _norm)


_HF_FILES = ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
             "special_tokens_map.json", "vocab.txt")


def train(config_path: str | Path, overrides: list[str] | None = None) -> Path:
    """Train the check-worthiness model from a YAML config; write the artifact and metrics.json.

    With ``compare`` both logistic regressions are measured too (and the fine-tuned model when
    ``model`` is ``finetuned``), on the same dev rows; ``model`` picks the one saved.
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
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    fitted: dict[str, Any] = {}
    kinds = ["tfidf_lr", "encoder_lr"] if cfg.compare else [cfg.model]
    if cfg.compare and cfg.model == "finetuned":
        kinds.append("finetuned")
    dev_n = len(cb.text) + len(clef.text)
    small = _capped_sample(tr, max(100, cfg.encoder_cap - dev_n), cfg.seed)

    def record(tag: str, n_train: int, predict, **extra: Any) -> None:
        td = time.time()
        p_cb, p_clef = predict(cb.text), predict(clef.text)
        speed = dev_n / max(time.time() - td, 1e-9)
        results[tag] = {"train_rows": n_train, **extra,
                        "dev_sentences_per_second": round(speed, 1),
                        **_metrics(p_cb, cb, p_clef, clef)}
        log.info("%s: %s", tag, {k: v for k, v in results[tag].items()
                                 if "per" not in k and "reliab" not in k})

    if "tfidf_lr" in kinds:
        for tag, rows in (("tfidf_lr", tr), ("tfidf_lr_capped", small)):
            vec = TfidfVectorizer(min_df=cfg.tfidf.min_df, max_features=cfg.tfidf.max_features,
                                  **tfidf_params(cfg.tfidf))
            lr = _fit_lr(vec.fit_transform(rows.text), rows.label, cfg)
            record(tag, len(rows.text),
                   lambda t, vec=vec, lr=lr: lr.predict_proba(vec.transform(t))[:, 1])
            fitted[tag] = (vec, lr)
    if "finetuned" in kinds:
        from claimcheck.claims.checkworthy import FinetunedCheckworthy
        from claimcheck.train.checkworthy_finetune import calibrate, carve, fine_tune, sample_pool

        ft = cfg.finetune
        pool = sample_pool(tr, ft.neg_per_pos, cfg.seed)
        fit, cal = carve(pool, ft.calibration_fraction, cfg.seed)
        for stale in ("weights.safetensors", "vocabulary.json"):
            (out / stale).unlink(missing_ok=True)
        if cfg.soup:
            facts, cal = _soup(config_path, overrides, cfg, out, cal)
            n_fit = max(m["train_rows"] for m in facts["members"])
        else:
            facts, n_fit = fine_tune(cfg, fit, out), len(fit.text)
        temperature, p_cal = calibrate(out, cal, ft.max_length)
        clf = FinetunedCheckworthy(out, temperature=temperature, max_length=ft.max_length).load()
        rel = reliability(cal.label, p_cal)
        record("finetuned", n_fit, clf.predict_proba, train_positive=int(sum(fit.label)),
               temperature=temperature, calibration_rows=len(cal.text),
               calibration_ece=rel["ece"], calibration_reliability=rel["bins"], **facts)
        fitted["finetuned"] = clf
    if "encoder_lr" in kinds:
        enc = Encoder(cfg.encoder, max_length=cfg.encoder_max_length)
        te = time.time()
        x = enc.encode(small.text)
        embed = time.time() - te
        lr = _fit_lr(x, small.label, cfg)
        record("encoder_lr", len(small.text),
               lambda t, lr=lr: lr.predict_proba(enc.encode(t))[:, 1],
               embed_seconds=round(embed, 1))
        fitted["encoder_lr"] = (enc, lr)

    meta: dict[str, Any] = {"kind": cfg.model, "version": out.name,
                            "labels": {"1": "check-worthy"}}
    if cfg.model == "finetuned":
        meta.update(base_model=cfg.finetune.base_model, max_length=cfg.finetune.max_length,
                    temperature=results["finetuned"]["temperature"],
                    positive_label="check-worthy")
        shutil.rmtree(out / "checkpoint", ignore_errors=True)
    else:
        for stale in ("vocabulary.json", *_HF_FILES):
            (out / stale).unlink(missing_ok=True)
        feat, lr = fitted[cfg.model]
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
    if cfg.dev_from_benchmarks is not None:
        bd = cfg.dev_from_benchmarks
        dev = {"claimbuster": f"held-out carve of {bd.claimbuster} ({len(cb.text)} rows)",
               "clef2019": f"held-out debates of {bd.clef2019}: {sorted(set(clef.group))} "
                           f"({len(clef.text)} rows)",
               "blocked": [f"held-out rows of {b}" for b in bd.block]}
    else:
        dev = {"claimbuster": f"seeded {cfg.claimbuster_dev_fraction:.0%} of train.json "
               f"({len(cb.text)} rows)",
               "clef2019": f"held-out debates {cfg.clef2019_dev_debates} ({len(clef.text)} rows)"}
    sources: dict[str, list[int]] = {}
    for g, y in zip(tr.group, tr.label, strict=True):
        c = sources.setdefault("clef2019" if g.endswith(".tsv") else g, [0, 0])
        c[y] += 1
    metrics = {
        "default": cfg.model, "config": cfg.model_dump(mode="json"),
        "config_file": str(config_path), "overrides": list(overrides or []), "seed": cfg.seed,
        "dev": dev, "dev_positive_rate": {
            "claimbuster": round(float(np.mean(cb.label)), 4),
            "clef2019_mean_per_debate": round(float(np.mean(
                [np.mean([y for y, g2 in zip(clef.label, clef.group, strict=True) if g2 == g])
                 for g in sorted(set(clef.group))])), 4)},
        "train_rows": len(tr.text), "train_positive": int(sum(tr.label)),
        "train_sources": {k: {"negative": v[0], "positive": v[1]}
                          for k, v in sorted(sources.items())},
        "hardware": f"{platform.machine()}, {os.cpu_count()} CPU cores, torch threads "
                    f"{cfg.threads or 'default'}",
        "reference": {"claimbuster_published_f1_class1": CLAIMBUSTER_PUBLISHED_F1,
                      "claimbuster_published_note": CLAIMBUSTER_PUBLISHED_NOTE,
                      "checkthat2019_best_map": CHECKTHAT2019_BEST_MAP},
        "results": results, "seconds": round(time.time() - t0, 1),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", "utf-8")
    from claimcheck.train.checkworthy_card import write_card

    write_card(out)
    load_model.cache_clear()
    return out
