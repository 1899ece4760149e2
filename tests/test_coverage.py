"""The gate sees what was not checked: coverage by reason, --fail-on on unchecked text, and
non-English articles (issue #14)."""

import warnings
from pathlib import Path

import pytest

from claimcheck import ClaimChecker
from claimcheck.errors import ClaimcheckWarning, InputError
from claimcheck.review.gate import gate

GERMAN = ("Die NATO wurde 1949 in Washington gegründet. Heute hat das Bündnis 32 Mitglieder in "
          "Europa und Nordamerika. Schweden trat dem Bündnis im März 2024 bei, nachdem die "
          "Türkei und Ungarn zugestimmt hatten.")
CHINESE = "北约成立于1949年。峰会在华盛顿举行，成员国承诺向乌克兰提供更多援助。" * 3
# an article written as short unpunctuated lines: every line is taken for a heading
HEADINGS = "\n".join(["NATO was founded in 1960 by nine countries",
                      "Sweden joined the alliance in 1995 after a vote",
                      "Hungary signed a security pact with Ukraine in June",
                      "The summit took place in Berlin this year"]) + "\nThe end."


@pytest.fixture(scope="module")
def checker(tiny_config):
    return ClaimChecker({**tiny_config, "quotes": {"enabled": False}})


def test_nato_coverage_counts_every_character(checker, nato_article, nato_refs_dir):
    r = checker.check(nato_article, nato_refs_dir)
    cov = r.coverage
    assert cov.characters == sum(not ch.isspace() for ch in r.document.text)
    assert cov.checked_characters + sum(cov.unchecked.values()) == cov.characters
    assert set(cov.unchecked) == {"heading", "meta", "related_posts"}
    assert cov.language == "en"
    assert 0.1 < cov.unchecked_fraction < 0.25  # headings, the SEO sentence, related posts
    assert not gate(r, ["contradicted"], 0.25)[0] or r.counts()["contradicted"]
    assert r.to_dict()["coverage"]["unchecked"] == cov.unchecked


def test_heading_lines_do_not_pass_the_gate(checker, nato_refs_dir):
    r = checker.check(HEADINGS, nato_refs_dir)
    assert r.coverage.unchecked_fraction > 0.9
    fail, line = gate(r, ["contradicted"], 0.25)
    assert fail and "unchecked: " in line and "heading" in line
    assert not gate(r, ["contradicted"], 1.0)[0]  # the user allowed it
    assert gate(r, ["unchecked"], 0.25)[0]


def test_non_english_article_warns_and_fails_the_gate(checker, nato_refs_dir):
    for text, code in ((GERMAN, "de"), (CHINESE, "zh")):
        with pytest.warns(ClaimcheckWarning, match=f"'{code}'"):
            r = checker.check(text, nato_refs_dir)
        assert r.coverage.language == code
        assert r.coverage.checked_characters == 0 and r.coverage.unchecked_fraction == 1.0
        assert gate(r, ["contradicted"], 0.25)[0]


def test_language_policy_error_and_off(tiny_config, nato_refs_dir):
    strict = ClaimChecker({**tiny_config, "segment": {"language": "error"}})
    with pytest.raises(InputError, match="'de'.*segment.language=warn"):
        strict.check(GERMAN, nato_refs_dir)
    off = ClaimChecker({**tiny_config, "segment": {"language": "off"},
                        "quotes": {"enabled": False}})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClaimcheckWarning)
        assert off.check(GERMAN, nato_refs_dir).coverage.language is None


def test_cli_gate_fails_on_unchecked_text(tmp_path, tiny_nli_dir, nato_refs_dir):
    from typer.testing import CliRunner

    from claimcheck.cli import app

    art = tmp_path / "a.txt"
    art.write_text(HEADINGS, encoding="utf-8")
    base = ["check", str(art), "--refs", str(nato_refs_dir), "--set",
            f"model.nli={tiny_nli_dir}", "--set", "quotes.enabled=false", "--format", "json",
            "--output", str(tmp_path / "r.json")]
    r = CliRunner().invoke(app, [*base, "--fail-on", "contradicted"])
    assert r.exit_code == 1 and "unchecked: " in r.output
    r = CliRunner().invoke(app, [*base, "--fail-on", "contradicted", "--set",
                                 "segment.max_unchecked=1"])
    assert r.exit_code == 0, r.output


def test_symbol_runs_are_not_parsed_and_count_as_unchecked(checker, nato_refs_dir):
    from claimcheck.text.nlp import parseable

    junk = "[" * 5000
    assert parseable("See " + junk + " here.") == "See " + " " * 5000 + " here."
    r = checker.check("NATO was founded in 1949 by twelve countries.\n" + junk, nato_refs_dir)
    assert [c.text for c in r.claims] == ["NATO was founded in 1949 by twelve countries"]
    assert r.coverage.unchecked == {"fragment": 5000}
    assert gate(r, ["contradicted"], 0.25)[0]


def test_table_shows_coverage(checker, nato_article, nato_refs_dir):
    table = checker.check(nato_article, nato_refs_dir).table()
    assert "coverage: 84% of the text checked (unchecked: heading 4%, meta 6%, related_posts 5%)" \
        in table


def test_plainly_english_text_skips_the_language_profiles_and_other_text_does_not():
    from claimcheck.text.language import detect_language, plainly_english

    english = (Path(__file__).resolve().parents[1] / "examples" / "nato-summit-2024" /
               "article.txt").read_text()
    assert plainly_english(english)
    german = ("Die NATO wurde 1949 in Washington gegründet. Heute hat das Bündnis 32 Mitglieder "
              "in Europa und Nordamerika, zuletzt kam Schweden hinzu. Der Gipfel fand im Juli "
              "statt, und die Staats- und Regierungschefs einigten sich auf neue Hilfen für die "
              "Ukraine. Ungarn wird sich an der Mission nicht beteiligen, sagte der "
              "Generalsekretär. Es war ein langer Tag für alle, die dabei waren.")
    assert not plainly_english(german)
    assert detect_language(german)[0] == "de"
    assert not plainly_english("The NATO summit.")  # too short to tell: langdetect decides
