"""Configuration plumbing: YAML loading, merging, ``--set a.b=c`` overrides and validation.

The schemas live with their stage (``RetrievalConfig`` in :mod:`claimcheck.evidence.retrieve`,
``PipelineConfig`` in :mod:`claimcheck.pipeline`, ``TrainConfig`` in :mod:`claimcheck.train.config`
...); this module imports none of them.

Unknown keys are errors that name the key (``extra="forbid"``); every loader raises
:class:`~claimcheck.errors.ConfigError` with the file and the fix.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from claimcheck.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_PATH = PACKAGE_DIR / "default.yaml"


class Strict(BaseModel):
    """Base of every config schema: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------
# Loading

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping, raising ConfigError with the fix on any problem."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"Config file {str(p)!r} does not exist. Pass the path of a YAML file.")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"Config file {str(p)!r} is not valid YAML{where}: {what}. Fix the "
                          "syntax there.") from e
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"Config file {str(p)!r} must hold a mapping of keys, got {type(data).__name__}."
        )
    return data


def parse_override(item: str) -> tuple[list[str], Any]:
    """Parse ``a.b=c`` into (["a", "b"], value); the value is read as YAML (numbers, bools, lists)."""
    if "=" not in item:
        raise ConfigError(f"Override {item!r} must look like key.sub=value, e.g. retrieval.top_k=8.")
    key, raw = item.split("=", 1)
    parts = [k for k in key.strip().split(".") if k]
    if not parts:
        raise ConfigError(f"Override {item!r} has an empty key. Use key.sub=value.")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return parts, value


def apply_overrides(data: dict[str, Any], overrides: list[str] | None) -> dict[str, Any]:
    """Return a copy of ``data`` with ``key.sub=value`` overrides applied."""
    import copy

    out = copy.deepcopy(data)
    for item in overrides or []:
        parts, value = parse_override(item)
        node = out
        for k in parts[:-1]:
            nxt = node.get(k)
            if nxt is None:
                nxt = node[k] = {}
            if not isinstance(nxt, dict):
                raise ConfigError(f"Override {item!r}: {k!r} is not a section, cannot set a sub-key.")
            node = nxt
        node[parts[-1]] = value
    return out


def validate(schema: type[M], data: dict[str, Any], source: str = "config") -> M:
    """Validate ``data`` against ``schema``; errors name the key and the fix."""
    try:
        return schema.model_validate(data)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
            if err["type"] == "extra_forbidden":
                lines.append(f"unknown key {loc!r} (remove it or check its spelling)")
            else:
                lines.append(f"{loc}: {err['msg']}")
        raise ConfigError(f"Invalid {source}: " + "; ".join(lines)) from None


def load_config(
    schema: type[M], path: str | Path | None = None, overrides: list[str] | None = None
) -> M:
    """Load a YAML file (or the defaults when ``path`` is None), apply overrides, validate."""
    data = read_yaml(path) if path is not None else {}
    data = apply_overrides(data, overrides)
    source = str(path) if path else "config"
    if overrides:
        source += " with --set " + " ".join(overrides)
    return validate(schema, data, source=source)


def check_template(template: str, allowed: tuple[str, ...], key: str,
                   required: tuple[str, ...] = ()) -> str:
    """A ``str.format`` template may use only the named fields in ``allowed``; anything else
    ({0}, {}, {foo}, an unbalanced brace) is a config error naming the key and the fields, and so
    is a template without one of the ``required`` fields.

    >>> check_template("{speaker} said: {quote}", ("speaker", "quote"), "premise")
    '{speaker} said: {quote}'
    """
    import string

    fields = ", ".join("{" + a + "}" for a in allowed)
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as e:
        raise ValueError(f"{key}: {e} in {template!r}; use only {fields} (double a brace to "
                         "write it literally: {{ }})") from None
    bad = [n for n in names if n.split(".")[0].split("[")[0] not in allowed]
    if bad:
        shown = ", ".join("{" + b + "}" for b in bad)
        raise ValueError(f"{key}: unknown placeholder {shown} in {template!r}; use only {fields}")
    missing = [r for r in required if r not in {n.split(".")[0].split("[")[0] for n in names}]
    if missing:
        need = ", ".join("{" + m + "}" for m in missing)
        raise ValueError(f"{key}: {template!r} has no {need}; the template must contain it")
    return template


def config_sha256(config: BaseModel) -> str:
    """sha256 of a config's canonical JSON (key order does not matter)."""
    blob = json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
