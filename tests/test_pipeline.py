import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimcheck import ClaimChecker, ReferenceSet
from claimcheck.errors import ConfigError, InputError
from claimcheck.types import Label


@pytest.fixture(scope="module")
def nato_refs(nato_refs_dir):
    return ReferenceSet.from_path(nato_refs_dir)


def test_end_to_end_nato(tiny_checker, nato_article, nato_refs):
    report = tiny_checker.check(nato_article, references=nato_refs)
    assert len(report.claims) >= 15
    text = report.document.text
    for c in report.claims:
        assert text[c.start:c.end] == c.text
        assert isinstance(c.label, Label)
        # the reason names the rule that gave the label
        assert c.reason.startswith({Label.SUPPORTED: "entailed", Label.CONTRADICTED: "contradicted",
                                    Label.UNVERIFIED: ("no ", "none ", "the best")}[c.label])
        assert 0.0 <= c.score <= 1.0
        for e in c.evidence:
            assert nato_refs.document(e.doc_id).text[e.start:e.end] == e.text
    d = report.to_dict()
    assert d["counts"] == report.counts()
    df = report.to_dataframe()
    assert list(df["id"]) == [c.id for c in report.claims]
    # quotes do not depend on the NLI model: the article's nine, all Stoltenberg's but the nominal
    # attribution "criticisms from former President Donald Trump"
    assert len(report.quotes) == 9
    names = {sp.id: sp.name for sp in report.speakers}
    for q in report.quotes:
        assert text[q.start:q.end] == q.text
        who = "Donald Trump" if q.text.startswith("criticisms from") else "Jens Stoltenberg"
        assert names[q.speaker_id] == who


def test_determinism(tiny_config, nato_article, nato_refs_dir):
    a = ClaimChecker(tiny_config).check(nato_article, references=nato_refs_dir)
    b = ClaimChecker(tiny_config).check(nato_article, references=nato_refs_dir)
    assert a.to_json(timings=False) == b.to_json(timings=False)
    assert "timings" in json.loads(a.to_json())["meta"]


def test_check_claims_keeps_order(tiny_checker, nato_refs):
    claims = ["NATO was founded in 1949.", "Hungary will block the NATO mission.", "Cats purr."]
    report = tiny_checker.check_claims(claims, references=nato_refs)
    assert [c.text for c in report.claims] == claims
    for c in report.claims:
        assert report.document.text[c.start:c.end] == c.text


def test_no_evidence_is_unverified(tiny_config):
    checker = ClaimChecker({**tiny_config, "retrieval": {"dense": False}})
    refs = ReferenceSet.from_texts(["Apples are red."])
    report = checker.check_claims(["Jupiter orbits quickly."], references=refs)
    assert report.claims[0].label is Label.UNVERIFIED
    assert report.claims[0].evidence == ()


def test_thresholds_above_one_never_support(tiny_config, nato_refs):
    cfg = {**tiny_config, "verdict": {"entail_threshold": 1.0, "contradict_threshold": 1.0}}
    report = ClaimChecker(cfg).check_claims(["NATO was founded in 1949."], references=nato_refs)
    assert report.claims[0].label is Label.UNVERIFIED


def test_judge_given_passages(tiny_checker):
    res = tiny_checker.judge(["A", "B"], [["p1", "p2"], []])
    assert len(res) == 2 and res[1].label is Label.UNVERIFIED


def test_bad_inputs(tiny_checker, nato_refs):
    with pytest.raises(InputError):
        tiny_checker.check("   ", references=nato_refs)
    with pytest.raises(InputError):
        tiny_checker.check_claims([], references=nato_refs)
    with pytest.raises(ConfigError, match="unknown key 'retrieval.topk'"):
        ClaimChecker({"retrieval": {"topk": 3}})


sentence = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
                   min_size=0, max_size=60)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(sentence, min_size=1, max_size=6))
def test_every_span_slices_to_its_text(tiny_checker, parts):
    text = "\n".join(p + "." for p in parts)
    if not text.strip(" .\n"):
        return
    refs = ReferenceSet.from_texts(["NATO was founded in 1949. Sweden joined in 2024."])
    try:
        report = tiny_checker.check(text, references=refs)
    except InputError:
        return
    t = report.document.text
    for c in report.claims:
        assert t[c.start:c.end] == c.text
    for n in report.non_claims:
        assert t[n.start:n.end] == n.text
    for s in (*report.document.paragraphs, *report.document.headings):
        assert t[s.start:s.end] == s.text


def test_evidence_offsets_slice_the_documents_the_report_carries(tiny_checker, nato_article,
                                                                  nato_refs_dir):
    report = tiny_checker.check(nato_article, nato_refs_dir)
    docs = {d.id: d for d in report.evidence_documents}
    evidence = [ev for c in report.claims for ev in c.evidence]
    assert evidence and {ev.doc_id for ev in evidence} == set(docs)
    for ev in evidence:
        assert docs[ev.doc_id].text[ev.start:ev.end] == ev.text
    d = report.to_dict()["evidence_documents"][0]
    assert set(d) == {"id", "text", "title", "source", "date"}
