import json

import numpy as np
import pytest

from claimcheck.errors import LabelMappingError, ModelLoadError
from claimcheck.verdict.nli import NLIModel, logits_to_probs, map_labels


def test_map_labels_variants():
    assert map_labels({0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}) == {
        0: "contradiction", 1: "neutral", 2: "entailment"}
    assert map_labels({0: "entailment", 1: "not_entailment"}) == {0: "entailment",
                                                                  1: "not_entailment"}
    assert map_labels({0: "SUPPORTS", 1: "REFUTES"}) == {0: "entailment", 1: "contradiction"}


@pytest.mark.parametrize("bad", [{0: "LABEL_0", 1: "LABEL_1"}, {0: "neutral", 1: "contradiction"},
                                 {0: "entailment", 1: "entailment"}])
def test_map_labels_errors_name_the_fix(bad):
    with pytest.raises(LabelMappingError, match="config.json"):
        map_labels(bad)


def test_tiny_model_predicts_probabilities(tiny_nli_dir):
    nli = NLIModel(str(tiny_nli_dir), batch_size=2)
    pairs = [("A man sleeps.", "A man is asleep."), ("x " * 400, "long premise"), ("a", "b")]
    probs = nli.predict(pairs)
    assert probs.shape == (3, 3)
    assert np.allclose(probs.sum(axis=1), 1.0)
    single = nli.predict(("A man sleeps.", "A man is asleep."))
    assert single.shape == (3,)
    assert np.allclose(single, probs[0], atol=1e-5)  # batching/padding does not change results


def test_two_way_model_gets_zero_for_missing_class(tmp_path):
    from conftest import build_tiny_nli

    d = build_tiny_nli(tmp_path / "m", labels=("entailment", "contradiction"))
    probs = NLIModel(str(d)).predict([("a b", "c d")])
    assert probs[0, 1] == 0.0 and np.isclose(probs[0].sum(), 1.0)


def test_unknown_model_without_network():
    with pytest.raises(ModelLoadError, match="allow_network"):
        NLIModel("some-org/some-nli-model").load()
    with pytest.raises(ModelLoadError, match="neither"):
        NLIModel("/definitely/not/here").load()


def test_pickle_weights_are_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (tmp_path / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(ModelLoadError, match="pickle"):
        NLIModel(str(tmp_path)).load()


def test_checksum_mismatch_is_detected(tmp_path, tiny_nli_dir):
    import shutil

    d = tmp_path / "m"
    shutil.copytree(tiny_nli_dir, d)
    (d / "calibration.json").write_text(json.dumps({"weights_sha256": "0" * 64}))
    with pytest.raises(ModelLoadError, match="sha256"):
        NLIModel(str(d)).load()


def test_temperature_softens():
    logits = np.array([[2.0, 0.0, -np.inf]])
    p1, p2 = logits_to_probs(logits, 1.0), logits_to_probs(logits, 2.0)
    assert p1[0, 2] == 0.0 and p2[0, 0] < p1[0, 0]


def test_repeated_pairs_are_scored_once(tiny_nli_dir):
    import numpy as np

    from claimcheck.verdict.nli import NLIModel

    nli = NLIModel(str(tiny_nli_dir)).load()
    seen = []
    real = nli._model.forward
    nli._model.forward = lambda **kw: seen.append(kw["input_ids"].shape[0]) or real(**kw)
    pairs = [("NATO was founded in 1949.", "NATO is old."), ("Sweden joined.", "NATO grew."),
             ("NATO was founded in 1949.", "NATO is old.")]
    try:
        p = nli.predict(pairs)
    finally:
        nli._model.forward = real
    assert sum(seen) == 2 and np.array_equal(p[0], p[2])
    assert np.allclose(p[1], nli.predict([pairs[1]])[0], atol=1e-6)


def test_bf16_keeps_linear_weights_in_bf16_with_the_same_logits(tiny_nli_dir):
    """precision bf16 stores each nn.Linear's weights in bf16 once (autocast would cast them on
    every call); embeddings and layer norms stay fp32, and the logits equal those of fp32 weights
    cast by autocast on the fly."""
    import torch

    stored = NLIModel(str(tiny_nli_dir), precision="bf16").load()
    dtypes = {n: p.dtype for n, p in stored.model.named_parameters()}
    linear = [n for n, m in stored.model.named_modules() if isinstance(m, torch.nn.Linear)]
    assert linear and all(dtypes[f"{n}.weight"] == torch.bfloat16 for n in linear)
    assert all(d == torch.float32 for n, d in dtypes.items() if "LayerNorm" in n or "embeddings" in n)
    cast = NLIModel(str(tiny_nli_dir), precision="fp32").load()
    assert all(p.dtype == torch.float32 for p in cast.model.parameters())
    cast._precision = "bf16"  # fp32 weights under bf16 autocast: how bf16 ran before
    pairs = [("A man sleeps.", "A man is asleep."), ("NATO met in Washington.", "NATO met.")]
    assert np.array_equal(stored.logits(pairs), cast.logits(pairs))
