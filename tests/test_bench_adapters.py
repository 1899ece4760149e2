"""Each dataset adapter on a tiny fixture in the published format (tests/fixtures/bench)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from claimcheck.bench.adapters import Source, get_adapter
from claimcheck.bench.adapters.other import parse_brat
from claimcheck.errors import ConfigError, DataError

FIX = Path(__file__).resolve().parent / "fixtures" / "bench"


def load(fmt, folder, split, task, files=None, options=None):
    return get_adapter(fmt).load(Source(FIX / folder, split, files or {}), task, options or {})


def labels(loaded):
    return Counter(e["label"] for e in loaded.examples)


def test_fnc1_competition_test_and_train():
    test = load("fnc1", "fnc1", "test", "stance")
    assert labels(test) == {"agree": 1, "disagree": 1, "unrelated": 2, "discuss": 1}
    assert test.kind == "headline_body" and len(test.files) == 2
    assert test.examples[0]["target"] == "Comet to pass Earth Friday"
    train = load("fnc1", "fnc1", "train", "stance")
    assert len(train.examples) == 8
    assert '"boom"' in train.examples[0]["text"] and "\n" in train.examples[0]["text"]


def test_fnc1_split_files_override_and_fallback():
    dev = load("fnc1", "fnc1", "dev", "stance",
               {"stances": "train_stances.csv", "bodies": "train_bodies.csv"})
    assert len(dev.examples) == 8
    with pytest.warns(UserWarning, match="split_files"):
        t = load("fnc1", "fnc1", "test", "stance", {"stances": "missing.csv"})
    assert len(t.examples) == 5
    with pytest.raises(DataError, match="No stances file"):
        load("fnc1", "fnc1", "nosuch", "stance")


def test_arc():
    arc = load("arc", "arc", "test", "stance")
    assert labels(arc) == {"disagree": 2, "unrelated": 1}


def test_fever_symmetric():
    d = load("fever_symmetric", "fever_symmetric", "test", "nli_pairs")
    assert labels(d) == {"entailment": 2, "contradiction": 1}
    assert d.label_space == ["entailment", "contradiction"]
    assert d.examples[0]["hypothesis"] == "Lost is a political party ."


def test_climate_fever_pair_and_claim_level():
    pairs = load("climate_fever", "climate_fever", "test", "nli_pairs")
    assert len(pairs.examples) == 20
    assert labels(pairs)["contradiction"] == 3
    claims = load("climate_fever", "climate_fever", "test", "claim_verification")
    assert [e["label"] for e in claims.examples] == ["supported", "contradicted", "disputed",
                                                     "unverified"]
    assert len(claims.examples[0]["passages"]) == 5


def test_scifact_csv_splits_abstract_into_sentences():
    d = load("scifact_csv", "scifact_csv", "dev", "claim_verification")
    assert [e["label"] for e in d.examples] == ["supported", "contradicted", "unverified"]
    assert d.examples[0]["passages"][1] == "Aspirin reduced heart attacks by 20%."


def test_multivers_citation_integrity():
    d = load("multivers", "citation_integrity", "dev", "claim_verification")
    assert [e["label"] for e in d.examples] == ["supported", "contradicted", "unverified"]
    assert len(d.examples[2]["passages"]) == 4
    assert len(d.files) == 2


def test_healthver_wice_sick_anli_nli_jsonl():
    assert labels(load("healthver", "healthver", "test", "nli_pairs")) == {
        "neutral": 1, "entailment": 1, "contradiction": 1}
    wp = load("wice", "wice", "test", "nli_pairs")
    assert labels(wp) == {"entailment": 1, "not_entailment": 1}
    wc = load("wice", "wice", "test", "claim_verification")
    assert [e["label"] for e in wc.examples] == ["supported", "unverified", "unverified"]
    sick = load("sick", "sick", "test", "nli_pairs")
    assert [e["id"] for e in sick.examples] == ["3", "4"]
    assert sick.examples[1]["premise"] == 'A child "smiles"'
    assert [e["id"] for e in load("sick", "sick", "dev", "nli_pairs").examples] == ["2"]
    anli = load("anli", "anli/R3", "test", "nli_pairs")
    assert [e["label"] for e in anli.examples] == ["entailment", "contradiction", "neutral"]
    nj = load("nli_jsonl", "nli_jsonl", "dev", "nli_pairs")
    assert [e["id"] for e in nj.examples] == ["x1", "x3"]  # claim-only row skipped


def test_semeval2016_tweeteval_layout():
    d = load("semeval2016", "semeval2016", "test", "stance")
    assert len(d.examples) == 5
    hill = [e for e in d.examples if e["target"] == "Hillary Clinton"]
    assert [e["label"] for e in hill] == ["favor", "against", "none"]
    only = load("semeval2016", "semeval2016", "test", "stance", options={"targets": ["atheism"]})
    assert {e["target"] for e in only.examples} == {"Atheism"}
    with pytest.raises(ConfigError, match="Unknown dataset.options"):
        load("semeval2016", "semeval2016", "test", "stance", options={"target": "x"})


def test_pstance_and_vast():
    p = load("pstance", "pstance", "test", "stance")
    assert labels(p) == {"favor": 2, "against": 1}
    assert len(p.files) == 2
    v = load("vast", "vast", "test", "stance")
    assert [e["label"] for e in v.examples] == ["favor", "against", "none"]
    assert len(load("vast", "vast", "test", "stance", options={"seen": 0}).examples) == 2


def test_polnear_brat():
    d = load("polnear", "polnear", "test", "quote_attribution")
    assert len(d.examples) == 1  # first annotator only
    doc = d.examples[0]
    q1, q2 = doc["quotes"]
    assert doc["text"][q1["start"]:q1["end"]] == "that the team avoided the hospital"
    assert q1["source"]["text"] == "The New York Post"
    assert len(q2["spans"]) == 2 and q2["source"]["text"] == "a spokesman"
    both = load("polnear", "polnear", "test", "quote_attribution", options={"annotator": "all"})
    assert [len(x["quotes"]) for x in both.examples] == [2, 1]


def test_parse_brat_discontinuous():
    text = "abcdefghij"
    qs = parse_brat("T1\tContent 0 2;4 6\tab ef\nE1\tAttribution:T9 Content:T1\n", text)
    assert qs[0]["spans"] == [[0, 2], [4, 6]] and qs[0]["text"] == "ab ef"


def test_clef2019_and_claimbuster():
    d = load("clef2019", "clef2019", "test", "check_worthiness")  # finds test_annotated/
    assert len(d.examples) == 7 and len(d.files) == 2
    assert {e["group"] for e in d.examples} == {"20160926_1pres", "20161010_2pres"}
    assert d.examples[5]["text"] == 'I will bring back jobs "soon".'
    assert sum(e["label"] for e in d.examples) == 3
    cb = load("claimbuster", "claimbuster", "test", "check_worthiness")
    assert [e["label"] for e in cb.examples] == [1, 0, 0]


def test_unknown_format():
    with pytest.raises(ConfigError, match="Available formats"):
        get_adapter("nope")


def test_perspectrum_claim_perspective_pairs():
    d = load("perspectrum", "perspectrum", "dev", "stance")
    assert d.label_space == ["favor", "against"]
    assert labels(d) == {"favor": 2, "against": 1}
    first = d.examples[0]
    assert first["text"] == "Parents know what is best for their child."
    assert first["target"] == "Male infant circumcision is tantamount to child abuse"
    assert first["label"] == "against" and first["id"] == "perspectrum-dev-c1-k0-p1"
    with pytest.raises(DataError, match="No pairs file"):
        load("perspectrum", "perspectrum", "train", "stance")


def test_grounded_jsonl():
    g = load("grounded_jsonl", "grounded", "dev", "grounded")
    assert labels(g) == {"supported": 1, "unsupported": 2}
    assert g.label_space == ["supported", "unsupported"]
    assert g.examples[0]["group"] == g.examples[1]["group"] != g.examples[2]["group"]


def test_llm_aggrefact_keeps_one_dataset():
    every = load("llm_aggrefact", "llm_aggrefact", "test", "grounded")
    assert len(every.examples) == 3
    one = load("llm_aggrefact", "llm_aggrefact", "test", "grounded",
               options={"dataset": "ExpertQA"})
    assert labels(one) == {"supported": 1, "unsupported": 1}
    with pytest.raises(DataError, match="holds"):
        load("llm_aggrefact", "llm_aggrefact", "test", "grounded", options={"dataset": "LFQA"})
    with pytest.raises(DataError, match="not LLM-AggreFact"):
        load("llm_aggrefact", "grounded", "dev", "grounded")


def test_grounded_label_errors_name_the_fix():
    from claimcheck.bench.adapters.grounded import grounded_label

    assert grounded_label("1", "x") == "supported" and grounded_label(0, "x") == "unsupported"
    with pytest.raises(DataError, match="1 \\(supported"):
        grounded_label("maybe", "x")
