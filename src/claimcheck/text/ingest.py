"""Ingest: plain text, Markdown or HTML -> :class:`~claimcheck.types.Document`.

``Document.text`` is the clean text every later offset points into. Paragraphs are its non-empty
lines (blocks); headings are short lines without closing punctuation (or Markdown ``#`` lines,
HTML ``<h1>``–``<h6>``); a "Related posts:" / "Read more" line and the list of link titles
right after it are boilerplate (the list ends at the first line of prose, which is checked again).

Example::

    >>> from claimcheck.text.ingest import ingest
    >>> doc = ingest("Summit news\\nNATO was founded in 1949.")
    >>> [h.text for h in doc.headings]
    ['Summit news']
"""

from __future__ import annotations

import re
from pathlib import Path

from claimcheck.errors import InputError
from claimcheck.types import Document, Span

DEFAULT_MAX_CHARS = 2_000_000

_RELATED = re.compile(r"^\s*(related (posts|articles|stories)|read more|see also|you may also "
                      r"like)\s*:?\s*$", re.IGNORECASE)
# Linear-time on hostile lines: link text cannot contain "[" (so a run of "[" fails fast at the
# next one), and link targets / emphasis spans are bounded (an unclosed "*" scans at most 500
# characters, not the rest of a 200k-character line).
_MD_LINK = re.compile(r"\[([^\[\]]{0,1000})\]\([^)]{0,2000}\)")
_MD_IMAGE = re.compile(r"!\[[^\[\]]{0,1000}\]\([^)]{0,2000}\)")
_MD_TABLE_RULE = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*")
_MD_EMPH = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.{1,500}?)(?<=\S)\1")
_MD_PREFIX = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")
_BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "figcaption",
               "td", "th", "dt", "dd", "pre")
_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg",
              "iframe", "template", "button")


def read_input(path: str | Path) -> tuple[str, str]:
    """Read a file as text and guess its format from the extension; errors name the fix."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"Article {str(p)!r} is a folder. Pass one .txt, .md or .html file, or "
                         "check every article in it with `claimcheck check-corpus`.")
    if not p.is_file():
        raise InputError(f"Article file {str(p)!r} does not exist. Pass the path of a .txt, .md "
                         "or .html file (or '-' for standard input).")
    data = p.read_bytes()
    text = decode(data, str(p))
    ext = p.suffix.lower()
    fmt = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}.get(ext)
    return text, fmt or sniff_format(text)


def decode(data: bytes, name: str = "input") -> str:
    """Decode bytes as UTF-8 (or UTF-16 with its byte-order mark) text; binary data raises
    InputError."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(f"{name} starts like UTF-16 text but does not decode ({e.reason}). "
                             "Convert it to UTF-8 (e.g. iconv -f utf-16 -t utf-8).") from None
    if b"\x00" in data[:8192]:
        raise InputError(f"{name} looks like a binary file (it contains NUL bytes). "
                         "claimcheck reads plain text, Markdown or HTML: convert it to text first.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{name} is not UTF-8 text ({e.reason} at byte {e.start}). "
                         "Convert it to UTF-8 (e.g. iconv -t utf-8) or check it is not binary.")\
            from None


def sniff_format(text: str) -> str:
    head = text[:5000].lower()
    if re.search(r"<(html|body|p|div|article|h[1-6])[\s>]", head):
        return "html"
    if re.search(r"(?m)^#{1,6}\s+\S", text[:20000]):
        return "markdown"
    return "text"


def check_text(text: str, max_chars: int = DEFAULT_MAX_CHARS, name: str = "The article") -> None:
    if not isinstance(text, str):
        raise InputError(f"{name} must be a str, got {type(text).__name__}. Decode bytes first "
                         "(claimcheck.text.ingest.decode) or read the file with read_input().")
    if not text.strip():
        raise InputError(f"{name} is empty. Pass text that contains at least one sentence.")
    if len(text) > max_chars:
        raise InputError(f"{name} has {len(text):,} characters, more than the limit of "
                         f"{max_chars:,}. Split it, or raise the limit with "
                         f"--set segment.max_input_chars={len(text)}.")
    bad = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if bad > max(10, len(text[:20000]) // 100):
        raise InputError(f"{name} looks binary ({bad} control characters). claimcheck reads "
                         "plain text, Markdown or HTML: convert it to text first.")


def ingest(text: str, fmt: str | None = None, source: str | None = None,
           max_chars: int = DEFAULT_MAX_CHARS) -> Document:
    """Build a Document from text in ``fmt`` ('text', 'markdown', 'html' or None to guess)."""
    check_text(text, max_chars)
    fmt = fmt or sniff_format(text)
    if fmt == "html":
        blocks = _html_blocks(text)
    elif fmt == "markdown":
        blocks = _markdown_blocks(text)
    elif fmt == "text":
        blocks = [(line, None) for line in text.replace("\r\n", "\n").replace("\r", "\n")
                  .split("\n")]
    else:
        raise InputError(f"Unknown input format {fmt!r}. Use one of: text, markdown, html.")
    doc = _assemble(blocks, fmt, source)
    if not doc.text.strip():
        raise InputError("The article has no text after removing markup. Pass the article body.")
    return doc


def _assemble(blocks: list[tuple[str, bool | None]], fmt: str, source: str | None) -> Document:
    """Join blocks with newlines; classify headings and boilerplate."""
    parts: list[str] = []
    paragraphs: list[Span] = []
    headings: list[Span] = []
    boilerplate: list[Span] = []
    pos = 0
    in_related = False
    cleaned = [(re.sub(r"[ \t\u00a0]+", " ", b).strip(), h) for b, h in blocks]
    cleaned = [(b, h) for b, h in cleaned if b]
    for i, (block, is_heading) in enumerate(cleaned):
        if parts:
            parts.append("\n")
            pos += 1
        span = Span(block, pos, pos + len(block))
        parts.append(block)
        pos += len(block)
        if _RELATED.match(block):
            in_related = True
        elif in_related and not link_title(block):
            in_related = False
        if in_related:
            boilerplate.append(span)
            continue
        nxt = cleaned[i + 1][0] if i + 1 < len(cleaned) else None
        heading = is_heading if is_heading is not None else looks_like_heading(block, nxt)
        (headings if heading else paragraphs).append(span)
    return Document("".join(parts), tuple(paragraphs), tuple(headings), tuple(boilerplate),
                    source, fmt)


def link_title(line: str) -> bool:
    """Could ``line`` be an item of a "Related posts" list: at most 20 words, not ending like a
    sentence ('.' or '!', unless an ellipsis)?"""
    words = line.split()
    if not words or len(words) > 20:
        return False
    end = line.rstrip()
    return end[-1] not in ".!" or end.endswith(("...", "…"))


def looks_like_heading(line: str, next_line: str | None) -> bool:
    """A short line without closing punctuation, followed by more text."""
    words = line.split()
    if next_line is None or not words or len(words) > 14:
        return False
    return line.rstrip()[-1] not in ".!?:;,\"”’)"


def _markdown_blocks(text: str) -> list[tuple[str, bool | None]]:
    """Markdown lines without their markup: fenced (```, ~~~) and indented code blocks, rules,
    table separator rows and images are dropped; links keep their text; table rows keep their
    cells."""
    blocks: list[tuple[str, bool | None]] = []
    fence = None
    prev_blank = True
    for raw in text.replace("\r\n", "\n").split("\n"):
        mark = re.match(r"\s{0,3}(`{3,}|~{3,})", raw)
        if fence is None and mark:
            fence = mark.group(1)[0] * 3
            continue
        if fence is not None:
            if raw.strip().startswith(fence):
                fence = None
            continue
        code = re.match(r"( {4}|\t)", raw) and prev_blank and raw.strip()
        prev_blank = not raw.strip() or bool(code)
        if code or re.fullmatch(r"\s*([-*_]\s*){3,}", raw) or _MD_TABLE_RULE.fullmatch(raw):
            continue
        heading = bool(re.match(r"^\s{0,3}#{1,6}\s+", raw))
        line = _MD_PREFIX.sub("", raw)
        line = _MD_IMAGE.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPH.sub(r"\2", line)
        if line.lstrip().startswith("|"):
            line = line.strip().strip("|")
        blocks.append((line, True if heading else None))
    return blocks


def _html_blocks(text: str) -> list[tuple[str, bool | None]]:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(text)
    for tag in _DROP_TAGS:
        for node in tree.css(tag):
            node.decompose()
    root = tree.css_first("article") or tree.css_first("main") or tree.body or tree.root
    if root is None:
        return []
    blocks: list[tuple[str, bool | None]] = []
    selector = ",".join(_BLOCK_TAGS)
    for node in root.css(selector):
        # skip blocks nested inside another block (their text is in the parent)
        parent, nested = node.parent, False
        while parent is not None and parent is not root:
            if parent.tag in _BLOCK_TAGS:
                nested = True
                break
            parent = parent.parent
        if nested:
            continue
        txt = node.text(separator=" ", strip=True)
        if txt:
            blocks.append((txt, node.tag in ("h1", "h2", "h3", "h4", "h5", "h6")))
    if not blocks:
        txt = root.text(separator="\n", strip=True)
        blocks = [(line, None) for line in txt.split("\n")]
    return blocks
