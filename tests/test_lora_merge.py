"""Merging a packaged LoRA adapter without peft gives peft's weights, loading it does not import
peft, and the merged-weights cache gives the same weights again."""

import subprocess
import sys

import pytest

from claimcheck.errors import ModelLoadError
from claimcheck.verdict.lora import load_adapter_model, merge_lora, merged_cache_file, plain_lora
from claimcheck.verdict.nli import MODELS_DIR


@pytest.mark.slow
def test_packaged_stance_adapter_merges_as_peft_does_and_loads_without_peft():
    torch = pytest.importorskip("torch")
    peft = pytest.importorskip("peft")
    folder = MODELS_DIR / "stance-mpnet-v1"
    ours = load_adapter_model(folder).state_dict()
    theirs = peft.PeftModel.from_pretrained(load_adapter_model(folder, merge=False),
                                            str(folder)).merge_and_unload().state_dict()
    assert set(ours) == set(theirs)
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    code = (f"import sys; from claimcheck.verdict.nli import NLIModel; "
            f"NLIModel({str(folder)!r}).load(); print('peft' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "False"


def test_only_plain_lora_is_merged_without_peft():
    plain = {"peft_type": "LORA", "r": 16, "lora_alpha": 32, "bias": "none", "use_dora": False,
             "alpha_pattern": {}, "rank_pattern": {}}
    assert plain_lora(plain)
    assert not plain_lora({**plain, "use_dora": True})
    assert not plain_lora({**plain, "rank_pattern": {"q": 4}})
    assert not plain_lora({**plain, "bias": "all"})
    assert plain_lora(plain, ["base_model.model.x.q.lora_A.weight",
                               "base_model.model.x.q.lora_B.weight",
                               "base_model.model.classifier.weight"])
    assert not plain_lora(plain, ["base_model.model.emb.lora_embedding_A"])  # peft merges that


def test_an_adapter_for_another_base_is_refused_naming_the_fix(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    model = torch.nn.Sequential(torch.nn.Linear(4, 4))
    path = tmp_path / "adapter_model.safetensors"
    save_file({"base_model.model.9.lora_A.weight": torch.zeros(2, 4),
               "base_model.model.9.lora_B.weight": torch.zeros(4, 2)}, str(path))
    with pytest.raises(ModelLoadError, match="does not have.*Fix: retrain"):
        merge_lora(model, path, 2.0)
    save_file({"base_model.model.0.lora_A.weight": torch.ones(2, 4),
               "base_model.model.0.lora_B.weight": torch.ones(4, 2)}, str(path))
    before = model[0].weight.detach().clone()
    merge_lora(model, path, 0.5)
    assert torch.allclose(model[0].weight, before + 1.0)  # (B @ A) = 2 everywhere, times 0.5


@pytest.mark.slow
def test_the_merged_weights_cache_gives_the_same_weights_without_merging(monkeypatch):
    torch = pytest.importorskip("torch")
    import claimcheck.verdict.lora as lora
    from claimcheck.text.base_encoders import cache_root, mpnet_folder

    folder = MODELS_DIR / "stance-mpnet-v1"
    cached = merged_cache_file(folder / "adapter_model.safetensors", mpnet_folder())
    assert cached.parent == cache_root() / "merged"  # the test session's cache (conftest)
    cached.unlink(missing_ok=True)
    first = load_adapter_model(folder).state_dict()  # merges, writes the cache
    assert cached.is_file()
    merges = []
    real = lora.merge_lora
    monkeypatch.setattr(lora, "merge_lora", lambda *a: merges.append(a) or real(*a))
    second = load_adapter_model(folder).state_dict()  # reads the cache
    assert merges == []
    assert all(torch.equal(first[k], second[k]) for k in first)
    cached.write_bytes(b"not a safetensors file")  # a broken cache: merged again, rewritten
    third = load_adapter_model(folder).state_dict()
    assert len(merges) == 1 and all(torch.equal(first[k], third[k]) for k in first)
    assert lora._read_merged(cached, {n: p.shape for n, p in first.items()}) is not None


@pytest.mark.slow
def test_a_bf16_load_caches_the_linear_weights_in_bf16_with_the_same_values(monkeypatch):
    """precision bf16: the merged model's linear weights are bf16 (what autocast would cast the
    fp32 merge to), the rest fp32, and the next load reads them from the bf16 cache."""
    torch = pytest.importorskip("torch")
    import claimcheck.verdict.lora as lora
    from claimcheck.precision import inference_weights
    from claimcheck.text.base_encoders import mpnet_folder

    folder = MODELS_DIR / "stance-mpnet-v1"
    cached = merged_cache_file(folder / "adapter_model.safetensors", mpnet_folder(), "bf16")
    assert cached != merged_cache_file(folder / "adapter_model.safetensors", mpnet_folder())
    cached.unlink(missing_ok=True)
    want = inference_weights(load_adapter_model(folder), "bf16").state_dict()
    first = load_adapter_model(folder, precision="bf16")
    assert cached.is_file()
    dtypes = {n: p.dtype for n, p in first.named_parameters()}
    assert dtypes["classifier.out_proj.weight"] == torch.bfloat16
    assert all(d == torch.float32 for n, d in dtypes.items() if "embeddings" in n)
    monkeypatch.setattr(lora, "merge_lora", lambda *a: pytest.fail("merged instead of cached"))
    second = inference_weights(load_adapter_model(folder, precision="bf16"), "bf16").state_dict()
    assert set(second) == set(want)
    assert all(second[k].dtype == want[k].dtype and torch.equal(second[k], want[k])
               for k in want)
