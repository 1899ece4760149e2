"""calibration.json has one owner (claimcheck.verdict.calibration), and training keeps what
threshold calibration fitted."""

import json
import re
from pathlib import Path

from claimcheck.verdict import calibration

SRC = Path(__file__).resolve().parents[1] / "src" / "claimcheck"

FITTED = {
    "temperature": 1.3771,
    "weights_sha256": "a" * 64,
    "entail_threshold": 0.2,
    "contradict_threshold": 0.25,
    "thresholds_fitted_on": "FEVER rows carved from training",
    "min_similarity": 0.5,
    "threshold_fit_metrics": {"n": 600},
}


def test_training_keeps_min_similarity_and_the_fitted_thresholds():
    # The bug: train/card.py rewrote calibration.json without min_similarity, so retraining
    # silently reset the evidence gate to 0.
    cal = calibration.after_training(FITTED, 1.1, "b" * 64)
    assert cal["temperature"] == 1.1 and cal["weights_sha256"] == "b" * 64
    assert cal["min_similarity"] == 0.5
    assert cal["threshold_fit_metrics"] == {"n": 600}
    assert (cal["entail_threshold"], cal["contradict_threshold"]) == (0.2, 0.25)
    fresh = calibration.after_training({}, 1.0, "c" * 64)
    assert fresh["entail_threshold"] == calibration.FALLBACK["entail_threshold"]
    assert "min_similarity" not in fresh


def test_update_keeps_every_other_key(tmp_path):
    calibration.write(tmp_path, FITTED)
    calibration.update(tmp_path, entail_threshold=0.3)
    got = json.loads((tmp_path / "calibration.json").read_text())
    assert got == {**FITTED, "entail_threshold": 0.3}
    assert calibration.read(tmp_path / "missing") == {}


def test_value_prefers_override_then_calibration_then_fallback():
    assert calibration.value(FITTED, "min_similarity", 0.7) == 0.7
    assert calibration.value(FITTED, "min_similarity") == 0.5
    assert calibration.value({}, "min_similarity") == calibration.FALLBACK["min_similarity"]


def test_only_the_calibration_module_names_the_file():
    owners = [p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
              if re.search(r"""["']calibration\.json["']""", p.read_text(encoding="utf-8"))]
    assert owners == ["verdict/calibration.py"]
