"""Corpus input: a folder of article files or a JSONL file of ``{"id", "text", ...}`` records.

A folder yields its ``.txt``/``.md``/``.html`` files (recursively, sorted; the id is the path
relative to the folder). A JSONL file yields one article per non-blank line: ``text`` is the
article, ``id`` its id (default ``<file stem>:<line number>``), every other key is passed through
as ``fields``. An article that cannot be read (binary, not UTF-8, not JSON, no ``text``) is still
yielded, with ``error`` set, so the run records it as a failure and goes on.

Example::

    >>> corpus = Corpus("examples/nato-summit-2024/references")
    >>> corpus.ids()[:2]
    ['01-summit-overview.md', '02-nsatu-command.md']
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimcheck.errors import ClaimcheckWarning, InputError
from claimcheck.text.ingest import DEFAULT_MAX_CHARS, read_input

ARTICLE_EXT = (".txt", ".md", ".markdown", ".html", ".htm")
INPUT_FORMATS = ("text", "markdown", "html")
_MAX_BYTES_PER_CHAR = 4  # UTF-8: a file over 4 bytes x the character limit is over the limit


@dataclass(frozen=True, slots=True)
class Article:
    """One corpus article: its position, id, text (None when unreadable) and pass-through fields."""

    index: int
    id: str
    text: str | None
    fmt: str | None = None
    source: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> str:
        return json.dumps({"index": self.index, "id": self.id, "text": self.text, "fmt": self.fmt,
                           "source": self.source, "fields": self.fields, "error": self.error},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Article:
        return cls(**json.loads(line))


class Corpus:
    """The articles of ``path`` (a folder or a ``.jsonl`` file), read lazily in input order."""

    def __init__(self, path: str | Path, input_format: str | None = None,
                 max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.path = Path(path).expanduser()
        if input_format is not None and input_format not in INPUT_FORMATS:
            raise InputError(f"Unknown --input-format {input_format!r}. Use one of: "
                             f"{', '.join(INPUT_FORMATS)} (or leave it out to guess).")
        self.input_format = input_format
        self.max_chars = max_chars
        if not self.path.exists():
            raise InputError(f"Corpus {str(self.path)!r} does not exist. Pass a folder of "
                             ".txt/.md/.html articles or a .jsonl file with 'id' and 'text'.")
        if self.path.is_dir():
            self.kind = "folder"
        elif self.path.suffix.lower() == ".jsonl":
            self.kind = "jsonl"
        else:
            raise InputError(f"Corpus {str(self.path)!r} is neither a folder nor a .jsonl file. "
                             "To check one article use `claimcheck check`; for a corpus pass a "
                             "folder of articles or a .jsonl file with 'id' and 'text'.")
        self._ids: list[str] | None = None

    def __repr__(self) -> str:
        return f"Corpus({str(self.path)!r}, {self.kind})"

    def __len__(self) -> int:
        return len(self.ids())

    def ids(self) -> list[str]:
        """Every article id in input order (read once); repeated ids are an error, since resuming
        a run skips the ids already in the output."""
        if self._ids is None:
            if self.kind == "folder":
                files = self._files()
                ids = [str(f.relative_to(self.path)) for f in files]
            else:
                ids = [a.id for a in self._jsonl(with_text=False)]
            dup = sorted(i for i, n in Counter(ids).items() if n > 1)
            if dup:
                raise InputError(f"Article ids must be unique; repeated in {str(self.path)!r}: "
                                 f"{dup[:3]}. Fix: give each line its own 'id'.")
            self._ids = ids
        return self._ids

    def articles(self, skip: set[str] | frozenset[str] = frozenset()) -> Iterator[Article]:
        """The articles in input order, minus the ids in ``skip``."""
        if self.kind == "folder":
            for i, f in enumerate(self._files()):
                doc_id = str(f.relative_to(self.path))
                if doc_id not in skip:
                    yield self._read_file(i, doc_id, f)
        else:
            for a in self._jsonl(with_text=True):
                if a.id not in skip:
                    yield a

    # -- folder --------------------------------------------------------------------------------
    def _files(self) -> list[Path]:
        files, other = [], []
        for f in sorted(self.path.rglob("*")):
            if not f.is_file() or any(p.startswith(".") for p in f.relative_to(self.path).parts):
                continue
            (files if f.suffix.lower() in ARTICLE_EXT else other).append(f)
        if not files:
            raise InputError(f"Corpus folder {str(self.path)!r} holds no .txt, .md or .html "
                             "files. Add the articles there, or pass a .jsonl file.")
        if other and self._ids is None:
            exts = sorted({f.suffix or f.name for f in other})[:5]
            warnings.warn(f"{len(other)} file(s) in {str(self.path)!r} are not articles and are "
                          f"skipped ({', '.join(exts)}). Convert them to .txt/.md/.html to check "
                          "them.", ClaimcheckWarning, stacklevel=3)
        return files

    def _read_file(self, index: int, doc_id: str, f: Path) -> Article:
        size = f.stat().st_size
        if size > _MAX_BYTES_PER_CHAR * self.max_chars:
            return Article(index, doc_id, None, source=str(f), error=(
                f"{f} has {size:,} bytes, more than the limit of {self.max_chars:,} characters. "
                f"Split it, or raise the limit with --set segment.max_input_chars=N."))
        try:
            text, guessed = read_input(f)
        except InputError as e:
            return Article(index, doc_id, None, source=str(f), error=str(e))
        return Article(index, doc_id, text, self.input_format or guessed, str(f))

    # -- JSONL ---------------------------------------------------------------------------------
    def _jsonl(self, with_text: bool) -> Iterator[Article]:
        where = str(self.path)
        index = 0
        with open(self.path, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                default_id = f"{self.path.stem}:{n}"
                yield self._record(index, raw, f"{where}:{n}", default_id, with_text)
                index += 1
        if index == 0:
            raise InputError(f"Corpus {where!r} has no records. Each line must be a JSON object "
                             "with 'id' and 'text'.")

    def _record(self, index: int, raw: bytes, where: str, default_id: str,
                with_text: bool) -> Article:
        def failed(msg: str, doc_id: str = default_id, fields=None) -> Article:
            return Article(index, doc_id, None, source=where, fields=fields or {}, error=msg)

        try:
            rec = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as e:
            return failed(f"{where} is not UTF-8 text ({e.reason} at byte {e.start}). Convert "
                          "the file to UTF-8 (e.g. iconv -t utf-8).")
        except json.JSONDecodeError as e:
            return failed(f"{where} is not valid JSON ({e.msg}). Each line must be an object "
                          "with 'id' and 'text'.")
        if not isinstance(rec, dict):
            return failed(f"{where} is a JSON {type(rec).__name__}, not an object. Each line "
                          "must be an object with 'id' and 'text'.")
        raw_id = rec.get("id")
        if raw_id is None or raw_id == "":
            doc_id = default_id
        elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
            doc_id = str(raw_id)
        else:
            return failed(f"{where}: 'id' must be a string or an integer, got "
                          f"{type(raw_id).__name__}.")
        fields = {k: v for k, v in rec.items() if k not in ("id", "text")}
        text = rec.get("text")
        if not isinstance(text, str):
            got = "no 'text' field" if text is None else f"'text' is a {type(text).__name__}"
            return failed(f"{where}: {got}. Each line needs the article as a string 'text'.",
                          doc_id, fields)
        return Article(index, doc_id, text if with_text else None, self.input_format, where,
                       fields)
