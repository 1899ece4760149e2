import json
from pathlib import Path

from typer.testing import CliRunner

from claimcheck.cli import app

runner = CliRunner()


def test_check_table_and_json(tmp_path, tiny_nli_dir, nato_refs_dir):
    art = tmp_path / "a.txt"
    art.write_text("NATO was founded in 1949. Sweden became the 32nd Ally in March 2024.")
    args = ["check", str(art), "--refs", str(nato_refs_dir), "--set", f"model.nli={tiny_nli_dir}"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "claims:" in r.output
    out = tmp_path / "r.json"
    r = runner.invoke(app, [*args, "--format", "json", "--output", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert len(data["claims"]) >= 1


def test_errors_are_one_line(tmp_path, nato_refs_dir):
    empty = tmp_path / "e.txt"
    empty.write_text("")
    r = runner.invoke(app, ["check", str(empty), "--refs", str(nato_refs_dir)])
    assert r.exit_code == 2
    assert "claimcheck: error:" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["check", str(empty), "--refs", str(tmp_path / "missing")])
    assert r.exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("retrieval: {topk: 3}\n")
    art = tmp_path / "a.txt"
    art.write_text("NATO was founded in 1949.")
    r = runner.invoke(app, ["check", str(art), "--refs", str(nato_refs_dir), "--config", str(bad)])
    assert r.exit_code == 2 and "unknown key 'retrieval.topk'" in r.output
    r = runner.invoke(app, ["check", str(art), "--refs", str(nato_refs_dir), "--set",
                            "model.nli=no-such-org/no-such-model"])
    assert r.exit_code == 2 and "allow_network" in r.output


def test_python_m_claimcheck_is_the_cli():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "claimcheck", "--help"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "check" in out.stdout and "train" in out.stdout


def test_bad_gate_kinds_and_output_paths_fail_before_any_work(tmp_path, nato_refs_dir):
    article = tmp_path / "a.txt"
    article.write_text("NATO was founded in 1949 in Washington by twelve countries.")
    base = ["check", str(article), "--refs", str(nato_refs_dir),
            "--set", "model.nli=/nonexistent/model"]  # would fail later, if the run started
    r = runner.invoke(app, [*base, "--fail-on", "contradicted,unverifed"])
    assert r.exit_code == 2 and "unverifed" in r.output and "Traceback" not in r.output
    a_file = tmp_path / "file"
    a_file.write_text("x")
    cases = [(tmp_path, "is a folder"), (a_file / "report.json", "is a file")]
    if Path("/proc/self").is_dir():  # a pseudo filesystem os.access calls writable
        cases.append((Path("/proc/claimcheck-report.json"), "cannot be written"))
    for bad, says in cases:
        r = runner.invoke(app, [*base, "--output", str(bad)])
        assert r.exit_code == 2 and says in r.output and "Traceback" not in r.output
    fresh = tmp_path / "new.json"  # the pre-flight write leaves no empty file behind
    r = runner.invoke(app, [*base, "--output", str(fresh)])
    assert r.exit_code == 2 and not fresh.exists()


def test_profile_prints_the_stage_table(tmp_path, tiny_nli_dir, nato_refs_dir):
    art = tmp_path / "a.txt"
    art.write_text("NATO was founded in 1949. Sweden became the 32nd Ally in March 2024.")
    r = runner.invoke(app, ["check", str(art), "--refs", str(nato_refs_dir), "--set",
                            f"model.nli={tiny_nli_dir}", "--profile", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "stage" in r.output and "nli" in r.output and "total" in r.output
    lines = r.output.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.split()[:3] == ["stage", "seconds", "share"])
    end = next(i for i in range(head, len(lines)) if lines[i].startswith("total "))
    total = float(lines[end].split()[1])
    stages = [float(ln.split()[-2]) for ln in lines[head + 1:end]]
    assert abs(sum(stages) - total) < 0.01  # the rows add up to the total
