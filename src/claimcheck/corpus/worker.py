"""One corpus article → one output line, the same in every engine (local process, process pool,
Ray actor).

A report line is the JSON of ``claimcheck check --format json`` on one line, with the article's
``id`` first and its pass-through ``fields`` last. A failure line is ``{"id", "error",
"error_type", "source", "fields"}``: the article could not be read or checked, and the run went on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from claimcheck.corpus.articles import Article
from claimcheck.errors import ClaimcheckError, ConfigError, ModelLoadError
from claimcheck.evidence.references import ReferenceSet

log = logging.getLogger(__name__)

# Errors that would fail every article: they stop the run instead of filling the output with
# failure lines.
FATAL_ERRORS: tuple[type[Exception], ...] = (ModelLoadError, ConfigError)


def warm_up(checker, refs: ReferenceSet) -> None:
    """Load the NLI model and build the reference index now, so a model or config problem stops
    the run before the first article instead of being recorded as a failure of each article."""
    checker.nli  # noqa: B018 - loads the model
    checker.retriever(refs)
    checker.nlp  # noqa: B018 - loads spaCy


def check_article(checker, refs: ReferenceSet, article: Article) -> str:
    """The output line (no trailing newline) for ``article``: its report, or its failure."""
    if article.error is not None:
        return failure_line(article, article.error, "InputError")
    try:
        report = checker.check(article.text, refs, fmt=article.fmt, source=article.source)
    except FATAL_ERRORS:
        raise
    except ClaimcheckError as e:
        return failure_line(article, str(e), type(e).__name__)
    except Exception as e:  # a bug on one article must not end a run of thousands
        log.warning("article %r failed with an internal error; recorded as a failure",
                    article.id, exc_info=True)
        return failure_line(article, f"internal error: {type(e).__name__}: {e}", "internal")
    return report_line(article, report)


def check_articles(checker, refs: ReferenceSet, articles: Iterable[Article]) -> list[str]:
    return [check_article(checker, refs, a) for a in articles]


def report_line(article: Article, report) -> str:
    return _dumps({"id": article.id, **report.to_dict(timings=True), "fields": article.fields})


def failure_line(article: Article, error: str, error_type: str) -> str:
    return _dumps({"id": article.id, "error": error, "error_type": error_type,
                   "source": article.source, "fields": article.fields})


def _dumps(obj: dict) -> str:
    # json escapes newlines inside strings, so a line never contains "\n".
    return json.dumps(obj, ensure_ascii=False)
