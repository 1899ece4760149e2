"""Dataset adapters: read the published formats into task examples.

Every adapter reads local files with Hugging Face ``datasets`` (``load_dataset("csv"|"json"|
"text", data_files=...)``; never the hub) or, for formats ``datasets`` has no builder for (BRAT
standoff), plain Python. It returns a :class:`Loaded`: the examples of one split as dicts in the
task's shape, plus every file read (for the sha256 in the results).

Example shapes, by task:

* ``nli_pairs``: ``{"id", "premise", "hypothesis", "label"}``; label entailment / neutral /
  contradiction / not_entailment.
* ``claim_verification``: ``{"id", "claim", "passages": [str], "label"}``; label supported /
  contradicted / unverified / disputed.
* ``stance``: ``{"id", "text", "target", "label"}``; label favor / against / none, or for
  headline-body sets (FNC-1, ARC) agree / disagree / discuss / unrelated.
* ``quote_attribution``: ``{"id", "text", "quotes": [{"start", "end", "spans", "text",
  "source": {"start", "end", "text"} | None}]}``.
* ``check_worthiness``: ``{"id", "text", "label" (0/1), "group"}``.
* ``grounded``: ``{"id", "doc", "claim", "label", "group"}``; label supported / unsupported (is the
  generated claim supported by the document?), group = the document's key.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimcheck.errors import ClaimcheckWarning, ConfigError, DataError

log = logging.getLogger(__name__)


@dataclass
class Loaded:
    """The examples of one split and the files they were read from."""

    examples: list[dict[str, Any]]
    files: list[Path] = field(default_factory=list)
    label_space: list[str] | None = None
    kind: str = ""  # e.g. "headline_body" for FNC-1/ARC stance


@dataclass(frozen=True)
class Adapter:
    name: str
    tasks: frozenset[str]
    load: Callable[..., Loaded]
    layout: str  # the published layout, for `bench list` and error messages


ADAPTERS: dict[str, Adapter] = {}


def register(name: str, tasks: set[str], layout: str):
    def deco(fn: Callable[..., Loaded]) -> Callable[..., Loaded]:
        ADAPTERS[name] = Adapter(name, frozenset(tasks), fn, layout)
        return fn

    return deco


def get_adapter(name: str) -> Adapter:
    _ensure_loaded()
    if name not in ADAPTERS:
        raise ConfigError(f"Unknown dataset format {name!r}. Available formats: "
                          f"{', '.join(sorted(ADAPTERS))}.")
    return ADAPTERS[name]


def _ensure_loaded() -> None:
    from claimcheck.bench.adapters import (  # noqa: F401  (registers)
        decisions,
        grounded,
        other,
        pairs,
        stance,
    )


# ---------------------------------------------------------------------------------------------
# helpers shared by the adapters


@dataclass(frozen=True)
class Source:
    """Where one split lives: the dataset root, the split name and split_files overrides."""

    root: Path
    split: str
    files: dict[str, str]

    def find(self, role: str, candidates: list[str], required: bool = True) -> Path | None:
        """The file for ``role``: the split_files override, else the first candidate that exists
        (directly under root, then anywhere below it); root itself when it is a file."""
        if self.root.is_file():
            return self.root
        override = self.files.get(role)
        if override:
            p = self.root / override
            if p.exists():
                return p
            warnings.warn(f"split_files[{self.split!r}][{role!r}] names {override!r}, which is not "
                          f"in {self.root}; using the format's default file names.",
                          ClaimcheckWarning, stacklevel=3)
        for name in candidates:
            if (self.root / name).exists():
                return self.root / name
        for name in candidates:
            hits = sorted(self.root.rglob(name))
            if hits:
                return hits[0]
        if not required:
            return None
        raise DataError(f"No {role} file for split {self.split!r} in {self.root}: looked for "
                        f"{', '.join(candidates)}. Fix: point dataset.path at the folder of the "
                        "published files, or name the file in dataset.split_files.")


def hf_rows(builder: str, files: list[Path] | Path, **kwargs: Any) -> list[dict[str, Any]]:
    """Rows of local files through ``datasets.load_dataset`` (offline, no hub)."""
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import datasets

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    if isinstance(files, Path):
        files = [files]
    for f in files:
        if not f.is_file():
            raise DataError(f"Dataset file {f} does not exist.")
    try:
        ds = datasets.load_dataset(builder, data_files=[str(f) for f in files], split="train",
                                   **kwargs)
    except Exception as e:  # datasets/pyarrow raise many types
        raise DataError(f"Could not read {', '.join(map(str, files))} as {builder}: "
                        f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e
    return ds.to_list()


def norm_label(value: Any, mapping: dict[str, str], where: str) -> str:
    key = str(value).strip().lower().replace(" ", "_")
    if key not in mapping:
        raise DataError(f"Unexpected label {value!r} in {where}; expected one of "
                        f"{sorted(set(mapping))}.")
    return mapping[key]


def options_get(options: dict[str, Any], allowed: dict[str, Any], fmt: str) -> dict[str, Any]:
    """Validate a format's dataset.options: unknown keys are errors; defaults filled in."""
    bad = sorted(set(options) - set(allowed))
    if bad:
        raise ConfigError(f"Unknown dataset.options {bad} for format {fmt!r}; available: "
                          f"{sorted(allowed) or 'none'}.")
    return {**allowed, **options}


def split_sentences(text: str) -> list[str]:
    """Sentences of a plain text with spaCy's rule-based sentencizer (no model needed)."""
    return [s.text.strip() for s in _get_sentencizer()(text).sents if s.text.strip()]


_SENTENCIZER = None


def _get_sentencizer():
    global _SENTENCIZER
    if _SENTENCIZER is None:
        import spacy

        _SENTENCIZER = spacy.blank("en")
        _SENTENCIZER.add_pipe("sentencizer")
    return _SENTENCIZER


__all__ = ["ADAPTERS", "Adapter", "Loaded", "Source", "get_adapter", "hf_rows", "register"]
