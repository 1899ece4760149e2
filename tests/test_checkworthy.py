"""Check-worthiness: the committed model's scores, its artifact (no pickle), and training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claimcheck.bench.metrics import reliability
from claimcheck.claims.checkworthy import (
    MODEL_DIR,
    MODELS_ROOT,
    FinetunedCheckworthy,
    load_model,
    model_record,
    score_sentences,
)
from claimcheck.errors import ConfigError, DataError, ModelLoadError
from claimcheck.train.checkworthy import train
from claimcheck.train.checkworthy_finetune import carve, sample_pool
from claimcheck.train.data import SentenceRows as _Rows


def test_scores_shape_range_and_order():
    p = score_sentences([
        "Unemployment fell to 3.9 percent in 2018, the lowest rate in 18 years.",
        "Thank you all so much for being here tonight.",
        "Member states pledged approximately $43 billion annually in military support to Ukraine.",
        "Good evening.",
    ])
    assert isinstance(p, np.ndarray) and p.shape == (4,)
    assert np.all((p >= 0) & (p <= 1))
    assert p[0] > p[1] and p[2] > p[3]
    assert score_sentences([]).shape == (0,)


def test_model_is_cached():
    assert load_model() is load_model()


def test_bf16_scores_agree_with_fp32():
    """model.precision reaches the check-worthiness encoder: bf16 autocast (the default where
    the CPU has bf16 units) moves P(check-worthy) by well under 0.02."""
    s = ["Member states pledged approximately $43 billion annually in military support.",
         "Good evening.", "Sweden joined NATO in March 2024."]
    fp32, bf16 = load_model(None, "fp32"), load_model(None, "bf16")
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16") and fp32 is not bf16
    assert np.abs(score_sentences(s, precision="bf16") - score_sentences(s, precision="fp32")
                  ).max() < 0.02


@pytest.mark.parametrize("name", ["checkworthy-v1", "checkworthy-v3"])
def test_artifacts_have_no_pickle_and_record_the_compared_models(name):
    d = MODELS_ROOT / name
    if not d.is_dir():
        pytest.skip(f"{name} not trained in this checkout")
    names = {p.name for p in d.iterdir()}
    meta = json.loads((d / "model.json").read_text())
    weights = "model.safetensors" if meta["kind"] == "finetuned" else "weights.safetensors"
    assert {"model.json", weights, "metrics.json", "README.md"} <= names
    assert not any(p.suffix in (".bin", ".pt", ".pkl", ".joblib", ".pickle") for p in d.iterdir())
    assert not (d / "checkpoint").exists()
    metrics = json.loads((d / "metrics.json").read_text())
    assert metrics["default"] == meta["kind"]
    for kind in ("tfidf_lr", "encoder_lr", meta["kind"]):
        r = metrics["results"][kind]
        assert 0 < r["claimbuster_dev_f1_class1"] <= 1 and 0 < r["clef2019_dev_map"] <= 1


def test_committed_models_load_by_name():
    assert load_model("checkworthy-v1").kind in ("tfidf_lr", "encoder_lr")
    assert load_model().kind == json.loads((MODEL_DIR / "model.json").read_text())["kind"]
    rec = model_record()
    assert rec["name"] == MODEL_DIR.name and len(rec["weights_sha256"]) == 64


def test_missing_model_folder(tmp_path):
    with pytest.raises(ModelLoadError, match="claimcheck train checkworthy"):
        load_model(str(tmp_path))


def _fake_data(root: Path) -> Path:
    pos = ["Taxes rose by {} percent last year.", "We lost {} thousand jobs in {} states.",
           "The deficit was ${} billion in 2015."]
    neg = ["Thank you, {}.", "Good evening, everyone {}.", "Let me finish, {} please."]

    def tsv(path: Path, n: int, seed: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = []
        for i in range(n):
            y = int((i + seed) % 3 == 0)
            tpl = (pos if y else neg)[i % 3]
            rows.append(f"{i + 1}\tSPEAKER\t{tpl.format(i + seed, i + 2 * seed, i)}\t{y}")
        path.write_text("\n".join(rows) + "\n")

    c19 = root / "clef2019_task1" / "training"
    for k, name in enumerate(["a.tsv", "b.tsv", "dev1.tsv", "dev2.tsv"]):
        tsv(c19 / name, 30, k * 100)
    tsv(root / "clef2020" / "task5_debates_en" / "training" / "c.tsv", 30, 500)
    cb = root / "claimbuster"
    cb.mkdir(parents=True)
    rows = [{"sentence_id": i, "label": int(i % 3 == 0),
             "text": (pos if i % 3 == 0 else neg)[i % 3].format(i + 900, i, i)} for i in range(60)]
    (cb / "train.json").write_text(json.dumps(rows))
    (cb / "kfold_25ncs.csv").write_text("sentence_id,screening,label,text\n"
                                        "1000,-3,1,\"Crime went up 12 percent in 2016.\"\n")
    return root


@pytest.mark.parametrize("kind", ["tfidf_lr", "encoder_lr"])
def test_train_writes_a_loadable_artifact(tmp_path, kind):
    root = _fake_data(tmp_path / "data")
    out = tmp_path / "model"
    cfg = tmp_path / "cw.yaml"
    cfg.write_text(f"data_root: {root}\nmodel: {kind}\ncompare: false\n"
                   "clef2019_dev_debates: [dev1.tsv, dev2.tsv]\nuse_covid_tweets: false\n"
                   f"tfidf: {{min_df: 1}}\nencoder_cap: 200\noutput_dir: {out}\n")
    assert train(cfg) == out
    assert not list(out.glob("*.pkl")) and not list(out.glob("*.joblib"))
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["results"][kind]["claimbuster_dev_f1_class1"] > 0.5
    p = load_model(str(out)).predict_proba(["Taxes rose by 7 percent last year.", "Thank you."])
    assert p[0] > p[1]


def test_train_config_errors(tmp_path):
    cfg = tmp_path / "cw.yaml"
    cfg.write_text("modle: tfidf_lr\n")
    with pytest.raises(ConfigError, match="unknown key 'modle'"):
        train(cfg)
    root = _fake_data(tmp_path / "data")
    cfg.write_text(f"data_root: {root}\nclef2019_dev_debates: [nope.tsv]\n")
    with pytest.raises(DataError, match=r"nope\.tsv"):
        train(cfg)


def test_sample_pool_keeps_positives_and_caps_negatives_per_source():
    rows = _Rows(["p"] * 2 + ["n"] * 40 + ["q"] * 3 + ["m"] * 6, [1] * 2 + [0] * 40 + [1] * 3 + [0] * 6,
                 ["a.tsv"] * 42 + ["claimbuster"] * 9)
    pool = sample_pool(rows, 4, seed=1)
    by = {(g, y): sum(1 for g2, y2 in zip(pool.group, pool.label, strict=True)
                      if g2 == g and y2 == y) for g in ("a.tsv", "claimbuster") for y in (0, 1)}
    assert by == {("a.tsv", 1): 2, ("a.tsv", 0): 8, ("claimbuster", 1): 3, ("claimbuster", 0): 6}
    assert sample_pool(rows, 4, seed=1) == pool and sample_pool(rows, None, 1) is rows
    fit, cal = carve(pool, 0.25, seed=1)
    assert len(cal.text) == 5 and len(fit.text) + len(cal.text) == len(pool.text)


def test_reliability_table_and_ece():
    r = reliability([0, 1, 0, 1], [0.05, 0.95, 0.05, 0.95])
    assert r["ece"] == 0.05 and [b["n"] for b in r["bins"]] == [2, 2]
    assert reliability([1, 1], [1.0, 1.0])["bins"][0]["hi"] == 1.0


def _tiny_base(folder: Path) -> Path:
    from conftest import build_tiny_nli

    return build_tiny_nli(folder, labels=("a", "b"))


def test_finetuned_kind_trains_calibrates_saves_and_loads(tmp_path):
    root = _fake_data(tmp_path / "data")
    base = _tiny_base(tmp_path / "base")
    out = tmp_path / "model"
    cfg = tmp_path / "cw.yaml"
    cfg.write_text(f"data_root: {root}\nmodel: finetuned\ncompare: false\n"
                   "clef2019_dev_debates: [dev1.tsv, dev2.tsv]\nuse_covid_tweets: false\n"
                   f"threads: 1\noutput_dir: {out}\n"
                   f"finetune: {{base_model: {base}, epochs: 2, lr: 1.0e-3, batch_size: 8, "
                   "max_length: 16, neg_per_pos: 2, checkpoint_every: 3, log_every: 2}\n")
    assert train(cfg) == out
    names = {p.name for p in out.iterdir()}
    assert {"model.safetensors", "model.json", "metrics.json", "README.md"} <= names
    assert "weights.safetensors" not in names and "checkpoint" not in names
    meta = json.loads((out / "model.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    r = metrics["results"]["finetuned"]
    assert meta["kind"] == "finetuned" and meta["temperature"] == r["temperature"] > 0
    assert 0 <= r["calibration_ece"] <= 1 and r["calibration_reliability"]
    assert 0 <= r["claimbuster_dev_ece"] <= 1 and r["steps"] > 0
    card = (out / "README.md").read_text()
    assert "free for general research use" in card and "GPL-3.0" in card
    assert "Commercial use:" in card
    m = load_model(str(out))
    assert isinstance(m, FinetunedCheckworthy)
    p = m.predict_proba(["Taxes rose by 7 percent last year.", "Thank you.", "x " * 40])
    assert p.shape == (3,) and np.all((p > 0) & (p < 1))
    assert score_sentences(["Good evening."], model=str(out)).shape == (1,)


def test_finetuned_temperature_and_label_order(tmp_path):
    base = _tiny_base(tmp_path / "m")
    cfg = json.loads((base / "config.json").read_text())
    cfg["id2label"], cfg["label2id"] = ({"0": "check-worthy", "1": "other"},
                                        {"check-worthy": 0, "other": 1})
    (base / "config.json").write_text(json.dumps(cfg))
    m = FinetunedCheckworthy(base, temperature=2.0).load()
    assert m.positive_index == 0
    z = np.array([[2.0, 0.0], [0.0, 2.0]])
    np.testing.assert_allclose(m.proba_from_logits(z), 1 / (1 + np.exp([-1.0, 1.0])))


def test_finetuned_needs_safetensors(tmp_path):
    (tmp_path / "model.json").write_text(json.dumps({"kind": "finetuned"}))
    with pytest.raises(ModelLoadError, match="safetensors"):
        load_model(str(tmp_path))
    (tmp_path / "model.json").write_text(json.dumps({"kind": "svm"}))
    with pytest.raises(ModelLoadError, match="Unknown check-worthiness model kind"):
        load_model(str(tmp_path))


def test_pipeline_config_selects_the_checkworthiness_model(tiny_config, nato_refs_dir):
    from claimcheck import ClaimChecker

    text = ("NATO members pledged $43 billion a year in military aid to Ukraine. "
            "The summit was held in Washington in July 2024.")
    v1 = ClaimChecker({**tiny_config, "segment": {"checkworthiness_model": "checkworthy-v1"}})
    report = v1.check(text, nato_refs_dir)
    expected = score_sentences([c.statement for c in report.claims], model="checkworthy-v1")
    assert [c.checkworthiness for c in report.claims] == [round(float(s), 4) for s in expected]
    default = ClaimChecker(tiny_config).check(text, nato_refs_dir)
    assert [c.checkworthiness for c in default.claims] != [c.checkworthiness
                                                           for c in report.claims]


def test_soup_averages_members_and_reuses_trained_ones(tmp_path, caplog):
    from safetensors.torch import load_file

    root = _fake_data(tmp_path / "data")
    base = _tiny_base(tmp_path / "base")
    out, members = tmp_path / "soup", tmp_path / "members"
    cfg = tmp_path / "cw.yaml"
    cfg.write_text(f"data_root: {root}\nmodel: finetuned\ncompare: false\n"
                   "clef2019_dev_debates: [dev1.tsv, dev2.tsv]\nuse_covid_tweets: false\n"
                   f"threads: 1\noutput_dir: {out}\nsoup_members_dir: {members}\n"
                   "soup: [{}, {seed: 14}]\n"
                   f"finetune: {{base_model: {base}, epochs: 1, lr: 1.0e-3, batch_size: 8, "
                   "max_length: 16, neg_per_pos: 2, calibration_fraction: 0.4}\n")
    assert train(cfg) == out
    w = [load_file(str(members / m / "model.safetensors")) for m in ("m0", "m1")]
    soup = load_file(str(out / "model.safetensors"))
    assert set(soup) == set(w[0])
    k = next(k for k in sorted(soup) if not (w[0][k] == w[1][k]).all())  # members differ
    assert ((w[0][k].float() + w[1][k].float()) / 2 - soup[k].float()).abs().max() < 1e-2
    r = json.loads((out / "metrics.json").read_text())["results"]["finetuned"]
    assert [m["changes"] for m in r["members"]] == [{}, {"seed": 14}]
    assert r["calibration_rows"] > 0 and r["calibration_rows_dropped"] >= 0
    assert "model soup" in (out / "README.md").read_text()
    assert isinstance(load_model(str(out)), FinetunedCheckworthy)
    with caplog.at_level("INFO", logger="claimcheck.train.checkworthy"):
        train(cfg)  # both members are trained already with the same settings: reused
    assert caplog.text.count("reusing") == 2


def test_soup_config_errors(tmp_path):
    cfg = tmp_path / "cw.yaml"
    cfg.write_text("model: tfidf_lr\nsoup: [{seed: 1}]\n")
    with pytest.raises(ConfigError, match="soup averages fine-tuned models"):
        train(cfg)
    cfg.write_text("model: finetuned\nsoup: [{output_dir: x}]\n")
    with pytest.raises(ConfigError, match="may not change"):
        train(cfg)
