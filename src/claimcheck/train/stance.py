"""``claimcheck train stance``: the target-agnostic stance model (favor / against / none toward any
target), the default of ``report.stances``.

The model is the NLI judge fine-tuned further on stance rows turned into NLI pairs against the same
templates :mod:`claimcheck.quotes.stance` scores with, so inference is unchanged: for a row
(text, target, stance), a seeded choice puts it in the *quote form* (premise ``"{speaker} said:
{text}"``, hypothesis ``"{speaker} supports {target}."`` or ``"… opposes …"``, with a speaker from
``speakers``) or the *text form* (premise = the text, speaker "The author"). The label is
entailment when the stance matches the hypothesis, contradiction when it is the opposite, neutral
for *none*. Sets without a *none* class (P-Stance, PERSPECTRUM) are trained three-way: every row
of theirs takes a side, so *neutral* is a wrong answer for it (``mask_two_way: true`` masks
their neutral logit instead, as for SUPPORTS/REFUTES NLI sets: stance-minilm-v1's recipe, whose
model then answered *none* for nearly every SemEval-2016 tweet). ``unrelated_none`` more
rows pair a text with another set's target (neutral).

Data is read through benchmark configs (:func:`claimcheck.bench.runner.training_part`), so no row
a benchmark scores is trained on. After training, the ``dev`` benchmark configs are run with the new
model and their numbers go into ``metrics.json`` and the model card.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import random
import re
import time
from collections import Counter
from pathlib import Path

from claimcheck.config import file_sha256, load_config
from claimcheck.errors import DataError
from claimcheck.quotes.stance import StanceConfig
from claimcheck.train.card import trained_meta
from claimcheck.train.config import DEFAULT_STANCE_CONFIG, StanceSet, StanceTrainConfig
from claimcheck.train.data import LABEL2ID, Pair, write_jsonl

log = logging.getLogger(__name__)

STANCES = ("favor", "against", "none")


def _rng(seed: int, key: str) -> random.Random:
    return random.Random(int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:16], 16))


def _seeded_order(rows, seed: int) -> list[dict]:
    """``rows`` in a seeded order of their ids (the same for any input order)."""
    return sorted(rows, key=lambda r: hashlib.sha256(f"{seed}:{r['id']}".encode()).hexdigest())


def _sentences(text: str) -> list[str]:
    """The sentences of 8 to 60 words of ``text`` (whitespace collapsed)."""
    return [x.strip() for x in _SENTENCE_END.split(" ".join(text.split()))
            if 8 <= len(x.split()) <= 60]


def _set_examples(spec: StanceSet) -> list[dict]:
    """The training part of a set's benchmark, without ``drop_texts_of`` texts and
    ``drop_targets`` targets."""
    from claimcheck.bench.runner import held_out, training_part

    dropped = {e["text"].strip() for other in spec.drop_texts_of
               for e in held_out(other).examples}
    gone = {t.strip().lower() for t in spec.drop_targets}
    return [e for e in training_part(spec.benchmark).examples
            if e["text"].strip() not in dropped
            and (e.get("target") or "").strip().lower() not in gone]


def stance_rows(cfg: StanceTrainConfig) -> list[dict]:
    """Every configured set's training rows as ``{id, text, target, label, source}`` (label
    favor / against / none), capped per set, with ``drop_texts_of`` texts and ``drop_targets``
    targets removed."""
    rows: list[dict] = []
    for spec in cfg.sets:
        mine = []
        for e in _set_examples(spec):
            label = spec.labels.get(e["label"], e["label"])
            if label == "drop":
                continue
            if label not in STANCES:
                raise DataError(f"Set {spec.name!r}: label {e['label']!r} maps to nothing. Fix: "
                                "map it in the set's labels (favor / against / none / drop).")
            text, target = (e.get("text") or "").strip(), (e.get("target") or "").strip()
            if text and target:
                mine.append({"id": f"{spec.name}:{e['id']}", "text": text, "target": target,
                             "label": label, "source": spec.name})
        if spec.cap is not None and len(mine) > spec.cap:
            mine = _seeded_order(mine, cfg.seed)[: spec.cap]
        log.info("%s: %d rows (%s)", spec.name, len(mine),
                 dict(Counter(r["label"] for r in mine)))
        rows.extend(mine)
    return rows


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“‘'(A-Z0-9])")


def sentence_none_rows(cfg: StanceTrainConfig) -> list[dict]:
    """Each set's ``sentence_none``: for each listed dataset label, that many rows of one
    sentence (8 to 60 words) of a training text with the label, with the text's target,
    labelled none (source ``<set>_sentences``)."""
    return [r for spec in cfg.sets if spec.sentence_none
            for r in _sentence_rows(spec, _set_examples(spec), cfg.seed)]


def entity_none_rows(cfg: StanceTrainConfig) -> list[dict]:
    """Each set's ``entity_none``: that many rows of one sentence (8 to 60 words) of a training
    text that names a person, organisation, country or nationality, with that name as the
    target, labelled none (source ``<set>_entities``)."""
    from claimcheck.text.nlp import load_spacy, only

    specs = [s for s in cfg.sets if s.entity_none]
    if not specs:
        return []
    nlp = load_spacy()
    with only(nlp, "ner"):
        return [r for spec in specs
                for r in _entity_rows(spec, _set_examples(spec), cfg.seed, nlp)]


_NAMED = {"PERSON", "ORG", "GPE", "NORP"}


def _entity_rows(spec: StanceSet, examples: list[dict], seed: int, nlp) -> list[dict]:
    """Round robin over the distinct texts (seeded order), one sentence each per round, so that
    ``entity_none`` can exceed the number of texts (FNC-1 has 1,683 bodies)."""
    queues = {}
    for e in _seeded_order(examples, seed):
        text = " ".join(e["text"].split())
        if text not in queues:  # bodies recur per headline
            sents = _sentences(text)
            _rng(seed, f"entity:{e['id']}").shuffle(sents)
            queues[text] = (e["id"], sents)
    rows: list[dict] = []
    for turn in range(max((len(q[1]) for q in queues.values()), default=0)):
        for key, sents in queues.values():
            if len(rows) >= spec.entity_none:
                return rows
            if turn >= len(sents):
                continue
            sent = sents[turn]
            names = sorted({ent.text.strip() for ent in nlp(sent).ents
                            if ent.label_ in _NAMED and len(ent.text.strip()) > 1})
            if names:
                rows.append({"id": f"{spec.name}:entity:{key}:{turn}", "text": sent,
                             "target": _rng(seed, f"entity:{key}:{turn}").choice(names),
                             "label": "none", "source": f"{spec.name}_entities"})
    return rows


def _sentence_rows(spec: StanceSet, examples: list[dict], seed: int) -> list[dict]:
    out = []
    for label, n in sorted(spec.sentence_none.items()):
        mine = _seeded_order((e for e in examples if e["label"] == label and e.get("target")),
                             seed)
        rows = []
        for e in mine:
            if len(rows) >= n:
                break
            sents = _sentences(e["text"])
            if sents:
                rows.append({"id": f"{spec.name}:sentence:{e['id']}",
                             "text": _rng(seed, e["id"]).choice(sents),
                             "target": e["target"].strip(), "label": "none",
                             "source": f"{spec.name}_sentences"})
        out += rows
    return out


def unrelated_rows(rows: list[dict], n: int, seed: int) -> list[dict]:
    """``n`` rows pairing a text with a target of another set (label none)."""
    by_set: dict[str, list[str]] = {}
    for r in rows:
        by_set.setdefault(r["source"], []).append(r["target"])
    if len(by_set) < 2 or n == 0:
        return []
    targets = {s: sorted(set(t)) for s, t in by_set.items()}
    rng = random.Random(seed)
    picks = rng.sample(range(len(rows)), min(n, len(rows)))
    out = []
    for i in picks:
        r = rows[i]
        other = rng.choice(sorted(s for s in targets if s != r["source"]))
        out.append({"id": f"unrelated:{r['id']}", "text": r["text"],
                    "target": rng.choice(targets[other]), "label": "none",
                    "source": "unrelated"})
    return out


def to_pairs(rows: list[dict], cfg: StanceTrainConfig, stance: StanceConfig) -> list[Pair]:
    """NLI pairs of the stance rows (see the module docstring)."""
    two_way = {s for s in {r["source"] for r in rows}
               if not any(r["label"] == "none" for r in rows if r["source"] == s)
               } if cfg.mask_two_way else set()
    pairs = []
    for r in rows:
        rng = _rng(cfg.seed, r["id"])
        if rng.random() < cfg.speaker_share:
            who = rng.choice(cfg.speakers)
            premise = stance.premise.format(speaker=who, quote=r["text"])
            tpl = stance.templates
        else:
            who, premise, tpl = "The author", r["text"], stance.text_templates
        favor_hyp = rng.random() < 0.5
        hyp = (tpl.favor if favor_hyp else tpl.against).format(speaker=who, target=r["target"])
        if r["label"] == "none":
            label = "neutral"
        else:
            label = "entailment" if (r["label"] == "favor") == favor_hyp else "contradiction"
        pairs.append(Pair(premise, hyp, LABEL2ID[label], r["source"] in two_way, r["source"],
                          r["id"]))
    return pairs


def evaluate_dev(cfg: StanceTrainConfig, model_dir: Path) -> dict:
    """Run each ``dev`` benchmark config (all its methods) with the new model as the stance model.
    For the packaged default model the results go where ``claimcheck bench run`` puts them
    (benchmarks/results/<name>/, read by the leaderboard); for any other folder into its
    checkpoint/dev/ with ``pipeline.stance.model`` set to it."""
    from claimcheck.bench.runner import run
    from claimcheck.quotes.stance import DEFAULT_STANCE_MODEL, stance_model_path

    packaged = Path(stance_model_path(DEFAULT_STANCE_MODEL)).resolve() == model_dir.resolve()
    out = {}
    for bench in cfg.dev:
        overrides = [f"pipeline.stance.model={DEFAULT_STANCE_MODEL if packaged else model_dir}"]
        target = None if packaged else model_dir / "checkpoint" / "dev" / Path(bench).stem
        res = run(bench, limit=cfg.dev_limit, overrides=overrides, output=target)
        out[Path(bench).stem] = {"rows": res["dataset"]["rows_evaluated"],
                            **{m: {k: v for k, v in r["metrics"].items()
                                   if k in ("f_avg", "macro_f1", "accuracy")}
                               for m, r in res["methods"].items()}}
    return out


def train_stance(config_path: str | Path = DEFAULT_STANCE_CONFIG,
                 overrides: list[str] | None = None, skip_training: bool = False) -> Path:
    """Build the pairs, fine-tune, save, score the dev benchmarks and write the card
    (``skip_training``: only the last two, for the model already in ``output_dir``)."""
    from claimcheck.train.stance_card import write_stance_card

    cfg = load_config(StanceTrainConfig, config_path, overrides)
    out = Path(cfg.output_dir)
    if skip_training:
        meta = trained_meta(out, "stance model")
    else:
        meta = _train(cfg, config_path, overrides, out)
    metrics = evaluate_dev(cfg, out)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    write_stance_card(cfg, out, meta, metrics)
    return out


def _train(cfg: StanceTrainConfig, config_path, overrides, out: Path) -> dict:
    from claimcheck.train.nli import train_model
    from claimcheck.verdict import calibration
    from claimcheck.verdict.nli import weights_file

    (out / "checkpoint").mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    rows = stance_rows(cfg)
    rows += unrelated_rows(rows, cfg.unrelated_none, cfg.seed)
    rows += sentence_none_rows(cfg)
    rows += entity_none_rows(cfg)
    pairs = to_pairs(rows, cfg, StanceConfig())
    random.Random(cfg.seed).shuffle(pairs)
    write_jsonl(out / "checkpoint" / "train_mix.jsonl", pairs)
    log.info("stance training pairs: %d", len(pairs))
    timing = train_model(cfg, pairs, out)
    calibration.write(out, {"weights_sha256": file_sha256(weights_file(out))})
    meta = {
        "config": str(config_path), "config_sha256": file_sha256(config_path),
        "overrides": list(overrides or []), "base_model": cfg.base_model, "seed": cfg.seed,
        "train_pairs": len(pairs),
        "rows_per_set": dict(sorted(Counter(r["source"] for r in rows).items())),
        "stance_per_set": {s: dict(sorted(Counter(r["label"] for r in rows
                                                  if r["source"] == s).items()))
                           for s in sorted({r["source"] for r in rows})},
        "two_way_pairs": sum(p.two_way for p in pairs),
        "hardware": f"{platform.machine()}, {os.cpu_count()} CPU cores, torch CPU",
        "wall_seconds": round(time.time() - t0, 1), **timing,
    }
    (out / "training.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta
