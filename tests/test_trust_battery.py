"""The trust battery on a small seeded slice (the full battery is `make bench-trust`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> bool:
    """Are the dev sets of ../shared/data (or $CLAIMCHECK_DATA) here? The example's sets are
    always in the repository; a clone elsewhere runs only those."""
    from claimcheck.bench.config import resolve_data_path

    return all(resolve_data_path(f"../shared/data/{rel}", ROOT).is_file() for rel in (
        "factcheck/healthver/dev.jsonl", "grounded/xsumfaith/dev.jsonl"))


def test_quick_battery_never_confirms_a_denial(tmp_path):
    out = tmp_path / "trust.json"
    names = ["denial", "nato_gold", "article_key"]
    if shared_data():
        names += ["healthver", "grounded_xsumfaith"]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "trust_battery.py"), "--quick", "--sets",
         ",".join(names), "--output", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(out.read_text())
    sets = res["sets"]
    assert set(sets) == set(names)
    # never confirm what the references deny
    denial = sets["denial"]
    assert denial["all"]["n"] == 30 and denial["false_supports"] == []
    assert denial["by_kind"]["negation"]["false_support_n"] == 0
    for name in set(names) - {"denial", "article_key"}:
        assert {"tune", "held"} <= set(sets[name]) or "all" in sets[name]
        assert "false_support" in sets[name]["all"]
    # the example against the reader's key: every claim keyed, the error it exists to catch caught
    key = sets["article_key"]
    assert key["n"] == 25
    by_id = {c["id"]: c for c in key["claims"]}
    assert by_id["key-14"]["pred"] == "contradicted"  # "mutual defense"
    assert key["key_unverified_contradicted"] == 0
    assert key["supported_without_carrying_evidence"] == 0
    assert res["summary"]["article_key"] == f"{key['agrees']}/25"
    assert "Trust battery" in proc.stdout


def test_threshold_fit_refuses_to_write_where_no_calibration_is(tmp_path):
    """--write stores the fit in the fitted judge's own calibration.json; a folder without one
    is refused before anything is scored (never silently written to the default judge)."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "trust_fit.py"), "--write", "--set",
         f"model.nli={tmp_path}", "--output", str(tmp_path / "fit.json")],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode != 0
    assert "has none: fit a local judge folder" in proc.stderr
    assert not (tmp_path / "fit.json").exists()
