#!/usr/bin/env python3
"""Train the mpnet-base judge (LoRA, the opt-in ``nli-mpnet`` judge) on all the data on one GPU
(issue #36): the v3 mix of configs/train/nli-minilm-v3.yaml, about 313k pairs, 2 epochs in bf16
at batch 128 (about 4,900 steps), time-boxed to fit a 15-minute device lease.

The device machine has PyTorch, transformers, peft, safetensors, numpy, yaml and tqdm, but no
pydantic, no Hugging Face ``datasets``, no bm25s or spaCy, no mpnet weights and no network; each
call takes at most 64 MiB of working tree and carried files. So the work is split:

1. ``pack`` (here, CPU, in the repo's venv): writes ``runs/gpu-mpnet/`` (git-ignored):
   ``mix/`` the training mix and carved dev pairs (xz-compressed jsonl; read back from
   ``runs/nli-minilm-v3/checkpoint`` when the CPU run stored the same mix, else built: minutes),
   ``w1/`` ... ``wN/`` the mpnet-base weights in float16, cut into pieces, ``meta/`` its config
   and tokenizer, ``whl/`` pydantic's wheels for Python 3.12. It prints the device calls: the
   pieces travel one call each (a carried path stays on a warm machine; the machine goes back
   30 s after a call, so make the calls back to back), the last call trains.
2. ``train`` (there): reassembles the base, trains with ``claimcheck.train.nli.train_model``
   (the CPU recipe's code: the same batches, checkpoints and clean stop; ``--minutes`` stops it
   and exports the checkpoint reached), scores the carved dev pairs and LingNLI dev, and writes
   the adapter folder (5 files) to ``$OUT/nli-mpnet-v3-lora``.
3. ``unpack`` (here): copies the fetched folder to ``runs/nli-mpnet-v3-lora`` and adds the
   tokenizer files (the base's, the same as nli-mpnet-v2-lora's). Then calibrate and run the
   trust battery on it (docs/model.md) before anything ships.

The working tree itself must travel in each call: with the four 45 MB committed MiniLM models
it is about 198 MB, over the 64 MiB a call takes. ``pack`` prints the size; see docs/model.md.

CPU smoke of the same code path (what was run when this was written, no GPU at hand)::

    python scripts/gpu_train_mpnet.py pack --mix runs/smoke/checkpoint --no-wheels
    python scripts/gpu_train_mpnet.py train --device cpu --limit 48 --batch-size 8 \\
        --steps 3 --out runs/gpu-mpnet-smoke-out
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGE = REPO / "runs" / "gpu-mpnet"
CONFIG = REPO / "configs" / "train" / "nli-minilm-v3.yaml"
OUT_NAME = "nli-mpnet-v3-lora"
BASE_NAME = "all-mpnet-base-v2"
CALL_LIMIT = 64 * 2**20
WHEELS = ["pydantic==2.14.4", "pydantic-core==2.50.5", "annotated-types==0.8.0",
          "typing-inspection==0.4.5", "typing-extensions==4.16.0"]
# the GPU recipe: LoRA in all 12 layers (r 16), bf16, batch 128, 2 epochs over the v3 mix
GPU_SETTINGS = ["base_model=/tmp/mpnet-base", "lora.r=16", "lora.alpha=32", "lora.dropout=0.1",
                "lora.layers_from=0", "lora.num_layers=12", "batch_size=128", "lr=4.0e-4",
                "warmup_ratio=0.05", "epochs=2", "precision=bf16", "device=cuda", "threads=16",
                "checkpoint_every=500", "save_dtype=float16", "output_dir=/tmp/nli-mpnet-v3"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- pack (here) --------------------------------------------------------------------------------


def _write_xz_jsonl(path: Path, rows) -> None:
    with lzma.open(path, "wt", encoding="utf-8", preset=6) as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def pack_mix(mix_dir: Path | None) -> None:
    """The v3 training mix and carved dev pairs into STAGE/mix (xz)."""
    sys.path.insert(0, str(REPO / "src"))
    from claimcheck.config import load_config
    from claimcheck.train.config import TrainConfig
    from claimcheck.train.nli import build_mix, mix_recipe_sha256, store_mix

    out = STAGE / "mix"
    out.mkdir(parents=True, exist_ok=True)
    cfg = load_config(TrainConfig, CONFIG)
    src = mix_dir or Path(cfg.output_dir) / "checkpoint"
    info = src / "mix.json"
    usable = info.is_file() and (mix_dir is not None or json.loads(info.read_text()).get(
        "mix_recipe_sha256") == mix_recipe_sha256(cfg))
    if not usable:
        log(f"building the v3 mix (no stored mix in {src}; several minutes) ...")
        src = STAGE / "mix-build"
        train, carved, _ = build_mix(cfg)
        store_mix(src, cfg, train, carved)
    log(f"mix from {src}")
    for name in ("train_mix.jsonl", "carved_dev.jsonl"):
        with open(src / name, encoding="utf-8") as f:
            _write_xz_jsonl(out / f"{name}.xz", (json.loads(line) for line in f))
    shutil.copy(src / "mix.json", out / "mix.json")
    from claimcheck.train.data import resolve_data_root

    ling = resolve_data_root(cfg.data_root) / "nli" / "lingnli" / "dev.jsonl"  # an eval set
    if ling.is_file():
        with open(ling, encoding="utf-8") as f:
            _write_xz_jsonl(out / "lingnli_dev.jsonl.xz", (json.loads(line) for line in f))


def pack_weights(piece_mb: int) -> int:
    """mpnet-base in float16 into STAGE/meta (config, tokenizer) and STAGE/w1..wN (pieces of
    the safetensors file). Returns N."""
    sys.path.insert(0, str(REPO / "src"))
    import torch
    from safetensors.torch import load_file, save_file

    from claimcheck.text.base_encoders import resolve_base_encoder

    base = Path(resolve_base_encoder(BASE_NAME))
    meta = STAGE / "meta"
    shutil.rmtree(meta, ignore_errors=True)
    meta.mkdir(parents=True)
    for f in base.iterdir():
        if f.is_file() and f.name != "model.safetensors" and f.suffix in (".json", ".txt"):
            shutil.copy(f, meta / f.name)
    weights = load_file(str(base / "model.safetensors"))
    half = {k: (v.to(torch.float16) if v.is_floating_point() else v).contiguous()
            for k, v in weights.items()}
    bad = [k for k, v in half.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise SystemExit(f"float16 overflows in {bad[:3]}")
    whole = STAGE / "model.fp16.safetensors"
    save_file(half, str(whole), metadata={"format": "pt"})
    for old in STAGE.glob("w[0-9]*"):
        shutil.rmtree(old)
    data, size, n = whole.read_bytes(), piece_mb * 2**20, 0
    for n, lo in enumerate(range(0, len(data), size), start=1):
        (STAGE / f"w{n}").mkdir()
        (STAGE / f"w{n}" / f"part{n:02d}").write_bytes(data[lo : lo + size])
    whole.unlink()
    (meta / "pieces.json").write_text(json.dumps({"pieces": n, "bytes": len(data)}))
    return n


def pack_wheels() -> None:
    out = STAGE / "whl"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.12", "--implementation", "cp",
                    "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64",
                    "--platform", "manylinux2014_x86_64", "-d", str(out), *WHEELS], check=True)


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() \
        else path.stat().st_size


def working_tree_bytes() -> int:
    """What travels with every device call: tracked files and untracked files git does not
    ignore (the device tool's rule)."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    return sum((REPO / f.decode()).stat().st_size for f in files
               if f and (REPO / f.decode()).is_file())


def plan(n: int) -> None:
    """The device calls: the staged folders in calls of at most 64 MiB with the working tree,
    the weights first, the training command with the last."""
    tree = working_tree_bytes()
    items = [STAGE / f"w{i}" for i in range(1, n + 1)]
    items += [STAGE / x for x in ("mix", "meta", "whl") if (STAGE / x).is_dir()]
    room = CALL_LIMIT - tree - 2**20
    calls: list[list[str]] = [[]]
    used = 0
    for item in items:
        size = _size(item)
        if calls[-1] and used + size > room:
            calls.append([])
            used = 0
        calls[-1].append(str(item.relative_to(REPO)))
        used += size
    print(f"\nworking tree: {tree / 2**20:.1f} MiB per call (limit 64 MiB in all)")
    if tree > CALL_LIMIT // 2:
        print("  TOO BIG: each call sends the working tree; take the committed models out of it "
              "first (docs/model.md, 'mpnet on a GPU').")
    for i, carry in enumerate(calls, start=1):
        size = tree + sum(_size(REPO / c) for c in carry)
        flag = "" if size <= CALL_LIMIT else "   <-- over 64 MiB"
        cmd = ("PYTHONUNBUFFERED=1 python3 scripts/gpu_train_mpnet.py train 2>&1 | tee $OUT/train.log"
               if i == len(calls) else "du -sh runs/gpu-mpnet/*")
        print(f"call {i}: carry {carry}  ({size / 2**20:.1f} MiB){flag}\n   command: {cmd}")
    print("   (timeout_s 600 for the last call; then fetch $OUT/nli-mpnet-v3-lora and run "
          "`python scripts/gpu_train_mpnet.py unpack <files_at>/nli-mpnet-v3-lora`)")


def cmd_pack(a) -> None:
    STAGE.mkdir(parents=True, exist_ok=True)
    pack_mix(Path(a.mix) if a.mix else None)
    n = pack_weights(a.piece_mb)
    if not a.no_wheels:
        pack_wheels()
    for p in sorted(STAGE.iterdir()):
        log(f"{p.relative_to(REPO)}: {_size(p) / 2**20:.1f} MiB")
    plan(n)


# --- train (on the GPU machine) -----------------------------------------------------------------


def _wheels() -> None:
    """pydantic and its needs from STAGE/whl, where the image lacks them."""
    try:
        import pydantic  # noqa: F401
        return
    except ImportError:
        pass
    site = Path("/tmp/site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                    "--no-compile", "--no-cache-dir", "--upgrade", "--target", str(site),
                    *map(str, sorted((STAGE / "whl").glob("*.whl")))], check=True)
    sys.path.insert(0, str(site))


def _base(folder: Path) -> None:
    """Reassemble the float16 mpnet-base into ``folder``."""
    meta = STAGE / "meta"
    n = json.loads((meta / "pieces.json").read_text())["pieces"]
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "model.safetensors", "wb") as f:
        for i in range(1, n + 1):
            piece = STAGE / f"w{i}" / f"part{i:02d}"
            if not piece.is_file():
                raise SystemExit(f"weights piece {piece} is missing: carry runs/gpu-mpnet/w{i} "
                                 "(each call's carried pieces stay on a warm machine)")
            f.write(piece.read_bytes())
    for fn in meta.iterdir():
        if fn.name != "pieces.json":
            shutil.copy(fn, folder / fn.name)


def _read_xz(path: Path) -> list[dict]:
    with lzma.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def dev_scores(model_dir: Path, sets: dict, device: str) -> dict:
    """Accuracy and macro-F1 of the trained judge on dev pairs (three-way; entailment vs
    contradiction for two-way rows), on the GPU."""
    import numpy as np
    import torch
    from transformers import AutoTokenizer

    from claimcheck.verdict.lora import load_adapter_model

    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = load_adapter_model(model_dir).to(device).eval()
    out = {}
    for name, rows in sets.items():
        preds = []
        for lo in range(0, len(rows), 256):
            part = rows[lo : lo + 256]
            enc = tok([r["premise"] for r in part], [r["hypothesis"] for r in part],
                      truncation="longest_first", max_length=256, padding=True,
                      return_tensors="pt").to(device)
            with torch.no_grad(), torch.autocast(device.split(":")[0], dtype=torch.bfloat16):
                logits = model(**enc).logits.float().cpu().numpy()
            for r, lg in zip(part, logits, strict=True):
                if r.get("two_way"):
                    lg = lg.copy()
                    lg[1] = -np.inf
                preds.append(int(lg.argmax()))
        gold = [["entailment", "neutral", "contradiction"].index(r["label"]) for r in rows]
        labels = sorted(set(gold))
        f1 = []
        for c in labels:
            tp = sum(p == g == c for p, g in zip(preds, gold, strict=True))
            fp = sum(p == c != g for p, g in zip(preds, gold, strict=True))
            fn = sum(g == c != p for p, g in zip(preds, gold, strict=True))
            f1.append(2 * tp / max(1, 2 * tp + fp + fn))
        out[name] = {"n": len(rows), "accuracy": round(float(np.mean(
            [p == g for p, g in zip(preds, gold, strict=True)])), 4),
            "macro_f1": round(float(np.mean(f1)), 4)}
    return out


def cmd_train(a) -> None:
    os.environ["TOKENIZERS_PARALLELISM"] = "true"  # before claimcheck sets it false
    t0 = time.time()
    if not a.device.startswith("cpu"):
        _wheels()
    sys.path.insert(0, str(REPO / "src"))
    import torch
    import transformers

    log(f"torch {torch.__version__}, transformers {transformers.__version__}, "
        f"cuda {torch.cuda.is_available()}")
    from claimcheck.config import load_config
    from claimcheck.train.checkpoint import TrainingStopped, machine_kind
    from claimcheck.train.config import TrainConfig
    from claimcheck.train.data import LABELS, Pair
    from claimcheck.train.nli import export_checkpoint, train_model

    base = Path("/tmp/mpnet-base")
    _base(base)
    log(f"base reassembled in {base}")
    overrides = [*GPU_SETTINGS, f"device={a.device}", f"max_minutes={a.minutes}"]
    if a.batch_size:
        overrides.append(f"batch_size={a.batch_size}")
    if a.steps:
        overrides.append(f"stop_after_steps={a.steps}")
    if a.device.startswith("cpu"):
        overrides += ["precision=fp32", "threads=2"]
    cfg = load_config(TrainConfig, CONFIG, overrides)
    shutil.rmtree(cfg.output_dir, ignore_errors=True)
    rows = _read_xz(STAGE / "mix" / "train_mix.jsonl.xz")
    if a.limit:
        rows = rows[: a.limit]
    train = [Pair(r["premise"], r["hypothesis"], LABELS.index(r["label"]), bool(r["two_way"]),
                  r["source"], r["id"]) for r in rows]
    log(f"{len(train):,} training pairs; {cfg.epochs} epochs at batch {cfg.batch_size}, "
        f"at most {a.minutes} min")
    out = Path(cfg.output_dir)
    stopped = None
    try:
        timing = train_model(cfg, train, out, resume_hint="(a GPU run is not resumed)")
    except TrainingStopped as stop:  # time box or --steps: keep what the run reached
        stopped = str(stop)
        log(f"{stop}: exporting the checkpoint")
        export_checkpoint(cfg, out)
        state = json.loads((out / "checkpoint" / "state.json").read_text())
        timing = {"steps": state["total_steps"], "stopped_at_step": state["step"],
                  "chunks": state["chunks"]}
    dev = {}
    if not a.no_dev:
        carved = _read_xz(STAGE / "mix" / "carved_dev.jsonl.xz")
        sets: dict[str, list[dict]] = {}
        for r in carved:
            sets.setdefault(r["set"], []).append(r)
        lingnli = STAGE / "mix" / "lingnli_dev.jsonl.xz"
        if lingnli.is_file():
            sets["lingnli_dev"] = [r for r in _read_xz(lingnli) if r.get("premise")]
        sets = {k: v[: a.dev_cap] for k, v in sets.items()}
        dev = dev_scores(out, sets, a.device)  # before the base is renamed (it is local here)
        log(f"dev: {json.dumps(dev)}")
    cfg_file = out / "adapter_config.json"  # name the base by its package, as the CPU recipe
    adapter = json.loads(cfg_file.read_text())
    adapter["base_model_name_or_path"] = BASE_NAME
    cfg_file.write_text(json.dumps(adapter, indent=2, sort_keys=True) + "\n")
    meta = {"config": str(CONFIG.relative_to(REPO)), "overrides": overrides,
            "base_model": BASE_NAME, "base_weights": "all-mpnet-base-v2 in float16 (GPU copy)",
            "lora": cfg.lora.model_dump() if cfg.lora else None,
            "mix": json.loads((STAGE / "mix" / "mix.json").read_text()),
            "train_pairs": len(train), "machine": machine_kind(a.device),
            "stopped": stopped, "wall_seconds": round(time.time() - t0, 1),
            "dev_gpu_scored": dev, **timing}
    (out / "training.json").write_text(json.dumps(meta, indent=2) + "\n")
    dest = Path(a.out or os.environ.get("OUT", "out")) / OUT_NAME
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("adapter_model.safetensors", "adapter_config.json", "config.json",
                 "training.json"):
        shutil.copy(out / name, dest / name)
    log(f"written to {dest} ({time.time() - t0:.0f} s in all)")


# --- unpack (here) ------------------------------------------------------------------------------


def cmd_unpack(a) -> None:
    src = Path(a.folder)
    dest = REPO / "runs" / OUT_NAME
    dest.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        shutil.copy(f, dest / f.name)
    tok_from = REPO / "src" / "claimcheck" / "models" / "nli-mpnet-v2-lora"
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tok_from / name, dest / name)
    print(f"{dest}: {sorted(p.name for p in dest.iterdir())}\nnext: python -m "
          f"claimcheck.train.calibrate --model {dest.relative_to(REPO)} --fit-rows 200 "
          "--row-cap 50, then the trust battery (docs/model.md)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack", help="stage the mix, weights and wheels in runs/gpu-mpnet")
    p.add_argument("--mix", help="a folder with train_mix.jsonl, carved_dev.jsonl, mix.json "
                   "(default: the v3 run's checkpoint when its mix is the v3 config's, else build)")
    p.add_argument("--piece-mb", type=int, default=44, help="MiB per weights piece")
    p.add_argument("--no-wheels", action="store_true")
    p.set_defaults(fn=cmd_pack)
    t = sub.add_parser("train", help="on the GPU machine: train and write $OUT/" + OUT_NAME)
    t.add_argument("--device", default="cuda")
    t.add_argument("--minutes", type=float, default=6.5, help="training time box")
    t.add_argument("--batch-size", type=int)
    t.add_argument("--steps", type=int, help="stop after this many steps (smoke runs)")
    t.add_argument("--limit", type=int, help="only the first N pairs of the mix (smoke runs)")
    t.add_argument("--dev-cap", type=int, default=2000, help="dev pairs scored per set")
    t.add_argument("--no-dev", action="store_true")
    t.add_argument("--out", help="output folder (default $OUT)")
    t.set_defaults(fn=cmd_train)
    u = sub.add_parser("unpack", help="here: the fetched folder into runs/" + OUT_NAME)
    u.add_argument("folder")
    u.set_defaults(fn=cmd_unpack)
    a = ap.parse_args(argv)
    a.fn(a)


if __name__ == "__main__":
    main()
