"""Check-worthiness: the committed model's scores, its artifact (no pickle), and training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claimcheck.claims.checkworthy import MODEL_DIR, load_model, score_sentences
from claimcheck.errors import ConfigError, DataError, ModelLoadError
from claimcheck.train.checkworthy import train


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


def test_artifact_has_no_pickle_and_records_both_models():
    names = {p.name for p in MODEL_DIR.iterdir()}
    assert {"model.json", "weights.safetensors", "metrics.json"} <= names
    assert all(p.suffix in (".json", ".safetensors", ".md") for p in MODEL_DIR.iterdir())
    metrics = json.loads((MODEL_DIR / "metrics.json").read_text())
    meta = json.loads((MODEL_DIR / "model.json").read_text())
    assert metrics["default"] == meta["kind"]
    for kind in ("tfidf_lr", "encoder_lr"):
        r = metrics["results"][kind]
        assert 0 < r["claimbuster_dev_f1_class1"] <= 1 and 0 < r["clef2019_dev_map"] <= 1


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
