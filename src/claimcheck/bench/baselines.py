"""Baselines run through the same harness: majority class, TF-IDF + logistic regression, a small
supervised head on the project's encoder (MiniLM sentence embeddings + logistic regression), and for
quote attribution a quotation-marks rule. They give every model number its context."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from claimcheck.errors import ConfigError

#: the example fields a TF-IDF baseline reads, per task (and per stance kind)
TFIDF_FIELDS = {
    "nli_pairs": ("premise", "hypothesis"),
    "claim_verification": ("claim",),
    "stance": ("target", "text"),
    "check_worthiness": ("text",),
    "grounded": ("claim",),
}


def majority_label(train_labels: Sequence[str]) -> str:
    """The most frequent label (ties: alphabetical first, so runs are reproducible)."""
    if not train_labels:
        raise ConfigError("The majority baseline needs labelled examples.")
    counts = Counter(train_labels)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


class _LinearHead:
    """Features of the example fields into a logistic regression (``_features`` per subclass)."""

    kind = ""

    def __init__(self, fields: Sequence[str], seed: int = 13,
                 class_weight: str | None = None) -> None:
        self.fields = tuple(fields)
        self.seed = seed
        self.class_weight = class_weight
        self._clf = None

    def _features(self, examples: Sequence[dict[str, Any]]):
        raise NotImplementedError

    def _fit(self, examples: Sequence[dict[str, Any]], labels: Sequence[str]) -> None:
        from sklearn.linear_model import LogisticRegression

        self._clf = LogisticRegression(max_iter=3000, C=1.0, random_state=self.seed,
                                       class_weight=self.class_weight)
        self._clf.fit(self._features(examples), list(labels))

    @staticmethod
    def _check(kind: str, labels: Sequence[str]) -> None:
        if len(set(labels)) < 2:
            raise ConfigError(f"The {kind} baseline needs at least two classes in its "
                              "training split.")

    @property
    def classes_(self) -> list[str]:
        return [str(c) for c in self._clf.classes_]

    def predict_proba(self, examples: Sequence[dict[str, Any]]) -> np.ndarray:
        return self._clf.predict_proba(self._features(examples))

    def predict(self, examples: Sequence[dict[str, Any]]) -> list[str]:
        probs = self.predict_proba(examples)
        return [self.classes_[i] for i in probs.argmax(axis=1)]


def _per_field(examples: Sequence[dict[str, Any]], field: str, transform):
    """``transform`` applied once per distinct value of ``field`` (a target, a body), as rows."""
    values = [str(e.get(field, "")) for e in examples]
    uniq = {v: i for i, v in enumerate(dict.fromkeys(values))}
    return transform(list(uniq))[[uniq[v] for v in values]]


class TfidfLR(_LinearHead):
    """TF-IDF (one vectorizer over all fields, unigrams + bigrams) per field, hstacked, with the
    cosine between the first two fields as an extra feature (headline-body relatedness for
    FNC-1, premise-hypothesis overlap for NLI), into a logistic regression."""

    def __init__(self, fields: Sequence[str], seed: int = 13, max_features: int = 50_000,
                 class_weight: str | None = None) -> None:
        super().__init__(fields, seed, class_weight)
        self.max_features = max_features
        self._vec = None

    def _features(self, examples: Sequence[dict[str, Any]]):
        from scipy.sparse import csr_matrix, hstack

        blocks = [_per_field(examples, f, self._vec.transform) for f in self.fields]
        if len(blocks) >= 2:
            cos = np.asarray(blocks[0].multiply(blocks[1]).sum(axis=1)).reshape(-1, 1)
            blocks.append(csr_matrix(np.hstack([cos, cos**2]) * 10.0))
        return hstack(blocks).tocsr()

    def fit(self, examples: Sequence[dict[str, Any]], labels: Sequence[str]) -> TfidfLR:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._check("tfidf_lr", labels)
        texts = list(dict.fromkeys(str(e.get(f, "")) for e in examples for f in self.fields))
        min_df = 2 if len(texts) >= 50 else 1  # tiny training sets keep every term
        self._vec = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True,
                                    max_features=self.max_features, dtype=np.float64)
        self._vec.fit(texts)
        self._fit(examples, labels)
        return self


class EncoderLR(_LinearHead):
    """A small supervised head: mean-pooled MiniLM embeddings of each field (the encoder that
    retrieval uses), with ``u * v`` and ``|u - v|`` of the first two fields (text and target for
    stance), into a logistic regression. Trained on the config's training split only."""

    def __init__(self, fields: Sequence[str], seed: int = 13, class_weight: str | None = None,
                 encoder: str = "default") -> None:
        from claimcheck.evidence.retrieve import Encoder

        super().__init__(fields, seed, class_weight)
        self._enc = Encoder(encoder)

    def _features(self, examples: Sequence[dict[str, Any]]) -> np.ndarray:
        blocks = [_per_field(examples, f, self._enc.encode) for f in self.fields]
        if len(blocks) >= 2:
            blocks += [blocks[0] * blocks[1], np.abs(blocks[0] - blocks[1])]
        return np.hstack(blocks)

    def fit(self, examples: Sequence[dict[str, Any]], labels: Sequence[str]) -> EncoderLR:
        self._check("encoder_lr", labels)
        self._fit(examples, labels)
        return self


_QUOTE_RE = re.compile(r"[\"“]([^\"“”]{10,}?)[\"”]")


def quote_marks(text: str) -> list[dict[str, Any]]:
    """Every text of 10+ characters between quotation marks, with no speaker."""
    return [{"start": m.start(1), "end": m.end(1), "text": m.group(1), "speaker": None}
            for m in _QUOTE_RE.finditer(text)]
