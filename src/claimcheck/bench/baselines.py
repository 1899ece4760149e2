"""Baselines run through the same harness: majority class, TF-IDF + logistic regression, and for
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
}


def majority_label(train_labels: Sequence[str]) -> str:
    """The most frequent label (ties: alphabetical first, so runs are reproducible)."""
    if not train_labels:
        raise ConfigError("The majority baseline needs labelled examples.")
    counts = Counter(train_labels)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


class TfidfLR:
    """TF-IDF (one vectorizer over all fields, unigrams + bigrams) per field, hstacked, with the
    cosine between the first two fields as an extra feature (headline-body relatedness for
    FNC-1, premise-hypothesis overlap for NLI), into a logistic regression."""

    def __init__(self, fields: Sequence[str], seed: int = 13, max_features: int = 50_000,
                 class_weight: str | None = None) -> None:
        self.fields = tuple(fields)
        self.seed = seed
        self.max_features = max_features
        self.class_weight = class_weight
        self._vec = None
        self._clf = None

    def _features(self, examples: Sequence[dict[str, Any]]):
        from scipy.sparse import csr_matrix, hstack

        blocks = []
        for f in self.fields:
            values = [str(e.get(f, "")) for e in examples]
            uniq = {v: i for i, v in enumerate(dict.fromkeys(values))}
            mat = self._vec.transform(list(uniq))  # transform each distinct text once
            blocks.append(mat[[uniq[v] for v in values]])
        if len(blocks) >= 2:
            cos = np.asarray(blocks[0].multiply(blocks[1]).sum(axis=1)).reshape(-1, 1)
            blocks.append(csr_matrix(np.hstack([cos, cos**2]) * 10.0))
        return hstack(blocks).tocsr()

    def fit(self, examples: Sequence[dict[str, Any]], labels: Sequence[str]) -> TfidfLR:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if len(set(labels)) < 2:
            raise ConfigError("The tfidf_lr baseline needs at least two classes in its "
                              "training split.")
        texts = list(dict.fromkeys(str(e.get(f, "")) for e in examples for f in self.fields))
        min_df = 2 if len(texts) >= 50 else 1  # tiny training sets keep every term
        self._vec = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True,
                                    max_features=self.max_features, dtype=np.float64)
        self._vec.fit(texts)
        self._clf = LogisticRegression(max_iter=2000, C=1.0, random_state=self.seed,
                                       class_weight=self.class_weight)
        self._clf.fit(self._features(examples), list(labels))
        return self

    @property
    def classes_(self) -> list[str]:
        return [str(c) for c in self._clf.classes_]

    def predict_proba(self, examples: Sequence[dict[str, Any]]) -> np.ndarray:
        return self._clf.predict_proba(self._features(examples))

    def predict(self, examples: Sequence[dict[str, Any]]) -> list[str]:
        probs = self.predict_proba(examples)
        return [self.classes_[i] for i in probs.argmax(axis=1)]


_QUOTE_RE = re.compile(r"[\"“]([^\"“”]{10,}?)[\"”]")


def quote_marks(text: str) -> list[dict[str, Any]]:
    """Every text of 10+ characters between quotation marks, with no speaker."""
    return [{"start": m.start(1), "end": m.end(1), "text": m.group(1), "speaker": None}
            for m in _QUOTE_RE.finditer(text)]
