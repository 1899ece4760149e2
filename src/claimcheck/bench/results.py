"""Results files (lm-evaluation-harness style): provenance, results.json, per-example
predictions, a Markdown summary and confusion-matrix PNGs."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from claimcheck.bench.config import BenchConfig
from claimcheck.config import file_sha256
from claimcheck.pipeline import PipelineConfig

SCHEMA = "claimcheck-bench/1"
LIBRARIES = ("claimcheck-nli", "torch", "transformers", "datasets", "scikit-learn", "numpy",
             "pandas", "scipy", "pydantic", "spacy", "matplotlib")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def git_info(root: Path) -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                               timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    # results written by earlier configs of the same run do not make the code dirty
    status = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                 ":(exclude)benchmarks/results")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def file_record(path: Path, root: Path) -> dict[str, Any]:
    p = Path(path)
    with open(p, "rb") as f:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    rp, r = p.resolve(), root.resolve()
    if rp.is_relative_to(r):
        shown = str(rp.relative_to(r))
    elif rp.is_relative_to(r.parent):
        shown = os.path.relpath(rp, r)
    else:
        shown = str(rp)
    return {"path": shown, "sha256": file_sha256(p), "bytes": p.stat().st_size, "lines": lines}


def model_info(pcfg: PipelineConfig, task: str | None = None) -> dict[str, Any]:
    from claimcheck.verdict.nli import resolve_model_path, weights_file

    path = Path(resolve_model_path(pcfg.model.nli))
    weights = weights_file(path)
    out = {"nli": pcfg.model.nli, "path": str(path),
           "weights_sha256": file_sha256(weights) if weights.is_file() else None,
           "max_length": pcfg.model.max_length, "batch_size": pcfg.model.batch_size,
           "quantize": pcfg.model.quantize}
    if task == "check_worthiness":
        from claimcheck.claims.checkworthy import model_record

        out["checkworthy"] = model_record()
    if task == "stance":
        from claimcheck.quotes.stance import stance_model_path

        sp = Path(stance_model_path(pcfg.stance.model))
        sw = weights_file(sp)
        out["stance"] = {"model": pcfg.stance.model, "path": str(sp),
                         "zero_shot": pcfg.stance.is_zero_shot,
                         "weights_sha256": file_sha256(sw) if sw.is_file() else None}
    return out


def device_info(pcfg: PipelineConfig | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"platform": platform.platform(), "machine": platform.machine(),
                           "processor": platform.processor() or None,
                           "cpu_count": os.cpu_count()}
    try:
        import torch

        out["torch_threads"] = torch.get_num_threads()
        out["cuda"] = torch.cuda.is_available()
        if torch.cuda.is_available():
            out["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:  # pragma: no cover
        pass
    if pcfg is not None:
        out["device"] = pcfg.model.device
    return out


def build_provenance(cfg: BenchConfig, info: dict[str, Any], overrides: list[str] | None,
                     root: Path) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "name": cfg.name,
        "claimcheck_version": _version("claimcheck-nli"),
        "git": git_info(root),
        "config": cfg.model_dump(mode="json"),
        "config_sha256": cfg.sha256(),
        "config_file": info.get("file"),
        "config_file_sha256": info.get("file_sha256"),
        "overrides": list(overrides or []),
        "seed": cfg.seed,
        "versions": {"python": sys.version.split()[0],
                     **{lib: _version(lib) for lib in LIBRARIES}},
        "device": device_info(cfg.pipeline_config(root)),
    }


# ---------------------------------------------------------------------------------------------


def write_outputs(results: dict[str, Any], cfg: BenchConfig, data, preds: dict[str, Any],
                  out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"results": "results.json", "summary": "summary.md"}
    if cfg.predictions:
        files["predictions"] = "predictions.jsonl"
        _write_predictions(out_dir / "predictions.jsonl", cfg, data, preds)
    for method, res in results["methods"].items():
        cm = res["metrics"].get("confusion_matrix")
        if cm:
            name = f"confusion_{method}.png"
            plot_confusion(cm, out_dir / name, f"{cfg.name} — {method}")
            files[f"confusion_{method}"] = name
        if res["metrics"].get("reliability"):
            name = f"reliability_{method}.png"
            plot_reliability(res["metrics"]["reliability"], out_dir / name,
                             f"{cfg.name} — {method} (ECE {res['metrics']['ece']:.3f})")
            files[f"reliability_{method}"] = name
    results["files"] = files
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    (out_dir / "summary.md").write_text(summary_markdown(results), encoding="utf-8")


def _write_predictions(path: Path, cfg: BenchConfig, data, preds: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i, ex in enumerate(data.examples):
            row: dict[str, Any] = {"id": ex.get("id", i)}
            if cfg.task == "quote_attribution":
                # offsets only: article texts (e.g. PolNeAR news) must not leak into results
                row["gold"] = [{"start": q["start"], "end": q["end"],
                                "source": [q["source"]["start"], q["source"]["end"]]
                                if q.get("source") else None} for q in ex["quotes"]]
            else:
                row["gold"] = str(ex["label"])
            for m, p in preds.items():
                if p.quotes is not None:
                    row[m] = [{"start": q["start"], "end": q["end"],
                               "speaker": (q.get("speaker") or {}).get("spans")}
                              for q in p.quotes[i]]
                else:
                    row[m] = p.labels[i] if p.labels is not None else None
                    if p.scores is not None:
                        row[f"{m}_score"] = round(float(p.scores[i]), 5)
                    if "probs" in p.extra:
                        row[f"{m}_probs"] = p.extra["probs"][i]
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def plot_confusion(cm: dict[str, Any], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    mat = np.asarray(cm["matrix"], dtype=float)
    cols, rows = cm["labels"], cm["rows"]
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(cols), 1.0 + 0.8 * len(rows)), dpi=100)
    ax.imshow(mat, cmap="Blues")
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title, fontsize=9)
    hi = mat.max() if mat.size else 0
    for i in range(mat.shape[0]):
        for j in range(mat.shape[1]):
            ax.text(j, i, str(int(mat[i, j])), ha="center", va="center",
                    color="white" if mat[i, j] > hi / 2 else "black", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def plot_reliability(bins: list[dict[str, Any]], path: Path, title: str) -> None:
    """Reliability diagram of P(class 1): observed rate against mean predicted P per bin."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 4.0), dpi=100)
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--")
    ax.bar([(b["lo"] + b["hi"]) / 2 for b in bins], [b["rate"] for b in bins],
           width=[0.9 * (b["hi"] - b["lo"]) for b in bins], color="#9ecae1", label="observed rate")
    ax.plot([b["mean_p"] for b in bins], [b["rate"] for b in bins], "o-", color="#08519c",
            ms=4, label="mean predicted P")
    for b in bins:
        ax.text((b["lo"] + b["hi"]) / 2, min(b["rate"] + 0.02, 0.97), str(b["n"]), ha="center",
                fontsize=6)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted P(class 1)")
    ax.set_ylabel("observed share of class 1")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)


def summary_markdown(results: dict[str, Any]) -> str:
    from claimcheck.bench.tasks import get_metric

    d = results["dataset"]
    lines = [f"# {results['name']}", "",
             f"- task: `{results['task']}`; dataset `{d['format']}` at `{d['path']}`, split "
             f"`{d['split']}`: {d['rows_evaluated']} of {d['rows_split']} examples"
             + (f" (--limit {d['limit']})" if d["limit"] else ""),
             f"- config sha256 `{results['config_sha256'][:12]}`, seed {results['seed']}, "
             f"git `{(results['git'].get('commit') or 'n/a')[:10]}`, "
             f"claimcheck {results['claimcheck_version']}",
             f"- started {results['started_at']}, {results['duration_s']} s", ""]
    if results.get("model"):
        m = results["model"]
        lines.insert(-1, f"- model `{m['nli']}` (weights sha256 "
                         f"`{(m['weights_sha256'] or 'n/a')[:12]}`)")
    keys = ["accuracy", "macro_f1", results["primary_metric"]]
    if results["task"] == "quote_attribution":
        keys = ["content_exact.f1", "content_overlap.precision", "content_overlap.recall",
                "content_overlap.f1", "speaker_match.rate"]
    elif results["task"] == "check_worthiness":
        keys = ["map", "p@10", "f1_pos", "macro_f1", "ece"]
    if results["task"] == "claim_verification" and any(
            "false_support" in r["metrics"] for r in results["methods"].values()):
        keys += ["false_support", "support_recall", "contradiction_recall"]
    keys = list(dict.fromkeys(keys))
    lines += ["| method | " + " | ".join(keys) + " |",
              "|---|" + "---|" * len(keys)]
    for method, res in results["methods"].items():
        vals = [_fmt(get_metric(res["metrics"], k)) for k in keys]
        lines.append(f"| {method} | " + " | ".join(vals) + " |")
    for method, res in results["methods"].items():
        pc = res["metrics"].get("per_class")
        if pc:
            lines += ["", f"## {method}: per class", "", "| class | P | R | F1 | support |",
                      "|---|---|---|---|---|"]
            for lab, v in pc.items():
                lines.append(f"| {lab} | {v['precision']:.4f} | {v['recall']:.4f} | "
                             f"{v['f1']:.4f} | {v['support']} |")
            if f"confusion_{method}" in results.get("files", {}):
                lines += ["", f"![confusion matrix]({results['files'][f'confusion_{method}']})"]
        rel = res["metrics"].get("reliability")
        if rel:
            lines += ["", f"## {method}: reliability of P(class 1) (ECE {res['metrics']['ece']:.4f})",
                      "", "| bin | n | mean P | observed |", "|---|---|---|---|"]
            lines += [f"| {b['lo']:.1f}-{b['hi']:.1f} | {b['n']} | {b['mean_p']:.4f} | "
                      f"{b['rate']:.4f} |" for b in rel]
            if f"reliability_{method}" in results.get("files", {}):
                lines += ["", f"![reliability]({results['files'][f'reliability_{method}']})"]
        if "disputed" in res["metrics"]:
            lines += ["", f"DISPUTED claims ({method}): {res['metrics']['disputed']}"]
    return "\n".join(lines) + "\n"
