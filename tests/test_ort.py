"""The ONNX Runtime path (claimcheck.text.ort) gives torch's numbers for every head and both
families, is exported once and read from the cache after, and is what ``precision: auto`` picks
on a CPU without AMX."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from claimcheck import precision  # noqa: E402
from claimcheck.errors import ModelLoadError  # noqa: E402
from claimcheck.precision import inference_weights, resolve_precision  # noqa: E402
from claimcheck.text import ort, transformer  # noqa: E402
from claimcheck.verdict.nli import DEFAULT_MODEL_DIR, NLIModel  # noqa: E402

TINY = {"hidden_size": 32, "num_attention_heads": 4, "num_hidden_layers": 2,
        "intermediate_size": 64, "vocab_size": 100, "max_position_embeddings": 64,
        "hidden_act": "gelu", "id2label": {"0": "a", "1": "b", "2": "c"}}


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMCHECK_CACHE", str(tmp_path))
    return tmp_path / "onnx"


def _tiny(model_type: str, head: str, seed: int = 0):
    model = transformer.build({**TINY, "model_type": model_type}, head)
    g = torch.Generator().manual_seed(seed)
    model.load_weights({n: torch.randn(p.shape, generator=g) * 0.2
                        for n, p in model.named_parameters()}, "tiny")
    return inference_weights(model, "fp32")


def _batch(model_type: str):
    pad = 1 if model_type == "mpnet" else 0
    ids = torch.tensor([[2, 10, 11, 12, 13, 14, 3], [2, 20, 21, 3, pad, pad, pad]])
    return {"input_ids": ids, "attention_mask": (ids != pad).long()}


@pytest.mark.parametrize("model_type", ["bert", "mpnet"])
@pytest.mark.parametrize("head", ["sequence", "token", "none"])
def test_onnx_gives_torch_numbers_for_every_head(cache, model_type, head):
    model = _tiny(model_type, head)
    fast = ort.accelerate(model, "onnx")
    assert isinstance(fast, ort.OnnxModel) and fast.file.parent == cache
    out = "last_hidden_state" if head == "none" else "logits"
    for rows in (slice(None), slice(0, 1), slice(1, 2)):  # padded batch; one row without padding
        enc = {k: v[rows] for k, v in _batch(model_type).items()}
        with torch.inference_mode():
            want = getattr(model(**enc), out)
        got = getattr(fast(**enc), out)
        assert got.shape == want.shape
        mask = enc["attention_mask"].bool()
        if head != "sequence":  # padded positions of a token output are not compared
            want, got = want[mask], got[mask]
        assert torch.allclose(got, want, atol=1e-4), (got - want).abs().max()


def test_the_export_is_cached_by_the_weights(cache):
    model = _tiny("bert", "sequence")
    first = ort.accelerate(model, "onnx").file
    stamp = first.stat().st_mtime_ns
    assert ort.accelerate(_tiny("bert", "sequence"), "onnx").file == first
    assert first.stat().st_mtime_ns == stamp  # read, not exported again
    other = ort.accelerate(_tiny("bert", "sequence", seed=1), "onnx").file
    assert other != first  # other weights, another file
    assert ort.accelerate(_tiny("bert", "token"), "onnx").file not in (first, other)


def test_a_broken_cache_file_is_exported_again(cache):
    model = _tiny("bert", "sequence")
    file = ort.accelerate(model, "onnx").file
    file.write_bytes(b"not an onnx model")
    fast = ort.accelerate(model, "onnx")
    enc = _batch("bert")
    with torch.inference_mode():
        assert torch.allclose(fast(**enc).logits, model(**enc).logits, atol=1e-4)


def test_other_precisions_and_foreign_models_stay_in_torch(cache):
    model = _tiny("bert", "sequence")
    assert ort.accelerate(model, "fp32") is model
    assert ort.accelerate(model, "bf16") is model
    foreign = torch.nn.Linear(2, 2)
    assert ort.accelerate(foreign, "onnx") is foreign
    assert not cache.exists()


def test_clear_errors(cache, monkeypatch):
    model = _tiny("bert", "sequence")
    with pytest.raises(ModelLoadError, match="CPU only"):
        ort.accelerate(model, "onnx", device="cuda")
    monkeypatch.setattr(ort, "available", lambda: False)
    with pytest.raises(ModelLoadError, match="pip install onnxruntime"):
        ort.accelerate(model, "onnx")
    with pytest.raises(ValueError, match="auto, bf16 or fp32"):
        resolve_precision("onnx", inference=False)
    with pytest.raises(ValueError, match="'onnx'"):
        resolve_precision("fast")


@pytest.mark.parametrize("flags, inference, want", [
    ({"amx_bf16", "avx512_bf16", "avx512f", "avx2"}, True, "bf16"),
    ({"avx512_bf16", "avx512f", "avx2"}, True, "bf16"),   # native bf16 products, no AMX
    ({"avx512_bf16", "avx512f", "avx2"}, False, "fp32"),  # … where training was no faster
    ({"avx2"}, True, "onnx"),
    ({"avx2"}, False, "fp32"),                            # training never runs on ONNX Runtime
    ({"amx_bf16"}, False, "bf16"),
])
def test_auto_picks_by_the_cpu(monkeypatch, flags, inference, want):
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset(flags))
    assert resolve_precision("auto", inference=inference) == want
    assert resolve_precision("fp32", inference=inference) == "fp32"


def test_the_judge_on_onnx_gives_the_torch_labels(cache):
    pairs = [("NATO leaders met in Washington to mark the alliance's 75th anniversary.",
              "NATO is 75 years old."),
             ("The agreements are not mutual defence treaties.",
              "The agreements are mutual defence treaties."),
             ("Hungary will not take part.", "Budapest will send troops.")]
    slow = NLIModel(str(DEFAULT_MODEL_DIR), precision="fp32").predict(pairs)
    fast_model = NLIModel(str(DEFAULT_MODEL_DIR), precision="onnx")
    fast = fast_model.predict(pairs)
    assert isinstance(fast_model.model, ort.OnnxModel)
    assert (slow.argmax(1) == fast.argmax(1)).all()
    assert abs(slow - fast).max() < 1e-4


def test_a_cached_export_is_used_without_converting_the_torch_weights(cache):
    """prepare() on a cache hit: the export is found by the weights as stored (fp16 here), which
    are never converted to fp32; the numbers are the same as the fp32 torch model's."""
    def stored():
        model = _tiny("bert", "sequence")
        for p in model.parameters():
            p.data = p.data.half()
        return model

    first = ort.prepare(stored(), "onnx")
    model = stored()
    again = ort.prepare(model, "onnx")
    assert again.file == first.file
    assert model.bert.encoder.layer[0].output.dense.weight.dtype == torch.float16  # untouched
    enc = _batch("bert")
    with torch.inference_mode():
        want = inference_weights(stored(), "fp32")(**enc).logits
    assert torch.allclose(again(**enc).logits, want, atol=1e-4)
    torch_model = ort.prepare(stored(), "fp32")
    assert isinstance(torch_model, transformer.Model)
    assert torch_model.bert.encoder.layer[0].output.dense.weight.dtype == torch.float32
