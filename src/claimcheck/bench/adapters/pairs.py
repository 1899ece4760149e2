"""NLI-pair and claim-verification formats: FEVER(-symmetric), Climate-FEVER, SciFact, MultiVerS
(Citation-Integrity, SciFact official), HealthVer, WiCE, SICK, ANLI and claimcheck's normalized
NLI jsonl."""

from __future__ import annotations

import csv
from typing import Any

from claimcheck.bench.adapters import (
    Loaded,
    Source,
    hf_rows,
    norm_label,
    options_get,
    register,
    split_sentences,
)
from claimcheck.errors import DataError

NLI3 = ["entailment", "neutral", "contradiction"]
VERDICTS = ["supported", "contradicted", "unverified"]

_PAIR = {
    "supports": "entailment", "support": "entailment", "supported": "entailment",
    "entailment": "entailment", "e": "entailment",
    "refutes": "contradiction", "refute": "contradiction", "contradiction": "contradiction",
    "contradict": "contradiction", "c": "contradiction",
    "not_enough_info": "neutral", "nei": "neutral", "neutral": "neutral", "n": "neutral",
    "not_entailment": "not_entailment",
}
_CLAIM = {
    "supports": "supported", "support": "supported", "supported": "supported",
    "refutes": "contradicted", "refute": "contradicted", "contradict": "contradicted",
    "not_enough_info": "unverified", "nei": "unverified", "disputed": "disputed",
}


def _space(labels: list[str], base: list[str]) -> list[str]:
    present = set(labels)
    return [x for x in base if x in present] + sorted(present - set(base))


def _pairs(rows: list[dict[str, Any]], files, where: str) -> Loaded:
    labels = [r["label"] for r in rows]
    return Loaded(rows, files, _space(labels, [*NLI3, "not_entailment"]))


# ---------------------------------------------------------------------------------------------


@register("nli_jsonl", {"nli_pairs"},
          "<path>/<split>.jsonl with id, premise, hypothesis, label (claimcheck's normalized "
          "files in ../shared/data/nli and factcheck)")
def load_nli_jsonl(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "nli_jsonl")
    f = src.find("pairs", [f"{src.split}.jsonl"])
    rows = hf_rows("json", f)
    out = []
    for i, r in enumerate(rows):
        if not r.get("premise"):
            continue  # claim-only rows (e.g. scifact) cannot be judged as pairs
        out.append({"id": str(r.get("id", i)), "premise": r["premise"],
                    "hypothesis": r["hypothesis"],
                    "label": norm_label(r["label"], _PAIR, str(f))})
    if not out:
        raise DataError(f"{f} has no rows with a premise; it cannot be scored as NLI pairs.")
    return _pairs(out, [f], str(f))


def _fever_rows(f, rows) -> list[dict]:
    out = []
    for i, r in enumerate(rows):
        evidence = r.get("evidence", r.get("sentence1", r.get("premise")))
        claim = r.get("claim", r.get("sentence2", r.get("hypothesis")))
        label = r.get("gold_label", r.get("label"))
        if isinstance(evidence, list):
            evidence = " ".join(e if isinstance(e, str) else str(e[0]) for e in evidence)
        if evidence is None or claim is None or label is None:
            raise DataError(f"{f} row {i} lacks claim / evidence / gold_label.")
        out.append({"id": str(r.get("id", i)), "premise": evidence, "hypothesis": claim,
                    "label": norm_label(label, _PAIR, str(f))})
    return out


@register("fever_symmetric", {"nli_pairs"},
          "fever_symmetric_<split>.jsonl (claim, evidence, gold_label SUPPORTS|REFUTES)")
def load_fever_symmetric(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "fever_symmetric")
    f = src.find("pairs", [f"fever_symmetric_{src.split}.jsonl", f"{src.split}.jsonl"])
    return _pairs(_fever_rows(f, hf_rows("json", f)), [f], str(f))


@register("fever_pairs", {"nli_pairs"},
          "<split>.jsonl of FEVER claim-evidence pairs (claim, evidence, label SUPPORTS|REFUTES|"
          "NOT ENOUGH INFO)")
def load_fever_pairs(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "fever_pairs")
    f = src.find("pairs", [f"{src.split}.jsonl", f"{src.split}_pairs.jsonl",
                           f"fever_{src.split}.jsonl"])
    return _pairs(_fever_rows(f, hf_rows("json", f)), [f], str(f))


@register("climate_fever", {"nli_pairs", "claim_verification"},
          "climate-fever-dataset-r1.jsonl (claim_id, claim, claim_label, evidences: 5 x "
          "{evidence_id, evidence_label, article, evidence, entropy, votes}); nli_pairs = pair "
          "level, claim_verification = claim level (DISPUTED reported separately)")
def load_climate_fever(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "climate_fever")
    f = src.find("claims", [f"climate-fever-{src.split}.jsonl", f"{src.split}.jsonl",
                            "climate-fever-dataset-r1.jsonl", "climate-fever.jsonl"])
    rows = hf_rows("json", f)
    out: list[dict] = []
    for r in rows:
        if task == "nli_pairs":
            for ev in r["evidences"]:
                out.append({"id": str(ev.get("evidence_id")), "premise": ev["evidence"],
                            "hypothesis": r["claim"],
                            "label": norm_label(ev["evidence_label"], _PAIR, str(f))})
        else:
            out.append({"id": str(r["claim_id"]), "claim": r["claim"],
                        "passages": [ev["evidence"] for ev in r["evidences"]],
                        "label": norm_label(r["claim_label"], _CLAIM, str(f))})
    if task == "nli_pairs":
        return _pairs(out, [f], str(f))
    return Loaded(out, [f], _space([r["label"] for r in out], [*VERDICTS, "disputed"]))


@register("scifact_csv", {"claim_verification"},
          "<split>.csv with claim, label SUPPORT|REFUTE|NEI, corpus_id, title, abstract (the "
          "abstract is the reference document, split into sentences)")
def load_scifact_csv(src: Source, task: str, options: dict) -> Loaded:
    opts = options_get(options, {"sentences": True}, "scifact_csv")
    f = src.find("claims", [f"{src.split}.csv", f"scifact_{src.split}.csv",
                            f"claims_{src.split}.csv"])
    rows = hf_rows("csv", f, keep_default_na=False)
    out = []
    for i, r in enumerate(rows):
        abstract = str(r.get("abstract") or "")
        passages = split_sentences(abstract) if opts["sentences"] else [abstract]
        out.append({"id": f"{r.get('id', i)}:{r.get('corpus_id', '')}", "claim": r["claim"],
                    "passages": passages, "label": norm_label(r["label"], _CLAIM, str(f))})
    return Loaded(out, [f], _space([r["label"] for r in out], VERDICTS))


@register("multivers", {"claim_verification"},
          "claims_<split>.jsonl (id, claim, evidence {doc_id: [{sentences, label}]}, "
          "cited_doc_ids) + corpus.jsonl (doc_id, abstract: [sentences]): Citation-Integrity, "
          "SciFact official")
def load_multivers(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "multivers")
    cf = src.find("claims", [f"claims_{src.split}.jsonl", f"claims-{src.split}.jsonl"])
    kf = src.find("corpus", ["corpus.jsonl"])
    corpus = {str(d["doc_id"]): d["abstract"] for d in hf_rows("json", kf)}
    out = []
    for r in hf_rows("json", cf):
        labels = {e["label"] for evs in (r.get("evidence") or {}).values() if evs for e in evs}
        if len(labels) > 1:
            raise DataError(f"{cf}: claim {r['id']} has conflicting evidence labels {labels}.")
        label = norm_label(labels.pop(), _CLAIM, str(cf)) if labels else "unverified"
        passages: list[str] = []
        for d in r.get("cited_doc_ids") or []:
            if str(d) not in corpus:
                raise DataError(f"{cf}: claim {r['id']} cites doc {d}, which is not in {kf}.")
            passages.extend(corpus[str(d)])
        out.append({"id": str(r["id"]), "claim": r["claim"], "passages": passages,
                    "label": label})
    return Loaded(out, [cf, kf], _space([r["label"] for r in out], VERDICTS))


@register("healthver", {"nli_pairs"},
          "healthver_<split>.csv (id, evidence, claim, label Supports|Refutes|Neutral, ...)")
def load_healthver(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "healthver")
    f = src.find("pairs", [f"healthver_{src.split}.csv", f"{src.split}.csv"])
    rows = hf_rows("csv", f, keep_default_na=False)
    out = [{"id": str(r.get("id", i)), "premise": r["evidence"], "hypothesis": r["claim"],
            "label": norm_label(r["label"], _PAIR, str(f))} for i, r in enumerate(rows)]
    return _pairs(out, [f], str(f))


_WICE_PAIR = {"supported": "entailment", "partially_supported": "not_entailment",
              "not_supported": "not_entailment"}
_WICE_CLAIM = {"supported": "supported", "partially_supported": "unverified",
               "not_supported": "unverified"}


@register("wice", {"nli_pairs", "claim_verification", "grounded"},
          "WiCE data/entailment_retrieval/claim/<split>.jsonl (claim, evidence: [sentences], "
          "supporting_sentences, label supported|partially_supported|not_supported) for claim "
          "level; entailment_inputs/oracle_chunks/claim/<split>.jsonl for pairs. 2-way: "
          "supported vs the rest")
def load_wice(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "wice")
    if task == "nli_pairs":
        f = src.find("pairs", [f"oracle_chunks/claim/{src.split}.jsonl"])
        rows = hf_rows("json", f)
        out = [{"id": str(i), "premise": " ".join(r["evidence"]), "hypothesis": r["claim"],
                "label": norm_label(r["label"], _WICE_PAIR, str(f))} for i, r in enumerate(rows)]
        return _pairs(out, [f], str(f))
    f = src.find("claims", [f"entailment_retrieval/claim/{src.split}.jsonl", f"{src.split}.jsonl"])
    rows = hf_rows("json", f)
    if task == "grounded":  # the cited article as the document
        from claimcheck.bench.adapters.grounded import GROUNDED, doc_group

        out = [{"id": str(i), "doc": " ".join(r["evidence"]), "claim": r["claim"],
                "label": "supported" if r["label"] == "supported" else "unsupported",
                "group": doc_group(" ".join(r["evidence"]))} for i, r in enumerate(rows)]
        return Loaded(out, [f], GROUNDED)
    out = [{"id": str(i), "claim": r["claim"], "passages": list(r["evidence"]),
            "label": norm_label(r["label"], _WICE_CLAIM, str(f))} for i, r in enumerate(rows)]
    return Loaded(out, [f], ["supported", "unverified"])


_SICK_SPLITS = {"dev": "TRIAL", "trial": "TRIAL", "train": "TRAIN", "test": "TEST"}


@register("sick", {"nli_pairs"},
          "SICK.txt (tab-separated: pair_ID, sentence_A, sentence_B, entailment_label, ..., "
          "SemEval_set TRAIN|TRIAL|TEST); split dev = TRIAL")
def load_sick(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "sick")
    f = src.find("pairs", ["SICK.txt"])
    want = _SICK_SPLITS.get(src.split.lower(), src.split.upper())
    rows = hf_rows("csv", f, delimiter="\t", quoting=csv.QUOTE_NONE, keep_default_na=False)
    out = [{"id": str(r["pair_ID"]), "premise": r["sentence_A"], "hypothesis": r["sentence_B"],
            "label": norm_label(r["entailment_label"], _PAIR, str(f))}
           for r in rows if str(r["SemEval_set"]).upper() == want]
    if not out:
        raise DataError(f"{f} has no rows with SemEval_set {want!r} (split {src.split!r}).")
    return _pairs(out, [f], str(f))


@register("anli", {"nli_pairs"},
          "ANLI v1.0 <round>/<split>.jsonl (uid, context|premise, hypothesis, label e|n|c); "
          "dataset.path = the round folder (e.g. anli_v1.0/R1)")
def load_anli(src: Source, task: str, options: dict) -> Loaded:
    options_get(options, {}, "anli")
    f = src.find("pairs", [f"{src.split}.jsonl"])
    rows = hf_rows("json", f)
    out = [{"id": str(r["uid"]), "premise": r.get("premise") or r["context"],
            "hypothesis": r["hypothesis"], "label": norm_label(r["label"], _PAIR, str(f))}
           for r in rows]
    return _pairs(out, [f], str(f))
