"""The review desk's ASGI app: routes, templates, the security middleware and the background
check runner, assembled by :func:`create_app`; :func:`serve` runs it with uvicorn.

Safe by default: the app binds to 127.0.0.1 unless told otherwise; every response carries a
Content-Security-Policy that allows only the app's own script and style (no inline script, no
remote load, no frame); a request body larger than ``max_upload_bytes`` is refused with a message;
a cross-site POST is refused; the page is rendered by jinja2 with autoescaping; the app reads only
the reference sets given at start and the files an editor uploads (kept under ``--data``).

Example::

    from claimcheck import ClaimChecker
    from claimcheck.serve import create_app
    app = create_app(ClaimChecker(), ["examples/nato-summit-2024/references"], "review-data")
    # uvicorn.run(app, host="127.0.0.1", port=8765)
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from claimcheck.errors import ReferenceSetError
from claimcheck.evidence.references import ReferenceSet
from claimcheck.serve.guard import Guard
from claimcheck.serve.jobs import JobRunner
from claimcheck.serve.store import Store

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024
def reference_sets(paths: Sequence[str | Path], checker) -> dict[str, ReferenceSet]:
    """Each ``--refs`` path as a named ReferenceSet (the name: the folder with its parent, e.g.
    ``nato-summit-2024/references``); read once at start."""
    out: dict[str, ReferenceSet] = {}
    for p in map(Path, paths):
        name = f"{p.resolve().parent.name}/{p.name}" if p.name else str(p)
        base, n = name, 2
        while name in out:
            name, n = f"{base} ({n})", n + 1
        try:
            out[name] = ReferenceSet.from_path(p, window=checker.config.retrieval.window,
                                               nlp=checker.nlp)
        except ReferenceSetError as e:
            raise ReferenceSetError(f"--refs {str(p)!r}: {e}") from None
    return out


def templates() -> Jinja2Templates:
    from claimcheck.render.html import TEMPLATE_DIR  # the partials shared with the static page

    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(HERE / "templates"),
                                                             str(TEMPLATE_DIR)]),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    # text left unchecked is marked when it holds a word (not the ". " between two claims)
    env.filters["wordy"] = lambda s: any(ch.isalnum() for ch in s)
    return Jinja2Templates(env=env)


def create_app(checker, references: Sequence[str | Path] = (), data_dir: str | Path = "review",
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD, warm_up: bool = True) -> Starlette:
    """The review desk for ``checker`` (its models load once, in the background at start) over
    the reference folders or files ``references``; checks and decisions are kept in
    ``data_dir``. ``max_upload_bytes`` caps a request body (the article plus uploaded files)."""
    from claimcheck.serve import routes

    sets = reference_sets(references, checker)  # a bad --refs fails before anything is written
    store = Store(data_dir)
    runner = JobRunner(checker, store, sets)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        if warm_up:
            runner.warm_up()
        else:
            runner.ready.set()
        yield
        runner.shutdown()

    app = Starlette(routes=[
        Route("/", routes.start_page, methods=["GET"]),
        Route("/checks", routes.create_check, methods=["POST"]),
        Route("/checks/{check_id}", routes.check_page, methods=["GET"]),
        Route("/checks/{check_id}/status", routes.check_status, methods=["GET"]),
        Route("/checks/{check_id}/claims/{claim_id:int}", routes.claim_panel, methods=["GET"]),
        Route("/checks/{check_id}/decisions", routes.record_decision, methods=["POST"]),
        Route("/checks/{check_id}/decisions.jsonl", routes.export_decisions, methods=["GET"]),
        Route("/decisions.jsonl", routes.export_decisions, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ], lifespan=lifespan, exception_handlers={404: routes.not_found},
        middleware=[Middleware(Guard, limit=max_upload_bytes)])
    state: dict[str, Any] = {"store": store, "runner": runner, "templates": templates(),
                             "data_dir": Path(data_dir), "max_upload": max_upload_bytes,
                             "checker": checker}
    app.state.desk = state
    return app


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(checker, references: Sequence[str | Path], data_dir: str | Path,
          host: str = "127.0.0.1", port: int = 8765,
          max_upload_bytes: int = DEFAULT_MAX_UPLOAD) -> None:
    """Run the review desk with uvicorn until interrupted."""
    import uvicorn

    app = create_app(checker, references, data_dir, max_upload_bytes)
    uvicorn.run(app, host=host, port=port, log_level="warning")
