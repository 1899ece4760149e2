"""Grounded checking (issue #35): a generated text against its source document."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from claimcheck.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "bench"


@pytest.fixture(scope="module")
def checker():
    from claimcheck import ClaimChecker

    return ClaimChecker({"progress": False})


def test_every_sentence_must_be_supported(checker):
    doc = ("NATO leaders met in Washington, D.C., from 9 to 11 July 2024. The meeting marked the "
           "75th anniversary of the alliance, which was founded in 1949.")
    text = "NATO was founded in 1949. The alliance was founded in Paris in 1970."
    one, both = checker.check_grounded([(doc, "NATO was founded in 1949."), (doc, text)])
    assert one.label == "supported" and one.supported
    assert both.label == "unsupported"
    assert [s.text for s in both.sentences] == ["NATO was founded in 1949.",
                                                "The alliance was founded in Paris in 1970."]
    for s in both.sentences:  # offsets into the generated text
        assert text[s.start:s.end] == s.text
        for ev in s.evidence:  # and into the document
            assert doc[ev.start:ev.end] == ev.text
    assert both.sentences[1].label.value != "supported"
    assert 0.0 <= both.score <= one.score <= 1.0


def test_every_chunk_of_a_long_document_is_read():
    from claimcheck.types import Passage
    from claimcheck.verdict.grounded import chunks

    text = " ".join(f"Sentence number {i} has five words." for i in range(20))
    sents, pos = [], 0
    for i in range(20):
        s = f"Sentence number {i} has five words."
        a = text.index(s, pos)
        sents.append(Passage(id=i, doc_id="d", text=s, start=a, end=a + len(s)))
        pos = a + len(s)
    got = chunks(sents, text, 20, 100)
    assert [c.id for c in got] == list(range(100, 100 + len(got)))
    assert all(len(c.text.split()) <= 20 and text[c.start:c.end] == c.text for c in got)
    assert got[0].start == 0 and got[-1].end == len(text)  # nothing left unread
    assert all(a.end < b.start for a, b in itertools.pairwise(got))


def test_bad_pairs_are_clear_errors(checker):
    with pytest.raises(InputError, match="empty document"):
        checker.check_grounded([("  ", "A claim.")])
    with pytest.raises(InputError, match="empty claim"):
        checker.check_grounded([("A document.", "")])
    with pytest.raises(InputError, match="one title per pair"):
        checker.check_grounded([("A document.", "A claim.")], titles=["a", "b"])


def test_grounded_benchmark_reports_balanced_accuracy_and_auc(tmp_path, tiny_nli_dir):
    from claimcheck.bench import run

    res = run({"name": "g", "task": "grounded",
               "dataset": {"format": "grounded_jsonl", "path": str(FIX / "grounded"),
                           "split": "dev"},
               "pipeline": {"model": {"nli": str(tiny_nli_dir)}},
               "methods": ["model", "majority"],
               "metrics": ["balanced_accuracy", "roc_auc", "false_support"]},
              output=tmp_path)
    m = res["methods"]["model"]["metrics"]
    assert res["primary_metric"] == "balanced_accuracy"
    assert {"balanced_accuracy", "roc_auc", "false_support", "support_recall"} <= set(m)
    assert res["methods"]["majority"]["metrics"]["balanced_accuracy"] == 0.5
    rows = [json.loads(x) for x in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    assert [r["gold"] for r in rows] == ["supported", "unsupported", "unsupported"]
