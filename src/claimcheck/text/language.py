"""Which language an article is written in (claimcheck's models read English only).

``langdetect`` (a port of Google's language-detection library: character n-gram profiles of 55
languages, Apache-2.0) with a fixed seed, so the same text always gets the same answer.

    >>> detect_language("Die NATO wurde 1949 in Washington gegründet. Heute hat das Bündnis "
    ...                 "32 Mitglieder in Europa und Nordamerika, zuletzt kam Schweden hinzu.")
    ('de', 1.0)
"""

from __future__ import annotations

import functools

#: fewer letters than this and the guess is not trusted (short lines fool n-gram profiles)
MIN_LETTERS = 80
#: how much of the text is read (the guess is stable long before this)
SAMPLE_CHARS = 20_000
#: a guess this probable counts
MIN_PROBABILITY = 0.9


@functools.lru_cache(maxsize=1)
def _factory():
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)
    return factory


def detect_language(text: str) -> tuple[str, float] | None:
    """(ISO 639-1 code, probability) of ``text``'s language, or None when there are fewer than
    :data:`MIN_LETTERS` letters or no language reaches :data:`MIN_PROBABILITY`."""
    from langdetect.lang_detect_exception import LangDetectException

    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    detector = _factory().create()
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return None
    if best.prob < MIN_PROBABILITY:
        return None
    return best.lang.split("-")[0], round(best.prob, 2)
