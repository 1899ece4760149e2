"""Sanity cases of the verdict rule with the real default model (issue #10), on the NATO example:
verbatim and near-verbatim reference sentences are supported, a word salad of a reference sentence
is never supported, true claims the references do not cover are unverified. The probe sets are the
ones ``benchmarks/sanity.py`` reports on."""

import importlib.util

import pytest
from conftest import EXAMPLE, ROOT

from claimcheck import ClaimChecker, ReferenceSet
from claimcheck.types import Label

pytestmark = pytest.mark.slow

_spec = importlib.util.spec_from_file_location("sanity", ROOT / "benchmarks" / "sanity.py")
sanity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sanity)


@pytest.fixture(scope="module")
def refs():
    return ReferenceSet.from_path(EXAMPLE / "references")


@pytest.fixture(scope="module")
def labels(refs):
    checker = ClaimChecker({"progress": False})
    out = {}
    for name, claims in sanity.probes(refs).items():
        report = checker.check_claims(claims, references=refs)
        out[name] = [(c.text, c.label) for c in report.claims]
    return out


def test_readme_example_is_supported(labels):
    assert labels["readme_example"] == [("NATO was founded in 1949.", Label.SUPPORTED)]


@pytest.mark.parametrize("name", ["verbatim", "near_verbatim"])
def test_copied_reference_sentences_are_supported(labels, name):
    wrong = [(t, lab.value) for t, lab in labels[name] if lab is not Label.SUPPORTED]
    assert len(labels[name]) >= 30
    assert not wrong


def test_word_salad_is_never_supported(labels):
    assert len(labels["word_salad"]) >= 30
    assert not [t for t, lab in labels["word_salad"] if lab is Label.SUPPORTED]


def test_off_topic_true_claims_are_unverified(labels):
    off = labels["off_topic"]
    assert not [t for t, lab in off if lab is Label.SUPPORTED]
    wrong = [t for t, lab in off if lab is not Label.UNVERIFIED]
    assert len(wrong) <= len(off) // 10, wrong
