"""The review desk's storage: one SQLite file (the standard library's ``sqlite3``) under the
``--data`` folder holding every check (article, reference set, status, report JSON) and every
editor decision, so that both survive a restart. Decisions export as JSONL (see
:func:`decision_record` and docs/serve.md), the format ``claimcheck bench run`` reads as
``format: decisions``.

Every call opens its own connection, so the event loop and the check worker thread never share
one.

>>> import tempfile
>>> store = Store(tempfile.mkdtemp())
>>> store.create("c1", "My article", "NATO example", "NATO was founded in 1949.")
>>> store.get("c1")["status"]
'queued'
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from claimcheck.errors import InputError
from claimcheck.types import Label

DB_NAME = "claimcheck-review.sqlite3"
CLAIM_ACTIONS = ("accept", "change")
FLAG_ACTIONS = ("dismiss", "keep")
MAX_NOTE = 4000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    title TEXT NOT NULL,
    refs TEXT NOT NULL,
    article TEXT NOT NULL,
    status TEXT NOT NULL,          -- queued | running | done | failed
    error TEXT,
    seconds REAL,
    report TEXT                    -- the report's JSON (Report.to_json()) once done
);
CREATE TABLE IF NOT EXISTS decisions (
    check_id TEXT NOT NULL REFERENCES checks(id),
    kind TEXT NOT NULL,            -- claim | flag
    item INTEGER NOT NULL,         -- the claim id, or the flag's index in report.flags
    action TEXT NOT NULL,          -- accept | change (claims), dismiss | keep (flags)
    label TEXT,                    -- the editor's verdict of a claim
    note TEXT NOT NULL DEFAULT '',
    decided REAL NOT NULL,
    PRIMARY KEY (check_id, kind, item)
);
"""


class Store:
    """Checks and decisions in ``<data>/claimcheck-review.sqlite3``."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.path = self.data_dir / DB_NAME
            with self._db() as db:
                db.executescript(_SCHEMA)
                # a check that was running when the server stopped will never finish
                db.execute("UPDATE checks SET status='failed', error=? WHERE status IN "
                           "('queued', 'running')", ("The server stopped before this check "
                                                     "finished. Start a new check.",))
        except (OSError, sqlite3.Error) as e:
            raise InputError(f"Cannot use {str(self.data_dir)!r} as the review desk's data "
                             f"folder ({e}). Fix: pass a writable folder with --data.") from None

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    # -- checks ------------------------------------------------------------------------------
    def create(self, check_id: str, title: str, refs: str, article: str) -> None:
        with self._db() as db:
            db.execute("INSERT INTO checks (id, created, title, refs, article, status) VALUES "
                       "(?, ?, ?, ?, ?, 'queued')", (check_id, time.time(), title, refs, article))

    def set_status(self, check_id: str, status: str, error: str | None = None,
                   report: str | None = None, seconds: float | None = None) -> None:
        with self._db() as db:
            db.execute("UPDATE checks SET status=?, error=?, report=COALESCE(?, report), "
                       "seconds=COALESCE(?, seconds) WHERE id=?",
                       (status, error, report, seconds, check_id))

    def get(self, check_id: str) -> dict[str, Any] | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM checks WHERE id=?", (check_id,)).fetchone()
        return dict(row) if row else None

    def recent(self, n: int = 20) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT id, created, title, refs, status, seconds FROM checks "
                              "ORDER BY created DESC LIMIT ?", (n,)).fetchall()
        return [dict(r) for r in rows]

    # -- decisions ---------------------------------------------------------------------------
    def decide(self, check_id: str, kind: str, item: int, action: str,
               label: str | None = None, note: str = "") -> None:
        """Record (or replace) the editor's decision on one claim or flag; bad values raise
        InputError naming the allowed ones."""
        if kind == "claim":
            if action not in CLAIM_ACTIONS:
                raise InputError(f"Unknown action {action!r} for a claim. Use one of "
                                 f"{', '.join(CLAIM_ACTIONS)}.")
            labels = [x.value for x in Label]
            if label not in labels:
                raise InputError(f"Unknown label {label!r}. Use one of {', '.join(labels)}.")
        elif kind == "flag":
            if action not in FLAG_ACTIONS:
                raise InputError(f"Unknown action {action!r} for a flag. Use one of "
                                 f"{', '.join(FLAG_ACTIONS)}.")
            label = None
        else:
            raise InputError(f"Unknown decision kind {kind!r}. Use claim or flag.")
        if len(note) > MAX_NOTE:
            raise InputError(f"The note has {len(note):,} characters, more than {MAX_NOTE:,}. "
                             "Shorten it.")
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO decisions (check_id, kind, item, action, label, "
                       "note, decided) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (check_id, kind, item, action, label, note, time.time()))

    def decisions(self, check_id: str | None = None) -> list[dict[str, Any]]:
        """The decisions of one check (or of all), in check then item order."""
        query = "SELECT * FROM decisions"
        args: tuple = ()
        if check_id is not None:
            query += " WHERE check_id=?"
            args = (check_id,)
        with self._db() as db:
            rows = db.execute(query + " ORDER BY check_id, kind, item", args).fetchall()
        return [dict(r) for r in rows]

    def export_jsonl(self, check_id: str | None = None) -> str:
        """The decisions as JSONL, one :func:`decision_record` per line."""
        reports: dict[str, dict] = {}
        lines = []
        for d in self.decisions(check_id):
            if d["check_id"] not in reports:
                row = self.get(d["check_id"]) or {}
                reports[d["check_id"]] = {"check": row, "report":
                                          json.loads(row["report"]) if row.get("report") else {}}
            got = reports[d["check_id"]]
            rec = decision_record(d, got["report"], got["check"])
            if rec is not None:
                lines.append(json.dumps(rec, ensure_ascii=False, sort_keys=False))
        return "".join(line + "\n" for line in lines)


def decision_record(d: dict[str, Any], report: dict[str, Any], check: dict[str, Any]
                    ) -> dict[str, Any] | None:
    """One exported decision: what was decided, on what, and what the judge had said.

    A claim's record carries the statement the judge checked (``claim``), the article span
    (``text``, ``start``, ``end``), the judge's verdict (``predicted``, ``score``), the editor's
    ``label`` (the predicted one when accepted) and the evidence passages the editor saw, each
    with its document and offsets. A flag's record carries the flag and ``dismiss`` / ``keep``.
    """
    base = {"id": f"{d['check_id']}:{d['kind']}:{d['item']}", "check_id": d["check_id"],
            "check_title": check.get("title"), "references": check.get("refs"),
            "kind": d["kind"], "action": d["action"], "note": d["note"],
            "decided_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(d["decided"]))}
    meta = report.get("meta", {})
    if d["kind"] == "claim":
        c = next((c for c in report.get("claims", []) if c["id"] == d["item"]), None)
        if c is None:
            return None
        return {**base, "claim_id": c["id"], "claim": c["statement"], "text": c["text"],
                "start": c["start"], "end": c["end"], "label": d["label"],
                "predicted": c["label"], "score": c["score"], "reason": c.get("reason", ""),
                "evidence": [{k: e.get(k) for k in ("doc_id", "title", "start", "end", "text",
                                                    "entailment", "neutral", "contradiction")}
                             for e in c.get("evidence", [])],
                "model": meta.get("model"),
                "model_weights_sha256": meta.get("model_weights_sha256"),
                "references_sha256": (meta.get("references") or {}).get("sha256")}
    flags = report.get("flags", [])
    if not 0 <= d["item"] < len(flags):
        return None
    f = flags[d["item"]]
    return {**base, "flag_id": d["item"], "flag_kind": f["kind"], "severity": f["severity"],
            "text": f["text"], "start": f["start"], "end": f["end"],
            "claim_id": f.get("claim_id"), "reason": f["reason"]}
