"""Quote attribution (PolNeAR BRAT standoff) and check-worthiness (CLEF CheckThat! TSV,
ClaimBuster JSON) formats."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from claimcheck.bench.adapters import Loaded, Source, hf_rows, options_get, register
from claimcheck.errors import DataError

# ---------------------------------------------------------------------------------------------
# PolNeAR: <split>/text/<name>.txt + <split>/attributions/<name>_<annotator>.ann


def parse_brat(ann: str, text: str, where: str = "") -> list[dict]:
    """Attribution relations of a BRAT .ann as quotes: content span(s), source and cue spans.

    ``E`` lines ``Attribution:T4 Content:T3 Cue:T2 Source:T1`` tie the spans together;
    discontinuous spans (``Content 10 20;30 40``) keep their fragments in ``spans``.
    """
    spans: dict[str, dict] = {}
    relations = []
    for line in ann.splitlines():
        if line.startswith("T"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            kind, _, offsets = parts[1].partition(" ")
            frags = []
            for piece in offsets.split(";"):
                a, b = piece.split()
                frags.append((int(a), int(b)))
            spans[parts[0]] = {"kind": kind, "spans": frags}
        elif line.startswith("E"):
            parts = line.split("\t")
            args = dict(a.split(":", 1) for a in parts[1].split() if ":" in a)
            relations.append(args)
    quotes = []
    for rel in relations:
        cid = rel.get("Content")
        if not cid or cid not in spans:
            continue
        frags = spans[cid]["spans"]
        start, end = frags[0][0], frags[-1][1]
        q = {"start": start, "end": end, "spans": [list(f) for f in frags],
             "text": " ".join(text[a:b] for a, b in frags), "source": None, "cue": None}
        for role in ("Source", "Cue"):
            tid = rel.get(role)
            if tid and tid in spans:
                a, b = spans[tid]["spans"][0][0], spans[tid]["spans"][-1][1]
                q[role.lower()] = {"start": a, "end": b, "text": text[a:b]}
        quotes.append(q)
    quotes.sort(key=lambda q: (q["start"], q["end"]))
    return quotes


@register("polnear", {"quote_attribution"},
          "PolNeAR <split>/text/<name>.txt + <split>/attributions/<name>_<annotator>.ann (BRAT: "
          "Source, Cue, Content spans; E lines Attribution:T Content:T Cue:T Source:T)")
def load_polnear(src: Source, task: str, options: dict) -> Loaded:
    opts = options_get(options, {"annotator": "first"}, "polnear")
    base = src.root / src.split
    tdir, adir = base / "text", base / "attributions"
    if not tdir.is_dir() or not adir.is_dir():
        raise DataError(f"{base} must hold text/ and attributions/ (the PolNeAR layout).")
    anns: dict[str, list[Path]] = {}
    for a in sorted(adir.glob("*.ann")):
        stem = a.stem
        name = stem if (tdir / f"{stem}.txt").is_file() else re.sub(r"_[^_]+$", "", stem)
        if not (tdir / f"{name}.txt").is_file():
            raise DataError(f"{a} has no matching text file in {tdir}.")
        anns.setdefault(name, []).append(a)
    out, files = [], []
    for name in sorted(anns):
        tf = tdir / f"{name}.txt"
        text = tf.read_text(encoding="utf-8")
        chosen = anns[name][:1] if opts["annotator"] == "first" else anns[name]
        for a in chosen:
            quotes = parse_brat(a.read_text(encoding="utf-8"), text, str(a))
            out.append({"id": a.stem, "text": text, "quotes": quotes})
            files.append(a)
        files.append(tf)
    return Loaded(out, files)


# ---------------------------------------------------------------------------------------------
# check-worthiness


@register("clef2019", {"check_worthiness"},
          "CLEF CheckThat! 2019 task 1 (and 2020 task 5): <split>/*.tsv, one debate per file, no "
          "header: line_number, speaker, text, label")
def load_clef2019(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "clef2019")
    folder = None
    for name in (src.split, f"{src.split}_annotated", f"{src.split}-annotated"):
        if (src.root / name).is_dir():
            folder = src.root / name
            break
    if src.root.is_file():
        tsvs = [src.root]
    elif folder is not None:
        tsvs = sorted(folder.glob("*.tsv"))
    else:
        raise DataError(f"No folder {src.split!r} of .tsv debates in {src.root}.")
    if not tsvs:
        raise DataError(f"{folder} holds no .tsv files.")
    out = []
    for f in tsvs:
        rows = hf_rows("csv", f, delimiter="\t", header=None, quoting=csv.QUOTE_NONE,
                       column_names=["line_number", "speaker", "text", "label"],
                       keep_default_na=False)
        for r in rows:
            out.append({"id": f"{f.stem}:{r['line_number']}", "text": str(r["text"]),
                        "label": int(r["label"]), "group": f.stem})
    return Loaded(out, tsvs, ["1", "0"])


@register("claimbuster", {"check_worthiness"},
          "ClaimBuster two-class <split>.json: a JSON array of {sentence_id, label 0|1, text}")
def load_claimbuster(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "claimbuster")
    f = src.find("sentences", [f"{src.split}.json", f"{src.split}.jsonl"])
    rows = hf_rows("json", f)
    out = [{"id": str(r["sentence_id"]), "text": r["text"], "label": int(r["label"]),
            "group": "all"} for r in rows]
    return Loaded(out, [f], ["1", "0"])
