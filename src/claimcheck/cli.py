"""The ``claimcheck`` command: a thin layer over the library.

    claimcheck check ARTICLE --refs PATH [--config FILE] [--set key=value] [--format table|json]
                     [--output FILE]
    claimcheck check-corpus FOLDER|FILE.jsonl --refs PATH --output OUT.jsonl [--engine local|ray]
                     [--workers N] [--ray-address ADDR]
    claimcheck train nli --config configs/train/nli-minilm-v2.yaml
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from claimcheck.errors import ClaimcheckError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Check articles against a reference set.")
train_app = typer.Typer(no_args_is_help=True, help="Train claimcheck's models.")
app.add_typer(train_app, name="train")


def _mount_bench() -> None:
    from claimcheck.bench.cli import app as bench_app

    app.add_typer(bench_app, name="bench")


_mount_bench()


def _fail(e: Exception) -> None:
    typer.echo(f"claimcheck: error: {e}", err=True)
    raise typer.Exit(2)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log progress")] = False
          ) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@app.command()
def check(
    article: Annotated[str, typer.Argument(help="article file (.txt/.md/.html) or '-' for stdin")],
    refs: Annotated[Path, typer.Option("--refs", "-r", help="reference folder or .jsonl file")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="pipeline YAML")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, e.g. "
                                                   "retrieval.top_k=8")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | json | html")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write here")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the JSON report "
                                                  "to this file")] = None,
    input_format: Annotated[str | None, typer.Option("--input-format", help="text | markdown | "
                                                     "html (default: guess)")] = None,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="exit 1 when any of these is present: comma-separated "
        "contradicted,flagged,unverified,unchecked (for CI gates; with any of them, more than "
        "segment.max_unchecked of the text left unchecked fails too)")] = None,
    profile: Annotated[bool, typer.Option("--profile", help="print the time per stage "
                                          "(to stderr)")] = False,
) -> None:
    """Check ARTICLE's claims against the reference set REFS.

    Exit status: 0 ok, 1 when --fail-on matched, 2 on an error.
    """
    try:
        from claimcheck.config import DEFAULT_CONFIG_PATH, load_config
        from claimcheck.pipeline import ClaimChecker, PipelineConfig
        from claimcheck.text.ingest import decode, read_input

        if fmt not in ("table", "json", "html"):
            raise ClaimcheckError(f"Unknown --format {fmt!r}. Use table, json or html.")
        kinds = [k.strip() for k in fail_on.split(",") if k.strip()] if fail_on else []
        if kinds:
            from claimcheck.review.gate import check_kinds

            check_kinds(kinds)  # before the run: a typo must not cost minutes of work
        for path, opt in ((output, "--output"), (json_out, "--json")):
            if path is not None:
                check_output_path(path, opt)
        cfg = load_config(PipelineConfig, config or DEFAULT_CONFIG_PATH, set_)
        if article == "-":
            text, guessed = decode(sys.stdin.buffer.read(), "standard input"), None
        else:
            text, guessed = read_input(article)
        checker = ClaimChecker(cfg)
        started = time.perf_counter()
        report = checker.check(text, refs, fmt=input_format or guessed,
                               source=None if article == "-" else article)
        if profile:
            from claimcheck.render.table import profile_table

            typer.echo(profile_table(report.meta.get("timings", {}),
                                     time.perf_counter() - started), err=True)
        if fmt == "json":
            rendered = report.to_json()
        elif fmt == "html":
            rendered = report.to_html()
        else:
            rendered = report.table(review=True)
        if json_out:
            write_output(json_out, report.to_json(), "--json")
            typer.echo(f"wrote {json_out}", err=True)
        if output:
            write_output(output, rendered, "--output")
            typer.echo(f"wrote {output}", err=True)
        else:
            typer.echo(rendered, nl=False)
        if kinds:
            from claimcheck.review.gate import gate

            failed, line = gate(report, kinds, cfg.segment.max_unchecked)
            typer.echo(line, err=True)
            if failed:
                raise typer.Exit(1)
    except ClaimcheckError as e:
        _fail(e)


@app.command("check-corpus")
def check_corpus_cmd(
    corpus: Annotated[Path, typer.Argument(help="folder of .txt/.md/.html articles, or a .jsonl "
                                           "file with 'id' and 'text' per line")],
    refs: Annotated[Path, typer.Option("--refs", "-r", help="reference folder or .jsonl file")],
    output: Annotated[Path, typer.Option("--output", "-o", help="reports JSONL (resumed when it "
                                         "exists); summary JSON and claims CSV go beside it")],
    engine: Annotated[str, typer.Option("--engine", "-e", help="local | ray")] = "local",
    workers: Annotated[int, typer.Option("--workers", "-w", help="checker processes (local) or "
                                         "Ray actors (ray), each loading the models once")] = 1,
    batch_size: Annotated[int, typer.Option("--batch-size", help="articles per work unit sent "
                                            "to a worker")] = 8,
    ray_address: Annotated[str | None, typer.Option("--ray-address", help="join this Ray "
                                                    "cluster ('auto' or host:port); default: "
                                                    "start a local Ray")] = None,
    cpus_per_worker: Annotated[float | None, typer.Option(
        "--cpus-per-worker", help="CPUs per Ray actor (default: cluster CPUs / workers)")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="pipeline YAML")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, e.g. "
                                                   "retrieval.top_k=8")] = None,
    input_format: Annotated[str | None, typer.Option("--input-format", help="text | markdown | "
                                                     "html (default: guess per article)")] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="on resume, check the "
                                               "articles recorded as failures again")] = False,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="exit 1 when any article has one of these: comma-separated "
        "contradicted,flagged,unverified,unchecked,failed (with any of them, an article with "
        "more than segment.max_unchecked of its text unchecked fails too)")] = None,
) -> None:
    """Check every article of CORPUS against REFS into OUTPUT (JSONL, one report per line).

    Rerunning the same command resumes: articles whose id is already in OUTPUT are skipped.
    Exit status: 0 ok, 1 when --fail-on matched, 2 on an error.
    """
    from claimcheck.corpus.output import claims_csv_path, summary_path

    written = None
    try:
        from claimcheck.config import DEFAULT_CONFIG_PATH, load_config
        from claimcheck.pipeline import ClaimChecker, PipelineConfig

        kinds = [k.strip() for k in fail_on.split(",") if k.strip()] if fail_on else []
        if kinds:
            from claimcheck.review.gate import CORPUS_GATE_KINDS, check_kinds

            check_kinds(kinds, CORPUS_GATE_KINDS)
        for path in (output, summary_path(output), claims_csv_path(output)):
            check_output_path(path, "--output")
        cfg = load_config(PipelineConfig, config or DEFAULT_CONFIG_PATH, set_)
        checker = ClaimChecker(cfg)
        written = output
        run = checker.check_corpus(corpus, refs, output, engine=engine, workers=workers,
                                   batch_size=batch_size, ray_address=ray_address,
                                   cpus_per_worker=cpus_per_worker, input_format=input_format,
                                   retry_failed=retry_failed)
    except ClaimcheckError as e:
        _fail(e)
    except KeyboardInterrupt:
        saved = f" Finished articles are in {written}; rerun the same command to resume." \
            if written else ""
        typer.echo(f"claimcheck: interrupted.{saved}", err=True)
        raise typer.Exit(130) from None
    s = run.summary
    speed = s["run"].get("articles_per_min")
    typer.echo(f"claimcheck: {s['articles']} articles in {run.output} ({s['checked']} checked, "
               f"{s['failed']} failed); this run {run.this_run} in {run.seconds:.1f} s"
               + (f" ({speed} articles/min)" if speed else "")
               + f"; {s['claims']} claims: {s['counts']['supported']} supported, "
               f"{s['counts']['contradicted']} contradicted, {s['counts']['unverified']} "
               f"unverified; wrote {run.summary_file}, {run.claims_file}", err=True)
    if kinds:
        from claimcheck.review.gate import corpus_gate

        failed, line = corpus_gate(s, kinds)
        typer.echo(line, err=True)
        if failed:
            raise typer.Exit(1)


@app.command()
def serve(
    refs: Annotated[list[Path] | None, typer.Option("--refs", "-r", help="a reference folder or "
                                                    ".jsonl file editors can pick (repeat)")]
    = None,
    host: Annotated[str, typer.Option(help="address to listen on (127.0.0.1: this machine "
                                      "only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8765,
    data: Annotated[Path, typer.Option("--data", help="folder of the SQLite file of checks and "
                                       "decisions, and of uploaded references")] = Path("review"),
    max_upload_mb: Annotated[float, typer.Option("--max-upload-mb", help="largest request "
                                                 "(article plus uploaded files), in MB")] = 10.0,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="pipeline YAML")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, e.g. "
                                                   "retrieval.top_k=8")] = None,
) -> None:
    """The editor's review desk: a local web app to check articles, see each claim's evidence in
    its source and record decisions (docs/serve.md)."""
    try:
        from claimcheck.config import DEFAULT_CONFIG_PATH, load_config
        from claimcheck.pipeline import ClaimChecker, PipelineConfig
        from claimcheck.serve.app import create_app, is_loopback

        if not 1 <= port <= 65535:
            raise ClaimcheckError(f"--port {port} is not a port. Use 1-65535, e.g. 8765.")
        if max_upload_mb <= 0:
            raise ClaimcheckError(f"--max-upload-mb must be > 0. Got {max_upload_mb}.")
        cfg = load_config(PipelineConfig, config or DEFAULT_CONFIG_PATH, set_)
        if cfg.progress is None:
            cfg = cfg.model_copy(update={"progress": False})
        desk = create_app(ClaimChecker(cfg), refs or [], data,
                          max_upload_bytes=int(max_upload_mb * 1024 * 1024))
        if not is_loopback(host):
            typer.echo(f"claimcheck: warning: listening on {host}, not 127.0.0.1: anyone who can "
                       "reach this machine can read the reference sets and record decisions.",
                       err=True)
        typer.echo(f"claimcheck review desk on http://{host}:{port}/ (data in {data}; the models "
                   "load in the background; Ctrl-C stops it)", err=True)
        import uvicorn

        uvicorn.run(desk, host=host, port=port, log_level="warning")
    except ClaimcheckError as e:
        _fail(e)


def check_output_path(path: Path, option: str) -> None:
    """Fail before any work when ``path`` cannot be written (a folder, a parent that is a file,
    a read-only folder), with a ClaimcheckError that names the option and the fix."""
    import os

    if path.is_dir():
        raise ClaimcheckError(f"{option} {str(path)!r} is a folder. Fix: give a file path, e.g. "
                              f"{str(path / 'report.json')!r}.")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ClaimcheckError(f"{option} {str(path)!r}: {str(parent)!r} is a file, not a folder. "
                              "Fix: choose another output path.")
    target = path if path.exists() else parent
    if not os.access(target, os.W_OK):
        raise ClaimcheckError(f"{option} {str(path)!r} is not writable ({str(target)!r} is "
                              "read-only for this user). Fix: choose a writable output path.")
    if parent == path.parent:  # try it: pseudo filesystems (/proc, /sys) pass os.access
        existed = path.exists()
        try:
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError as e:
            raise ClaimcheckError(f"{option} {str(path)!r} cannot be written ({e.strerror}). "
                                  "Fix: choose an output path on a normal filesystem.") from None
        if not existed:
            path.unlink(missing_ok=True)


def write_output(path: Path, text: str, option: str) -> None:
    """Write ``text`` to ``path`` (creating its folder); an OS error is a ClaimcheckError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise ClaimcheckError(f"Could not write {option} {str(path)!r}: {e.strerror or e}. Fix: "
                              "choose a writable output path.") from None


@train_app.command("nli")
def train_nli_cmd(
    config: Annotated[Path, typer.Option("--config", "-c", help="training YAML")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, e.g. seed=7")] = None,
    calibrate_only: Annotated[bool, typer.Option(help="skip training; refit calibration")] = False,
) -> None:
    """Train (and calibrate) the NLI judge described by CONFIG."""
    try:
        logging.getLogger("claimcheck").setLevel(logging.INFO)
        from claimcheck.train.nli import train_nli

        out = train_nli(config, set_, skip_training=calibrate_only)
        typer.echo(f"model written to {out}")
    except ClaimcheckError as e:
        _fail(e)


@train_app.command("checkworthy")
def train_checkworthy_cmd(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="training YAML")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override")] = None,
) -> None:
    """Train the check-worthiness model (default: configs/train/checkworthy-v3.yaml)."""
    try:
        logging.getLogger("claimcheck").setLevel(logging.INFO)
        from claimcheck.train.checkworthy import train
        from claimcheck.train.config import DEFAULT_CHECKWORTHY_CONFIG as DEFAULT_TRAIN_CONFIG

        out = train(config or DEFAULT_TRAIN_CONFIG, set_)
        typer.echo(f"model written to {out}")
    except ClaimcheckError as e:
        _fail(e)


@train_app.command("stance")
def train_stance_cmd(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="training YAML")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override")] = None,
    eval_only: Annotated[bool, typer.Option(help="skip training; rescore dev, rewrite the card")]
    = False,
) -> None:
    """Train the stance model (default: configs/train/stance-mpnet-v1.yaml) and score its dev
    benchmarks."""
    try:
        logging.getLogger("claimcheck").setLevel(logging.INFO)
        from claimcheck.train.config import DEFAULT_STANCE_CONFIG
        from claimcheck.train.stance import train_stance

        out = train_stance(config or DEFAULT_STANCE_CONFIG, set_, skip_training=eval_only)
        typer.echo(f"model written to {out}")
    except ClaimcheckError as e:
        _fail(e)


@train_app.command("quotes")
def train_quotes_cmd(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="training YAML")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override")] = None,
    eval_only: Annotated[bool, typer.Option(help="skip training; rescore dev, rewrite the card")]
    = False,
) -> None:
    """Train a quote tagger for quotes.model (default: configs/train/quotes-minilm-polnear.yaml,
    into runs/; not for redistribution) and score the dev split."""
    try:
        logging.getLogger("claimcheck").setLevel(logging.INFO)
        from claimcheck.train.quotes import DEFAULT_QUOTES_CONFIG, train_quotes

        out = train_quotes(config or DEFAULT_QUOTES_CONFIG, set_, skip_training=eval_only)
        typer.echo(f"quote tagger written to {out} (use it with --set quotes.model={out})")
    except ClaimcheckError as e:
        _fail(e)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
