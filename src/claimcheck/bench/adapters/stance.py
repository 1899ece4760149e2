"""Stance formats: FNC-1 / ARC (headline-body), SemEval-2016 (TweetEval layout), P-Stance, VAST."""

from __future__ import annotations

import re

from claimcheck.bench.adapters import Loaded, Source, hf_rows, norm_label, options_get, register
from claimcheck.errors import DataError

FNC_LABELS = ["agree", "disagree", "discuss", "unrelated"]
STANCE3 = ["favor", "against", "none"]
_FNC = {x: x for x in FNC_LABELS}
_STANCE = {"favor": "favor", "pro": "favor", "against": "against", "con": "against",
           "none": "none", "neutral": "none"}

#: SemEval-2016 Task 6 target names of the TweetEval folders
SEMEVAL_TARGETS = {
    "abortion": "Legalization of Abortion",
    "atheism": "Atheism",
    "climate": "Climate Change is a Real Concern",
    "feminist": "Feminist Movement",
    "hillary": "Hillary Clinton",
}


def _headline_body(src: Source, stances_names: list[str], bodies_names: list[str],
                   fmt: str) -> Loaded:
    sf = src.find("stances", stances_names)
    bf = src.find("bodies", bodies_names)
    bodies = {str(r["Body ID"]): r["articleBody"]
              for r in hf_rows("csv", bf, keep_default_na=False)}
    out = []
    for i, r in enumerate(hf_rows("csv", sf, keep_default_na=False)):
        bid = str(r["Body ID"])
        if bid not in bodies:
            raise DataError(f"{sf} row {i} names Body ID {bid}, which is not in {bf}.")
        out.append({"id": str(i), "target": r["Headline"], "text": bodies[bid], "body_id": bid,
                    "label": norm_label(r["Stance"], _FNC, str(sf))})
    return Loaded(out, [sf, bf], FNC_LABELS, kind="headline_body")


@register("fnc1", {"stance"},
          "<split>_stances.csv (Headline, Body ID, Stance agree|disagree|discuss|unrelated) + "
          "<split>_bodies.csv (Body ID, articleBody); the competition test set as "
          "competition_test_*.csv")
def load_fnc1(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "fnc1")
    s = src.split
    return _headline_body(src, [f"{s}_stances.csv", f"competition_{s}_stances.csv",
                                f"{s}_stances.reconstructed.csv"],
                          [f"{s}_bodies.csv", f"competition_{s}_bodies.csv"], "fnc1")


@register("arc", {"stance"},
          "arc_stances_<split>.csv (Headline, Body ID, Stance) + arc_bodies.csv (Body ID, "
          "articleBody)")
def load_arc(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "arc")
    return _headline_body(src, [f"arc_stances_{src.split}.csv"], ["arc_bodies.csv"], "arc")


@register("semeval2016", {"stance"},
          "TweetEval layout: <target>/<split>_text.txt + <split>_labels.txt, mapping.txt "
          "(0 none, 1 against, 2 favor); targets abortion, atheism, climate, feminist, hillary")
def load_semeval2016(src: Source, task: str, options: dict) -> Loaded:
    opts = options_get(options, {"targets": None}, "semeval2016")
    root = src.root
    mf = root / "mapping.txt"
    if not mf.is_file():
        raise DataError(f"{root} has no mapping.txt; point dataset.path at the TweetEval "
                        "stance folder.")
    mapping = {}
    for line in mf.read_text(encoding="utf-8").splitlines():
        if line.strip():
            k, v = re.split(r"\s+", line.strip(), maxsplit=1)
            mapping[k] = norm_label(v, _STANCE, str(mf))
    folders = sorted(d.name for d in root.iterdir() if (d / f"{src.split}_text.txt").is_file())
    targets = opts["targets"] or folders
    missing = sorted(set(targets) - set(folders))
    if missing or not targets:
        raise DataError(f"No {src.split}_text.txt for targets {missing or '(any)'} in {root}.")
    out, files = [], [mf]
    for t in targets:
        tf, lf = root / t / f"{src.split}_text.txt", root / t / f"{src.split}_labels.txt"
        texts = [r["text"] for r in hf_rows("text", tf)]
        labels = [r["text"].strip() for r in hf_rows("text", lf)]
        if len(texts) != len(labels):
            raise DataError(f"{tf} has {len(texts)} lines but {lf} has {len(labels)}.")
        files += [tf, lf]
        for i, (x, y) in enumerate(zip(texts, labels, strict=True)):
            out.append({"id": f"{t}:{i}", "text": x.strip(),
                        "target": SEMEVAL_TARGETS.get(t, t), "label": mapping[y]})
    return Loaded(out, files, STANCE3)


@register("pstance", {"stance"},
          "raw_<split>_<target>.csv or raw_<split>_all.csv (Tweet, Target, Stance FAVOR|AGAINST)")
def load_pstance(src: Source, task: str, options: dict) -> Loaded:
    opts = options_get(options, {"targets": None}, "pstance")
    f = src.find("tweets", [f"raw_{src.split}_all.csv"], required=False)
    files = [f] if f else sorted(src.root.glob(f"raw_{src.split}_*.csv"))
    if not files:
        raise DataError(f"No raw_{src.split}_*.csv in {src.root}.")
    rows = hf_rows("csv", files, keep_default_na=False)
    out = [{"id": str(i), "text": r["Tweet"], "target": r["Target"],
            "label": norm_label(r["Stance"], _STANCE, str(files[0]))}
           for i, r in enumerate(rows)
           if not opts["targets"] or r["Target"] in opts["targets"]]
    return Loaded(out, files, ["favor", "against"])


_VAST_NUM = {"0": "against", "1": "favor", "2": "none"}


@register("vast", {"stance"},
          "vast_<split>.csv: official columns (post, new_topic, label 0 con|1 pro|2 neutral, "
          "seen?) or the reduced ones (Tweet, Target 1, Stance 1, seen?)")
def load_vast(src: Source, task: str, options: dict) -> Loaded:
    opts = options_get(options, {"seen": None}, "vast")
    f = src.find("posts", [f"vast_{src.split}.csv", f"{src.split}.csv"])
    rows = hf_rows("csv", f, keep_default_na=False)
    out = []
    for i, r in enumerate(rows):
        if "post" in r:
            text, target, label = r["post"], r["new_topic"], _VAST_NUM.get(str(r["label"]))
            if label is None:
                raise DataError(f"{f} row {i}: label {r['label']!r} is not 0, 1 or 2.")
        else:
            text, target = r["Tweet"], r["Target 1"]
            label = norm_label(r["Stance 1"], _STANCE, str(f))
        seen = r.get("seen?")
        if opts["seen"] is not None and int(seen) != int(opts["seen"]):
            continue
        out.append({"id": str(i), "text": text, "target": target, "label": label,
                    "seen": seen})
    return Loaded(out, [f], STANCE3)


_PERSPECTRUM = {"support": "favor", "undermine": "against"}


@register("perspectrum", {"stance"},
          "<split>.jsonl with premise (perspective), hypothesis (claim), label SUPPORT|UNDERMINE "
          "(the normalized PERSPECTRUM claim-perspective pairs)")
def load_perspectrum(src: Source, task: str, options: dict) -> Loaded:
    """The perspective's stance toward the claim: text = perspective, target = claim."""
    options_get(options, {}, "perspectrum")
    f = src.find("pairs", [f"{src.split}.jsonl", f"{src.split}.jsonl.gz"])
    out = [{"id": str(r.get("id", i)), "text": r["premise"], "target": r["hypothesis"],
            "label": norm_label(r["label"], _PERSPECTRUM, str(f)), "claim": r.get("claim_id")}
           for i, r in enumerate(hf_rows("json", f))]
    return Loaded(out, [f], ["favor", "against"])
