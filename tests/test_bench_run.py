"""The harness end to end: configs, results JSON, reproducibility, CLI, missing components."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimcheck.bench import run
from claimcheck.bench.cli import app
from claimcheck.bench.config import load_bench_config, resolve_data_path
from claimcheck.errors import ClaimcheckError, ConfigError
from claimcheck.types import ClaimResult, Label

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "bench"
CONFIGS = ROOT / "configs" / "benchmarks"


def cfg(**kw):
    base = {"name": "t", "task": "nli_pairs",
            "dataset": {"format": "sick", "path": str(FIX / "sick"), "split": "test",
                        "train_split": "train"},
            "methods": ["majority"], "seed": 3}
    base.update(kw)
    return base


def test_every_committed_config_validates():
    paths = sorted(CONFIGS.glob("*.yaml"))
    assert len(paths) >= 20
    for p in paths:
        c, info = load_bench_config(p)
        assert info["file_sha256"] and c.name == p.stem


def test_unknown_keys_and_bad_values_are_errors():
    with pytest.raises(ConfigError, match="unknown key 'dataset.pth'"):
        load_bench_config(cfg(dataset={"format": "sick", "pth": "x", "path": "y",
                                       "split": "dev"}))
    with pytest.raises(ConfigError, match="supports tasks"):
        load_bench_config(cfg(task="stance"))
    with pytest.raises(ConfigError, match="do not apply"):
        load_bench_config(cfg(metrics=["map"]))


def test_set_retargets_dataset(monkeypatch):
    c, _ = load_bench_config(CONFIGS / "fnc1_dev.yaml",
                             ["dataset.path=/official/fnc-1", "dataset.split=test"])
    assert c.dataset.path == "/official/fnc-1" and c.dataset.split == "test"
    monkeypatch.setenv("CLAIMCHECK_DATA", "/data")
    assert resolve_data_path("../shared/data/stance/fnc1") == Path("/data/stance/fnc1")


def test_results_json_has_provenance(tmp_path, tiny_nli_dir):
    res = run(cfg(methods=["model", "majority", "tfidf_lr"],
                  pipeline={"model": {"nli": str(tiny_nli_dir)}}), output=tmp_path)
    for key in ("claimcheck_version", "git", "config", "config_sha256", "seed", "versions",
                "device", "started_at", "duration_s", "model", "dataset", "methods"):
        assert key in res, key
    d = res["dataset"]
    assert d["rows_evaluated"] == 2 and d["files"][0]["sha256"] and d["files"][0]["lines"] == 7
    assert res["model"]["weights_sha256"]
    m = res["methods"]["model"]["metrics"]
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix"} <= set(m)
    assert res["methods"]["majority"]["details"]["majority"] == "contradiction"  # tie: alphabetical
    on_disk = json.loads((tmp_path / "results.json").read_text())
    assert on_disk["config_sha256"] == res["config_sha256"]
    for f in ("summary.md", "predictions.jsonl", "confusion_model.png"):
        assert (tmp_path / f).is_file()
    first = json.loads((tmp_path / "predictions.jsonl").read_text().splitlines()[0])
    assert {"id", "gold", "model", "model_probs", "majority"} <= set(first)


def test_two_runs_give_identical_metrics(tmp_path, tiny_nli_dir):
    c = cfg(task="stance", dataset={"format": "fnc1", "path": str(FIX / "fnc1"),
                                    "split": "test", "train_split": "train"},
            methods=["model", "majority", "tfidf_lr", "encoder_lr"],
            pipeline={"model": {"nli": str(tiny_nli_dir)}}, options={"related_threshold": 0.0})
    a = run(c, output=tmp_path / "a")
    b = run(c, output=tmp_path / "b")
    assert {k: v["metrics"] for k, v in a["methods"].items()} == \
           {k: v["metrics"] for k, v in b["methods"].items()}
    assert "fnc_score" in a["methods"]["tfidf_lr"]["metrics"]
    assert "fnc_score" in a["methods"]["encoder_lr"]["metrics"]
    assert a["primary_metric"] == "fnc_score"


def test_limit_and_carve(tmp_path):
    c = cfg(task="check_worthiness",
            dataset={"format": "clef2019", "path": str(FIX / "clef2019"), "split": "test",
                     "carve": {"fraction": 0.5, "seed": 1, "group_by": "group"}},
            methods=["majority", "tfidf_lr"])
    with pytest.raises(ConfigError, match="needs training data"):
        run({**c, "dataset": {**c["dataset"], "carve": None}}, output=tmp_path,
            overrides=["methods=[tfidf_lr]"])
    res = run(c, output=tmp_path / "c")
    assert res["dataset"]["rows_evaluated"] + res["dataset"]["train"]["rows"] == 7
    assert "map" in res["methods"]["tfidf_lr"]["metrics"]
    lim = run(cfg(), limit=1, output=tmp_path / "l")
    assert lim["dataset"]["rows_evaluated"] == 1 and lim["dataset"]["limit"] == 1


def test_check_worthiness_reliability_and_held_out(tmp_path):
    import yaml

    from claimcheck.bench.runner import held_out

    c = cfg(task="check_worthiness",
            dataset={"format": "clef2019", "path": str(FIX / "clef2019"), "split": "test",
                     "carve": {"fraction": 0.5, "seed": 1, "group_by": "group"}},
            methods=["majority", "tfidf_lr"])
    res = run(c, output=tmp_path / "r")
    m = res["methods"]["tfidf_lr"]["metrics"]
    assert 0 <= m["ece"] <= 1 and sum(b["n"] for b in m["reliability"]) == \
        res["dataset"]["rows_evaluated"]
    assert (tmp_path / "r" / "reliability_tfidf_lr.png").is_file()
    assert "reliability of P(class 1)" in (tmp_path / "r" / "summary.md").read_text()
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(c))
    held = held_out(tmp_path / "c.yaml").examples
    ids = [json.loads(x)["id"] for x in
           (tmp_path / "r" / "predictions.jsonl").read_text().splitlines()]
    assert [e["id"] for e in held] == ids


def test_missing_component_is_a_clear_error(tmp_path, monkeypatch):
    from claimcheck.bench import tasks

    monkeypatch.setitem(tasks.COMPONENTS, "check_worthiness",
                        ("claimcheck.not_there", "score_sentences"))
    c = cfg(task="check_worthiness",
            dataset={"format": "claimbuster", "path": str(FIX / "claimbuster"), "split": "test"},
            methods=["model"])
    with pytest.raises(ClaimcheckError, match="needs claimcheck.not_there.score_sentences"):
        run(c, output=tmp_path)


def test_claim_level_with_a_fake_checker(tmp_path, monkeypatch):
    from claimcheck.bench import tasks

    class FakeChecker:
        def __init__(self, config=None):
            self.config = config

        def judge(self, claims, passages):
            out = []
            for i, (c, _ps) in enumerate(zip(claims, passages, strict=True)):
                label = Label.SUPPORTED if "warming" in c.lower() else Label.UNVERIFIED
                out.append(ClaimResult(id=i, text=c, start=0, end=len(c), statement=c,
                                       label=label, score=0.9))
            return out

    monkeypatch.setattr(tasks, "component", lambda task: FakeChecker)
    res = run(cfg(task="claim_verification",
                  dataset={"format": "climate_fever", "path": str(FIX / "climate_fever"),
                           "split": "test"}, methods=["model", "majority"]), output=tmp_path)
    m = res["methods"]["model"]["metrics"]
    assert m["n"] == 3  # DISPUTED reported apart
    assert m["disputed"] == {"n": 1, "predicted": {"unverified": 1}}
    # supported ok; "the sun ... warming" wrongly supported; unverified ok
    assert m["accuracy"] == pytest.approx(round(2 / 3, 4))


def test_fake_stance_and_quotes(tmp_path, monkeypatch, tiny_nli_dir):
    from claimcheck.bench import tasks
    from claimcheck.types import Quote, Span, Speaker

    def predict_stance(nli, texts, targets, zero_shot=None, two_way=False):
        return [("favor", 0.8) for _ in texts]

    def extract_quotes(text, config=None, precision="auto"):
        assert config is not None and config.model is None  # the pipeline's quotes block
        i = text.index("that the team")
        j = text.index(" hospital") + len(" hospital")
        q = Quote(id=0, text=text[i:j], start=i, end=j, kind="indirect", speaker_id=0)
        return [q], [Speaker(id=0, name="New York Post", mentions=(Span("x", 0, 17),))]

    comps = {"stance": predict_stance, "quote_attribution": extract_quotes}
    monkeypatch.setattr(tasks, "component", lambda task: comps[task])
    st = run(cfg(task="stance", dataset={"format": "semeval2016", "path": str(FIX / "semeval2016"),
                                         "split": "test", "train_split": "train"},
                 methods=["model", "tfidf_lr"], pipeline={"model": {"nli": str(tiny_nli_dir)}}),
             output=tmp_path / "s")
    # favor everywhere: favor P 2/5 R 1 F1 4/7; against F1 0 -> F_avg 2/7
    assert st["methods"]["model"]["metrics"]["f_avg"] == pytest.approx(round(2 / 7, 4))
    qa = run(cfg(task="quote_attribution",
                 dataset={"format": "polnear", "path": str(FIX / "polnear"), "split": "test"},
                 methods=["model", "quote_marks"]), output=tmp_path / "q")
    m = qa["methods"]["model"]["metrics"]
    assert m["content_exact"]["tp"] == 1 and m["speaker_match"]["rate"] == 1.0
    assert qa["methods"]["quote_marks"]["metrics"]["content_overlap"]["tp"] == 1


def test_cli_validate_list_run(tmp_path):
    r = CliRunner()
    out = r.invoke(app, ["validate", str(CONFIGS / "sick_dev.yaml")])
    assert out.exit_code == 0, out.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntask: nli_pairs\ndataset: {format: sick, path: p, split: dev}\n"
                   "colour: red\n")
    assert r.invoke(app, ["validate", str(bad)]).exit_code == 1
    out = r.invoke(app, ["list"])
    assert "fnc1_dev.yaml" in out.output
    assert "polnear" in r.invoke(app, ["list", "--formats"]).output
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text(f"name: c\ntask: nli_pairs\nmethods: [majority]\ndataset:\n"
                        f"  format: sick\n  path: {FIX / 'sick'}\n  split: dev\n")
    out = r.invoke(app, ["run", str(cfg_file), "--set", "dataset.split=test", "--output",
                         str(tmp_path / "o"), "--limit", "2"])
    assert out.exit_code == 0, out.output
    assert json.loads((tmp_path / "o" / "results.json").read_text())["dataset"]["split"] == "test"
    out = r.invoke(app, ["run", str(cfg_file), "--set", "dataset.path=/nope"])
    assert out.exit_code == 2 and "does not exist" in out.output


def test_model_predictions_reads_a_full_run_or_runs_the_model(tmp_path):
    import yaml

    from claimcheck.bench.runner import model_predictions

    conf = tmp_path / "q.yaml"
    conf.write_text(yaml.safe_dump(cfg(
        name="q", task="quote_attribution", methods=["model", "quote_marks"],
        dataset={"format": "polnear", "path": str(FIX / "polnear"), "split": "test"})))
    rows = model_predictions(conf, tmp_path / "results", tmp_path / "scratch")
    assert (tmp_path / "scratch" / "q" / "predictions.jsonl").is_file()
    assert rows and all("model" in r and "quote_marks" not in r for r in rows)  # model alone
    assert rows[0]["model"][0]["end"] > rows[0]["model"][0]["start"]
    full = tmp_path / "results" / "q"  # a full run is there: its rows, not a new run
    full.mkdir(parents=True)
    (full / "predictions.jsonl").write_text('{"id": "d", "gold": [], "model": []}\n')
    assert model_predictions(conf, tmp_path / "results", tmp_path / "other") == [
        {"id": "d", "gold": [], "model": []}]
    assert not (tmp_path / "other").exists()
