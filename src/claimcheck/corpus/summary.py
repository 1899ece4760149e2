"""What a corpus run leaves beside its JSONL: a summary JSON and a CSV of every claim.

Both are rebuilt from the whole JSONL at the end of every run (a resumed run's files cover the
articles of every earlier run too) and replaced atomically (written to a temporary file, then
renamed).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from claimcheck.types import Label

CLAIM_COLUMNS = ["article_id", "claim_id", "text", "start", "end", "statement", "label", "score",
                 "checkworthiness", "reason", "evidence", "evidence_doc", "evidence_start",
                 "evidence_end", "p_entailment", "p_contradiction"]
SERIOUS = ("high", "medium")  # the severities the `flagged` gate counts (review.gate)


def write_summary_and_claims(output: Path, summary_file: Path, claims_file: Path,
                             run: dict[str, Any] | None = None, max_unchecked: float = 0.25
                             ) -> dict[str, Any]:
    """Read ``output`` once; write the claims CSV and the summary JSON; return the summary.
    ``unchecked_articles`` lists the articles with more than ``max_unchecked`` of their text
    unchecked (what the gate fails on)."""
    counts = {label.value: 0 for label in Label}
    flags = dict.fromkeys(("high", "medium", "low"), 0)
    flagged, failures, unchecked = [], [], []
    articles = checked = claims = 0
    meta: dict[str, Any] = {}
    tmp_csv = claims_file.with_name(claims_file.name + ".tmp")
    with open(output, encoding="utf-8") as src, open(tmp_csv, "w", encoding="utf-8",
                                                     newline="") as fh:
        rows = csv.writer(fh)
        rows.writerow(CLAIM_COLUMNS)
        for raw in src:
            if not raw.strip():
                continue
            rec = json.loads(raw)
            articles += 1
            if "error" in rec:
                failures.append({"id": rec["id"], "error": rec["error"],
                                 "error_type": rec.get("error_type")})
                continue
            checked += 1
            if not meta:
                m = rec.get("meta", {})
                meta = {k: m.get(k) for k in ("claimcheck_version", "config_sha256", "model",
                                              "model_weights_sha256", "thresholds", "references")}
            contradicted = 0
            for c in rec.get("claims", []):
                claims += 1
                counts[c["label"]] = counts.get(c["label"], 0) + 1
                contradicted += c["label"] == Label.CONTRADICTED.value
                rows.writerow(_claim_row(rec["id"], c))
            serious = 0
            for f in rec.get("flags", []):
                sev = f.get("severity", "medium")
                flags[sev] = flags.get(sev, 0) + 1
                serious += sev in SERIOUS
            cov = rec.get("coverage") or {}
            if cov.get("unchecked_fraction", 0.0) > max_unchecked:
                unchecked.append({"id": rec["id"], "unchecked_fraction": cov["unchecked_fraction"],
                                  "unchecked": cov.get("unchecked", {})})
            if contradicted or serious:
                flagged.append({"id": rec["id"], "contradicted": contradicted,
                                "serious_flags": serious})
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp_csv, claims_file)
    summary = {
        "output": str(output), "claims_csv": str(claims_file),
        "articles": articles, "checked": checked, "failed": len(failures),
        "claims": claims, "counts": counts, "flags": flags,
        "flagged_articles": flagged, "unchecked_articles": unchecked,
        "max_unchecked": max_unchecked, "failures": failures, "meta": meta,
        "run": run or {},
    }
    _write_json(summary_file, summary)
    return summary


def _claim_row(article_id: str, c: dict) -> list:
    best = c["evidence"][0] if c.get("evidence") else {}
    return [article_id, c["id"], c["text"], c["start"], c["end"], c["statement"], c["label"],
            c["score"], c.get("checkworthiness"), c.get("reason"), best.get("text"),
            best.get("doc_id"), best.get("start"), best.get("end"), best.get("entailment"),
            best.get("contradiction")]


def _write_json(path: Path, obj: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
