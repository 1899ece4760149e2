"""claimcheck's own BERT / MPNet (claimcheck.text.transformer) gives transformers' numbers, is
what the packaged models load into, and a check of the example never imports transformers."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claimcheck.verdict.nli import DEFAULT_MODEL_DIR, MODELS_DIR

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from claimcheck.precision import autocast, inference_weights  # noqa: E402
from claimcheck.text import transformer  # noqa: E402

PAIRS = [("NATO leaders met in Washington on Tuesday to mark the alliance's 75th anniversary.",
          "NATO is 75 years old."),
         ("Hungary will not take part.", "Budapest"),
         ("Stoltenberg said support for Ukraine is steadfast and Russia must withdraw. " * 20,
          "Ukraine gets support.")]


def _same_logits(ours, our_tok, theirs, their_tok, precision, max_length=256):
    inference_weights(ours, precision)
    inference_weights(theirs.eval(), precision)
    a, b = [p for p, _ in PAIRS], [h for _, h in PAIRS]
    with torch.inference_mode(), autocast(precision):
        for rows in (slice(None), slice(0, 1)):  # padded batch, and one pair (no mask)
            mine = our_tok(a[rows], b[rows], max_length=max_length)
            enc = their_tok(a[rows], b[rows], truncation="longest_first", max_length=max_length,
                            padding=True, return_tensors="pt")
            assert set(mine) == set(enc)
            assert all(torch.equal(mine[k], enc[k]) for k in enc)
            assert torch.equal(ours(**mine).logits, theirs(**enc).logits)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_the_judge_gives_transformers_logits_bit_for_bit(precision):
    ours, tok = transformer.load(DEFAULT_MODEL_DIR, "sequence")
    theirs = transformers.AutoModelForSequenceClassification.from_pretrained(DEFAULT_MODEL_DIR)
    assert ours.config.id2label == theirs.config.id2label
    _same_logits(ours, tok, theirs, transformers.AutoTokenizer.from_pretrained(DEFAULT_MODEL_DIR),
                 precision)


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_the_mpnet_stance_model_gives_transformers_logits_bit_for_bit(precision):
    """The LoRA-merged mpnet (relative position buckets, additive mask) as transformers runs the
    same merged weights."""
    from claimcheck.verdict.lora import load_adapter_model, merge_lora

    folder = MODELS_DIR / "stance-mpnet-v1"
    ours = load_adapter_model(folder, precision="fp32")
    assert isinstance(ours, transformer.Model)
    theirs = load_adapter_model(folder, merge=False)  # transformers' model of the base …
    adapter = json.loads((folder / "adapter_config.json").read_text())
    merge_lora(theirs, folder / "adapter_model.safetensors",
               adapter["lora_alpha"] / adapter["r"])  # … with the same merge
    _same_logits(ours, transformer.Tokenizer(folder, token_types=False), theirs,
                 transformers.AutoTokenizer.from_pretrained(folder), precision)


def _small_tagger(tmp_path, kind: str, tokenizer_folder):
    """A small random token classifier of ``kind`` ('Bert' or 'MPNet'), saved as transformers
    saves it, with a packaged model's tokenizer: (transformers' model, ours, our tokenizer)."""
    config = getattr(transformers, f"{kind}Config")(
        vocab_size=30527, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=128, num_labels=7)
    torch.manual_seed(0)
    theirs = getattr(transformers, f"{kind}ForTokenClassification")(config).eval()
    theirs.save_pretrained(tmp_path)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tokenizer_folder / name, tmp_path / name)
    return theirs, *transformer.load(tmp_path, "token")


TEXTS = ["Stoltenberg said the alliance stands with Ukraine.", "Short."]  # padded in a batch


def test_a_token_classifier_and_a_bare_encoder_match_transformers(tmp_path):
    """The quote tagger's head (per-token logits) and the dense encoder's (hidden states), on a
    small random BERT."""
    theirs, ours, tok = _small_tagger(tmp_path, "Bert", DEFAULT_MODEL_DIR)
    enc = tok(TEXTS)
    with torch.inference_mode():
        assert torch.equal(ours(**enc).logits, theirs(**enc).logits)
        bare, _ = transformer.load(tmp_path, "none")
        assert torch.equal(bare(**enc).last_hidden_state,
                           theirs.bert(**enc).last_hidden_state)
    ids, offsets = tok.encode("Budapest said no.")
    assert len(ids) == len(offsets) and offsets[0] == (0, 8)


def test_an_mpnet_token_classifier_matches_transformers(tmp_path):
    """The head of an mpnet quote tagger (configs/train/quotes-mpnet-polnear.yaml)."""
    theirs, ours, tok = _small_tagger(tmp_path, "MPNet", MODELS_DIR / "stance-mpnet-v1")
    enc = tok(TEXTS)
    assert "token_type_ids" not in enc and tok.cls_token_id == 0
    for precision in ("fp32", "bf16"):
        inference_weights(ours, precision)
        inference_weights(theirs, precision)
        with torch.inference_mode(), autocast(precision):
            assert torch.equal(ours(**enc).logits, theirs(**enc).logits)


def test_other_architectures_and_missing_weights_go_elsewhere_or_name_the_fix(tmp_path):
    bert = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    assert transformer.supports(bert, DEFAULT_MODEL_DIR, weights=True)
    assert not transformer.supports({**bert, "model_type": "roberta"})
    assert not transformer.supports({**bert, "position_embedding_type": "relative_key"})
    assert not transformer.supports({**bert, "hidden_act": "relu"})
    assert not transformer.supports(bert, tmp_path)  # no tokenizer.json: transformers reads it
    model = transformer.build(bert, "sequence")
    with pytest.raises(transformer.ModelLoadError, match="no weights for.*Fix"):
        model.load_weights({}, "an empty file")


def test_a_check_of_the_example_does_not_import_transformers(tmp_path):
    """All packaged models load without transformers (1.8 s and 150 MB of imports)."""
    code = ("import sys; from claimcheck import ClaimChecker; "
            "ex = 'examples/nato-summit-2024/'; "
            "r = ClaimChecker().check(open(ex + 'article.txt').read(), ex + 'references'); "
            "print(len(r.claims), 'transformers' in sys.modules, 'torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[1])
    assert out.stdout.split()[-3:] == ["25", "False", "False"]


def test_int8_quantization_runs_on_our_layers():
    """model.quantize=int8 swaps our nn.Linear layers for dynamic int8 ones in torch, and runs
    ONNX Runtime's int8 model on the onnx path: the same labels."""
    from claimcheck.text import ort
    from claimcheck.verdict.nli import NLIModel

    pairs = [("NATO was founded in 1949 in Washington.", "NATO was founded in 1949."),
             ("NATO was founded in 1949.", "NATO was founded in 1975.")]
    fp32 = NLIModel("default", precision="fp32").predict(pairs)
    int8 = NLIModel("default", quantize="int8", precision="fp32")
    assert isinstance(int8.model, transformer.Model)
    assert type(int8.model.bert.encoder.layer[0].output.dense).__name__ == "Linear" and \
        "quantized" in type(int8.model.bert.encoder.layer[0].output.dense).__module__
    assert (int8.predict(pairs).argmax(axis=1) == fp32.argmax(axis=1)).all()
    if ort.available():
        fast = NLIModel("default", quantize="int8", precision="onnx")
        assert fast.model.file.name.endswith(".int8.onnx")
        assert (fast.predict(pairs).argmax(axis=1) == fp32.argmax(axis=1)).all()


def test_another_architecture_loads_through_transformers(tmp_path):
    """A DistilBERT judge (not BERT or MPNet) runs on transformers, behind the same interface."""
    from claimcheck.verdict.nli import NLIModel

    config = transformers.DistilBertConfig(
        vocab_size=30522, dim=32, n_layers=1, n_heads=2, hidden_dim=64,
        id2label={0: "entailment", 1: "neutral", 2: "contradiction"},
        label2id={"entailment": 0, "neutral": 1, "contradiction": 2})
    torch.manual_seed(0)
    transformers.DistilBertForSequenceClassification(config).save_pretrained(tmp_path)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(DEFAULT_MODEL_DIR / name, tmp_path / name)
    assert not transformer.supports(transformer.read_config(tmp_path), tmp_path)
    nli = NLIModel(str(tmp_path), precision="fp32")
    probs = nli.predict(PAIRS)
    assert not isinstance(nli.model, transformer.Model) and probs.shape == (3, 3)
    assert nli.tokenizer.encode("Budapest said no.")[1][0] == (0, 8)
