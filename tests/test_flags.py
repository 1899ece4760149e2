"""Flags for generated copy, the pre-publish gate, and the hand-built NATO report that the HTML
and triage tests share (``nato_report``)."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import claim_result, evidence

from claimcheck.errors import ConfigError
from claimcheck.review.flags import FlagsConfig, find_flags
from claimcheck.review.gate import gate
from claimcheck.text.quantities import find_quantities, same_quantity
from claimcheck.types import (
    ClaimResult,
    Document,
    Evidence,
    Flag,
    Label,
    NonClaim,
    Report,
    SpanKind,
    Stance,
)

REF_DEFENSE = ("The bilateral security agreements signed with Ukraine are not a mutual defence "
               "treaty: they contain no obligation to defend Ukraine, unlike Article 5.")
REF_MONEY = "Allies pledged a minimum baseline of €40 billion within the next year for Ukraine."
REF_COMMAND = "NATO will set up a command in Wiesbaden, Germany, to coordinate aid to Ukraine."


def _ev(text: str, doc_id: str, e: float, n: float, c: float) -> Evidence:
    return evidence(text, e, n, c, doc_id=doc_id, retrieval_score=0.9, title=doc_id)


def _claim(text: str, article: str, cid: int, label: Label, score: float, evidence=(),
           reason: str = "", cw: float | None = None, occurrence: int = 0) -> ClaimResult:
    start = -1
    for _ in range(occurrence + 1):
        start = article.index(text, start + 1)
    return claim_result(text, label, score, evidence, cid=cid, start=start, reason=reason,
                        checkworthiness=cw)


def nato_report(article: str, flags: bool = True) -> Report:
    """A report of the NATO example built by hand (what the pipeline would produce)."""
    claims = [
        _claim("A pivotal announcement at the summit is the establishment of a dedicated NATO "
               "command center in Germany.", article, 1, Label.SUPPORTED, 0.91,
               [_ev(REF_COMMAND, "nato-command", 0.91, 0.07, 0.02)], cw=0.62),
        _claim("NATO’s financial commitment remains robust, with member states collectively "
               "pledging approximately $43 billion annually in military support to Ukraine.",
               article, 2, Label.UNVERIFIED, 0.55,
               [_ev(REF_MONEY, "washington-declaration", 0.30, 0.45, 0.25)],
               "no passage entails or contradicts it", cw=0.81),
        _claim("These agreements signify a deepened commitment to mutual defense and security "
               "cooperation, providing Ukraine with additional assurances amid the geopolitical "
               "turmoil in the region.", article, 3, Label.CONTRADICTED, 0.88,
               [_ev(REF_DEFENSE, "bilateral-agreements", 0.02, 0.10, 0.88)],
               "contradicted by bilateral-agreements", cw=0.74),
        _claim("Integral to NATO’s strategy is the signing of bilateral security agreements with "
               "Ukraine by twenty member nations.", article, 4, Label.UNVERIFIED, 0.6, (),
               "no relevant passage", cw=0.70),
        _claim("Looking ahead, Stoltenberg expresses confidence in the enduring strength of "
               "NATO’s partnership with the United States.", article, 5, Label.UNVERIFIED, 0.7,
               (), "no relevant passage", cw=0.20),
    ]
    rel = article.index("Related posts:")
    non_claims = [NonClaim(text=article[rel:], start=rel, end=len(article),
                           kind=SpanKind.RELATED)]
    doc = Document(article, source="examples/nato-summit-2024/article.txt")
    stances = (Stance(1, "Jens Stoltenberg", "Ukraine", 0.8, "favor", (1,)),
               Stance(2, "Donald Trump", "NATO defense spending", -0.4, "against", (2,)))
    report = Report(doc, tuple(claims), tuple(non_claims), stances=stances,
                    meta={"model": "hand-built test report"})
    if flags:
        fl = find_flags(doc, claims, non_claims)
        report = Report(doc, tuple(claims), tuple(non_claims), stances=stances, flags=tuple(fl),
                        meta=report.meta)
    return report


@pytest.fixture(scope="module")
def report(nato_article) -> Report:
    return nato_report(nato_article)


def _kinds(flags: list[Flag] | tuple[Flag, ...]) -> dict[str, list[Flag]]:
    out: dict[str, list[Flag]] = {}
    for f in flags:
        out.setdefault(f.kind, []).append(f)
    return out


def test_every_flag_points_into_the_text_and_is_ordered(report):
    text = report.document.text
    for f in report.flags:
        assert text[f.start:f.end] == f.text
        assert f.reason and f.severity in ("high", "medium", "low")
    keys = [(f.start, f.kind) for f in report.flags]
    assert keys == sorted(keys)


def test_mutual_defense_is_flagged_with_reason_and_contradicting_evidence(report):
    (f,) = [f for f in report.flags if f.kind == "loaded_term" and "mutual" in f.text]
    assert f.text == "mutual defense" and f.claim_id == 3 and f.severity == "high"
    assert "legal term" in f.reason and "not a mutual defence treaty" in f.reason


def test_meta_text_and_related_posts_are_flagged(report):
    meta = _kinds(report.flags)["meta"]
    assert any(f.text.startswith("This detailed SEO-optimized article provides") for f in meta)
    rel = [f for f in meta if f.text.startswith("Related posts:")]
    assert len(rel) == 1 and rel[0].text.endswith("Military Aid Fund for Ukraine")
    # numbers inside the related-posts list are not flagged as claims
    assert not any(f.kind == "unattributed_number" and "108" in f.text for f in report.flags)


def test_unattributed_numbers_and_intensifiers(report):
    k = _kinds(report.flags)
    nums = {f.text for f in k["unattributed_number"]}
    assert {"$43 billion annually", "twenty"} <= nums
    ints = {f.text for f in k["intensifier"]}
    assert {"pivotal", "robust", "deepened", "enduring"} <= ints
    assert all(f.severity == "low" for f in k["intensifier"])


def test_mismatch_names_both_values(report):
    (f,) = [f for f in report.flags if f.kind == "mismatch"]
    assert f.text == "$43 billion annually" and f.claim_id == 2
    assert "$43 billion annually" in f.reason and "€40 billion" in f.reason


def test_entity_mismatch_on_unsupported_claim():
    text = "The new command will be based in Poland, officials confirmed."
    ev = _ev("The command will be based in Wiesbaden, Germany.", "ref", 0.1, 0.3, 0.6)
    c = claim_result(text, Label.CONTRADICTED, 0.6, (ev,))
    flags = [f for f in find_flags(Document(text), [c], []) if f.kind == "mismatch"]
    assert [f.text for f in flags] == ["Poland"]
    assert "Germany" in flags[0].reason or "Wiesbaden" in flags[0].reason


def test_entity_mismatch_needs_a_passage_about_the_claim():
    text = "Hungary will not join the new command, Budapest said."
    ev = evidence("Stoltenberg said the United States remains a strong Ally.", 0.1, 0.8, 0.1,
                  doc_id="ref", retrieval_score=0.5, similarity=0.55)
    c = claim_result(text, Label.UNVERIFIED, 0.8, (ev,))
    assert not [f for f in find_flags(Document(text), [c], []) if f.kind == "mismatch"]
    close = dataclasses.replace(c, evidence=(dataclasses.replace(ev, similarity=0.8),))
    assert [f for f in find_flags(Document(text), [close], []) if f.kind == "mismatch"]


def test_attributed_numbers_are_not_flagged():
    text = "According to NATO, allies spent $380 billion on defence in 2024."
    assert not [f for f in find_flags(Document(text), [], []) if f.kind == "unattributed_number"]
    text2 = "Allies spent $380 billion on defence in 2024."
    got = [f.text for f in find_flags(Document(text2), [], []) if f.kind == "unattributed_number"]
    assert got == ["$380 billion", "2024"]


def test_keyword_stuffed_heading():
    text = "NATO Summit 2024: NATO News, NATO Ukraine Aid\nAllies met in Washington."
    meta = [f for f in find_flags(Document(text), [], []) if f.kind == "meta"]
    assert meta and meta[0].text == "NATO Summit 2024: NATO News, NATO Ukraine Aid"
    assert "Keyword-stuffed" in meta[0].reason


def test_config_watchlist_and_kinds():
    doc = Document("The deal includes a security guarantee and a no-fly pledge.")
    assert [f.text for f in find_flags(doc, [], [])] == ["security guarantee"]
    cfg = FlagsConfig(extra_terms={"no-fly pledge": "needs the text of the pledge"},
                      enabled=["loaded_term"])
    got = find_flags(doc, [], [], cfg)
    assert [f.text for f in got] == ["security guarantee", "no-fly pledge"]
    assert "needs the text" in got[1].reason
    assert find_flags(doc, [], [], FlagsConfig(enabled=["meta"])) == []
    with pytest.raises(ValueError):
        FlagsConfig(enabled=["nonsense"])
    with pytest.raises(ValueError):
        FlagsConfig(unknown_key=1)


def test_config_validates_through_project_loader():
    from claimcheck.config import validate

    cfg = validate(FlagsConfig, {"watchlist": {"treaty": "x"}, "min_count": 2}, "flags")
    assert cfg.watchlist == {"treaty": "x"}
    with pytest.raises(ConfigError, match="unknown key"):
        validate(FlagsConfig, {"watch_list": {}}, "flags")


@pytest.mark.parametrize(("text", "value", "kind"), [
    ("$43 billion", 43e9, "money"), ("€40 billion", 40e9, "money"),
    ("40 billion euros", 40e9, "money"),
    ("3.5%", 3.5, "percent"), ("twenty", 20, "count"), ("1,200", 1200, "count"),
    ("three-star", 3, "compound"), ("July 9, 2024", 9, "date"),
])
def test_quantities(text, value, kind):
    (q,) = find_quantities(f"It was {text} then.")
    assert (q.text, q.value, q.kind) == (text, value, kind)


def test_same_quantity():
    a, b, c = (find_quantities(s)[0] for s in ("$43 billion", "$43.2 billion", "€43 billion"))
    assert same_quantity(a, b) and not same_quantity(a, c)


def test_gate(report):
    fail, line = gate(report, ["contradicted"])
    assert fail and line.startswith("claimcheck: FAIL (contradicted: 1)") and "\n" not in line
    assert gate(report, ["contradicted,flagged"])[0]
    ok = Report(report.document, tuple(c for c in report.claims if c.label == Label.SUPPORTED))
    assert gate(ok, ["contradicted", "flagged", "unverified"]) == (
        False, "claimcheck: PASS (fail-on: contradicted,flagged,unverified) - 1 claims: "
        "1 supported, 0 contradicted, 0 unverified; 0 flags")
    low = Report(ok.document, ok.claims, flags=(Flag(kind="intensifier", text="x", start=0, end=1,
                                                      reason="r", severity="low"),))
    assert not gate(low, ["flagged"])[0]
    with pytest.raises(ConfigError, match="options: contradicted, flagged, unverified"):
        gate(report, ["wrong"])


def test_segmentation_non_claims_merge_with_detected_meta(nato_article):
    rel = nato_article.index("Related posts:")
    lines = nato_article[rel:].split("\n")
    pieces, pos = [], rel
    for line in lines:  # one NonClaim per line, as a segmenter may emit them
        pieces.append(NonClaim(text=line, start=pos, end=pos + len(line),
                               kind=SpanKind.RELATED))
        pos += len(line) + 1
    meta_start = nato_article.index("This detailed SEO")
    meta = NonClaim(text=nato_article[meta_start:rel], start=meta_start, end=rel,
                    kind=SpanKind.META)
    flags = [f for f in find_flags(Document(nato_article), [], [*pieces, meta])
             if f.kind == "meta"]
    assert [f.text[:20] for f in flags] == ["This detailed SEO-op", "Related posts:\nZelen"]
    assert flags[1].end == len(nato_article)
