"""Training data for the NLI judge: normalized jsonl files from ../shared/data, label mapping,
seeded dev carving.

Label ids are fixed for the trained model: 0 entailment, 1 neutral, 2 contradiction. Two-way
SUPPORTS/REFUTES rows (entailment / contradiction only) carry ``two_way=True``: the trainer masks
the neutral logit for them instead of inventing a neutral label they do not have. Sets whose second
class is ``not_entailment`` (neutral + contradiction together) cannot be mapped onto one label and
are refused for training (they remain usable as dev data).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from claimcheck.errors import DataError
from claimcheck.verdict.nli import LABEL_ORDER

LABELS = LABEL_ORDER
LABEL2ID = {name: i for i, name in enumerate(LABELS)}


@dataclass(frozen=True, slots=True)
class Pair:
    premise: str
    hypothesis: str
    label: int
    two_way: bool
    source: str
    id: str = ""


def read_jsonl(path: Path) -> list[dict]:
    """Read a normalized jsonl(.gz) file with HF ``datasets`` (local files only)."""
    if not path.is_file():
        raise DataError(
            f"Data file {str(path)!r} does not exist. Check data_root in the training config "
            "(it should point at the shared data folder, e.g. ../shared/data)."
        )
    import datasets
    from datasets import load_dataset

    datasets.disable_progress_bars()
    ds = load_dataset("json", data_files=str(path), split="train")
    return ds.to_list()


def _stable_key(text: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{text}".encode()).hexdigest()


def carve_dev(rows: list[dict], n: int, seed: int, group_by: str = "id") -> tuple[list, list]:
    """Split rows into (train, dev) with ``n`` dev rows chosen by a seeded hash of ``group_by``.

    Grouping keeps every row of one group (e.g. one FEVER claim) on the same side, so the dev
    split never shares a claim with training. Deterministic: same rows, n and seed -> same split.
    """
    if n <= 0:
        return list(rows), []
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(str(r[group_by]), []).append(r)
    order = sorted(groups, key=lambda g: _stable_key(g, seed))
    dev: list[dict] = []
    dev_keys = set()
    for g in order:
        if len(dev) >= n:
            break
        dev.extend(groups[g])
        dev_keys.add(g)
    train = [r for r in rows if str(r[group_by]) not in dev_keys]
    return train, dev


def row_to_pair(row: dict) -> Pair | None:
    """Map one normalized row to a Pair; None for rows with no usable premise."""
    label = row.get("label")
    premise = (row.get("premise") or "").strip()
    hypothesis = (row.get("hypothesis") or "").strip()
    if not premise or not hypothesis:
        return None
    if label not in LABEL2ID:
        raise DataError(
            f"Row {row.get('id')!r} of {row.get('source')!r} has label {label!r}; training needs "
            f"one of {list(LABELS)}. 2-way entailment/not_entailment sets cannot be trained on "
            "without inventing labels: use them as dev data only."
        )
    return Pair(premise, hypothesis, LABEL2ID[label], False, str(row.get("source", "")),
                str(row.get("id", "")))


def mark_two_way(pairs: list[Pair]) -> list[Pair]:
    """Flag pairs of a set that has no neutral class (their neutral logit gets masked)."""
    has_neutral = any(p.label == LABEL2ID["neutral"] for p in pairs)
    if has_neutral:
        return pairs
    return [Pair(p.premise, p.hypothesis, p.label, True, p.source, p.id) for p in pairs]


def load_training_set(spec, data_root: Path, seed: int) -> tuple[list[Pair], list[Pair], list[dict]]:
    """Load one configured dataset; return (train pairs, carved dev pairs, raw train rows)."""
    folder = data_root / spec.path
    rows: list[dict] = []
    for name in spec.files:
        rows.extend(read_jsonl(folder / name))
    if spec.exclude_flag:
        rows = [r for r in rows if not r.get(spec.exclude_flag)]
    train_rows, dev_rows = carve_dev(rows, spec.dev_carve, seed, spec.group_by)
    if spec.cap is not None and len(train_rows) > spec.cap:
        train_rows = sorted(train_rows, key=lambda r: _stable_key(str(r["id"]), seed))[: spec.cap]
    train = mark_two_way([p for p in map(row_to_pair, train_rows) if p is not None])
    dev = mark_two_way([p for p in map(row_to_pair, dev_rows) if p is not None])
    return train, dev, train_rows


def decontaminate(per_set: list[tuple[str, list[Pair]]], held_out: list[Pair],
                  by_claim: set[str]) -> list[tuple[str, list[Pair]]]:
    """Drop training pairs that also occur in ``held_out`` (eval sets, carved dev rows) or in an
    earlier dataset of ``per_set``. Sets named in ``by_claim`` are compared by claim
    (hypothesis) too, so a claim of an eval set is never trained on with other evidence."""
    seen = {(p.premise.strip(), p.hypothesis.strip()) for p in held_out}
    claims = {p.hypothesis.strip() for p in held_out}
    out = []
    for name, pairs in per_set:
        kept = []
        for p in pairs:
            key = (p.premise.strip(), p.hypothesis.strip())
            if key in seen or (name in by_claim and key[1] in claims):
                continue
            seen.add(key)
            kept.append(p)
        out.append((name, kept))
    return out


_WORD = re.compile(r"\w+")


def _ngrams(text: str, n: int) -> set[int]:
    words = _WORD.findall(text.lower())
    return {hash(" ".join(words[i : i + n])) for i in range(len(words) - n + 1)}


def read_texts(path: Path) -> list[str]:
    """The texts of a jsonl(.gz) file (``doc`` and ``claim``, or ``premise`` and
    ``hypothesis``), read with the json module: document-grounded rows carry ``meta`` dicts of
    varying shape that a column loader would refuse."""
    if not path.is_file():
        raise DataError(f"Data file {str(path)!r} (exclude_overlap) does not exist. Fix: name a "
                        "file under data_root, or drop it from exclude_overlap.")
    opener = gzip.open if path.suffix == ".gz" else open
    out = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                out.extend(str(row[k]) for k in ("doc", "claim", "premise", "hypothesis")
                           if row.get(k))
    return out


def drop_overlap(per_set: list[tuple[str, list[Pair]]], texts: list[str], n: int = 8,
                 share: float = 0.5) -> tuple[list[tuple[str, list[Pair]]], dict[str, int]]:
    """Drop training pairs whose premise comes from ``texts``: at least ``share`` of its word
    ``n``-grams (premises shorter than ``n`` words: never) occur in them. Returns the kept pairs
    per set and how many were dropped per set."""
    held: set[int] = set()
    for t in texts:
        held |= _ngrams(t, n)
    out, dropped = [], {}
    for name, pairs in per_set:
        kept = []
        for p in pairs:
            grams = _ngrams(p.premise, n)
            if grams and len(grams & held) >= share * len(grams):
                continue
            kept.append(p)
        dropped[name] = len(pairs) - len(kept)
        out.append((name, kept))
    return out, dropped


def mix_sha256(pairs: list[Pair]) -> str:
    """A fingerprint of a training mix in its order (premise, hypothesis, label, two-way): a
    checkpoint records it, so a run is only resumed on the mix it started on."""
    h = hashlib.sha256()
    for p in pairs:
        h.update(f"{p.premise}\t{p.hypothesis}\t{p.label}\t{int(p.two_way)}\n".encode())
    return h.hexdigest()


def load_eval_file(path: Path) -> list[dict]:
    """Rows of a dev file, labels kept as strings (not_entailment allowed)."""
    rows = read_jsonl(path)
    out = []
    for r in rows:
        if (r.get("premise") or "").strip() and (r.get("hypothesis") or "").strip():
            out.append(r)
    return out


def write_jsonl(path: Path, pairs: list[Pair]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps({"id": p.id, "premise": p.premise, "hypothesis": p.hypothesis,
                                "label": LABELS[p.label], "two_way": p.two_way,
                                "source": p.source}, ensure_ascii=False) + "\n")


def resolve_data_root(root: str) -> Path:
    """The data folder: CLAIMCHECK_DATA if set, else ``root`` (relative to the working dir)."""
    env = os.environ.get("CLAIMCHECK_DATA")
    p = Path(env or root).expanduser()
    if not p.is_dir():
        raise DataError(
            f"Training data folder {str(p)!r} does not exist. Fix: run from the repository root "
            "(data_root is relative to it) or set CLAIMCHECK_DATA=/path/to/shared/data."
        )
    return p


def cap_rows(rows: list[dict], n: int, seed: int) -> list[dict]:
    """At most ``n`` rows, a seeded choice stable under reordering (sorted by a hash of the id)."""
    if len(rows) <= n:
        return rows
    key = lambda r: hashlib.sha256(f"{seed}:{r['id']}".encode()).hexdigest()  # noqa: E731
    return sorted(rows, key=key)[:n]


@dataclass
class SentenceRows:
    """Sentences with a 0/1 label and a group (source / debate), column by column."""

    text: list[str]
    label: list[int]
    group: list[str]  # source / debate, for MAP per debate
