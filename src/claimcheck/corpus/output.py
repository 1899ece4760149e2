"""The corpus output JSONL: appended one whole line at a time, resumable.

Each line is written with one ``os.write`` of ``line + "\\n"`` followed by ``os.fsync``, so a
crash leaves at most one partial last line (no newline). :meth:`CorpusOutput.resume` drops that
line, checks that the lines already there were made with the same config and references, and
returns their ids: the run then checks only the other articles.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from claimcheck.errors import ConfigError, InputError

log = logging.getLogger(__name__)


class CorpusOutput:
    """Append-only JSONL of report and failure lines (see :mod:`claimcheck.corpus.worker`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self.written = 0

    def resume(self, config_sha256: str, references_sha256: str,
               retry_failed: bool = False) -> set[str]:
        """Ids already in the output (after dropping a partial last line). With
        ``retry_failed`` the failure lines are removed first, so those articles run again."""
        if not self.path.exists():
            return set()
        if self.path.is_dir():
            raise InputError(f"--output {str(self.path)!r} is a folder. Fix: give a .jsonl file "
                             f"path, e.g. {str(self.path / 'reports.jsonl')!r}.")
        ids: set[str] = set()
        failed: set[str] = set()
        good_end = 0
        with open(self.path, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                if not raw.endswith(b"\n"):
                    break  # a partial last line: an interrupted write
                good_end += len(raw)
                if not raw.strip():
                    continue
                rec = self._parse(raw, n)
                if "error" in rec:
                    failed.add(rec["id"])
                else:
                    self._same_run(rec, n, config_sha256, references_sha256)
                ids.add(rec["id"])
        if good_end < self.path.stat().st_size:
            log.warning("%s: dropped a partial last line (an interrupted run); that article "
                        "runs again", self.path)
            with open(self.path, "r+b") as fh:
                fh.truncate(good_end)
                os.fsync(fh.fileno())
        if retry_failed and failed:
            self._drop_failures()
            ids -= failed
        return ids

    def _parse(self, raw: bytes, n: int) -> dict:
        try:
            rec = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise InputError(f"{self.path}:{n} is not a claimcheck output line ({e}). Fix: "
                             "remove that line, or choose another --output.") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("id"), str):
            raise InputError(f"{self.path}:{n} has no article 'id', so {str(self.path)!r} is not "
                             "a claimcheck corpus output. Fix: choose another --output.")
        return rec

    def _same_run(self, rec: dict, n: int, config_sha256: str, references_sha256: str) -> None:
        meta = rec.get("meta") or {}
        fix = ("Fix: rerun with the config and references of that run, use another --output, "
               "or delete the file to start over.")
        if meta.get("config_sha256") != config_sha256:
            raise ConfigError(f"{self.path}:{n} was checked with another pipeline config "
                              f"(config_sha256 {str(meta.get('config_sha256'))[:12]}…, this run "
                              f"{config_sha256[:12]}…), so resuming would mix two configs. {fix}")
        got = (meta.get("references") or {}).get("sha256")
        if got != references_sha256:
            raise ConfigError(f"{self.path}:{n} was checked against other references (sha256 "
                              f"{str(got)[:12]}…, this run {references_sha256[:12]}…). {fix}")

    def _drop_failures(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(self.path, "rb") as src, open(tmp, "wb") as dst:
            for raw in src:
                if raw.strip() and "error" not in json.loads(raw):
                    dst.write(raw)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, self.path)

    # -- writing -------------------------------------------------------------------------------
    def __enter__(self) -> CorpusOutput:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, line: str) -> None:
        """Write ``line`` and a newline in one write, then fsync (the line is whole or absent)."""
        if self._fd is None:
            raise RuntimeError("CorpusOutput.append before open()")
        if "\n" in line:
            raise ValueError("an output line must not contain a newline")
        data = (line + "\n").encode("utf-8")
        view = memoryview(data)
        while view:  # os.write writes everything to a regular file unless the disk is full
            view = view[os.write(self._fd, view):]
        os.fsync(self._fd)
        self.written += 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def summary_path(output: str | Path) -> Path:
    """``reports.jsonl`` → ``reports.summary.json`` (beside it)."""
    p = Path(output)
    return p.with_name(f"{_stem(p)}.summary.json")


def claims_csv_path(output: str | Path) -> Path:
    """``reports.jsonl`` → ``reports.claims.csv`` (beside it)."""
    p = Path(output)
    return p.with_name(f"{_stem(p)}.claims.csv")


def _stem(p: Path) -> str:
    return p.name[: -len(".jsonl")] if p.name.lower().endswith(".jsonl") else p.name
