"""The editor's review desk: ``claimcheck serve``, a local web app in which an editor checks an
article against a reference set, sees each claim's evidence inside its source document and
records decisions (accept or change a verdict, dismiss or keep a flag) that export as a dataset
``claimcheck bench run`` scores any judge against (docs/serve.md).

Modules: :mod:`~claimcheck.serve.app` (the ASGI app, its safety middleware, ``serve``),
:mod:`~claimcheck.serve.routes` (pages and endpoints), :mod:`~claimcheck.serve.jobs` (checks in a
background thread with one shared checker), :mod:`~claimcheck.serve.store` (SQLite),
:mod:`~claimcheck.serve.view` (what the templates show).
"""

from __future__ import annotations

from claimcheck.serve.app import create_app, serve

__all__ = ["create_app", "serve"]
