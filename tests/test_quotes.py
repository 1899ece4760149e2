"""Quote extraction and speaker attribution (issue #5)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimcheck.quotes.extract import QuotesConfig, extract_quotes
from claimcheck.types import Document, Span


def _check_offsets(text, quotes, speakers):
    for q in quotes:
        assert text[q.start:q.end] == q.text
        for sp in (q.cue, q.speaker_mention):
            if sp is not None:
                assert text[sp.start:sp.end] == sp.text
    for s in speakers:
        for m in s.mentions:
            assert text[m.start:m.end] == m.text


def _by_text(quotes, speakers):
    names = {s.id: s.name for s in speakers}
    return {q.text: (q.kind, names.get(q.speaker_id)) for q in quotes}


def test_direct_straight_and_curly_quotes():
    text = ('"We will defend every inch of allied territory," said President Joe Biden. '
            'Stoltenberg told reporters: “Ukraine will become a member. The path is '
            'irreversible.”')
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    got = _by_text(quotes, speakers)
    assert got["We will defend every inch of allied territory"] == ("direct", "Joe Biden")
    assert got["Ukraine will become a member. The path is irreversible."] == (
        "direct", "Stoltenberg")
    biden = next(s for s in speakers if s.name == "Joe Biden")
    assert biden.title == "President"
    assert next(q for q in quotes if q.speaker_id == biden.id).cue.text == "said"


def test_quote_split_by_attribution_keeps_the_speaker():
    text = ('“The quickest way to end the war is to lose it,” Stoltenberg said, “but that '
            'will not bring peace.”')
    # one speech act, one quote (PolNeAR's convention): the span runs over the attribution
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    assert [(q.kind, q.text) for q in quotes] == [
        ("direct", 'The quickest way to end the war is to lose it,” Stoltenberg said, “but that '
                   "will not bring peace.")]
    assert quotes[0].cue.text == "said" and speakers[0].name == "Stoltenberg"
    # merge_split_quotes=False: one quote per pair of quote marks, the same speaker
    quotes, speakers = extract_quotes(text, config=QuotesConfig(merge_split_quotes=False))
    _check_offsets(text, quotes, speakers)
    assert [q.kind for q in quotes] == ["direct", "direct"]
    assert len({q.speaker_id for q in quotes}) == 1
    assert speakers[0].name == "Stoltenberg"


def test_quote_running_on_into_the_next_paragraph_is_one_quote():
    text = ('“The bridge will open in May,” said Mayor Ana Ruiz. “It is on budget.”\n\n'
            '“We owe the workers a great deal.”\n\n'
            '“The tolls are too high,” Councilman Ben Ortiz replied.')
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    got = _by_text(quotes, speakers)
    assert got == {
        'The bridge will open in May,” said Mayor Ana Ruiz. “It is on budget.”\n\n“We owe the '
        "workers a great deal.": ("direct", "Mayor Ana Ruiz"),
        "The tolls are too high": ("direct", "Ben Ortiz")}


def test_two_apostrophe_quote_marks():
    text = ("''The budget is a disgrace to this city,'' Senator Maria Lopez said on Tuesday. "
            "Her aide added that the vote ''could go either way.''")
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    got = _by_text(quotes, speakers)
    assert got["The budget is a disgrace to this city"] == ("direct", "Maria Lopez")
    # a quote closing the reported clause is absorbed, quote mark and full stop included
    assert "that the vote ''could go either way.''" in got
    assert not any(q.text.startswith("could go") for q in quotes)


def test_reported_clause_ends_before_a_participle_of_the_speaker():
    text = ("Governor Tom Reyes said the storm damage was worse than expected, urging residents "
            "to stay home. The bridge is closed, Reyes said, so drivers must take the ferry.")
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    got = _by_text(quotes, speakers)
    assert got["the storm damage was worse than expected"] == ("indirect", "Tom Reyes")
    assert got["residents to stay home"] == ("indirect", "Tom Reyes")
    # a mid-sentence attribution: the whole sentence is the content
    assert got["The bridge is closed, Reyes said, so drivers must take the ferry"] == (
        "indirect", "Tom Reyes")


def test_according_to_takes_the_clause_it_is_attached_to():
    text = ("The depot closed in May, according to two city officials, although talks go on. "
            "Crews left early because, according to Ana Ruiz, the site was unsafe after dark.")
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    got = {q.text: q.cue.text for q in quotes}
    assert got["The depot closed in May"] == "according to"
    assert got["the site was unsafe after dark"] == "according to"


def test_object_cues_relative_speakers_and_possessive_nominals():
    text = ("The teachers union endorsed Kim Park in March. Dana Cole, who said the plan was "
            "reckless, left early. Voters cheered her promise to cut bus fares.")
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    got = _by_text(quotes, speakers)
    assert got["Kim Park"][0] == "indirect"  # the setting ("in March") is left out
    assert got["the plan was reckless"] == ("indirect", "Dana Cole")
    cole = next(s for s in speakers if s.name == "Dana Cole")
    assert "who" in [m.text for m in cole.mentions]
    assert got["to cut bus fares"][0] == "indirect"
    assert next(q for q in quotes if q.text == "to cut bus fares").speaker_mention.text == "her"


def test_indirect_quotes_and_pronoun_resolution():
    text = ("Secretary-General Jens Stoltenberg spoke in Washington. Stoltenberg clarifies that "
            "Hungary will not join the new command. He acknowledges past criticisms from former "
            "President Donald Trump regarding defense spending but emphasizes that NATO remains "
            "strong.")
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    got = _by_text(quotes, speakers)
    assert got["that Hungary will not join the new command"] == ("indirect", "Jens Stoltenberg")
    assert got["past criticisms from former President Donald Trump regarding defense spending"] \
        == ("indirect", "Jens Stoltenberg")
    assert got["that NATO remains strong"] == ("indirect", "Jens Stoltenberg")
    # the nominal attribution makes Trump a source too (issue #13)
    assert [s.name for s in speakers] == ["Jens Stoltenberg", "Donald Trump"]
    assert got["criticisms from former President Donald Trump"] == ("indirect", "Donald Trump")
    he = next(q for q in quotes if q.cue.text == "acknowledges")
    assert he.speaker_mention.text == "He"
    assert any(m.text == "He" for m in speakers[0].mentions)
    assert speakers[0].title == "Secretary-General"


@pytest.mark.parametrize("cue", ["warned", "urged"])
def test_indirect_cue_verbs(cue):
    text = f"Foreign Minister Annalena Baerbock {cue} that Russia must withdraw its troops."
    quotes, speakers = extract_quotes(text)
    assert len(quotes) == 1
    assert quotes[0].cue.text == cue
    assert quotes[0].text == "that Russia must withdraw its troops"
    assert speakers[0].name == "Annalena Baerbock"
    assert speakers[0].title == "Foreign Minister"


def test_headline_attribution_resolves_role_alias():
    text = ("Secretary-General Jens Stoltenberg arrived on Monday. NATO chief: Quickest way to end "
            "Ukraine war is to lose it, but won’t bring peace.")
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    [q] = quotes
    assert q.kind == "headline"
    assert q.text == "Quickest way to end Ukraine war is to lose it, but won’t bring peace"
    assert q.speaker_mention.text == "NATO chief"
    assert q.cue.text == ":"
    assert speakers[0].name == "Jens Stoltenberg"


def test_headline_quote_continues_into_short_sentences_pointing_back():
    text = ("NATO chief Jens Stoltenberg: Quickest way to end the war is to lose it. That will "
            "bring occupation. Analysts said the summit matters.")
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    head = [q for q in quotes if q.kind == "headline"]
    assert [q.text for q in head] == ["Quickest way to end the war is to lose it. That will "
                                      "bring occupation"]
    # a sentence that reports someone else, or does not point back, is not a continuation
    for tail in ("That, officials said, is wrong.", "Officials disagree."):
        t = "NATO chief Jens Stoltenberg: Quickest way to end the war is to lose it. " + tail
        [q] = [q for q in extract_quotes(t)[0] if q.kind == "headline"]
        assert q.text == "Quickest way to end the war is to lose it"


def test_nominal_attribution_makes_the_from_object_a_speaker():
    text = ("The minister rejected the plan. Fresh criticism from Senator Jane Doe followed, "
            "and a statement by the ministry was expected.")
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    got = _by_text(quotes, speakers)
    assert got["Fresh criticism from Senator Jane Doe"] == ("indirect", "Jane Doe")
    # "a statement by the ministry": a common noun, no named source
    assert not any(q.cue is not None and q.cue.text == "statement" for q in quotes)


def test_labels_before_a_colon_are_not_speakers():
    quotes, _ = extract_quotes("Related posts: NATO to Enhance Coordination of Military Aid")
    assert quotes == []


def test_unbalanced_quote_does_not_swallow_the_article():
    rest = " ".join(["The alliance met again and agreed on many things."] * 50)
    text = ('Biden said: "We will stand with Ukraine as long as it takes. ' + rest +
            '\n"Another quote here," Stoltenberg said.')
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    first = quotes[0]
    assert first.text.startswith("We will stand with Ukraine")
    assert len(first.text) < 100
    assert any(q.text == "Another quote here" for q in quotes)


def test_stray_closing_marks_and_scare_quotes():
    text = ('The so-called ”mutual defense” clause and the "reset" policy were discussed. '
            'Nothing was said”.')
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    assert quotes == []


def test_one_canonical_speaker_with_all_mentions(nato_article):
    quotes, speakers = extract_quotes(nato_article)
    _check_offsets(nato_article, quotes, speakers)
    [stolt] = [s for s in speakers if "Stoltenberg" in s.name]
    assert stolt.name == "Jens Stoltenberg"
    assert stolt.title == "Secretary-General"
    texts = {m.text for m in stolt.mentions}
    assert {"Secretary-General Jens Stoltenberg", "NATO chief", "He"} <= texts
    kinds = {q.kind for q in quotes}
    assert kinds == {"indirect", "headline"}
    # every quote is Stoltenberg's but the nominal attribution to Trump ("past criticisms from
    # former President Donald Trump"); "He ... emphasizes that NATO remains ..." stays his
    others = [q for q in quotes if q.speaker_id != stolt.id]
    [trump] = [s for s in speakers if s.id == others[0].speaker_id]
    assert trump.name == "Donald Trump" and trump.title == "former President"
    assert [q.text for q in others] == ["criticisms from former President Donald Trump"]
    cornerstone = next(q for q in quotes if "cornerstone" in q.text)
    assert cornerstone.speaker_id == stolt.id
    headline = next(q for q in quotes if q.kind == "headline")
    assert headline.text.endswith("won’t bring peace. That will bring occupation")
    assert [q.id for q in quotes] == list(range(len(quotes)))
    assert [q.start for q in quotes] == sorted(q.start for q in quotes)


def test_speech_noun_subjects_report_speech_but_opinion_nouns_do_not():
    text = ("Jens Stoltenberg’s recent remarks have underscored the alliance’s support for "
            "Ukraine. Stoltenberg’s nuanced stance highlights the complexities of the conflict.")
    quotes, speakers = extract_quotes(text)
    got = _by_text(quotes, speakers)
    assert got == {"the alliance’s support for Ukraine": ("indirect", "Jens Stoltenberg")}


def test_document_boilerplate_is_skipped():
    text = 'Intro line.\n"We will win this war together," Zelenskiy said.'
    doc = Document(text=text, boilerplate=(Span(text[12:], 12, len(text)),))
    assert extract_quotes(doc)[0] == []
    assert len(extract_quotes(doc, config=QuotesConfig(skip_boilerplate=False))[0]) == 1


def test_fallback_without_parser():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    text = ('"We will not abandon Ukraine," said Jens Stoltenberg. Jens Stoltenberg said that '
            'Hungary will not join. He said that the alliance is strong.')
    quotes, speakers = extract_quotes(text, nlp=nlp)
    _check_offsets(text, quotes, speakers)
    got = _by_text(quotes, speakers)
    assert got["We will not abandon Ukraine"] == ("direct", "Jens Stoltenberg")
    assert got["that Hungary will not join"] == ("indirect", "Jens Stoltenberg")
    assert got["that the alliance is strong"] == ("indirect", "Jens Stoltenberg")


def test_config_is_strict():
    with pytest.raises(ValueError):
        QuotesConfig(unknown=1)
    assert extract_quotes('"A quote of quite a few words," he said.',
                          config=QuotesConfig(enabled=False)) == ([], [])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(['"', "“", "”", "«", "»", "''", "'", "He said", " that ", "Biden",
                                 ". ", "\n", "war", ": ", "peace is near", ","]), max_size=30))
def test_offsets_hold_on_arbitrary_quote_soup(parts):
    text = "".join(parts)
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)


def test_many_quotes_in_one_paragraph_are_all_attributed():
    # One paragraph of 150 quotes: every token's "inside a quote?" check is a bisect, not a scan
    # of all quotes (the scan made this shape cubic; see issue #14).
    text = " ".join(f'"Point {i} is important," said Minister Jones.' for i in range(150))
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    got = _by_text(quotes, speakers)
    assert len(quotes) == 150
    assert all(got[f"Point {i} is important"] == ("direct", "Jones") for i in range(150))


def test_reported_clause_after_the_cue_wins_over_one_before_it():
    # the parser hangs a clause before the colon on "says" too; the content is the one after it
    text = ("At her town halls, Mayor Ana Ruiz urges voters not to trust the polls and cites the "
            "turnout as proof: She says the surveys undercount her supporters.")
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    says = next(q for q in quotes if q.cue.text == "says")
    assert says.text == "the surveys undercount her supporters"
    assert says.speaker_mention.text == "She"


@pytest.mark.parametrize("cue", ["wants", "refused", "plans"])
def test_intention_verbs_report_their_infinitive(cue):
    text = f"Senator Maria Lopez {cue} to raise the minimum wage for farm workers."
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    assert _by_text(quotes, speakers) == {
        "to raise the minimum wage for farm workers": ("indirect", "Maria Lopez")}
    # inside a reported clause the intention is part of that quote, not a second one
    text = "Senator Maria Lopez said that she plans to raise the minimum wage for farm workers."
    quotes, speakers = extract_quotes(text)
    assert [q.text for q in quotes] == [
        "that she plans to raise the minimum wage for farm workers"]
    # a thing that "seeks to" do something is no speaker
    assert extract_quotes("The new bill seeks to raise the minimum wage for farm workers.")[0] \
        == []


def test_first_person_and_group_speakers():
    text = ("Q: What about the banks? A: I think the banks are still far too dangerous. "
            "Many of her rural supporters say they understand her difficult position.")
    quotes, speakers = extract_quotes(text)
    _check_offsets(text, quotes, speakers)
    got = {q.text: q.speaker_mention.text for q in quotes}
    assert got["the banks are still far too dangerous"] == "I"
    assert got["they understand her difficult position"] == "Many of her rural supporters"
    # "I" stands for nobody named before it
    assert next(s for s in speakers if any(m.text == "I" for m in s.mentions)).name == "I"


def test_a_surname_the_ner_missed_joins_the_person_it_names():
    """A source phrase "Stoltenberg" with no entity over it (as a quote tagger's source can be)
    is the person "Jens Stoltenberg" named before, not a speaker of its own; a lower-case phrase
    stays its own speaker."""
    from claimcheck.quotes.extract import _Cand
    from claimcheck.quotes.speakers import SpeakerResolver

    text = ("Jens Stoltenberg said the alliance is strong. Stoltenberg added that it will grow. "
            "member states pledged that aid would continue.")
    ents = [(0, 16, "PERSON")]
    second, third = text.index("Stoltenberg added"), text.index("member states")
    cands = [_Cand("indirect", (24, 44), speaker=(0, 16), speaker_kind="person"),
             _Cand("indirect", (second + 18, second + 36), speaker=(second, second + 11),
                   speaker_kind="other"),
             _Cand("indirect", (third + 22, third + 44), speaker=(third, third + 13),
                   speaker_kind="other")]
    quotes, speakers = SpeakerResolver(text, ents).resolve(cands)
    assert [s.name for s in speakers] == ["Jens Stoltenberg", "member states"]
    assert quotes[0].speaker_id == quotes[1].speaker_id != quotes[2].speaker_id
