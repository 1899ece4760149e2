"""Reference sets: the documents claims are checked against, split into passages.

``ReferenceSet.from_path`` takes a folder of .txt / .md / .html files, a .jsonl file (one object per
line with ``id``, ``text`` and optional ``title``, ``source``, ``date``), or a single text file;
``ReferenceSet.from_texts`` takes a list of strings or dicts. Passages are sentences (or windows of
``window`` sentences) with offsets into their document's text: ``doc.text[p.start:p.end] == p.text``.

Example::

    >>> from claimcheck import ReferenceSet
    >>> refs = ReferenceSet.from_texts(["NATO was founded in 1949. Sweden joined in 2024."])
    >>> [p.text for p in refs.passages]
    ['NATO was founded in 1949.', 'Sweden joined in 2024.']
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from claimcheck.errors import InputError, ReferenceSetError
from claimcheck.types import Passage, ReferenceDocument

_TEXT_EXT = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html",
             ".htm": "html"}


class ReferenceSet:
    """Documents plus their passages; built once, then indexed by the retriever."""

    def __init__(self, documents: Sequence[ReferenceDocument], window: int = 1, nlp=None) -> None:
        """``nlp``: the spaCy pipeline that splits sentences (default: the shared one of
        :func:`claimcheck.text.nlp.load_spacy`)."""
        if not documents:
            raise ReferenceSetError("The reference set is empty. Give at least one document "
                                    "(a folder of .txt/.md files, a .jsonl file or a list of "
                                    "strings).")
        ids = [d.id for d in documents]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})[:3]
            raise ReferenceSetError(f"Reference document ids must be unique; repeated: {dup}.")
        self.documents = list(documents)
        self.window = window
        self.passages: list[Passage] = _split_passages(self.documents, window, nlp)
        if not self.passages:
            raise ReferenceSetError("The reference documents contain no sentences. Check that "
                                    "the files hold text.")

    def __len__(self) -> int:
        return len(self.passages)

    def __repr__(self) -> str:
        return f"ReferenceSet({len(self.documents)} documents, {len(self.passages)} passages)"

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256(f"window={self.window}\n".encode())
        for p in self.passages:
            h.update(f"{p.doc_id}\x00{p.start}\x00{p.text}\x01".encode())
        return h.hexdigest()

    def document(self, doc_id: str) -> ReferenceDocument:
        for d in self.documents:
            if d.id == doc_id:
                return d
        raise KeyError(doc_id)

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def from_texts(cls, items: Sequence[str | dict], window: int = 1, nlp=None) -> ReferenceSet:
        if isinstance(items, str):
            items = [items]
        docs = []
        for i, it in enumerate(items):
            if isinstance(it, str):
                docs.append(ReferenceDocument(f"doc{i}", it))
            elif isinstance(it, dict):
                docs.append(_doc_from_record(it, f"item {i}", default_id=f"doc{i}"))
            else:
                raise ReferenceSetError(f"Reference item {i} is a {type(it).__name__}; give "
                                        "strings or dicts with a 'text' key.")
        return cls(docs, window, nlp)

    @classmethod
    def from_path(cls, path: str | Path, window: int = 1, nlp=None) -> ReferenceSet:
        p = Path(path).expanduser()
        if not p.exists():
            raise ReferenceSetError(f"References path {str(p)!r} does not exist. Pass a folder "
                                    "of .txt/.md/.html files or a .jsonl file (--refs PATH).")
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower()
                           in _TEXT_EXT and not f.name.startswith("."))
            jsonl = sorted(p.rglob("*.jsonl"))
            if not files and not jsonl:
                raise ReferenceSetError(f"References folder {str(p)!r} holds no .txt, .md, .html "
                                        "or .jsonl files. Add the reference documents there.")
            docs = [_doc_from_file(f, str(f.relative_to(p))) for f in files]
            for j in jsonl:
                docs.extend(_docs_from_jsonl(j))
            return cls(docs, window, nlp)
        if p.suffix.lower() == ".jsonl":
            return cls(_docs_from_jsonl(p), window, nlp)
        if p.suffix.lower() in _TEXT_EXT:
            return cls([_doc_from_file(p, p.name)], window, nlp)
        raise ReferenceSetError(f"Unknown reference file type {p.suffix!r} ({str(p)!r}). Use a "
                                "folder, a .jsonl file, or a .txt/.md/.html file.")


def _doc_from_file(f: Path, doc_id: str) -> ReferenceDocument:
    from claimcheck.text.ingest import decode, ingest

    text = decode(f.read_bytes(), str(f))
    if not text.strip():
        raise ReferenceSetError(f"Reference file {str(f)!r} is empty. Remove it or add text.")
    try:
        doc = ingest(text, _TEXT_EXT[f.suffix.lower()], source=str(f))
    except InputError as e:
        raise ReferenceSetError(f"Reference file {str(f)!r}: {e}") from None
    title = doc.headings[0].text if doc.headings else None
    body = "\n".join(p.text for p in doc.paragraphs) or doc.text
    return ReferenceDocument(doc_id, body, title, str(f))


def _docs_from_jsonl(path: Path) -> list[ReferenceDocument]:
    from claimcheck.text.ingest import decode

    docs = []
    try:
        text = decode(path.read_bytes(), str(path))  # a BOM is dropped; bad UTF-8 is an error
    except InputError as e:
        raise ReferenceSetError(str(e)) from None
    for n, line in enumerate(text.split("\n"), 1):  # not splitlines: U+2028 is valid in JSON
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise ReferenceSetError(f"{path}:{n} is not valid JSON ({e.msg}). Each line must "
                                    "be an object with 'id' and 'text'.") from None
        docs.append(_doc_from_record(rec, f"{path}:{n}", default_id=f"{path.stem}:{n}"))
    if not docs:
        raise ReferenceSetError(f"{path} has no records. Each line must be an object with 'id' "
                                "and 'text'.")
    return docs


def _doc_from_record(rec: dict, where: str, default_id: str) -> ReferenceDocument:
    if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
        raise ReferenceSetError(f"{where}: each reference record needs a string 'text' field.")
    if not rec["text"].strip():
        raise ReferenceSetError(f"{where}: the 'text' field is empty.")
    return ReferenceDocument(str(rec.get("id", default_id)), rec["text"], rec.get("title"),
                             rec.get("source"), rec.get("date"))


def sentence_spans(sdoc, text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a parsed ``text``, surrounding whitespace trimmed, empty
    ones dropped."""
    spans = []
    for s in sdoc.sents:
        a, b = s.start_char, s.end_char
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))
    return spans


def _split_passages(documents: Sequence[ReferenceDocument], window: int, nlp=None) -> list[Passage]:
    from claimcheck.text.nlp import load_spacy, only, pipe

    nlp = nlp or load_spacy()
    passages: list[Passage] = []
    with only(nlp, "parser", "senter", "sentencizer"):
        for d, sdoc in zip(documents, pipe(nlp, [d.text for d in documents]), strict=True):
            sents = sentence_spans(sdoc, d.text)
            if window > 1 and len(sents) > window:
                spans = [(sents[i][0], sents[i + window - 1][1])
                         for i in range(len(sents) - window + 1)]
            elif window > 1 and sents:
                spans = [(sents[0][0], sents[-1][1])]
            else:
                spans = sents
            for a, b in spans:
                passages.append(Passage(id=len(passages), doc_id=d.id, text=d.text[a:b],
                                        start=a, end=b, title=d.title, source=d.source,
                                        date=d.date))
    return passages
