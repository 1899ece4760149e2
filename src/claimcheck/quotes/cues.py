"""The words that mark attribution in news text, read by :mod:`claimcheck.quotes.extract`: cue
verbs that report speech through a clause or an object, speech nouns of nominal attributions,
the setting and occasion words an object's content leaves out, and the inflected forms of the
cue lemmas (for tokens the tagger got wrong and the regex fallback without a parser).

>>> "warned" in verb_forms(["warn"]) and "says" in verb_forms(["say"])
True
"""

from __future__ import annotations


def _words(block: str) -> list[str]:
    return block.split()


# cue verbs that report speech through a clause ("said that ...", "..., he said")
CLAUSE_CUES = frozenset(_words("""
say tell add note state claim argue assert insist warn urge stress emphasize emphasise clarify
explain acknowledge admit concede deny suggest believe think predict promise pledge vow announce
report declare confirm caution contend maintain reiterate remark reply respond write tweet post
complain allege agree disagree recall indicate hint signal point reckon estimate fear hope
underline highlight underscore assure reassure concede propose recommend demand ask answer
counter question doubt observe mention testify suggest show find reveal conclude remind learn
wonder joke worry continue"""))
# cue verbs that also report speech through an object ("acknowledges past criticisms")
OBJECT_CUES = frozenset(_words("""
acknowledge admit deny urge warn express reject praise criticize criticise condemn welcome
call demand announce dismiss defend blame accuse thank applaud slam highlight stress emphasize
emphasise underline underscore reiterate describe endorse cite tout blast denounce portray echo
mock mention repeat reveal show ask question support oppose attack discuss offer
"""))
# verbs of intention and decision whose to-infinitive is the content ("she wants to raise the
# minimum wage", "he refused to recant"): the stance PolNeAR annotates as an attribution
INTENT_CUES = frozenset(_words("""
want seek hope plan intend refuse decline decide vow pledge promise threaten agree expect
"""))
# nouns for "X's remarks/stance ..." whose possessor is the speaker
SPEECH_NOUNS = frozenset(_words("""
remark remarks comment comments statement statements stance speech words message letter
interview tweet post position view views argument testimony announcement
"""))
# words that stand for a group of speakers ("many of her supporters say …", "few believe …")
QUANTIFIERS = frozenset({"many", "few", "most", "some", "others", "several", "both", "half"})
# nouns of a nominal attribution, "criticisms from former President Donald Trump regarding …":
# the noun's "from" / "by" object is the speaker, the noun phrase the content
NOMINAL_CUES = frozenset(_words("""
criticism remark comment statement claim warning accusation call demand pledge promise
assurance complaint allegation threat appeal praise condemnation rebuke denial admission
argument assertion insistence suggestion belief view vow proposal plea request
"""))
# prepositions of a verb's setting, and nouns of the occasion of a statement ("in a speech")
SETTING_PREPS = frozenset({"at", "during", "after", "before", "since", "until", "amid", "while"})
OCCASION_NOUNS = frozenset(_words("""
speech interview statement rally debate conference meeting event hearing appearance address
remarks email letter post tweet op-ed video show program broadcast session call visit stop
trip tour campaign week day month year morning afternoon evening night
"""))
# participles that say what an object is about ("criticisms … regarding defense spending")
ABOUT_WORDS = frozenset({"regarding", "concerning", "including", "involving"})
# last words of a clause that leave it open ("because, according to X, …")
OPENERS = frozenset({"because", "while", "that", "and", "but", "since", "if", "when", "as",
                      "although", "though", "so", "whereas"})
# words after "X said," that start something other than the rest of the content
NOT_CONTENT_START = frozenset({"who", "which", "according", "citing", "adding", "noting", "while",
                                "whereas", "and", "but"})
# first words of a sentence that continues the quote before it ("That will bring occupation.")
CONTINUATION_WORDS = frozenset({"that", "this", "it", "those", "these"})
# of those, the ones that name an opinion rather than words said: "X's stance highlights the
# complexities" is not a quote, "X's remarks underscored the alliance's support" is
OPINION_NOUNS = frozenset({"stance", "position", "view", "views", "argument"})
NOT_SPEAKERS = frozenset(_words("""
related posts note update photo image source sources read more editor's see also tags share
advertisement watch listen contents table summary conclusion introduction overview
"""))
IRREGULAR = {"say": ["said"], "tell": ["told"], "think": ["thought"], "write": ["wrote",
              "written"], "hold": ["held"], "speak": ["spoke", "spoken"]}


def verb_forms(lemmas) -> set[str]:
    """Inflected forms of the cue lemmas (for tokens the tagger got wrong and the regex fallback)."""
    out: set[str] = set()
    for w in lemmas:
        out |= {w, *IRREGULAR.get(w, [])}
        stem = w[:-1] if w.endswith("e") else w
        if w.endswith("y") and w[-2:-1] not in "aeiou":
            out |= {w[:-1] + "ies", w[:-1] + "ied", w + "ing"}
        else:
            out |= {w + "es" if w.endswith(("s", "sh", "ch", "x", "z")) else w + "s",
                    stem + "ed", stem + "ing"}
    return out
