"""The shipped default model: integrity, label mapping and behaviour on the NATO example.

Marked slow (it loads the real 22.7M-parameter model); still part of `make test` and CI.
"""

import json

import pytest

from claimcheck import ClaimChecker, ReferenceSet
from claimcheck.types import Label
from claimcheck.verdict.nli import DEFAULT_MODEL_DIR, NLIModel

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_checker():
    return ClaimChecker({"progress": False})


def test_artifact_is_complete_and_verified():
    for name in ("model.safetensors", "config.json", "tokenizer.json", "calibration.json",
                 "MODEL_CARD.md", "training.json", "metrics.json"):
        assert (DEFAULT_MODEL_DIR / name).is_file(), name
    assert not list(DEFAULT_MODEL_DIR.glob("*.bin"))
    assert (DEFAULT_MODEL_DIR / "model.safetensors").stat().st_size < 100e6
    nli = NLIModel("default").load()  # verifies the sha256
    assert sorted(nli.label_map.values()) == ["contradiction", "entailment", "neutral"]
    cal = json.loads((DEFAULT_MODEL_DIR / "calibration.json").read_text())
    assert cal["temperature"] > 0 and 0 < cal["entail_threshold"] < 1


def test_clear_pairs():
    nli = NLIModel("default")
    p = nli.predict([
        ("Sweden joined NATO in March 2024.", "Sweden joined NATO in March 2024."),
        ("Sweden joined NATO in March 2024.", "Sweden never joined NATO."),
    ])
    assert p[0].argmax() == 0  # entailment
    assert p[1, 2] > p[1, 0]  # contradiction beats entailment


def test_nato_gold_never_calls_unverified_supported(default_checker, nato_refs_dir):
    from conftest import EXAMPLE

    gold = [json.loads(line) for line in (EXAMPLE / "gold.jsonl").read_text().splitlines()]
    refs = ReferenceSet.from_path(nato_refs_dir)
    report = default_checker.check_claims([g["claim"] for g in gold], references=refs)
    for g, c in zip(gold, report.claims, strict=True):
        if g["label"] == "unverified":
            assert c.label is not Label.SUPPORTED, g["claim"]
    correct = sum(g["label"] == c.label.value for g, c in zip(gold, report.claims, strict=True))
    assert correct / len(gold) >= 0.5


def test_nato_article_report(default_checker, nato_article, nato_refs_dir):
    report = default_checker.check(nato_article, references=nato_refs_dir)
    text = report.document.text
    assert len(report.claims) >= 20
    mutual = [c for c in report.claims if "mutual defense" in c.text]
    assert mutual and all(c.label is not Label.SUPPORTED for c in mutual)
    assert any(f.kind == "loaded_term" and "mutual defense" in f.text for f in report.flags)
    assert any(f.kind == "meta" and "SEO-optimized" in f.text for f in report.flags)
    assert any("Stoltenberg" in s.name for s in report.speakers)
    for obj in (*report.claims, *report.quotes, *report.flags, *report.non_claims):
        assert text[obj.start:obj.end] == obj.text
    queue = report.review_queue()
    assert queue and queue[0].label in ("contradicted", "unverified")
    # stances come from the packaged stance model, recorded with its hash
    from pathlib import Path

    from claimcheck.config import file_sha256
    from claimcheck.quotes.stance import default_stance_model, stance_model_path
    from claimcheck.verdict.nli import weights_file

    assert report.stances and report.meta["stance_model"] == default_stance_model()
    weights = weights_file(Path(stance_model_path("default")))
    assert report.meta["stance_weights_sha256"] == file_sha256(weights)
    ids = {q.id for q in report.quotes}
    assert all(st.quote_ids and set(st.quote_ids) <= ids for st in report.stances)
