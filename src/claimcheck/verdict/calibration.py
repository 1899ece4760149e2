"""``calibration.json``: the one reader and writer of a model folder's calibration.

The file holds what is fitted after training: the softmax ``temperature``, the sha256 of the
weights it belongs to, the verdict thresholds (``entail_threshold``, ``contradict_threshold``), the
evidence gate ``min_similarity`` and notes on what they were fitted on. Two steps write it:
training (:func:`after_training`: new temperature and weights hash, every fitted value kept) and
threshold calibration (:func:`update`: new thresholds, everything else kept). The fallbacks below
apply when a model folder has no calibration (a hub model, a fresh training run).

    >>> after_training({"entail_threshold": 0.2, "min_similarity": 0.5}, 1.3, "ab")["min_similarity"]
    0.5
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CALIBRATION_FILE = "calibration.json"

# The one home of each fallback value (used when neither the config nor calibration.json sets it).
FALLBACK: dict[str, float] = {
    "temperature": 1.0,
    "entail_threshold": 0.5,
    "contradict_threshold": 0.5,
    "min_similarity": 0.0,
    "min_overlap": 0.0,
}


def path(folder: str | Path) -> Path:
    return Path(folder) / CALIBRATION_FILE


def read(folder: str | Path) -> dict[str, Any]:
    """The calibration of a model folder; ``{}`` when it has none."""
    p = path(folder)
    return json.loads(p.read_text()) if p.is_file() else {}


def write(folder: str | Path, calibration: dict[str, Any]) -> Path:
    p = path(folder)
    p.write_text(json.dumps(calibration, indent=2) + "\n")
    return p


def update(folder: str | Path, **values: Any) -> dict[str, Any]:
    """Set ``values`` in a folder's calibration, keeping every other key; returns the result."""
    cal = read(folder)
    cal.update(values)
    write(folder, cal)
    return cal


def after_training(old: dict[str, Any], temperature: float, weights_sha256: str) -> dict[str, Any]:
    """The calibration of freshly trained weights: their temperature and hash, the verdict values
    fitted before (thresholds, ``min_similarity``, fit notes) kept until calibration refits them."""
    return {
        "temperature": temperature,
        "weights_sha256": weights_sha256,
        "entail_threshold": old.get("entail_threshold", FALLBACK["entail_threshold"]),
        "contradict_threshold": old.get("contradict_threshold", FALLBACK["contradict_threshold"]),
        "thresholds_fitted_on": old.get("thresholds_fitted_on"),
        **{k: v for k, v in old.items() if k not in ("temperature", "weights_sha256",
                                                     "entail_threshold", "contradict_threshold",
                                                     "thresholds_fitted_on")},
    }


def value(calibration: dict[str, Any], name: str, override: float | None = None) -> float:
    """``override`` when set, else the calibrated value, else the fallback."""
    if override is not None:
        return float(override)
    return float(calibration.get(name, FALLBACK[name]))
