"""Checkpoints of a training run: exact resume and clean stops.

A checkpoint (``<output>/checkpoint/step-N/`` + ``state.json``, written last so a kill mid-write
resumes from the previous one) holds the weights, the AdamW moments, the schedule, the step (= the
data position: batches are a function of the seed) and the RNG states (torch, CUDA, Python,
numpy), all as safetensors / JSON. A run stops cleanly — checkpoint at the current step, exit
status 0 — on a ``STOP`` file in its output folder, SIGTERM / SIGINT, ``max_minutes`` or
``stop_after_steps``; the same command resumes it. Used by every trainer's loop (NLI, stance,
check-worthiness, quote tagger) through :func:`optimizer_from_checkpoint` and :func:`optimize`.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import random
import time
from pathlib import Path

import numpy as np

from claimcheck.train.config import Recipe

log = logging.getLogger(__name__)


STOP_FILE = "STOP"
PROCESS_START = time.time()  # a STOP file older than this process was left from before it


class TrainingStopped(SystemExit):
    """A clean stop before the last step (a STOP file, SIGTERM / SIGINT, ``max_minutes`` or
    ``stop_after_steps``): the checkpoint holds the current step, and the same command resumes
    from it exactly. A ``SystemExit`` with status 0, so the command line ends quietly after the
    log line; callers that go on afterwards catch it."""

    def __init__(self, step: int, total: int, reason: str, checkpoint: Path):
        super().__init__(0)
        self.step, self.total, self.reason, self.checkpoint = step, total, reason, checkpoint

    def __str__(self) -> str:
        return (f"training stopped cleanly ({self.reason}) at step {self.step:,} of "
                f"{self.total:,}; checkpoint {self.checkpoint}")


def _rng_state() -> tuple[dict, dict]:
    """The random generators' states as tensors (safetensors) and small json facts: torch's CPU
    generator (dropout on CPU), CUDA's where it is in use, Python's and numpy's global ones."""
    import torch

    tensors = {"torch_cpu": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        tensors["torch_cuda"] = torch.cuda.get_rng_state()
    version, words, gauss = random.getstate()
    tensors["python"] = torch.tensor(words, dtype=torch.int64)
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    tensors["numpy"] = torch.from_numpy(keys.astype(np.int64))
    facts = {"python": [version, gauss], "numpy": [kind, int(pos), int(has_gauss),
                                                   float(cached)]}
    return tensors, facts


def _set_rng_state(tensors: dict, facts: dict) -> None:
    import torch

    torch.set_rng_state(tensors["torch_cpu"])
    if "torch_cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["torch_cuda"])
    version, gauss = facts["python"]
    random.setstate((version, tuple(int(x) for x in tensors["python"].tolist()), gauss))
    kind, pos, has_gauss, cached = facts["numpy"]
    np.random.set_state((kind, tensors["numpy"].numpy().astype(np.uint32), pos, has_gauss,
                         cached))


def save_checkpoint(folder: Path, model, optimizer, scheduler, step: int,
                     meta: dict | None = None) -> None:
    """Weights, optimizer moments, schedule, step and RNG states (safetensors and json only)
    into ``folder/step-<step>``, then ``folder/state.json`` pointing at it (written last and
    renamed into place, so a run killed mid-write still resumes from the previous checkpoint);
    older step folders are removed after."""
    import shutil

    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"step-{step}"
    tmp = folder / f"step-{step}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(tmp / "model.safetensors"))
    opt = {}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in optimizer.param_groups:
        for p in group["params"]:
            st = optimizer.state.get(p)
            if st:
                n = names[id(p)]
                opt[f"{n}::exp_avg"] = st["exp_avg"].contiguous().cpu()
                opt[f"{n}::exp_avg_sq"] = st["exp_avg_sq"].contiguous().cpu()
                opt[f"{n}::step"] = st["step"].reshape(1).float().cpu()
    save_file(opt, str(tmp / "optimizer.safetensors"))
    rng, rng_facts = _rng_state()
    save_file(rng, str(tmp / "rng.safetensors"))
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    state_file = folder / "state.json"
    new_state = folder / "state.json.tmp"
    new_state.write_text(json.dumps({"step": step, "dir": final.name,
                                     "scheduler": scheduler.state_dict(), "rng": rng_facts,
                                     **(meta or {})}))
    os.replace(new_state, state_file)
    for old in folder.glob("step-*"):
        if old.name != final.name and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    for legacy in ("model.safetensors", "optimizer.safetensors"):  # the flat layout before
        (folder / legacy).unlink(missing_ok=True)


def checkpoint_state(folder: Path) -> dict | None:
    """``state.json`` of the checkpoint in ``folder`` (step, schedule, what the run recorded),
    or None when there is none."""
    f = folder / "state.json"
    return json.loads(f.read_text()) if f.is_file() else None


def load_checkpoint(folder: Path, model, optimizer, scheduler) -> int:
    import torch
    from safetensors.torch import load_file

    meta = checkpoint_state(folder)
    if meta is None:
        return 0
    files = folder / meta["dir"] if meta.get("dir") else folder
    device = str(next(model.parameters()).device)
    model.load_state_dict(load_file(str(files / "model.safetensors")))
    opt = load_file(str(files / "optimizer.safetensors"), device=device)
    for n, p in model.named_parameters():
        if f"{n}::exp_avg" in opt:
            optimizer.state[p] = {"exp_avg": opt[f"{n}::exp_avg"],
                                  "exp_avg_sq": opt[f"{n}::exp_avg_sq"],
                                  "step": torch.tensor(float(opt[f"{n}::step"][0]))}
    scheduler.load_state_dict(meta["scheduler"])
    # the schedule sets each group's lr only when it steps: the learning rate of the step to
    # come is the one it set last (a fresh schedule left its step-0 warmup value there)
    for group, lr in zip(optimizer.param_groups, scheduler.get_last_lr(), strict=True):
        group["lr"] = lr
    if (files / "rng.safetensors").is_file():
        _set_rng_state(load_file(str(files / "rng.safetensors")), meta["rng"])
    else:
        log.warning("checkpoint %s holds no RNG state (written before it was saved): dropout "
                    "masks from here on differ from an uninterrupted run", files)
    return int(meta["step"])


def optimize(loss, params, optimizer, scheduler, model, ckpt: Path, step: int, total: int,
             every: int, meta: dict | None = None) -> float:
    """One training step on ``loss``: backward, gradients clipped to norm 1, the optimizer and the
    schedule advanced; a checkpoint into ``ckpt`` every ``every`` steps but the last (``meta``
    goes into its state.json). Returns the loss value."""
    import torch

    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    if (step + 1) % every == 0 and step + 1 < total:
        save_checkpoint(ckpt, model, optimizer, scheduler, step + 1, meta)
    return loss.item()


def show_loss(bar, running: float, loss: float, first: bool) -> float:
    """The running loss (an exponential mean; ``loss`` itself on a run's first step) after one
    step, shown on the progress ``bar``, which advances by one."""
    running = loss if first else 0.98 * running + 0.02 * loss
    bar.update(1)
    bar.set_postfix(loss=f"{running:.3f}", refresh=False)
    return running


def optimizer_from_checkpoint(named: list, lr: float, weight_decay: float, warmup_ratio: float,
                              steps: int, model, ckpt: Path):
    """AdamW over ``named`` (name, parameter) pairs (no decay on biases and LayerNorm weights)
    with a linear warmup/decay schedule over ``steps``, resumed from ``ckpt`` when it holds a
    checkpoint. Returns (optimizer, scheduler, first step)."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    no_decay = ("bias", "LayerNorm.weight")
    optimizer = torch.optim.AdamW([
        {"params": [p for n, p in named if not n.endswith(no_decay)],
         "weight_decay": weight_decay},
        {"params": [p for n, p in named if n.endswith(no_decay)], "weight_decay": 0.0},
    ], lr=lr)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(warmup_ratio * steps), steps)
    start = load_checkpoint(ckpt, model, optimizer, scheduler)
    if start:
        log.info("resuming from checkpoint at step %d", start)
    return optimizer, scheduler, start


def machine_kind(device: str = "cpu") -> str:
    """What trains: the GPU's name, or the CPU's model name and its widest matrix units (AMX-BF16,
    AVX512-BF16 or AVX2), for the record of each chunk of a run."""
    if device.startswith("cuda"):
        import torch

        return f"GPU {torch.cuda.get_device_name(torch.device(device))}"
    name, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    units = next((f for f in ("amx_bf16", "avx512_bf16", "avx2") if f in flags), "no avx2")
    return f"{name} ({units}, {os.cpu_count()} cores)"


class StopSignals:
    """While training: SIGTERM or SIGINT asks for a clean stop after the current step (a second
    SIGINT interrupts at once). Only in the main thread, where Python delivers signals."""

    def __init__(self):
        self.received: str | None = None
        self._old: dict = {}

    def _handle(self, signum, frame):
        import signal

        name = signal.Signals(signum).name
        if self.received and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.received = name
        log.warning("%s: stopping cleanly after this step (checkpoint, then exit)", name)

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        import signal

        for sig, old in self._old.items():
            signal.signal(sig, old)
        return False


def stop_reason(cfg: Recipe, out: Path, signals: StopSignals, started: float, steps_done: int
                ) -> str | None:
    """Why training should stop cleanly now (None: go on): a STOP file in ``out``, a signal,
    ``max_minutes`` of training in this run, or ``stop_after_steps`` steps in this run."""
    if (out / STOP_FILE).exists():
        return f"{out / STOP_FILE} exists"
    if signals.received:
        return signals.received
    if cfg.max_minutes and time.time() - started >= cfg.max_minutes * 60:
        return f"max_minutes={cfg.max_minutes:g} reached"
    if cfg.stop_after_steps and steps_done >= cfg.stop_after_steps:
        return f"stop_after_steps={cfg.stop_after_steps} reached"
    return None
