"""claimcheck: check articles against a reference set.

Split an article into claims, retrieve evidence for each claim, label it supported / contradicted /
unverified with an NLI model, find quotes and the stance of quoted speakers, and flag generated
copy for review.

    >>> from claimcheck import ClaimChecker, ReferenceSet
    >>> report = ClaimChecker().check(article_text, references=ReferenceSet.from_path("refs/"))
"""

from __future__ import annotations

import os

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from claimcheck.errors import (
    ClaimcheckError,
    ClaimcheckWarning,
    ConfigError,
    InputError,
    ModelLoadError,
    ReferenceSetError,
)
from claimcheck.report import Report
from claimcheck.types import Label
from claimcheck.version import __version__


def __getattr__(name: str):
    # Heavy modules (torch, transformers, spaCy) load only when these names are used.
    if name == "ClaimChecker":
        from claimcheck.pipeline import ClaimChecker

        return ClaimChecker
    if name == "ReferenceSet":
        from claimcheck.evidence.references import ReferenceSet

        return ReferenceSet
    if name == "NLIModel":
        from claimcheck.verdict.nli import NLIModel

        return NLIModel
    raise AttributeError(f"module 'claimcheck' has no attribute {name!r}")


__all__ = [
    "ClaimChecker",
    "ClaimcheckError",
    "ClaimcheckWarning",
    "ConfigError",
    "InputError",
    "Label",
    "ModelLoadError",
    "NLIModel",
    "ReferenceSet",
    "ReferenceSetError",
    "Report",
    "__version__",
]
