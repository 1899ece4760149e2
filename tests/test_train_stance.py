"""The stance recipe's data (issue #13): stance rows -> NLI pairs against the stance templates."""

from __future__ import annotations

from collections import Counter

import pytest

from claimcheck.config import load_config
from claimcheck.errors import ConfigError
from claimcheck.quotes.stance import StanceConfig
from claimcheck.train.config import StanceTrainConfig
from claimcheck.train.data import LABEL2ID
from claimcheck.train.stance import to_pairs, unrelated_rows


def _cfg(**kw):
    base = {"sets": [{"name": "a", "benchmark": "configs/benchmarks/pstance_val.yaml",
                      "license": "test"}]}
    return StanceTrainConfig.model_validate({**base, **kw})


ROWS = ([{"id": f"a{i}", "text": f"text {i}", "target": "Joe Biden", "label": lab,
          "source": "a"} for i, lab in enumerate(["favor", "against"] * 20)]
        + [{"id": f"b{i}", "text": f"news {i}", "target": f"Claim {i}", "label": lab,
            "source": "b"} for i, lab in enumerate(["favor", "against", "none"] * 10)])


def test_pairs_follow_the_templates_and_the_labels():
    stance = StanceConfig()
    pairs = to_pairs(ROWS, _cfg(mask_two_way=True), stance)
    assert len(pairs) == len(ROWS)
    by_id = {r["id"]: r for r in ROWS}
    forms = Counter()
    for p in pairs:
        r = by_id[p.id]
        favor_hyp = "supports" in p.hypothesis
        assert favor_hyp != ("opposes" in p.hypothesis)
        assert p.hypothesis.endswith(f"{r['target']}.")
        if r["label"] == "none":
            assert p.label == LABEL2ID["neutral"]
        else:
            same = (r["label"] == "favor") == favor_hyp
            assert p.label == LABEL2ID["entailment" if same else "contradiction"]
        if p.premise == r["text"]:
            forms["text"] += 1
            assert p.hypothesis.startswith("The author ")
        else:
            forms["quote"] += 1
            who = p.premise.split(" said: ")[0]
            assert p.premise == f"{who} said: {r['text']}" and p.hypothesis.startswith(who)
        # with mask_two_way a set without a none class is two-way (neutral logit masked)
        assert p.two_way == (r["source"] == "a")
    assert forms["text"] and forms["quote"]
    assert to_pairs(ROWS, _cfg(mask_two_way=True), stance) == pairs  # seeded: same pairs
    assert to_pairs(ROWS, _cfg(mask_two_way=True, seed=7), stance) != pairs
    three = to_pairs(ROWS, _cfg(), stance)  # the default: every set three-way
    assert not any(p.two_way for p in three)
    assert [(p.premise, p.hypothesis, p.label) for p in three] == [
        (p.premise, p.hypothesis, p.label) for p in pairs]


def test_unrelated_rows_pair_a_text_with_another_sets_target():
    extra = unrelated_rows(ROWS, 10, seed=13)
    assert len(extra) == 10 and all(r["label"] == "none" for r in extra)
    targets = {s: {r["target"] for r in ROWS if r["source"] == s} for s in ("a", "b")}
    texts = {r["text"]: r["source"] for r in ROWS}
    for r in extra:
        own = texts[r["text"]]
        assert r["target"] not in targets[own]
    assert unrelated_rows(ROWS[:5], 10, seed=13) == []  # one set only: nothing to pair with


def test_stance_config_needs_sets_and_licenses(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("sets: []\n")
    with pytest.raises(ConfigError, match="sets"):
        load_config(StanceTrainConfig, bad)
    bad.write_text("sets: [{name: a, benchmark: configs/benchmarks/pstance_val.yaml}]\n")
    with pytest.raises(ConfigError, match="license"):
        load_config(StanceTrainConfig, bad)


def test_research_only_sets_never_train_a_packaged_model(tmp_path):
    research = [{"name": "vast", "benchmark": "configs/benchmarks/vast_dev.yaml",
                 "license": "none stated", "research_only": True}]
    with pytest.raises(ValueError, match="research_only.*Fix: set output_dir under runs/"):
        _cfg(sets=research)  # the default output_dir is the packaged stance-mpnet-v1
    cfg = _cfg(sets=research, output_dir=str(tmp_path / "m"))
    assert cfg.research_sets == ["vast"]
    from claimcheck.train.stance_card import write_stance_card

    meta = {"rows_per_set": {"vast": 3}, "stance_per_set": {"vast": {"favor": 3}},
            "config": "c.yaml", "config_sha256": "0" * 64, "train_pairs": 6,
            "hardware": "test"}
    card = write_stance_card(cfg, tmp_path, meta, {}).read_text()
    assert "(research use only)" in card.splitlines()[0]
    assert "**Research use only.** Trained on vast," in card and "Left out on purpose" not in card
    plain = write_stance_card(_cfg(output_dir=str(tmp_path / "m")), tmp_path,
                              {**meta, "rows_per_set": {"a": 3}}, {}).read_text()
    assert "research use" not in plain.lower() and "Left out on purpose: **VAST**" in plain


def test_sentence_none_rows_are_single_sentences_of_the_listed_labels():
    from claimcheck.train.config import StanceSet
    from claimcheck.train.stance import _sentence_rows

    body = ("Officials did not confirm the report on Monday evening at all. Short one. "
            "A spokesperson said the ministry would look into the matter carefully this week.")
    examples = [{"id": str(i), "text": body, "target": f"Headline {i}",
                 "label": "unrelated" if i % 2 else "agree"} for i in range(10)]
    spec = StanceSet(name="fnc1", benchmark="x.yaml", license="test",
                     sentence_none={"unrelated": 3})
    rows = _sentence_rows(spec, examples, seed=13)
    assert len(rows) == 3 and {r["label"] for r in rows} == {"none"}
    assert {r["source"] for r in rows} == {"fnc1_sentences"}
    for r in rows:
        assert int(r["id"].rsplit(":", 1)[1]) % 2 == 1  # only 'unrelated' texts
        assert r["text"] in body and r["text"] != "Short one." and r["text"].endswith(".")
        assert r["target"] == f"Headline {r['id'].rsplit(':', 1)[1]}"
    assert rows == _sentence_rows(spec, examples, seed=13)  # seeded


def test_entity_none_rows_pair_a_sentence_with_a_name_it_contains():
    from claimcheck.text.nlp import load_spacy, only
    from claimcheck.train.config import StanceSet
    from claimcheck.train.stance import _entity_rows

    bodies = ["The weather was mild and nothing at all happened in the town that day. Short one.",
              "Officials in Budapest said on Monday that Hungary will not join the new command. "
              "Foreign minister Peter Szijjarto repeated that position in Vienna on Tuesday.",
              "Angela Merkel met Emmanuel Macron in Paris to discuss the budget of the union."]
    examples = [{"id": str(i), "text": bodies[i % 3], "target": f"Headline {i}",
                 "label": "unrelated"} for i in range(9)]
    spec = StanceSet(name="fnc1", benchmark="x.yaml", license="test", entity_none=5)
    nlp = load_spacy()
    with only(nlp, "ner"):
        rows = _entity_rows(spec, examples, 13, nlp)
        again = _entity_rows(spec, examples, 13, nlp)
    assert rows == again  # seeded
    # every sentence that names someone, once (round robin over the three distinct bodies)
    assert len(rows) == 3 and len({r["text"] for r in rows}) == 3
    assert {r["label"] for r in rows} == {"none"} and {r["source"] for r in rows} == {"fnc1_entities"}
    for r in rows:
        assert r["target"] in r["text"] and any(r["text"] in b for b in bodies)


def test_drop_targets_leaves_a_targets_rows_out(monkeypatch):
    from types import SimpleNamespace

    import claimcheck.bench.runner as runner
    from claimcheck.train.stance import stance_rows

    examples = [{"id": str(i), "text": f"tweet {i}", "target": t, "label": "favor"}
                for i, t in enumerate(["Atheism", "Hillary Clinton", "atheism ", "Feminist Movement"])]
    monkeypatch.setattr(runner, "training_part", lambda config: SimpleNamespace(examples=examples))
    cfg = StanceTrainConfig.model_validate({"sets": [
        {"name": "semeval", "benchmark": "x.yaml", "license": "test",
         "drop_targets": ["ATHEISM"]}]})
    rows = stance_rows(cfg)
    assert [r["target"] for r in rows] == ["Hillary Clinton", "Feminist Movement"]
    kept = StanceTrainConfig.model_validate({"sets": [
        {"name": "semeval", "benchmark": "x.yaml", "license": "test"}]})
    assert len(stance_rows(kept)) == 4
