"""A learned quote tagger: a token-classification encoder that marks the *content*, *source* and
*cue* of attributions with BIO tags, as PolNeAR annotates them (beliefs, plans and positions as
well as speech), and the quote candidates read off its tags.

``quotes.model: <folder>`` makes :func:`claimcheck.quotes.extract.extract_quotes` use a tagger
trained by ``claimcheck train quotes`` (:mod:`claimcheck.train.quotes`) instead of the rules; the
speakers are resolved as for the rules. claimcheck ships no tagger: the one data set to train it on,
PolNeAR, states no license over copyrighted news, so users train their own (docs/quotes-and-stance.md).

A text is read in windows of ``max_length`` tokens that overlap by a quarter; a token's label is the
argmax of its logits summed over the windows that hold it, so work grows linearly with the text.
Spans are the token runs of one role (:func:`decode`); their
offsets are the tokens' character offsets, so ``text[start:end]`` is the span.

Example::

    >>> from claimcheck.quotes.tagger import QuoteTagger
    >>> tagger = QuoteTagger.load("runs/quote-tagger-minilm")  # doctest: +SKIP
    >>> tagger.spans("The minister said taxes would rise.")  # doctest: +SKIP
    [('SOURCE', 0, 12), ('CUE', 13, 17), ('CONTENT', 18, 34)]
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claimcheck.errors import ModelLoadError

ROLES = ("CONTENT", "SOURCE", "CUE")
LABELS = ("O", *(f"{p}-{r}" for r in ROLES for p in ("B", "I")))
#: how far (characters) a content span looks for its cue and source within its paragraph
LINK_WINDOW = 250
#: a content span needs this many words: the tagger's one-word contents are mostly stray tokens
#: (a quote mark, "percent", "into"), while 4.8% of PolNeAR train's contents are one word
MIN_CONTENT_WORDS = 2
#: a content run broken by at most this many untagged tokens (within a paragraph, with no source or
#: cue between) is one content: the tagger drops a few tokens inside long quotes. Both constants
#: are the best content-overlap F1 on 84 PolNeAR train documents held out of a tagger's training
#: (benchmarks/quote_tagger_decoding.py: 0.583 with neither, 0.662 with these), not on dev
MAX_CONTENT_GAP = 8
_WORDS = re.compile(r"\w+")


def word_count(text: str, start: int, end: int) -> int:
    """Words (runs of word characters) in ``text[start:end]``."""
    return len(_WORDS.findall(text, start, end))


def char_roles(n_chars: int, quotes: Sequence[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Per character, the role index (0: none, 1 content, 2 source, 3 cue) and the id of the span
    it belongs to, from quotes with ``spans`` (or ``start``/``end``) and optional ``source`` /
    ``cue`` spans. Content wins where spans overlap (a source inside another quote's content)."""
    role = np.zeros(n_chars, dtype=np.int8)
    span = np.full(n_chars, -1, dtype=np.int32)
    k = 0
    for which, r in (("cue", 3), ("source", 2)):
        for q in quotes:
            s = q.get(which)
            if s:
                role[s["start"]:s["end"]], span[s["start"]:s["end"]] = r, k
                k += 1
    for q in quotes:
        for a, b in q.get("spans") or [[q["start"], q["end"]]]:
            role[a:b], span[a:b] = 1, k
        k += 1
    return role, span


def token_labels(offsets: Sequence[tuple[int, int]], role: np.ndarray,
                 span: np.ndarray) -> list[int]:
    """BIO label ids (indices into :data:`LABELS`) of tokens with character ``offsets``: a token
    takes the role of its first character; ``B-`` opens each span."""
    out, prev = [], -1
    for a, b in offsets:
        if b <= a or a >= len(role) or role[a] == 0:
            out.append(0)
            prev = -1
            continue
        r, sid = int(role[a]), int(span[a])
        out.append(2 * r - 1 if sid != prev else 2 * r)
        prev = sid
    return out


def windows(n_tokens: int, size: int) -> list[tuple[int, int]]:
    """(start, end) token windows of ``size`` covering ``n_tokens``, overlapping by a quarter."""
    if n_tokens <= size:
        return [(0, n_tokens)]
    step = max(1, size - size // 4)
    out = [(s, s + size) for s in range(0, n_tokens - size + 1, step)]
    if out[-1][1] < n_tokens:  # the last window ends with the text (all windows have one length)
        out.append((n_tokens - size, n_tokens))
    return out


def bridge(labels: Sequence[int], offsets: Sequence[tuple[int, int]], text: str,
           max_gap: int) -> list[int]:
    """``labels`` with each run of at most ``max_gap`` untagged tokens between two content tokens
    tagged as content, unless the run crosses a line break."""
    out = list(labels)
    if max_gap < 1:
        return out
    content = (1, 2)
    i, n = 0, len(out)
    while i < n:
        if out[i] != 0:
            i += 1
            continue
        j = i
        while j < n and out[j] == 0:
            j += 1
        if i > 0 and j < n and j - i <= max_gap and out[i - 1] in content and \
                out[j] in content and "\n" not in text[offsets[i - 1][1]:offsets[j][0]]:
            out[i:j] = [2] * (j - i)
        i = j
    return out


def decode(labels: Sequence[int], offsets: Sequence[tuple[int, int]]
           ) -> list[tuple[str, int, int]]:
    """(role, start, end) character spans from per-token label ids: a span is a run of tokens of
    one role. ``B-`` tags do not split a run: inside a long content the model puts a spurious
    ``B-`` now and then (on PolNeAR dev 3,412 content spans for 2,192 quotes when it split there,
    content-overlap precision 0.52), while two quotes of one role seldom touch without a token
    between them."""
    out: list[list] = []
    prev_role = None
    for lab, (a, b) in zip(labels, offsets, strict=True):
        if lab == 0 or b <= a:
            prev_role = None
            continue
        role = ROLES[(lab - 1) // 2]
        if role != prev_role:
            out.append([role, a, b])
        else:
            out[-1][2] = b
        prev_role = role
    return [(r, a, b) for r, a, b in out]


def read_spans(labels: Sequence[int], offsets: Sequence[tuple[int, int]], text: str,
               max_gap: int = MAX_CONTENT_GAP, min_words: int = MIN_CONTENT_WORDS
               ) -> list[tuple[str, int, int]]:
    """(role, start, end) spans of ``text`` from per-token label ids: short gaps inside a
    content bridged (:func:`bridge`), runs decoded (:func:`decode`) and widened to whole words
    (:func:`snap`), contents under ``min_words`` words dropped."""
    spans = (snap(text, r, s, e) for r, s, e in decode(bridge(labels, offsets, text, max_gap),
                                                        offsets))
    return [(r, s, e) for r, s, e in spans
            if r != "CONTENT" or word_count(text, s, e) >= min_words]


def snap(text: str, role: str, start: int, end: int) -> tuple[str, int, int]:
    """The span widened to whole words: a tagged sub-word piece ("##lster" of "bolster") takes the
    rest of its word."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return role, start, end


class QuoteTagger:
    """A token-classification model folder with :data:`LABELS` as its labels."""

    def __init__(self, model, tokenizer, max_length: int, precision: str, path: str) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.max_length, self.precision, self.path = max_length, precision, path

    @staticmethod
    @functools.lru_cache(maxsize=2)
    def load(folder: str, precision: str = "auto", max_length: int = 256) -> QuoteTagger:
        """The tagger in ``folder`` (safetensors only), loaded once per process."""
        from claimcheck.precision import resolve_precision

        path = Path(folder).expanduser()
        if not (path / "config.json").is_file() or not (path / "model.safetensors").is_file():
            raise ModelLoadError(f"quotes.model={folder!r} is not a quote tagger folder (it needs "
                                 "config.json and model.safetensors). Fix: train one with "
                                 "`claimcheck train quotes`, or set quotes.model to null for the "
                                 "rules.")
        labels = json.loads((path / "config.json").read_text()).get("id2label", {})
        if [labels.get(str(i)) for i in range(len(LABELS))] != list(LABELS):
            raise ModelLoadError(f"The model in {folder!r} is not a quote tagger: its labels are "
                                 f"{sorted(labels.values())}, not {list(LABELS)}. Fix: point "
                                 "quotes.model at a folder written by `claimcheck train quotes`.")
        from claimcheck.text import transformer

        model, tok = transformer.load_any(path, "token")
        prec = resolve_precision(precision)
        from claimcheck.text import ort

        return QuoteTagger(ort.prepare(model, prec), tok, max_length, prec, str(path))

    def logits(self, text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Per-token logits (summed over the windows holding the token) and token offsets."""
        import torch

        from claimcheck.precision import autocast

        ids, offsets = self.tokenizer.encode(text)
        out = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
        tok = self.tokenizer
        spans = windows(len(ids), self.max_length - 2)
        with torch.inference_mode(), autocast(self.precision):
            for k in range(0, len(spans), 16):  # windows have one length: batches need no padding
                chunk = spans[k:k + 16]
                x = torch.tensor([[tok.cls_token_id, *ids[s:e], tok.sep_token_id]
                                  for s, e in chunk])
                logits = self.model(input_ids=x).logits[:, 1:-1].float().numpy()
                for (s, e), row in zip(chunk, logits, strict=True):
                    out[s:e] += row
        return out, offsets

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """(role, start, end) spans of ``text``: CONTENT (of :data:`MIN_CONTENT_WORDS` words or
        more), SOURCE and CUE."""
        if not text.strip():
            return []
        logits, offsets = self.logits(text)
        return read_spans(logits.argmax(axis=1).tolist(), offsets, text)


def link(spans: Sequence[tuple[str, int, int]], paragraphs: Sequence[tuple[int, int]]
         ) -> list[tuple[tuple[int, int], tuple[int, int] | None, tuple[int, int] | None]]:
    """(content, cue, source) per content span: the nearest cue of its paragraph within
    :data:`LINK_WINDOW` characters, and the source nearest to that cue (to the content when it
    has none); None where there is none."""
    para_starts = [s for s, _ in paragraphs]

    def para(pos: int) -> int:
        return int(np.searchsorted(para_starts, pos, side="right")) - 1

    def gap(a: tuple[int, int], b: tuple[int, int]) -> int:
        return max(0, b[0] - a[1], a[0] - b[1])

    by_role: dict[str, list[tuple[int, int]]] = {r: [] for r in ROLES}
    for r, s, e in spans:
        by_role[r].append((s, e))
    out = []
    for content in by_role["CONTENT"]:
        p = para(content[0])

        def near(role: str, anchor: tuple[int, int], p=p):
            cands = [x for x in by_role[role] if para(x[0]) == p and
                     gap(anchor, x) <= LINK_WINDOW]
            return min(cands, key=lambda x: (gap(anchor, x), x)) if cands else None

        cue = near("CUE", content)
        out.append((content, cue, near("SOURCE", cue or content)))
    return out
