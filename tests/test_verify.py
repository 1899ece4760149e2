from claimcheck.types import Evidence, Label
from claimcheck.verdict.verify import decide, entity_mismatch, number_mismatch


def ev(e, n, c, text="passage"):
    return Evidence(text, "d", 0, len(text), e, n, c, 0.1)


def _decide(evs, mismatch=None):
    return decide(0, "claim", 0, 5, "claim", evs, 0.6, 0.6, 3, mismatch)


def test_rule():
    assert _decide([ev(0.9, 0.05, 0.05), ev(0.1, 0.8, 0.1)]).label is Label.SUPPORTED
    assert _decide([ev(0.1, 0.1, 0.8), ev(0.3, 0.6, 0.1)]).label is Label.CONTRADICTED
    assert _decide([ev(0.5, 0.4, 0.1)]).label is Label.UNVERIFIED
    r = _decide([])
    assert r.label is Label.UNVERIFIED and r.evidence == () and "no evidence" in r.reason


def test_evidence_sorted_by_strength():
    r = _decide([ev(0.7, 0.2, 0.1, "weak"), ev(0.95, 0.0, 0.05, "strong")])
    assert [e.text for e in r.evidence] == ["strong", "weak"]


def test_dissimilar_passages_are_not_evidence():
    far = Evidence("Ukraine is not a member.", "d", 0, 24, 0.05, 0.05, 0.9, 0.1, similarity=0.2)
    r = decide(0, "c", 0, 1, "c", [far], 0.6, 0.6, 3, None, None, 0.4)
    assert r.label is Label.UNVERIFIED and r.evidence == () and "similar" in r.reason
    assert decide(0, "c", 0, 1, "c", [far], 0.6, 0.6).label is Label.CONTRADICTED


def test_mismatch_blocks_support():
    r = _decide([ev(0.9, 0.05, 0.05)], mismatch=("number", "43", "40"))
    assert r.label is Label.UNVERIFIED and "43" in r.reason


def test_number_and_entity_mismatch():
    assert number_mismatch("pledged $43 billion", "a baseline of 40 billion euros") == ("43", "40")
    assert number_mismatch("founded in 1949", "founded in 1949 in Washington") is None
    assert number_mismatch("no numbers", "40 billion") is None
    assert entity_mismatch({"GPE": {"Poland"}}, {"GPE": {"Germany"}}, "in Wiesbaden, Germany") \
        == ("Poland", "Germany")
    assert entity_mismatch({"GPE": {"Germany"}}, {"GPE": {"Germany"}}, "in Germany") is None
