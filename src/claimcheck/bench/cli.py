"""``claimcheck bench``: run, list and validate benchmark configs (a thin layer over
:func:`claimcheck.bench.run`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from claimcheck.errors import ClaimcheckError

app = typer.Typer(help="Reproducible benchmarks: run YAML configs from configs/benchmarks.",
                  no_args_is_help=True, add_completion=False)


def _configs_dir() -> Path:
    from claimcheck.bench.config import repo_root

    return repo_root() / "configs" / "benchmarks"


@app.command("run")
def run_cmd(
    config: Annotated[Path, typer.Argument(help="benchmark YAML config")],
    limit: Annotated[int | None, typer.Option(help="evaluate a seeded sample of N examples")]
    = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override key.sub=value")]
    = None,
    output: Annotated[Path | None, typer.Option(help="results folder (default "
                                                     "benchmarks/results/<name>)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print results.json")] = False,
) -> None:
    """Run CONFIG and write results.json, predictions.jsonl, summary.md and confusion PNGs."""
    from claimcheck.bench.runner import run

    try:
        res = run(config, limit=limit, overrides=set_, output=output)
    except ClaimcheckError as e:
        typer.secho(f"error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(res, indent=2, ensure_ascii=False))
        return
    out = Path(res["output_dir"])
    typer.echo((out / "summary.md").read_text(encoding="utf-8"))
    typer.echo(f"results: {out / 'results.json'}")


@app.command("list")
def list_cmd(
    formats: Annotated[bool, typer.Option("--formats", help="list dataset formats instead")]
    = False,
    directory: Annotated[Path | None, typer.Option(help="configs folder")] = None,
) -> None:
    """List the committed benchmark configs (or the dataset formats)."""
    from claimcheck.bench.adapters import ADAPTERS, _ensure_loaded
    from claimcheck.bench.config import load_bench_config

    if formats:
        _ensure_loaded()
        for name, a in sorted(ADAPTERS.items()):
            typer.echo(f"{name:16s} {','.join(sorted(a.tasks)):32s} {a.layout}")
        return
    folder = directory or _configs_dir()
    for p in sorted(folder.glob("*.yaml")):
        try:
            cfg, _ = load_bench_config(p)
            typer.echo(f"{p.name:38s} {cfg.task:19s} {cfg.dataset.format:16s} "
                       f"{cfg.dataset.split:9s} {','.join(cfg.methods)}")
        except ClaimcheckError as e:
            typer.secho(f"{p.name:38s} INVALID: {e}", fg=typer.colors.RED)


@app.command("validate")
def validate_cmd(
    config: Annotated[list[Path], typer.Argument(help="benchmark YAML config(s)")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="override key.sub=value")]
    = None,
    data: Annotated[bool, typer.Option(help="also check that the dataset files exist")] = False,
) -> None:
    """Validate CONFIG against the schema (unknown keys are errors)."""
    from claimcheck.bench.config import load_bench_config, repo_root, resolve_data_path

    failed = 0
    for c in config:
        try:
            cfg, _ = load_bench_config(c, set_)
            msg = f"{c}: ok ({cfg.task}, {cfg.dataset.format}, split {cfg.dataset.split})"
            if data:
                p = resolve_data_path(cfg.dataset.path, repo_root(c.resolve().parent))
                msg += f"; data {'found' if p.exists() else 'MISSING'} at {p}"
                failed += not p.exists()
            typer.echo(msg)
        except ClaimcheckError as e:
            failed += 1
            typer.secho(f"{c}: {e}", fg=typer.colors.RED, err=True)
    if failed:
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
