import json

import pytest

from claimcheck.errors import ReferenceSetError
from claimcheck.evidence.references import ReferenceSet
from claimcheck.evidence.retrieve import Retriever


def test_folder_passages_slice_their_documents(nato_refs_dir):
    refs = ReferenceSet.from_path(nato_refs_dir)
    assert len(refs.documents) >= 5
    for p in refs.passages:
        assert refs.document(p.doc_id).text[p.start:p.end] == p.text


def test_jsonl_and_windows(tmp_path):
    f = tmp_path / "refs.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "text": "One fact here. Two facts here. Three facts.", "title": "T"},
        {"id": "b", "text": "Another document."}]))
    refs = ReferenceSet.from_path(f, window=2)
    assert [p.text for p in refs.passages if p.doc_id == "a"] == [
        "One fact here. Two facts here.", "Two facts here. Three facts."]
    assert refs.passages[0].title == "T"


@pytest.mark.parametrize("content,match", [("not json\n", "not valid JSON"),
                                           ('{"id": 1}\n', "'text'")])
def test_bad_jsonl(tmp_path, content, match):
    f = tmp_path / "r.jsonl"
    f.write_text(content)
    with pytest.raises(ReferenceSetError, match=match):
        ReferenceSet.from_path(f)


def test_missing_and_empty(tmp_path):
    with pytest.raises(ReferenceSetError, match="does not exist"):
        ReferenceSet.from_path(tmp_path / "nope")
    with pytest.raises(ReferenceSetError, match="holds no"):
        ReferenceSet.from_path(tmp_path)
    with pytest.raises(ReferenceSetError, match="empty"):
        ReferenceSet.from_texts([])


def test_hybrid_retrieval_and_cache(tmp_path):
    refs = ReferenceSet.from_texts(["NATO was founded in 1949.", "Paris is the capital of France.",
                                    "The command is headquartered in Wiesbaden, Germany."])
    r1 = Retriever(top_k=2, cache_dir=tmp_path).index(refs)
    hits = r1.search(["Where is the command headquartered?"])[0]
    assert hits[0].passage.text.startswith("The command")
    assert not r1.cache_hit
    r2 = Retriever(top_k=2, cache_dir=tmp_path).index(refs)
    assert r2.cache_hit
    assert [h.passage.id for h in r2.search(["Where is the command headquartered?"])[0]] == \
        [h.passage.id for h in hits]


def test_bf16_vectors_are_cached_apart_and_rank_like_fp32(tmp_path):
    """The encoder runs under bf16 autocast where the CPU has bf16 units (model.precision);
    its vectors differ from fp32 ones in the 3rd decimal, so they get their own cache file."""
    refs = ReferenceSet.from_texts(["NATO was founded in 1949.", "Paris is the capital of France.",
                                    "The command is headquartered in Wiesbaden, Germany."])
    q = ["Where is the command headquartered?", "When was NATO founded?"]
    fp32 = Retriever(top_k=3, cache_dir=tmp_path, precision="fp32").index(refs)
    bf16 = Retriever(top_k=3, cache_dir=tmp_path, precision="bf16").index(refs)
    assert fp32.encoder.precision == "fp32" and bf16.encoder.precision == "bf16"
    assert not bf16.cache_hit and len(list(tmp_path.glob("dense-*.npy"))) == 2
    assert abs(fp32._vectors - bf16._vectors).max() < 0.02
    assert [[h.passage.id for h in hs] for hs in bf16.search(q)] == \
        [[h.passage.id for h in hs] for hs in fp32.search(q)]
    assert Retriever(top_k=3, cache_dir=tmp_path, precision="bf16").index(refs).cache_hit


def test_top_k_validation():
    with pytest.raises(ValueError, match="top_k"):
        Retriever(top_k=0)


def test_bm25_matches_spelling_variants_and_plurals():
    from claimcheck.evidence.retrieve import search_terms

    assert search_terms(["defence", "agreements", "organised", "policies", "promise", "glass"]) \
        == ["defense", "agreement", "organized", "policy", "promise", "glass"]
    refs = ReferenceSet.from_texts(["The agreements are not mutual defence treaties.",
                                    "Sweden joined the alliance in 2024."])
    hits = Retriever(top_k=1, dense=False).index(refs).search(["a mutual defense treaty"])
    assert hits[0][0].passage.text.startswith("The agreements are not mutual defence")


def test_jsonl_with_a_bom_loads_and_bad_utf8_is_a_clear_error(tmp_path):
    f = tmp_path / "bom.jsonl"
    line = json.dumps({"id": "a", "text": "NATO was founded in 1949.\u2028It grew."})
    f.write_bytes(b"\xef\xbb\xbf" + line.encode())
    refs = ReferenceSet.from_path(f)
    assert refs.documents[0].id == "a" and "\u2028" in refs.documents[0].text
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "a", "text": "NATO \xff was founded."}\n')
    with pytest.raises(ReferenceSetError, match="not UTF-8"):
        ReferenceSet.from_path(bad)


def test_pickle_only_encoder_folder_is_refused_naming_the_fix(tmp_path):
    from claimcheck.errors import ModelLoadError
    from claimcheck.text.encoder import Encoder

    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(ModelLoadError, match="pickle weights.*model.encoder"):
        Encoder(str(tmp_path)).load()


def test_encoder_is_the_folders_sentence_transformer_with_its_max_length():
    import numpy as np

    from claimcheck.text.encoder import Encoder, _TransformersEncoder

    enc = Encoder("default").load()
    assert isinstance(enc._model, _TransformersEncoder) and enc._model.pooling == "mean"
    assert Encoder("default", max_length=8).load()._model is enc._model  # loaded once
    head = "NATO allies agreed to fund Ukraine's defence"
    long = [head + " next year, officials said in Washington.", head + " for a decade or more."]
    v = enc.encode(long)
    assert v.shape == (2, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert float(v[0] @ v[1]) < 0.99  # 256 tokens: the endings count
    short = Encoder("default", max_length=8).encode(long)  # 8 tokens: only the shared head
    assert np.abs(short[0] - short[1]).max() < 1e-6
    assert enc.encode([]).shape == (0, 384)


def test_encoder_matches_sentence_transformers_without_importing_it():
    """The default folder runs on transformers alone, with sentence-transformers' embeddings."""
    import subprocess
    import sys

    code = ("import sys; from claimcheck.text.encoder import Encoder; "
            "Encoder('default', precision='fp32').encode(['NATO met in Washington.']); "
            "print('sentence_transformers' in sys.modules, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]

    import numpy as np
    from sentence_transformers import SentenceTransformer

    from claimcheck.text.encoder import Encoder

    texts = ["NATO allies agreed to fund Ukraine's defence next year.", "Budapest will not join.",
             "The summit was held in Washington, where the alliance was founded in 1949."]
    enc = Encoder("default", precision="fp32")
    ours = enc.encode(texts)
    ref = SentenceTransformer(enc.path, device="cpu", local_files_only=True).encode(
        texts, normalize_embeddings=True, convert_to_numpy=True)
    assert np.abs(ours - ref).max() < 1e-5


def test_encoder_encodes_each_distinct_passage_once():
    import numpy as np

    from claimcheck.text.encoder import Encoder

    enc = Encoder()
    calls = []
    real = enc.load()._model.encode
    enc._model.encode = lambda texts, *a, **kw: calls.append(list(texts)) or real(texts, *a, **kw)
    try:
        texts = ["NATO was founded in 1949.", "Sweden joined in 2024.", "NATO was founded in 1949."]
        v = enc.encode(texts, progress=True)
    finally:
        enc._model.encode = real
    assert calls == [texts[:2]]
    assert v.shape[0] == 3 and np.array_equal(v[0], v[2])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_encoder_lower_cases_texts_when_the_folder_says_so(tmp_path):
    """A sentence-transformers folder with do_lower_case true reads lower-cased texts."""
    import json
    import shutil

    import numpy as np

    from claimcheck.text.encoder import Encoder

    src = Encoder("default").path
    folder = tmp_path / "enc"
    shutil.copytree(src, folder)
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 256, "do_lower_case": True}))
    lower = Encoder(str(folder), precision="fp32")
    assert lower.load()._model.lower and not Encoder("default").load()._model.lower
    seen = []
    tok = lower._model.tokenizer
    lower._model.tokenizer = lambda texts, **kw: seen.extend(texts) or tok(texts, **kw)
    v = lower.encode(["NATO MET IN WASHINGTON."])
    assert seen == ["nato met in washington."] and v.shape == (1, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
