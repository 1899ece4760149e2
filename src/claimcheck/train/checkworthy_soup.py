"""A uniform model soup of fine-tuned check-worthiness classifiers (config key ``soup``).

Each soup member is a full fine-tune from the same base encoder with a few keys of the config
changed (another seed, another data mix), trained by :func:`claimcheck.train.checkworthy.train`
(which drives the soup) into ``soup_members_dir``/m<i>; this module holds the soup's own steps.
The soup is the element-wise mean of the members' weights (Wortsman et al. 2022, "Model soups"):
one model, so scoring costs what one member costs. Its temperature is fitted on the rows of the
config's calibration carve that no member trained on.

A member folder that already holds a model trained with exactly the member's settings (its
metrics.json config, output folder and ``compare`` aside) is reused, so an interrupted soup
resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from claimcheck.errors import DataError
from claimcheck.train.config import CheckworthyTrainConfig
from claimcheck.train.data import SentenceRows

log = logging.getLogger(__name__)

#: config keys that do not change what a member's fine-tune learns
_IRRELEVANT = ("output_dir", "compare", "soup", "soup_members_dir")


def member_overrides(cfg: CheckworthyTrainConfig, overrides: list[str] | None,
                     i: int) -> list[str]:
    """The ``--set`` overrides that turn the soup's config into member ``i``'s."""
    own = [f"{k}={json.dumps(v)}" for k, v in sorted(cfg.soup[i].items())]
    return [*(overrides or []), "soup=[]", "compare=false", "model=finetuned",
            f"output_dir={Path(cfg.soup_members_dir) / f'm{i}'}", *own]


def same_recipe(folder: Path, mcfg: CheckworthyTrainConfig) -> bool:
    f = folder / "metrics.json"
    if not (f.is_file() and (folder / "model.safetensors").is_file()):
        return False
    done = json.loads(f.read_text(encoding="utf-8")).get("config", {})
    want = mcfg.model_dump(mode="json")
    return all(done.get(k) == v for k, v in want.items() if k not in _IRRELEVANT)


def average_weights(folders: list[Path], out: Path) -> None:
    """The element-wise mean of the members' safetensors weights (saved in the members' dtype),
    with the first member's config and tokenizer files, into ``out``."""
    import torch
    from safetensors.torch import load_file, save_file

    states = [load_file(str(f / "model.safetensors")) for f in folders]
    keys = set(states[0])
    for f, s in zip(folders, states, strict=True):
        if set(s) != keys:
            raise DataError(f"Soup member {str(f)!r} has other weights than {str(folders[0])!r}; "
                            "every member must be fine-tuned from the same base model.")
    soup = {k: torch.stack([s[k].float() for s in states]).mean(0).to(states[0][k].dtype)
            for k in sorted(keys)}
    out.mkdir(parents=True, exist_ok=True)
    for f in folders[0].iterdir():
        if f.is_file() and f.suffix in (".json", ".txt") and f.name not in (
                "metrics.json", "model.json"):
            shutil.copy(f, out / f.name)
    save_file(soup, str(out / "model.safetensors"), metadata={"format": "pt"})


def assemble(members: list[tuple[CheckworthyTrainConfig, Path]], changes: list[dict[str, Any]],
             out: Path, cal: SentenceRows, seen: set[str], norm) -> tuple[dict[str, Any],
                                                                     SentenceRows]:
    """Average the trained ``members`` into ``out``; return (facts for metrics.json, the rows of
    ``cal`` whose ``norm``-alized text is not in ``seen``, the texts some member trained on)."""
    average_weights([f for _, f in members], out)
    keep = [i for i, t in enumerate(cal.text) if norm(t) not in seen]
    if not keep:
        raise DataError("Every calibration row was trained on by some soup member; raise "
                        "finetune.calibration_fraction.")
    held = SentenceRows([cal.text[i] for i in keep], [cal.label[i] for i in keep],
                        [cal.group[i] for i in keep])
    facts: dict[str, Any] = {"members": []}
    for (_, folder), change in zip(members, changes, strict=True):
        r = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        ft = r["results"]["finetuned"]
        facts["members"].append({
            "folder": str(folder), "changes": change, "train_rows": ft["train_rows"],
            "train_seconds": ft["train_seconds_this_run"],
            "claimbuster_dev_f1_class1": ft["claimbuster_dev_f1_class1"],
            "clef2019_dev_map": ft["clef2019_dev_map"]})
    f0 = facts["members"]
    facts.update(train_seconds_this_run=round(sum(m["train_seconds"] for m in f0), 1),
                 calibration_rows_dropped=len(cal.text) - len(keep))
    log.info("soup of %d members into %s; %d of %d calibration rows held out of every member",
             len(members), out, len(keep), len(cal.text))
    return facts, held
