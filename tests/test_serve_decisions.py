"""Editor decisions feed back: the review desk's export read as a benchmark dataset (format
``decisions``), ``claimcheck bench run`` scoring the judge's false support against them, and the
calibration fitting the verdict thresholds on them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from claimcheck.bench.adapters import Source, get_adapter
from claimcheck.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
DECISIONS = ROOT / "examples" / "nato-summit-2024" / "decisions.jsonl"
CONFIG = ROOT / "configs" / "benchmarks" / "nato_decisions.yaml"


def load(path: Path):
    return get_adapter("decisions").load(Source(path, "all", {}), "claim_verification", {})


def records() -> list[dict]:
    return [json.loads(line) for line in DECISIONS.read_text(encoding="utf-8").splitlines()]


def test_the_committed_review_reads_as_claim_examples():
    loaded = load(DECISIONS)
    claims = [r for r in records() if r["kind"] == "claim"]
    assert len(loaded.examples) == len(claims) == 11
    assert loaded.label_space == ["supported", "contradicted", "unverified"]
    by_id = {e["id"]: e for e in loaded.examples}
    for r in claims:
        e = by_id[r["id"]]
        assert e["label"] == r["label"] and e["claim"] == r["claim"]
        assert e["passages"] == [x["text"] for x in r["evidence"]]
    # the review changed some verdicts and accepted others
    assert {r["action"] for r in claims} == {"accept", "change"}
    mutual = next(r for r in claims if "mutual defense" in r["text"])
    assert mutual["label"] == "contradicted"
    assert any(x["doc_id"] == "04-bilateral-agreements.md" for x in mutual["evidence"])


def test_every_evidence_span_of_the_review_slices_its_reference_document():
    from claimcheck.evidence.references import ReferenceSet

    refs = ReferenceSet.from_path(ROOT / "examples" / "nato-summit-2024" / "references")
    article = (ROOT / "examples" / "nato-summit-2024" / "article.txt").read_text("utf-8")
    for r in records():
        assert article[r["start"]:r["end"]] == r["text"]
        for e in r.get("evidence", []):
            assert refs.document(e["doc_id"]).text[e["start"]:e["end"]] == e["text"]


@pytest.mark.parametrize(("lines", "message"), [
    ([{"kind": "flag", "action": "keep"}], "holds no claim decisions"),
    ([{"kind": "claim", "id": "a", "claim": "x", "label": "maybe", "evidence": []}],
     "label 'maybe' is not one of"),
    ([{"kind": "claim", "id": "a", "label": "supported"}], "without ['claim', 'evidence']"),
])
def test_a_bad_decisions_file_names_the_problem(tmp_path, lines, message):
    path = tmp_path / "decisions.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    with pytest.raises(DataError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(path)


@pytest.mark.slow
def test_bench_run_prints_the_judges_false_support_against_the_editor(tmp_path):
    from claimcheck.bench import run

    res = run(CONFIG, output=tmp_path)
    model = res["methods"]["model"]["metrics"]
    gold = [r["label"] for r in records() if r["kind"] == "claim"]
    assert model["n"] == len(gold)
    called = [json.loads(x) for x in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    wrong_support = sum(p["model"] == "supported" and p["gold"] != "supported" for p in called)
    assert model["false_support"] == round(wrong_support / sum(g != "supported" for g in gold), 4)
    assert model["false_support"] == 0.0  # the judge called nothing supported the editor did not
    assert res["methods"]["majority"]["metrics"]["false_support"] == 1.0  # all "supported"
    summary = (tmp_path / "summary.md").read_text()  # what `claimcheck bench run` prints
    assert "| method | accuracy | macro_f1 | false_support | support_recall |" in summary
    assert "| model | " in summary
    # the same judge as the review saw: the benchmark re-derives the verdicts the desk showed
    recorded = {r["id"]: r for r in records() if r["kind"] == "claim"}
    if res["model"]["weights_sha256"] == next(iter(recorded.values()))["model_weights_sha256"]:
        assert {p["id"]: p["model"] for p in called} == {k: r["predicted"]
                                                         for k, r in recorded.items()}


def test_calibration_fits_the_thresholds_on_decisions(tmp_path, tiny_nli_dir):
    from claimcheck.train.calibrate import fit_decisions, main

    model = shutil.copytree(tiny_nli_dir, tmp_path / "model")
    res = fit_decisions(model, DECISIONS, write=True)
    assert res["n"] == 11 and res["after"]["n"] == 11
    assert res["after"]["macro_f1"] >= res["before"]["macro_f1"]  # the fit never does worse
    cal = json.loads((model / "calibration.json").read_text())
    assert cal["entail_threshold"] == res["thresholds"]["entail_threshold"]
    assert "editor decisions" in cal["thresholds_fitted_on"]
    main(["--model", str(model), "--decisions", str(DECISIONS)])  # the command, not written
    assert json.loads((model / "calibration.json").read_text()) == cal
