"""Stance of quoted speakers (issues #5, #13): the zero-shot rules and the trained model's 3-way
argmax on hand-made probabilities, tables, and an end-to-end run with the tiny random NLI model."""

from __future__ import annotations

import numpy as np
import pytest

from claimcheck.quotes.stance import (
    StanceConfig,
    StanceTemplates,
    aggregate_stance,
    canonical_target,
    mentions_target,
    predict_stance,
    score_stances,
    stance_table,
)
from claimcheck.types import Quote, Speaker, Stance


class FakeNLI:
    """Returns set probabilities per (premise keyword, hypothesis verb); counts predict calls."""

    def __init__(self, table):
        self.table, self.calls = table, 0

    def predict(self, pairs):
        self.calls += 1
        out = []
        for premise, hyp in pairs:
            row = [0.0, 1.0, 0.0]
            for (word, verb), probs in self.table.items():
                if word in premise and verb in hyp:
                    row = probs
            out.append(row)
        return np.asarray(out, dtype=float)


SPEAKERS = [Speaker(id=0, name="Jens Stoltenberg", title="Secretary-General"),
            Speaker(id=1, name="Viktor Orban")]
QUOTES = [
    Quote(id=0, text="We will keep arming Ukraine.", start=0, end=1, kind="direct", speaker_id=0),
    Quote(id=1, text="Ukraine deserves our help and Russia must lose.", start=2, end=3,
          kind="direct", speaker_id=0),
    Quote(id=2, text="Hungary will not send weapons to Ukraine.", start=4, end=5,
          kind="indirect", speaker_id=1),
]
ZS = StanceConfig(model="judge")  # the zero-shot rules (the judge as the stance model)

TABLE = {
    # premise keyword, hypothesis verb -> [entail, neutral, contradict]
    ("arming", "supports"): [0.9, 0.1, 0.0],
    ("arming", "opposes"): [0.0, 0.2, 0.8],
    ("deserves", "supports"): [0.5, 0.5, 0.0],
    ("deserves", "opposes"): [0.1, 0.5, 0.4],
    ("send weapons", "supports"): [0.1, 0.2, 0.7],
    ("send weapons", "opposes"): [0.6, 0.3, 0.1],
}


def test_aggregation_on_hand_made_probabilities():
    nli = FakeNLI(TABLE)
    stances = score_stances(QUOTES, SPEAKERS, nli, targets=["Ukraine"],
                            config=StanceConfig(model="judge", threshold=0.2))
    assert nli.calls == 1  # every pair in one batch
    assert [(s.speaker, s.target) for s in stances] == [("Jens Stoltenberg", "Ukraine"),
                                                        ("Viktor Orban", "Ukraine")]
    stolt, orban = stances
    # quote 0: favor 0.9+0.8, against 0+0 -> s=0.85, relevance 1-(0.1+0.2)/2=0.85
    # quote 1: favor 0.5+0.4, against 0.1+0 -> s=0.40, relevance 0.5
    expected = (0.85 * 0.85 + 0.5 * 0.40) / (0.85 + 0.5)
    assert stolt.score == pytest.approx(expected, abs=1e-4)
    assert stolt.label == "favor"
    assert stolt.quote_ids == (0, 1)  # strongest first
    # quote 2: favor 0.1+0.1, against 0.6+0.7 -> s=-0.55
    assert orban.score == pytest.approx(-0.55, abs=1e-4)
    assert orban.label == "against"
    assert orban.quote_ids == (2,)


def test_aggregate_stance_neutral_and_threshold():
    q = QUOTES[:2]
    st = aggregate_stance(SPEAKERS[0], "Russia", q, [0.3, -0.2], [0.5, 0.5], threshold=0.2)
    assert st.score == pytest.approx(0.05)
    assert st.label == "neutral"
    assert st.quote_ids == (0, 1)
    st = aggregate_stance(SPEAKERS[0], "Russia", q, [0.3, -0.2], [1.0, 0.0], threshold=0.2)
    assert st.label == "favor" and st.quote_ids == (0,)
    zero = aggregate_stance(SPEAKERS[0], "Russia", q, [0.9, 0.9], [0.0, 0.0])
    assert zero.score == 0.0 and zero.label == "neutral"


def test_quotes_mentioning_the_target_are_preferred():
    nli = FakeNLI(TABLE)
    [st] = score_stances(QUOTES, SPEAKERS[:1], nli, targets=["Russia"], config=ZS)
    assert st.quote_ids == (1,)  # only quote 1 mentions Russia
    [st] = score_stances(QUOTES, SPEAKERS[:1], nli, targets=["continued military support"],
                         config=ZS)
    # no quote mentions it: both of the speaker's quotes are considered, and both lean favor
    assert st.label == "favor" and st.quote_ids == (0, 1)


def test_auto_targets_come_from_the_quotes():
    nli = FakeNLI(TABLE)
    stances = score_stances(QUOTES, SPEAKERS, nli, config=ZS)
    pairs = {(s.speaker, s.target) for s in stances}
    assert ("Jens Stoltenberg", "Ukraine") in pairs
    assert ("Jens Stoltenberg", "Russia") in pairs
    assert ("Viktor Orban", "Hungary") in pairs
    assert ("Viktor Orban", "Russia") not in pairs  # Orban's quote does not mention Russia
    keys = [(s.speaker, s.target) for s in stances]
    assert keys == sorted(keys, key=lambda k: (k[0].lower(), k[1].lower()))
    cfg = StanceConfig(auto_targets=False)
    assert score_stances(QUOTES, SPEAKERS, nli, config=cfg) == []


def test_custom_templates_are_used():
    seen = []

    class Spy(FakeNLI):
        def predict(self, pairs):
            seen.extend(pairs)
            return super().predict(pairs)

    cfg = StanceConfig(model="judge",
                       templates=StanceTemplates(favor="{speaker} backs {target}.",
                                                 against="{speaker} rejects {target}."),
                       premise="{quote}", calibrate=False)
    score_stances(QUOTES[:1], SPEAKERS, Spy(TABLE), config=cfg, targets=["Ukraine"])
    assert seen == [("We will keep arming Ukraine.", "Jens Stoltenberg backs Ukraine."),
                    ("We will keep arming Ukraine.", "Jens Stoltenberg rejects Ukraine.")]


def test_calibration_subtracts_the_content_free_premise():
    table = dict(TABLE)
    table[("something about", "supports")] = [0.6, 0.2, 0.2]  # bias: s_null = 0.2
    [st] = score_stances(QUOTES[2:], SPEAKERS, FakeNLI(table), targets=["Ukraine"], config=ZS)
    assert st.score == pytest.approx(-0.55 - 0.2, abs=1e-4)
    [raw] = score_stances(QUOTES[2:], SPEAKERS, FakeNLI(table), targets=["Ukraine"],
                          config=StanceConfig(model="judge", calibrate=False))
    assert raw.score == pytest.approx(-0.55, abs=1e-4)
    out = predict_stance(FakeNLI(table), ["the weather", "more weather"], ["X"], zero_shot=True)
    assert [lab for lab, _ in out] == ["against", "against"]  # -0.2 after calibration
    assert predict_stance(FakeNLI(table), ["the weather"], ["X"], calibrate=False,
                          zero_shot=True)[0][0] == "none"


def test_predict_stance_labels_and_shapes():
    nli = FakeNLI({("good", "supports"): [0.9, 0.1, 0.0], ("bad", "opposes"): [0.8, 0.2, 0.0]})
    out = predict_stance(nli, ["a good idea", "a bad idea", "the weather"], ["X"],
                         zero_shot=True)
    assert [lab for lab, _ in out] == ["favor", "against", "none"]
    assert all(-1 <= s <= 1 for _, s in out)
    assert nli.calls == 1
    assert predict_stance(nli, [], [], zero_shot=True) == []
    with pytest.raises(ValueError, match="one target per text"):
        predict_stance(nli, ["a", "b"], ["x", "y", "z"], zero_shot=True)
    tpl = {"favor": "{target} is good.", "against": "{target} is bad."}
    assert predict_stance(nli, ["a good idea"], ["X"], templates=tpl,
                          zero_shot=True)[0][0] == "none"


TRAINED = {
    ("good", "supports"): [0.9, 0.1, 0.0], ("good", "opposes"): [0.0, 0.1, 0.9],
    ("bad", "supports"): [0.1, 0.1, 0.8], ("bad", "opposes"): [0.8, 0.1, 0.1],
    # a lean the zero-shot threshold calls favor (score 0.3) but the model calls no stance
    ("fine", "supports"): [0.4, 0.5, 0.1], ("fine", "opposes"): [0.1, 0.5, 0.4],
}


class PairSpy(FakeNLI):
    def predict(self, pairs):
        self.pairs = list(pairs)
        return super().predict(pairs)


def test_trained_model_labels_by_the_3_way_argmax_without_a_null_premise():
    nli = PairSpy(TRAINED)
    texts = ["a good idea", "a bad idea", "the weather", "a fine idea"]
    out = predict_stance(nli, texts, ["X"])  # the default stance model is a trained one
    assert [lab for lab, _ in out] == ["favor", "against", "none", "none"]
    assert len(nli.pairs) == 2 * len(texts)  # no content-free premises
    assert predict_stance(FakeNLI(TRAINED), ["a fine idea"], ["X"], zero_shot=True,
                          calibrate=False)[0][0] == "favor"
    # two-way label sets (no none): the sign of the score
    assert [lab for lab, _ in predict_stance(FakeNLI(TRAINED), texts, ["X"], two_way=True)] == [
        "favor", "against", "favor", "favor"]
    assert not StanceConfig().is_zero_shot and StanceConfig(model="judge").is_zero_shot
    assert StanceConfig(model="judge", zero_shot=False).is_zero_shot is False


def test_trained_aggregation_weighs_quotes_by_relevance():
    qs = [Quote(id=i, text="q", start=0, end=1, kind="direct", speaker_id=0) for i in range(4)]
    probs = np.array([[0.05, 0.9, 0.05]] + [[0.1, 0.1, 0.8]] * 3)
    st = aggregate_stance(SPEAKERS[0], "Russia", qs, probs[:, 0] - probs[:, 1], 1 - probs[:, 2],
                          probs=probs)
    assert st.label == "against" and st.quote_ids[0] == 0
    quiet = np.array([[0.1, 0.1, 0.8]] * 3)
    st = aggregate_stance(SPEAKERS[0], "Russia", qs[:3], quiet[:, 0] - quiet[:, 1],
                          1 - quiet[:, 2], probs=quiet)
    assert st.label == "neutral" and st.quote_ids == (0, 1, 2)


def test_trained_aggregation_weighs_quotes_by_how_clearly_they_take_a_side():
    # the NATO case: one clear favor quote (0.92 / 0.08) against two that lean against
    # (0.20 / 0.80, 0.34 / 0.66); the relevance-weighted mean would say against (0.49 / 0.51)
    qs = [Quote(id=i, text="q", start=0, end=1, kind="direct", speaker_id=0) for i in range(3)]
    probs = np.array([[0.92, 0.08, 0.0], [0.20, 0.80, 0.0], [0.34, 0.66, 0.0]])
    s = probs[:, 0] - probs[:, 1]
    st = aggregate_stance(SPEAKERS[0], "Ukraine", qs, s, 1 - probs[:, 2], probs=probs)
    assert st.label == "favor" and st.quote_ids == (0,)
    assert st.score == pytest.approx(float((np.abs(s) * s).sum() / np.abs(s).sum()), abs=1e-4)
    # zero-shot (no probs): relevance weights, as before
    zs = aggregate_stance(SPEAKERS[0], "Ukraine", qs, s, [1.0, 1.0, 1.0], threshold=0.02)
    assert zs.score == pytest.approx(float(s.mean()), abs=1e-4) and zs.label == "against"


def test_config_is_strict_and_frozen():
    with pytest.raises(ValueError):
        StanceConfig(thresholds=0.3)
    cfg = StanceConfig.model_validate({"targets": ["Ukraine"], "threshold": 0.3})
    with pytest.raises(ValueError):
        cfg.threshold = 0.5


def test_targets_and_aliases():
    assert canonical_target("U.S.") == "the United States"
    assert canonical_target("Ukraine’s") == "Ukraine"
    assert mentions_target("under various U.S. administrations", "the United States")
    assert mentions_target("criticisms regarding defense spending", "defence spending")
    assert mentions_target("Ukrainian forces", "Ukraine")
    assert not mentions_target("Russians", "Ukraine")


def test_auto_targets_of_the_nato_article(nato_article):
    from claimcheck.quotes.extract import extract_quotes
    from claimcheck.quotes.stance import propose_targets

    targets = propose_targets(*extract_quotes(nato_article))
    assert {"NATO", "Ukraine", "Russia", "the United States", "Hungary"} <= set(targets)
    assert "defense spending" in targets
    # possessors and intensifiers do not make targets ("the alliance’s steadfast support")
    assert not any("steadfast" in t or "alliance" in t for t in targets)


def test_stance_table():
    stances = [Stance(1, "Viktor Orban", "Ukraine", -0.5, "against", (2,)),
               Stance(0, "Jens Stoltenberg", "Ukraine", 0.7, "favor", (0, 1))]
    df = stance_table(stances)
    assert list(df["speaker"]) == ["Jens Stoltenberg", "Viktor Orban"]
    assert list(df.columns) == ["speaker", "title", "target", "label", "score", "explanation",
                                "n_quotes", "quote_ids", "quotes"]
    wide = stance_table(stances, wide=True)
    assert wide.loc["Jens Stoltenberg", "Ukraine"] == "favor (+0.70)"
    assert stance_table([]).empty


def test_end_to_end_with_tiny_model(tiny_nli_dir, nato_article):
    from claimcheck.quotes.extract import extract_quotes
    from claimcheck.verdict.nli import NLIModel

    quotes, speakers = extract_quotes(nato_article)
    stances = score_stances(quotes, speakers, NLIModel(str(tiny_nli_dir)))
    assert stances
    ids = {q.id for q in quotes}
    for st in stances:
        assert -1.0 <= st.score <= 1.0
        assert st.label in {"favor", "against", "neutral"}
        assert st.quote_ids and set(st.quote_ids) <= ids
    targets = {st.target for st in stances}
    assert {"Ukraine", "the United States"} <= targets
    again = score_stances(quotes, speakers, NLIModel(str(tiny_nli_dir)))
    assert again == stances  # deterministic


def test_aggregate_stance_default_threshold_is_the_configs():
    from claimcheck.quotes.stance import StanceConfig

    q = QUOTES[:1]
    st = aggregate_stance(SPEAKERS[0], "Russia", q, [0.1], [1.0])
    assert StanceConfig().threshold < 0.1 and st.label == "favor"


def test_the_stance_model_is_the_packaged_one_or_the_judge(tiny_nli_dir, monkeypatch):
    from pathlib import Path

    from claimcheck import precision
    from claimcheck.pipeline import ClaimChecker
    from claimcheck.quotes.stance import (
        DEFAULT_STANCE_MODEL,
        FAST_STANCE_MODEL,
        load_stance_model,
        stance_model_path,
    )
    from claimcheck.verdict.nli import MODELS_DIR, ModelConfig

    # 'default' is the mpnet model on a CPU with native bf16, the MiniLM one on an AVX2-only one
    for flags, name in (({"amx_bf16", "avx2"}, DEFAULT_STANCE_MODEL),
                        ({"avx512_bf16", "avx512f"}, DEFAULT_STANCE_MODEL),
                        ({"avx2"}, FAST_STANCE_MODEL)):  # the last stays for the load below
        monkeypatch.setattr(precision, "cpu_flags", lambda f=flags: frozenset(f))
        assert Path(stance_model_path("default")) == MODELS_DIR / name
    assert (MODELS_DIR / DEFAULT_STANCE_MODEL / "adapter_model.safetensors").is_file()
    assert (MODELS_DIR / FAST_STANCE_MODEL / "model.safetensors").is_file()
    assert Path(stance_model_path(DEFAULT_STANCE_MODEL)) == MODELS_DIR / DEFAULT_STANCE_MODEL
    assert stance_model_path("/some/folder") == "/some/folder"
    judge = object()
    assert load_stance_model(StanceConfig(model="judge"), ModelConfig(), judge) is judge
    m = load_stance_model(StanceConfig(), ModelConfig(batch_size=7))
    assert m.name_or_path == str(MODELS_DIR / FAST_STANCE_MODEL) and m.batch_size == 7
    checker = ClaimChecker({"model": {"nli": str(tiny_nli_dir)}, "stance": {"model": "judge"}})
    assert checker.stance_model is checker.nli


def test_target_order_does_not_depend_on_the_hash_seed():
    import os
    import subprocess
    import sys

    code = ("from claimcheck.quotes.stance import score_stances, StanceConfig\n"
            "from claimcheck.types import Quote, Speaker\n"
            "import numpy as np\n"
            "class N:\n"
            "    def predict(self, pairs):\n"
            "        return np.tile([0.2, 0.6, 0.2], (len(pairs), 1))\n"
            "q = [Quote(id=0, text='Nato and NATO and nato', start=0, end=1, kind='direct',"
            " speaker_id=0)]\n"
            "s = [Speaker(id=0, name='A B')]\n"
            "out = score_stances(q, s, N(), StanceConfig(model='judge'),"
            " targets=['nato', 'NATO', 'Nato'])\n"
            "print([x.target for x in out])\n")
    seen = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True)
        seen.add(r.stdout.strip())
    assert seen == {"['NATO', 'Nato', 'nato']"}


def test_stance_labels_argmax_and_two_way():
    from claimcheck.quotes.stance import stance_labels

    p = np.array([[0.5, 0.2, 0.3], [0.1, 0.3, 0.6], [0.3, 0.3, 0.4], [0.2, 0.7, 0.1]])
    assert stance_labels(p) == ["favor", "none", "none", "against"]
    assert stance_labels(p, two_way=True) == ["favor", "against", "favor", "against"]
