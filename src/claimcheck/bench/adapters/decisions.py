"""Editor decisions recorded in the review desk (``claimcheck serve``), as a claim-verification
set: each claim decision is an example whose gold label is the editor's verdict, whose passages
are the evidence the editor saw (the exported ``evidence`` texts, strongest first), and whose
``predicted`` field keeps what the judge had said. Flag decisions are not examples here.

The file is the desk's JSONL export (``/decisions.jsonl``, one object per line; see
docs/serve.md): ``{"id", "kind": "claim", "claim", "label", "evidence": [{"text", ...}], ...}``.
``dataset.path`` names the file, or a folder holding ``decisions.jsonl``; any split name reads
the whole file.
"""

from __future__ import annotations

import json

from claimcheck.bench.adapters import Loaded, Source, options_get, register
from claimcheck.errors import DataError

LABELS = ["supported", "contradicted", "unverified"]


@register("decisions", {"claim_verification"},
          "the review desk's decisions export (JSONL): kind claim, claim, label (the editor's), "
          "evidence [{text, doc_id, start, end}], predicted")
def load_decisions(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "decisions")
    path = src.find("decisions", ["decisions.jsonl"])
    assert path is not None
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):  # U+2028 is JSON
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{n} is not valid JSON ({e.msg}). Export the decisions "
                            "again from the review desk (/decisions.jsonl).") from None
        if rec.get("kind") != "claim":
            continue
        missing = [k for k in ("id", "claim", "label", "evidence") if k not in rec]
        if missing:
            raise DataError(f"{path}:{n} is a claim decision without {missing}. Export the "
                            "decisions again from the review desk.")
        if rec["label"] not in LABELS:
            raise DataError(f"{path}:{n}: label {rec['label']!r} is not one of {LABELS}.")
        out.append({"id": str(rec["id"]), "claim": rec["claim"], "label": rec["label"],
                    "passages": [e["text"] for e in rec["evidence"] if e.get("text")],
                    "predicted": rec.get("predicted"), "action": rec.get("action")})
    if not out:
        raise DataError(f"{path} holds no claim decisions. Record some in the review desk "
                        "(accept or change a claim's verdict), then export them.")
    return Loaded(out, [path], LABELS)
