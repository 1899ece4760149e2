"""The number and entity parser every stage uses: quantities (amounts, percents, counts, dates with
a value for comparison), plain numbers, and named entities from a spaCy parse.

Two consumers, one parser, each with its own rule (both in :mod:`claimcheck.verdict.verify`):

- the verdict's mismatch check (a near match is never support) compares the numerals as written
  (:func:`numbers`: "$43 billion" -> "43") and the entities of five labels
  (``verify.VERDICT_ENTITY_LABELS``), names compared with a leading "the " dropped
  (:func:`entities`);
- the ``mismatch`` flag an editor sees compares typed quantities (:func:`find_quantities`,
  :func:`same_quantity`: "$43 billion" is 43e9 USD) and the entities of ``flags.entity_labels``
  (seven labels by default), names compared by :func:`entity_key`.

Both read entities with :func:`find_entities`, each passing its label set.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from claimcheck.text.nlp import only

_NUM = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\.\d+)?")


def numbers(text: str) -> set[str]:
    """The numbers of a text as normalised strings ("1,000" and "1000.0" -> "1000")."""
    out = set()
    for m in _NUM.finditer(text):
        v = m.group(0).replace(",", "")
        try:
            f = float(v)
        except ValueError:
            continue
        out.add(f"{f:g}")
    return out


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity found in a text: its span (offsets into the text) and spaCy label."""

    text: str
    label: str
    start: int
    end: int


def find_entities(texts: Sequence[str], nlp, labels: Collection[str]) -> list[list[Entity]]:
    """The named entities of each text whose label is in ``labels``, in text order; an empty list
    per text when there is no NER (``nlp`` None or without an ``ner`` pipe) or no label."""
    wanted = frozenset(labels)
    if nlp is None or not wanted or "ner" not in nlp.pipe_names:
        return [[] for _ in texts]
    with only(nlp, "ner", "entity_ruler"):
        docs = list(nlp.pipe(texts))
    return [[Entity(e.text, e.label_, e.start_char, e.end_char) for e in d.ents
             if e.label_ in wanted] for d in docs]


def entities(texts: Sequence[str], nlp, labels: Collection[str]) -> list[dict[str, set[str]]]:
    """Named entities of each text by label (a leading "the " dropped); empty without NER."""
    out = []
    for ents in find_entities(texts, nlp, labels):
        by_label: dict[str, set[str]] = {}
        for e in ents:
            by_label.setdefault(e.label, set()).add(e.text.removeprefix("the "))
        out.append(by_label)
    return out


def entity_key(name: str) -> str:
    """A name as the mismatch flag compares it: lower case, without a leading "the" or a
    trailing possessive ("The Alliance's" -> "alliance")."""
    name = re.sub(r"^(?:the)\s+", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"['’]s$", "", name).lower()


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number found in a text: its span, normalised value and kind."""

    text: str
    start: int
    end: int
    value: float | None
    kind: str  # money | percent | count | year | date | compound
    unit: str = ""  # currency code, or the word after a hyphen ("star")
    period: str = ""  # "year", "month" ... when "annually", "per year" follows


_WORDS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"))}
_WORDS.update({w: 10 * (i + 2) for i, w in enumerate(
    ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"))})
_WORDS.update({"hundred": 100, "dozen": 12, "dozens": 24})
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_CUR = {"$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "€": "EUR",
        "eur": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP", "pound": "GBP",
        "pounds": "GBP", "¥": "JPY", "yen": "JPY"}
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
           "jul", "aug", "sep", "sept", "oct", "nov", "dec")
_WORDNUM = "|".join(sorted(_WORDS, key=len, reverse=True))
_QTY = re.compile(
    rf"""(?P<cur>US\$|[$€£¥]|\b(?:USD|EUR|GBP)\s?)?
    (?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?
      |\b(?:{_WORDNUM})(?:[- ](?:{_WORDNUM}))*\b)
    (?P<ord>st|nd|rd|th)?
    (?:\s?(?P<scale>thousand|million|billion|trillion|mn|bn|tn|[kmb])\b)?
    (?:\s?(?P<pct>%|percent\b|per\s?cent\b))?
    (?:\s(?P<curw>dollars?|euros?|pounds?|yen)\b)?
    (?:-(?P<compound>[a-z]+))?
    (?:\s(?P<period>annually|a\syear|per\syear|each\syear|every\syear|per\sannum|a\smonth|per\smonth|monthly))?
    """, re.IGNORECASE | re.VERBOSE)
_MONTH_BEFORE = re.compile(rf"\b(?:{'|'.join(_MONTHS)})\.?\s*$", re.IGNORECASE)
_DATE_PREP = re.compile(r"\b(?:in|since|by|until|from|on|before|after)\s*$", re.IGNORECASE)


def find_quantities(text: str) -> list[Quantity]:
    """Numbers, amounts, percents and dates in ``text`` (spans are offsets into ``text``)."""
    out = []
    for m in _QTY.finditer(text):
        raw = m.group("num")
        if not raw or (raw[0].isalpha() and raw.lower() in ("one", "zero")):
            continue
        if m.start("num") > 0 and (text[m.start("num") - 1].isalnum()
                                   or text[m.start("num") - 1] in ".,"):
            continue
        value = _num_value(raw)
        scale = (m.group("scale") or "").lower()
        if scale in ("m", "b", "k") and not m.group("cur"):
            scale = ""  # "5 m" is metres, not millions, without a currency
        value = value * _SCALE[scale] if value is not None and scale else value
        cur = _CUR.get((m.group("cur") or m.group("curw") or "").strip().lower(), "")
        before = text[max(0, m.start() - 12):m.start()]
        end = m.end()
        if m.group("compound"):
            kind, unit = "compound", m.group("compound").lower()
        elif cur:
            kind, unit = "money", cur
        elif m.group("pct"):
            kind, unit = "percent", "%"
        elif m.group("ord"):
            kind, unit = "compound", "ordinal"
        elif _MONTH_BEFORE.search(before) or re.match(r"\s+(?:" + "|".join(_MONTHS) + r")\b",
                                                      text[m.end():], re.IGNORECASE):
            kind, unit = "date", ""
        elif raw.isdigit() and len(raw) == 4 and 1800 <= int(raw) <= 2100:
            kind, unit = ("date" if _DATE_PREP.search(before) else "year"), ""
        else:
            kind, unit = "count", ""
        start = m.start()
        if not scale and m.group("scale"):  # a dropped unit letter ("500 m") is not part of it
            end = m.end("pct") if m.group("pct") else m.end("num")
        if kind == "date":
            month = _MONTH_BEFORE.search(before)
            if month:
                start = m.start() - len(before) + month.start()
            year = re.match(r",?\s*(?:1[89]|20)\d\d\b", text[end:])
            if year:
                end += year.end()
        end = start + len(text[start:end].rstrip())
        if out and out[-1].start <= start < out[-1].end:
            continue
        out.append(Quantity(text[start:end], start, end, value, kind, unit,
                            _period(m.group("period"))))
    return out


def _num_value(raw: str) -> float | None:
    if raw[0].isdigit():
        return float(raw.replace(",", ""))
    total = 0.0
    for w in re.split(r"[- ]", raw.lower()):
        v = _WORDS.get(w)
        if v is None:
            return None
        total = total * v if v == 100 and total else total + v
    return total


def _period(p: str | None) -> str:
    if not p:
        return ""
    return "month" if "month" in p.lower() else "year"


def same_quantity(a: Quantity, b: Quantity, tol: float = 0.02) -> bool:
    """True when two quantities state the same thing (same kind and unit, values within 2%)."""
    if a.kind != b.kind or a.unit != b.unit or a.value is None or b.value is None:
        return False
    return abs(a.value - b.value) <= tol * max(abs(a.value), abs(b.value), 1e-9)
