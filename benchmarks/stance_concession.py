#!/usr/bin/env python
"""Should a concessive text ("while A, B" / "A, but B") be scored for stance on its main clause?

    .venv/bin/python benchmarks/stance_concession.py [--model default]

For the dev texts of the four stance benchmarks that open with a concessive subordinator (while,
although, though, even though, even if, whereas) or hold ", but", the stance model (text form, as
``predict_stance`` asks it) scores the whole text, the main clause B alone, 0.25·A + 0.75·B (the
weights of VADER's "but" rule) and the mean of the whole text and B; the script prints accuracy
and F_avg on those texts and writes ``benchmarks/results/stance_concession.json``. The NATO quote
"while Budapest will not participate …, it remains committed to … its other NATO obligations"
reads *against* Hungary on the whole text and *favor* on B; this checks whether that reading
would generalise.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SETS = ("vast_dev", "pstance_val", "semeval2016_val", "perspectrum_dev")
LEAD = re.compile(r"^(?:that\s+)?(?:while|although|though|even though|even if|whereas)\s+"
                  r"(?P<a>[^,;]{3,}?),\s*(?P<b>\S.*)$", re.I | re.S)
BUT = re.compile(r"^(?P<a>.*\S)\s*,?\s+but\s+(?P<b>\S.*)$", re.I | re.S)


def concession(text: str) -> tuple[str, str] | None:
    """(conceded clause A, main clause B), or None when the text has no such structure."""
    m = LEAD.match(text.strip()) or BUT.match(text.strip())
    if not m or len(m.group("a").split()) < 2 or len(m.group("b").split()) < 2:
        return None
    return m.group("a"), m.group("b")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--output", default=str(ROOT / "benchmarks/results/stance_concession.json"))
    args = ap.parse_args()

    from claimcheck.bench.metrics import f_avg
    from claimcheck.bench.runner import held_out
    from claimcheck.quotes.stance import (
        StanceConfig,
        stance_labels,
        stance_model_path,
        template_probs,
    )
    from claimcheck.verdict.nli import NLIModel

    model = NLIModel(stance_model_path(args.model), batch_size=32).load()
    tpl = StanceConfig().text_templates

    def probs(texts: list[str], targets: list[str]) -> np.ndarray:
        return template_probs(model, [(t, "The author", g) for t, g in
                                      zip(texts, targets, strict=True)], tpl)

    out = {}
    for name in SETS:
        data = held_out(ROOT / "configs" / "benchmarks" / f"{name}.yaml")
        two_way = "none" not in (data.label_space or ["none"])
        sub = [(e, ab) for e in data.examples if (ab := concession(e["text"]))]
        targets = [e["target"] for e, _ in sub]
        gold = [e["label"] for e, _ in sub]
        whole = probs([e["text"] for e, _ in sub], targets)
        pa = probs([a for _, (a, _b) in sub], targets)
        pb = probs([b for _, (_a, b) in sub], targets)

        rows = {}
        for how, p in (("whole text", whole), ("main clause", pb),
                       ("0.25 A + 0.75 B", 0.25 * pa + 0.75 * pb),
                       ("mean(whole, main)", (whole + pb) / 2)):
            pred = stance_labels(p, two_way)
            rows[how] = {"accuracy": round(float(np.mean([g == x for g, x in
                                                          zip(gold, pred, strict=True)])), 4),
                         "f_avg": round(f_avg(gold, pred), 4)}
        out[name] = {"texts": len(sub), "of": len(data.examples), "methods": rows}
        print(f"{name}: {len(sub)} of {len(data.examples)} texts are concessive")
        for how, r in rows.items():
            print(f"  {how:18s} accuracy {r['accuracy']:.3f}  F_avg {r['f_avg']:.4f}")
    Path(args.output).write_text(json.dumps({"model": args.model, "sets": out}, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
