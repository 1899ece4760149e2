"""The trust battery (issue #35): false support first, on every kind of set claimcheck is judged on.

Per set, and per part (``tune``: what rules and thresholds may be fitted on; ``held``: the rest,
reported as held-out), it reports the false-support rate (claims whose gold is contradicted /
unverified / unsupported that were called supported), support recall, contradiction recall,
accuracy and balanced accuracy (supported against the rest):

* ``denial``: examples/nato-summit-2024/denials.jsonl, claims written from the example's
  references — denials of a reference sentence (never supported), paraphrases (supported) and
  same-topic claims the references do not settle (unverified); parts by reference sentence;
* ``nato_gold``: the example's 34 gold claims (parts by id);
* ``article_key``: the example article against the reader's key (article_key.jsonl): agreement,
  supported claims shown with evidence that carries them, key-unverified claims contradicted.
  A claim the key does not know (segmentation changed) is an error, not a silent miss;
* claim level in the retrieval setting (``fever_symmetric``, ``healthver``, ``wice``,
  ``citation_integrity``): each claim retrieves from a pool of every row's evidence (as
  ``claimcheck.train.calibrate`` builds it), ``--claim-cap`` seeded rows per set, parts by claim;
* grounded (``grounded_*`` configs): each generated text against its source document with
  ``ClaimChecker.check_grounded``; the configs' carve is the held part, the rest the tune part;
  ROC AUC of the support score beside. ``polytope`` and ``xsumfaith`` are smoke tests, outside
  the mean.

Run: ``make bench-trust`` (all of it, about 40 min on 2 cores) or
``python benchmarks/trust_battery.py --quick`` (a small seeded slice of each set, as the tests do).
``--set verdict.fail_safe=false --set verdict.premise_title=false`` measures the rule before #35.
Writes benchmarks/results/trust_battery.json (or ``--output``) and prints a table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nato-summit-2024"
CLAIM_SETS = ("fever_symmetric", "healthver", "wice", "citation_integrity")
GROUNDED = ("cogensumm", "factcc", "frank", "aggrefact_cliff", "attributionbench_id",
            "wice_dev", "polytope", "xsumfaith")
SMOKE = ("polytope", "xsumfaith")

log = logging.getLogger("trust_battery")


def data_file(rel: str) -> Path:
    """A file of ../shared/data (or of $CLAIMCHECK_DATA), resolved against the repository."""
    from claimcheck.bench.config import resolve_data_path

    path = resolve_data_path(f"../shared/data/{rel}", ROOT)
    if not path.is_file():
        raise SystemExit(f"trust battery: {path} does not exist. Fix: set CLAIMCHECK_DATA to the "
                         "folder that replaces ../shared/data, or run only the example's sets "
                         "(--sets denial,nato_gold,article_key).")
    return path


def part(key: str) -> str:
    """A stable half of a set: ``tune`` or ``held``, by the sha1 of the row's group key."""
    return "tune" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0 else "held"


def rates(rows: list[dict[str, Any]], extra=None) -> dict[str, Any]:
    """verdict_rates of all rows and of each part."""
    from claimcheck.bench.metrics import verdict_rates

    out: dict[str, Any] = {}
    for name, sub in (("all", rows), ("tune", [r for r in rows if r["part"] == "tune"]),
                      ("held", [r for r in rows if r["part"] == "held"])):
        if not sub:
            continue
        out[name] = verdict_rates([r["gold"] for r in sub], [r["pred"] for r in sub])
        if extra:
            out[name].update(extra(sub))
    return out


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def subsample(rows: list, n: int | None, seed: int = 13) -> list:
    from claimcheck.bench.tasks import subset

    return subset(rows, n, seed)


# ---------------------------------------------------------------------------------------------


def denial_set(checker, refs, cap: int | None) -> dict[str, Any]:
    rows = subsample(read_jsonl(EXAMPLE / "denials.jsonl"), cap)
    report = checker.check_claims([r["claim"] for r in rows], refs)
    out = [{"id": r["id"], "kind": r["kind"], "gold": r["label"], "pred": c.label.value,
            "part": part(r["sentence"]), "claim": r["claim"], "reason": c.reason,
            "evidence": c.evidence[0].text if c.evidence else None}
           for r, c in zip(rows, report.claims, strict=True)]
    res = rates(out)
    res["by_kind"] = {k: rates([r for r in out if r["kind"] == k])["all"]
                      for k in sorted({r["kind"] for r in out})}
    res["false_supports"] = [{k: r[k] for k in ("id", "claim", "evidence")}
                             for r in out if r["pred"] == "supported" and r["gold"] != "supported"]
    return res


def nato_gold(checker, refs) -> dict[str, Any]:
    rows = read_jsonl(EXAMPLE / "gold.jsonl")
    report = checker.check_claims([r["claim"] for r in rows], refs)
    out = [{"gold": r["label"], "pred": c.label.value, "part": part(r["id"])}
           for r, c in zip(rows, report.claims, strict=True)]
    return rates(out)


def article_key(checker, refs) -> dict[str, Any]:
    """The example article against the reader's key."""
    key = read_jsonl(EXAMPLE / "article_key.jsonl")
    report = checker.check((EXAMPLE / "article.txt").read_text(encoding="utf-8"), refs)
    by_span = {(c.start, c.end): c for c in report.claims}
    unknown = [c.text for c in report.claims if (c.start, c.end) not in
               {(k["start"], k["end"]) for k in key}]
    flags = {(f.claim_id, f.kind) for f in report.flags}
    rows, missing = [], []
    for k in key:
        c = by_span.get((k["start"], k["end"]))
        if c is None or c.text != k["text"]:
            missing.append(k["id"])
            continue
        pred = c.label.value
        ok = pred == k["label"] or pred in k.get("also", [])
        need = (k.get("requires_flag") or {}).get(pred)
        if ok and need and (c.id, need) not in flags:
            ok = False
        ev_ok = None
        if pred == "supported":
            ev_ok = bool(c.evidence) and any(s in c.evidence[0].text for s in k.get("evidence", []))
            ok = ok and ev_ok
        rows.append({"id": k["id"], "key": k["label"], "also": k.get("also", []), "pred": pred,
                     "agrees": ok, "evidence_carries_support": ev_ok, "text": k["text"][:90],
                     "evidence": c.evidence[0].text[:120] if c.evidence else None})
    if missing or unknown:
        raise SystemExit(f"article_key.jsonl no longer matches the segmentation: key entries "
                         f"{missing} have no claim, claims {unknown} have no key entry. Fix: "
                         "update the key to the new claims (keep its labels).")
    plain = [r for r in rows if r["key"] == "supported" and not r["also"]]
    return {
        "n": len(rows), "agrees": sum(r["agrees"] for r in rows),
        "plainly_supported": len(plain),
        "plainly_supported_supported": sum(r["pred"] == "supported" for r in plain),
        "key_unverified_contradicted": sum(r["key"] == "unverified" and
                                           r["pred"] == "contradicted" for r in rows),
        "supported_without_carrying_evidence": sum(r["evidence_carries_support"] is False
                                                   for r in rows),
        "claims": rows,
    }


def retrieval_set(checker, name: str, cap: int, seed: int = 13) -> dict[str, Any]:
    """A claim-level dev set in the retrieval setting (see claimcheck.train.calibrate)."""
    from claimcheck.evidence.references import ReferenceSet
    from claimcheck.train.calibrate import examples_from_rows
    from claimcheck.train.data import cap_rows, load_eval_file
    from claimcheck.types import Claim

    rows = cap_rows(load_eval_file(data_file(f"factcheck/{name}/dev.jsonl")), cap, seed)
    examples, docs = examples_from_rows(rows)
    refs = ReferenceSet.from_texts(list(docs), window=checker.config.retrieval.window,
                                   nlp=checker.nlp)
    cands = checker.candidates([e.claim for e in examples], refs, [e.exclude for e in examples])
    items = [Claim.whole(i, e.claim) for i, e in enumerate(examples)]
    results = checker.verdicts(items, checker.score(items, cands))
    out = [{"gold": e.gold, "pred": r.label.value, "part": part(e.claim)}
           for e, r in zip(examples, results, strict=True)]
    return rates(out)


def grounded_set(checker, name: str, cap: int | None) -> dict[str, Any]:
    from claimcheck.bench.metrics import roc_auc
    from claimcheck.bench.runner import held_out, training_part

    config = ROOT / "configs" / "benchmarks" / f"grounded_{name}.yaml"
    rows = []
    for p, loaded in (("held", held_out(config)), ("tune", training_part(config))):
        rows += [{**e, "part": p} for e in subsample(loaded.examples, cap and cap // 2)]
    results = checker.check_grounded([(r["doc"], r["claim"]) for r in rows])
    out = [{"gold": r["label"], "pred": g.label, "score": g.score, "part": r["part"]}
           for r, g in zip(rows, results, strict=True)]
    return rates(out, lambda sub: {"roc_auc": roc_auc(
        [int(r["gold"] == "supported") for r in sub], [r["score"] for r in sub])})


# ---------------------------------------------------------------------------------------------


def cpu() -> dict[str, Any]:
    flags = ""
    model = platform.processor()
    try:
        info = Path("/proc/cpuinfo").read_text()
        model = next((ln.split(":", 1)[1].strip() for ln in info.splitlines()
                      if ln.startswith("model name")), model)
        flags = next((ln for ln in info.splitlines() if ln.startswith("flags")), "")
    except OSError:
        pass
    return {"model": model, "amx_bf16": "amx_bf16" in flags, "avx512f": "avx512f" in flags,
            "avx2": "avx2" in flags}


def summary(res: dict[str, Any]) -> dict[str, Any]:
    claim_level = {k: v for k, v in res["sets"].items() if k != "article_key"}
    fs = {k: v["held"]["false_support"] for k, v in claim_level.items()
          if "held" in v and v["held"]["false_support"] is not None}
    g = [v["held"]["balanced_accuracy"] for k, v in res["sets"].items()
         if k.startswith("grounded_") and k[9:] not in SMOKE and "held" in v
         and v["held"]["balanced_accuracy"] is not None]  # a small part may hold one class
    ga = [v["all"]["balanced_accuracy"] for k, v in res["sets"].items()
          if k.startswith("grounded_") and k[9:] not in SMOKE and "all" in v
          and v["all"]["balanced_accuracy"] is not None]
    out = {"false_support_held": fs, "max_false_support_held": max(fs.values(), default=None),
           "grounded_mean_balanced_accuracy_held": round(sum(g) / len(g), 4) if g else None,
           "grounded_mean_balanced_accuracy_all": round(sum(ga) / len(ga), 4) if ga else None}
    if "article_key" in res["sets"]:
        k = res["sets"]["article_key"]
        out["article_key"] = f"{k['agrees']}/{k['n']}"
    if "denial" in res["sets"]:
        out["denial_false_support_all"] = res["sets"]["denial"]["all"]["false_support_n"]
    return out


def print_table(res: dict[str, Any]) -> None:
    print(f"\nTrust battery ({res['cpu']['model']}; overrides {res['overrides'] or 'none'})")
    head = f"{'set':28s} {'part':5s} {'n':>5s} {'false sup':>9s} {'sup rec':>7s} " \
           f"{'con rec':>7s} {'acc':>6s} {'bal acc':>7s} {'AUC':>6s}"
    print(head)
    print("-" * len(head))

    def f(x):
        return "     -" if x is None else f"{x:6.3f}"

    for name, v in res["sets"].items():
        if name == "article_key":
            continue
        for p in ("tune", "held"):
            if p not in v:
                continue
            m = v[p]
            print(f"{name:28s} {p:5s} {m['n']:5d} {f(m['false_support']):>9s} "
                  f"{f(m['support_recall']):>7s} {f(m['contradiction_recall']):>7s} "
                  f"{f(m['accuracy'])} {f(m['balanced_accuracy']):>7s} {f(m.get('roc_auc'))}")
    if "article_key" in res["sets"]:
        k = res["sets"]["article_key"]
        print(f"\narticle key: {k['agrees']}/{k['n']} agree; plainly supported claims supported "
              f"{k['plainly_supported_supported']}/{k['plainly_supported']}; key-unverified "
              f"claims contradicted {k['key_unverified_contradicted']}; supported without "
              f"carrying evidence {k['supported_without_carrying_evidence']}")
        for r in k["claims"]:
            if not r["agrees"]:
                print(f"   {r['id']} key {r['key']}{r['also'] or ''} got {r['pred']}: {r['text']}")
    print("\nsummary:", json.dumps(res["summary"], indent=1))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="a small seeded slice of every set (what the tests run)")
    ap.add_argument("--sets", default="all", help="comma-separated: denial, nato_gold, "
                    "article_key, claims, grounded, or single set names (default all)")
    ap.add_argument("--claim-cap", type=int, default=300, help="rows per claim-level set")
    ap.add_argument("--grounded-cap", type=int, default=None, help="rows per grounded set "
                    "(default: all)")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="pipeline override, e.g. verdict.fail_safe=false")
    ap.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" /
                    "trust_battery.json")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    from claimcheck.config import apply_overrides
    from claimcheck.evidence.references import ReferenceSet
    from claimcheck.pipeline import ClaimChecker
    from claimcheck.version import __version__

    claim_cap, grounded_cap, denial_cap = args.claim_cap, args.grounded_cap, None
    if args.quick:
        claim_cap, grounded_cap, denial_cap = 20, 10, 30
    want = set(args.sets.split(","))

    def wanted(*names: str) -> bool:
        return "all" in want or bool(want & set(names))

    checker = ClaimChecker(apply_overrides({"progress": False}, list(args.overrides)))
    refs = ReferenceSet.from_path(EXAMPLE / "references", nlp=checker.nlp)
    t0 = time.perf_counter()
    sets: dict[str, Any] = {}
    if wanted("denial"):
        sets["denial"] = denial_set(checker, refs, denial_cap)
    if wanted("nato_gold"):
        sets["nato_gold"] = nato_gold(checker, refs)
    if wanted("article_key"):
        sets["article_key"] = article_key(checker, refs)
    for name in CLAIM_SETS:
        if wanted("claims", name):
            log.info("claim level: %s", name)
            sets[name] = retrieval_set(checker, name, claim_cap)
    for name in GROUNDED:
        if wanted("grounded", f"grounded_{name}", name):
            log.info("grounded: %s", name)
            sets[f"grounded_{name}"] = grounded_set(checker, name, grounded_cap)
    res: dict[str, Any] = {
        "claimcheck_version": __version__, "cpu": cpu(), "overrides": args.overrides,
        "quick": args.quick, "claim_cap": claim_cap, "grounded_cap": grounded_cap,
        "model_weights_sha256": checker.nli.calibration.get("weights_sha256"),
        "thresholds": dict(zip(("entailment", "contradiction"), checker.thresholds(),
                               strict=True)),
        "sets": sets, "duration_s": round(time.perf_counter() - t0, 1),
    }
    res["summary"] = summary(res)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    print_table(res)
    return res


if __name__ == "__main__":
    main()
