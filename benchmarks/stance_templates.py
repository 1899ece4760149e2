#!/usr/bin/env python
"""Would other hypothesis wordings help the stance model on unseen targets (SemEval-2016)?

    .venv/bin/python benchmarks/stance_templates.py [--model default]
        [--sets semeval2016_val,pstance_val,perspectrum_dev]

The stance model was trained on "The author supports {target}." / "The author opposes
{target}.". SemEval-2016's targets are unseen (no SemEval row in training) and one of them is a
clause ("Climate Change is a Real Concern"), so this scores the dev texts of the listed stance
benchmarks (text form, as ``predict_stance`` asks it) with the trained wording, three others, and
the mean of the four wordings' stance probabilities; it prints F_avg per set and writes
``benchmarks/results/stance_templates.json``. About 6 minutes on two cores for the default sets
(VAST dev, with its long comments, takes about as long again).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WORDINGS = {
    "supports / opposes (trained)": ("The author supports {target}.",
                                     "The author opposes {target}."),
    "is in favor of / is against": ("The author is in favor of {target}.",
                                    "The author is against {target}."),
    "agrees with / disagrees with": ("The author agrees with {target}.",
                                     "The author disagrees with {target}."),
    "agrees that / disagrees that": ("The author agrees that {target}.",
                                     "The author disagrees that {target}."),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--sets", default="semeval2016_val,pstance_val,perspectrum_dev")
    ap.add_argument("--output", default=str(ROOT / "benchmarks/results/stance_templates.json"))
    args = ap.parse_args()

    from claimcheck.bench.metrics import f_avg
    from claimcheck.bench.runner import held_out
    from claimcheck.quotes.stance import (
        StanceTemplates,
        stance_labels,
        stance_model_path,
        template_probs,
    )
    from claimcheck.verdict.nli import NLIModel

    model = NLIModel(stance_model_path(args.model), batch_size=32).load()
    out = {}
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        data = held_out(ROOT / "configs" / "benchmarks" / f"{name}.yaml")
        two_way = "none" not in (data.label_space or ["none"])
        texts = [e["text"] for e in data.examples]
        targets = [e["target"] for e in data.examples]
        gold = [e["label"] for e in data.examples]
        probs = {}
        prem = [(t, "The author", g) for t, g in zip(texts, targets, strict=True)]
        for how, (fav, ag) in WORDINGS.items():
            probs[how] = template_probs(model, prem, StanceTemplates(favor=fav, against=ag))
        probs["mean of the four"] = np.mean(list(probs.values()), axis=0)
        rows = {how: round(f_avg(gold, stance_labels(p, two_way)), 4)
                for how, p in probs.items()}
        out[name] = {"texts": len(texts), "f_avg": rows}
        print(f"{name} ({len(texts)} texts)")
        for how, v in rows.items():
            print(f"  {how:30s} F_avg {v:.4f}")
    Path(args.output).write_text(json.dumps({"model": args.model, "sets": out}, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
