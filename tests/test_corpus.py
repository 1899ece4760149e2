"""check-corpus: folder and JSONL input, failures recorded, resume, the same reports from every
engine (local, local with worker processes, Ray), CLI errors.

The corpus is four short articles built from the NATO example (one of them binary); the
reference set is the NATO example's. The tiny random NLI model keeps it fast; the tests that
start worker processes or a Ray cluster are marked slow.
"""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.corpus import Corpus, check_corpus
from claimcheck.errors import ClaimcheckError, ConfigError, InputError

runner = CliRunner()

ARTICLES = {
    "a-founding.txt": "NATO was founded in 1949. Sweden became the 32nd Ally in March 2024.",
    "b-binary.txt": b"\x00\x01\x02 not text \x00",
    "c-pledge.md": "# Funding\n\nAllies pledged a minimum baseline of 40 billion euros for "
                   "Ukraine within the next year.",
    "d-air-defence.html": "<html><body><h1>Air defence</h1><p>Jens Stoltenberg said that Allies "
                          "would send more air defence systems to Ukraine.</p></body></html>",
}
IDS = list(ARTICLES)


def _write_corpus(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in ARTICLES.items():
        (folder / name).write_bytes(body if isinstance(body, bytes) else body.encode())
    return folder


def _lines(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _comparable(rec: dict, drop_source: bool = False) -> dict:
    """A line without what changes between runs (meta.timings) or between inputs (source)."""
    rec = json.loads(json.dumps(rec))
    rec.get("meta", {}).pop("timings", None)
    if drop_source:
        rec.pop("fields", None)
        rec.pop("source", None)
        if "document" in rec:
            rec["document"].pop("source", None)
    return rec


@pytest.fixture(scope="module")
def corpus_config(tiny_config):
    """The tiny model with one torch thread in every engine: float sums then run in the same
    order everywhere (with different thread counts a rounded similarity can differ in its last
    digit, see docs/scale.md). The process's thread count is restored afterwards."""
    import torch

    before = torch.get_num_threads()
    yield {**tiny_config, "model": {**tiny_config["model"], "threads": 1}}
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def corpus_checker(corpus_config):
    from claimcheck import ClaimChecker

    return ClaimChecker(corpus_config)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    return _write_corpus(tmp_path_factory.mktemp("corpus") / "articles")


@pytest.fixture(scope="module")
def local_run(corpus_checker, corpus_dir, nato_refs_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "reports.jsonl"
    return corpus_checker.check_corpus(corpus_dir, nato_refs_dir, out, batch_size=2)


def test_folder_run_writes_reports_failures_summary_and_csv(local_run, corpus_checker, nato_refs_dir,
                                                            corpus_dir):
    lines = _lines(local_run.output)
    assert [x["id"] for x in lines] == IDS  # input order
    bad = lines[1]
    assert "binary" in bad["error"] and bad["error_type"] == "InputError"
    # a report line is `check --format json` plus the id and the (empty) fields
    one = corpus_checker.check(ARTICLES["a-founding.txt"], nato_refs_dir,
                             source=str(corpus_dir / "a-founding.txt")).to_dict()
    assert _comparable(lines[0]) == _comparable({"id": "a-founding.txt", **one, "fields": {}})
    assert lines[2]["document"]["format"] == "markdown"
    assert lines[3]["document"]["format"] == "html"
    s = json.loads(local_run.summary_file.read_text())
    assert (s["articles"], s["checked"], s["failed"]) == (4, 3, 1)
    assert s["failures"][0]["id"] == "b-binary.txt"
    assert s["claims"] == sum(len(x.get("claims", [])) for x in lines) == sum(s["counts"].values())
    assert local_run.summary_file.name == "reports.summary.json"
    import csv

    with open(local_run.claims_file, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == s["claims"]
    first = lines[0]["claims"][0]
    assert rows[0]["article_id"] == "a-founding.txt" and rows[0]["text"] == first["text"]
    assert int(rows[0]["start"]) == first["start"] and rows[0]["label"] == first["label"]


def test_jsonl_input_gives_the_same_reports_and_passes_fields_through(local_run, corpus_checker,
                                                                      nato_refs_dir, tmp_path):
    src = tmp_path / "articles.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for i, (name, body) in enumerate(ARTICLES.items()):
            rec = {"id": name, "text": body, "url": f"https://example.org/{i}"}
            if isinstance(body, bytes):  # JSON cannot hold it: a record without text instead
                rec = {"id": name, "url": rec["url"]}
            fh.write(json.dumps(rec) + "\n")
        fh.write("\n{not json\n")
    run = corpus_checker.check_corpus(src, nato_refs_dir, tmp_path / "out.jsonl")
    lines = _lines(run.output)
    assert [x["id"] for x in lines] == [*IDS, "articles:6"]  # default id: <stem>:<line>
    assert lines[0]["fields"] == {"url": "https://example.org/0"}
    assert "'text'" in lines[1]["error"] and lines[1]["fields"] == {"url": "https://example.org/1"}
    assert "not valid JSON" in lines[4]["error"]
    folder = _lines(local_run.output)
    for a, b in ((folder[i], lines[i]) for i in (0, 2, 3)):
        assert _comparable(a, drop_source=True) == _comparable(b, drop_source=True)
    assert (run.checked, run.failed) == (3, 2)


def test_resume_after_a_crash_adds_no_duplicate_and_misses_no_id(local_run, corpus_checker,
                                                                 nato_refs_dir, corpus_dir,
                                                                 tmp_path):
    out = tmp_path / "reports.jsonl"
    full = local_run.output.read_text(encoding="utf-8").splitlines(keepends=True)
    # a crash while writing the last line: three whole lines, then half of the fourth
    out.write_text("".join(full[:3]) + full[3][: len(full[3]) // 2], encoding="utf-8")
    run = corpus_checker.check_corpus(corpus_dir, nato_refs_dir, out)
    assert (run.skipped, run.this_run) == (3, 1)
    lines = _lines(out)
    assert [x["id"] for x in lines] == IDS
    assert [_comparable(x) for x in lines] == [_comparable(x) for x in _lines(local_run.output)]
    again = corpus_checker.check_corpus(corpus_dir, nato_refs_dir, out)  # nothing left to do
    assert (again.skipped, again.this_run, again.checked) == (4, 0, 3)
    assert len(_lines(out)) == 4


def test_resume_refuses_another_config_and_retries_failures_on_request(local_run, corpus_config,
                                                                       nato_refs_dir, corpus_dir,
                                                                       tmp_path):
    from claimcheck import ClaimChecker

    out = tmp_path / "reports.jsonl"
    shutil.copy(local_run.output, out)
    other = ClaimChecker({**corpus_config, "retrieval": {"top_k": 3}})
    with pytest.raises(ConfigError, match="another pipeline config"):
        other.check_corpus(corpus_dir, nato_refs_dir, out)
    fixed = tmp_path / "articles"
    shutil.copytree(corpus_dir, fixed)
    (fixed / "b-binary.txt").write_text("Hungary agreed not to block the NATO mission.")
    checker = ClaimChecker(corpus_config)
    assert checker.check_corpus(fixed, nato_refs_dir, out).this_run == 0  # failures stay done
    run = checker.check_corpus(fixed, nato_refs_dir, out, retry_failed=True)
    assert run.this_run == 1 and run.failed == 0
    assert sorted(x["id"] for x in _lines(out)) == sorted(IDS)


def test_bad_corpus_inputs_are_claimcheck_errors(corpus_checker, nato_refs_dir, tmp_path):
    one = tmp_path / "a.txt"
    one.write_text("NATO was founded in 1949.")
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"id": "x", "text": "a b c d."}\n{"id": "x", "text": "e f g h."}\n')
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.pdf").write_bytes(b"%PDF")
    out = tmp_path / "out.jsonl"
    cases = [(tmp_path / "missing", {}, InputError, "does not exist"),
             (one, {}, InputError, "claimcheck check"),
             (dup, {}, InputError, "repeated"),
             (empty, {}, InputError, "no .txt"),
             (dup, {"engine": "spark"}, ConfigError, "Unknown engine"),
             (dup, {"workers": 0}, ConfigError, "'workers' parameter"),
             (dup, {"ray_address": "auto"}, ConfigError, "--engine ray"),
             (dup, {"input_format": "pdf"}, InputError, "--input-format")]
    for corpus, kw, err, says in cases:
        with pytest.raises(err, match=says):
            check_corpus(corpus_checker, corpus, nato_refs_dir, out, **kw)
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "x", "text": "NATO was founded in 1949."}\n')
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("this is not a claimcheck output\n")
    with pytest.raises(InputError, match="not a claimcheck output line"):
        check_corpus(corpus_checker, good, nato_refs_dir, garbage)
    with pytest.raises(InputError, match="is the corpus itself"):
        check_corpus(corpus_checker, good, nato_refs_dir, good)
    assert Corpus(good).ids() == ["x"]


def test_ray_missing_names_the_extra(corpus_checker, nato_refs_dir, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(ClaimcheckError, match=r"pip install 'claimcheck-nli\[ray\]'"):
        check_corpus(corpus_checker, tmp_path, nato_refs_dir, tmp_path / "o.jsonl", engine="ray")


def test_cli_check_corpus_exit_codes_and_errors(tiny_nli_dir, nato_refs_dir, corpus_dir,
                                                tmp_path):
    out = tmp_path / "out" / "r.jsonl"
    base = ["check-corpus", str(corpus_dir), "--refs", str(nato_refs_dir), "--set",
            f"model.nli={tiny_nli_dir}", "--set", "progress=false"]
    r = runner.invoke(app, [*base, "--output", str(out), "--fail-on", "failed"])
    assert r.exit_code == 1, r.output  # the binary article is a failure
    assert "4 articles" in r.output and "1 failed" in r.output and "FAIL (failed: 1)" in r.output
    assert out.with_name("r.summary.json").exists() and out.with_name("r.claims.csv").exists()
    r = runner.invoke(app, [*base, "--output", str(out)])  # resumed: nothing left, exit 0
    assert r.exit_code == 0 and "this run 0" in r.output
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for args, says in (([*base, "--output", str(tmp_path)], "is a folder"),
                       ([*base, "--output", str(a_file / "r.jsonl")], "is a file"),
                       ([*base, "--output", str(out), "--fail-on", "contradicted,unverifed"],
                        "options: contradicted, flagged, unverified, unchecked, failed"),
                       ([*base, "--output", str(out), "--engine", "spark"], "Unknown engine"),
                       ([*base, "--output", str(out), "--workers", "0"], "'workers'"),
                       ([*base, "--output", str(out), "--ray-address", "auto"], "--engine ray"),
                       (["check-corpus", str(tmp_path / "nope"), "--refs", str(nato_refs_dir),
                         "--output", str(out)], "does not exist")):
        r = runner.invoke(app, args)
        assert r.exit_code == 2, r.output
        assert "claimcheck: error:" in r.output and says in r.output
        assert "Traceback" not in r.output


@pytest.mark.slow
def test_local_worker_processes_give_the_same_reports(local_run, corpus_config, nato_refs_dir,
                                                      corpus_dir, tmp_path):
    from claimcheck import ClaimChecker

    run = ClaimChecker(corpus_config).check_corpus(corpus_dir, nato_refs_dir,
                                                 tmp_path / "r.jsonl", workers=2, batch_size=1)
    assert [_comparable(x) for x in _lines(run.output)] == \
        [_comparable(x) for x in _lines(local_run.output)]


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray with 2 CPUs for this module (RAY_ADDRESS set: join that cluster instead)."""
    import os

    ray = pytest.importorskip("ray", reason="ray is not installed: pip install "
                              "'claimcheck-nli[ray]' (or run make test-ray)")
    pytest.importorskip("ray.data", reason="ray is installed without Ray Data: pip install "
                        "'claimcheck-nli[ray]'")
    if os.environ.get("RAY_ADDRESS"):
        ray.init(include_dashboard=False)
    else:
        ray.init(address="local", num_cpus=2, include_dashboard=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_ray_engine_gives_the_same_reports_and_resumes(local_ray, local_run, corpus_config,
                                                       nato_refs_dir, corpus_dir, tmp_path):
    from claimcheck import ClaimChecker

    out = tmp_path / "r.jsonl"
    run = ClaimChecker(corpus_config).check_corpus(corpus_dir, nato_refs_dir, out, engine="ray",
                                                 workers=2, batch_size=1)
    assert (run.checked, run.failed) == (3, 1)
    expected = [_comparable(x) for x in _lines(local_run.output)]
    assert [_comparable(x) for x in _lines(out)] == expected
    # the same resume rule: drop the last line, rerun, and only that article runs again
    whole = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(whole[:-1]), encoding="utf-8")
    again = ClaimChecker(corpus_config).check_corpus(corpus_dir, nato_refs_dir, out, engine="ray",
                                                   workers=1)
    assert (again.skipped, again.this_run) == (3, 1)
    assert [_comparable(x) for x in _lines(out)] == expected
