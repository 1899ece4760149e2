"""The one number/entity parser (claimcheck.text.quantities) and the two mismatch checks that use
it with their own rules: the verdict's (five entity labels, numerals as written) and the
``mismatch`` flag's (``flags.entity_labels``, typed quantities)."""

from __future__ import annotations

import re
from types import SimpleNamespace

from conftest import claim_result, evidence

from claimcheck.review.flags import FlagsConfig
from claimcheck.text.quantities import (
    Entity,
    entities,
    entity_key,
    find_entities,
    find_quantities,
    numbers,
)
from claimcheck.types import Claim, ClaimResult, Label
from claimcheck.verdict.verify import VERDICT_ENTITY_LABELS, mismatch_flags, verdict_mismatches


class FakeNER:
    """A spaCy stand-in: every name in ``names`` found in a text is an entity of its label."""

    def __init__(self, names: dict[str, str], pipes=("ner",)) -> None:
        self.names = names
        self.pipe_names = list(pipes)
        self.calls = 0

    def pipe(self, texts):
        self.calls += 1
        for t in texts:
            ents = [SimpleNamespace(text=m.group(0), label_=label, start_char=m.start(),
                                    end_char=m.end())
                    for name, label in self.names.items()
                    for m in re.finditer(re.escape(name), t)]
            yield SimpleNamespace(ents=sorted(ents, key=lambda e: e.start_char))


NAMES = {"Poland": "GPE", "Germany": "GPE", "Ramstein Air Base": "FAC",
         "Wiesbaden Clay Kaserne": "FAC", "the Washington summit": "EVENT"}


def test_find_entities_filters_labels_and_keeps_offsets():
    text = "Troops moved from Ramstein Air Base in Germany to Poland."
    (got,) = find_entities([text], FakeNER(NAMES), ("GPE",))
    assert got == [Entity("Germany", "GPE", 39, 46), Entity("Poland", "GPE", 50, 56)]
    assert [text[e.start:e.end] for e in got] == ["Germany", "Poland"]
    (both,) = find_entities([text], FakeNER(NAMES), ["GPE", "FAC"])
    assert [e.label for e in both] == ["FAC", "GPE", "GPE"]


def test_find_entities_without_ner_or_labels_parses_nothing():
    assert find_entities(["Poland", "Germany"], None, ("GPE",)) == [[], []]
    no_ner = FakeNER(NAMES, pipes=("tagger", "parser"))
    assert find_entities(["Poland"], no_ner, ("GPE",)) == [[]] and no_ner.calls == 0
    nlp = FakeNER(NAMES)
    assert find_entities(["Poland"], nlp, ()) == [[]] and nlp.calls == 0


def test_entities_by_label_and_entity_key():
    (got,) = entities(["At the Washington summit, Poland and Germany met."], FakeNER(NAMES),
                      ("GPE", "EVENT"))
    assert got == {"GPE": {"Poland", "Germany"}, "EVENT": {"Washington summit"}}
    assert entity_key("The Alliance's") == "alliance"
    assert entity_key("  the  United States ") == "united states"
    assert entity_key("Theodore") == "theodore"


def test_verdict_reads_numerals_the_flag_reads_quantities():
    # the verdict compares numerals as written, the flag typed values: "$43 billion" is "43"
    # to the one and 43e9 USD to the other; spelled-out numbers count only for the flag
    assert numbers("pledged $43 billion, 1,000 troops") == {"43", "1000"}
    (q,) = find_quantities("pledged $43 billion")
    assert (q.value, q.kind, q.unit) == (43e9, "money", "USD")
    assert numbers("twenty allies") == set()
    assert [q.value for q in find_quantities("twenty allies")] == [20]


def _claim_result(text: str, passage: str, label: Label) -> ClaimResult:
    ev = evidence(passage, 0.9, 0.05, 0.05, doc_id="ref", retrieval_score=0.5, similarity=0.9)
    return claim_result(text, label, 0.9, (ev,))


def test_each_stage_passes_its_own_labels():
    assert set(VERDICT_ENTITY_LABELS) == {"GPE", "LOC", "PERSON", "ORG", "NORP"}
    assert set(FlagsConfig().entity_labels) == set(VERDICT_ENTITY_LABELS) | {"FAC", "EVENT"}
    nlp = FakeNER(NAMES)
    fac_claim = "The jets flew from Ramstein Air Base."
    fac_passage = "The jets flew from Wiesbaden Clay Kaserne."
    gpe_claim, gpe_passage = "The command is in Poland.", "The command is in Germany."
    claims = [Claim.whole(1, fac_claim), Claim.whole(2, gpe_claim)]
    evs = [[evidence(p, 0.9, 0.05, 0.05, doc_id="ref", retrieval_score=0.5, similarity=0.9)]
           for p in (fac_passage, gpe_passage)]
    # the verdict: a different FAC does not block support, a different GPE does
    assert verdict_mismatches(claims, evs, 0.6, 0.0, nlp) == {
        2: ("name", "Poland", "Germany")}
    # the flag: both are mismatches an editor sees
    for text, passage, name in ((fac_claim, fac_passage, "Ramstein Air Base"),
                                (gpe_claim, gpe_passage, "Poland")):
        c = _claim_result(text, passage, Label.CONTRADICTED)
        (f,) = mismatch_flags([c], FlagsConfig().entity_labels, 0.7, nlp)
        assert (f.text, text[f.start:f.end]) == (name, name)
        assert f'names "{name}"' in f.reason
