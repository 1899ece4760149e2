from conftest import evidence

from claimcheck.types import Label
from claimcheck.verdict.verify import decide, entity_mismatch, number_mismatch


def ev(e, n, c, text="passage"):
    return evidence(text, e, n, c)


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
    far = evidence("Ukraine is not a member.", 0.05, 0.05, 0.9, similarity=0.2)
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


def sev(text, e, c, sim):
    return evidence(text, e, round(1 - e - c, 4), c, similarity=sim)


def test_contradiction_needs_a_passage_about_the_claims_subject():
    claim = "Finland joined NATO in April 2023."
    other = sev("Sweden joined NATO in March 2024.", 0.05, 0.85, 0.7)
    r = decide(0, claim, 0, len(claim), claim, [other], 0.5, 0.5, subject=("finla",))
    assert r.label is Label.UNVERIFIED
    same = sev("Finland joined NATO in 2022.", 0.05, 0.85, 0.7)
    r = decide(0, claim, 0, len(claim), claim, [same], 0.5, 0.5, subject=("finla",))
    assert r.label is Label.CONTRADICTED
    pronoun = sev("It joined NATO in 2022.", 0.05, 0.85, 0.7)  # may refer to the subject
    r = decide(0, claim, 0, len(claim), claim, [pronoun], 0.5, 0.5, subject=("finla",))
    assert r.label is Label.CONTRADICTED


def test_support_and_contradiction_need_the_passages_most_likely_label():
    claim = "NATO headquarters are located in Brussels."
    weak = sev("NATO leaders met in Washington.", 0.3, 0.05, 0.6)  # neutral 0.65 is most likely
    assert decide(0, claim, 0, len(claim), claim, [weak], 0.2, 0.2).label is Label.UNVERIFIED
    strong = sev("NATO headquarters are in Brussels.", 0.7, 0.05, 0.9)
    assert decide(0, claim, 0, len(claim), claim, [weak, strong], 0.2,
                  0.2).label is Label.SUPPORTED
    vague = sev("NATO headquarters moved.", 0.05, 0.3, 0.6)  # neutral 0.65 again
    assert decide(0, claim, 0, len(claim), claim, [vague], 0.2, 0.2).label is Label.UNVERIFIED


def test_word_salad_of_a_passage_is_not_support():
    passage = "About 700 staff are assigned to the command."
    salad = "are About the command 700 to staff assigned."
    r = decide(0, salad, 0, len(salad), salad, [sev(passage, 0.9, 0.02, 0.9)], 0.5, 0.5)
    assert r.label is Label.UNVERIFIED and "another order" in r.reason
    fine = "In all, about 700 staff are assigned to the command."
    assert decide(0, fine, 0, len(fine), fine, [sev(passage, 0.9, 0.02, 0.9)], 0.5,
                  0.5).label is Label.SUPPORTED


def test_claim_subjects_name_the_subject():
    from claimcheck.text.nlp import load_spacy
    from claimcheck.verdict.verify import claim_subjects

    subj = claim_subjects(["NATO headquarters are located in Brussels.",
                           "The Baltic states joined NATO in 2004.", "It rained."], load_spacy())
    assert subj[0] == ("headq", "nato")
    assert subj[1] == ("balti", "state")
    assert subj[2] == ()


def test_window_passage_spans_neighbours_of_the_same_document():
    from claimcheck.types import Passage
    from claimcheck.verdict.verify import window_passage

    text = "One. Two. Three."
    ps = [Passage(id=i, doc_id=d, text=t, start=a, end=b) for i, (d, t, a, b) in enumerate(
        [("a", "One.", 0, 4), ("a", "Two.", 5, 9), ("a", "Three.", 10, 16), ("b", "Other.", 0, 6)])]
    w = window_passage(ps, ps[1], 1, text)
    assert (w.text, w.start, w.end) == ("One. Two. Three.", 0, 16)
    w = window_passage(ps, ps[2], 1, text)
    assert text[w.start:w.end] == w.text == "Two. Three."  # stops at the document's end
    assert window_passage(ps, ps[3], 1, "Other.") is None
