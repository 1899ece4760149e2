"""The review desk's pages and endpoints (Starlette handlers).

* ``GET /`` the start page: paste or upload an article, pick a reference set or upload one;
* ``POST /checks`` queue a check, then ``303`` to its page;
* ``GET /checks/{id}`` progress while it runs (``/checks/{id}/status`` is the JSON the page
  polls), then the report: the article with every claim highlighted by verdict, the review queue,
  flags, quotes and stances; ``/checks/{id}/claims/{n}`` is a claim's panel (verdict, evidence
  highlighted inside its reference document, the decision form);
* ``POST /checks/{id}/decisions`` record an editor's decision;
* ``GET /checks/{id}/decisions.jsonl`` and ``GET /decisions.jsonl`` export them.

Bad input never raises out of a handler: it comes back as the page with a message that names the
fix (status 400, 404, 413 or 403).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from claimcheck.errors import InputError
from claimcheck.serve.guard import BodyTooLarge
from claimcheck.serve.jobs import upload_dir
from claimcheck.serve.view import claim_view, report_view, stored_report

TEXT_TYPES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html",
              ".htm": "html"}
_CHECK_ID = re.compile(r"^[0-9a-f]{16}$")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MAX_REF_FILES = 50


class TooLarge(InputError):
    """The request passed the upload limit (answered with 413)."""


def _desk(request: Request) -> dict[str, Any]:
    return request.app.state.desk


def _page(request: Request, name: str, code: int = 200, **ctx: Any) -> Response:
    return _desk(request)["templates"].TemplateResponse(request, name, ctx, status_code=code)


def _message(request: Request, status: int, title: str, message: str, back: str = "/",
             back_text: str = "Back to the start page") -> Response:
    return _page(request, "message.html", status, title=title, message=message, back=back,
                 back_text=back_text)


def _start(request: Request, status: int = 200, error: str | None = None, article: str = "",
           chosen: str | None = None) -> Response:
    desk = _desk(request)
    sets = list(desk["runner"].references)
    return _page(request, "start.html", status, error=error, article=article, sets=sets,
                 chosen=chosen or (sets[0] if sets else "upload"),
                 recent=desk["store"].recent(), limit_mb=desk["max_upload"] / 1024 / 1024,
                 limit_bytes=desk["max_upload"])


async def not_found(request: Request, exc: HTTPException) -> Response:
    return _message(request, exc.status_code, "Not found",
                    f"There is nothing at {request.url.path}. Start from the home page.")


async def start_page(request: Request) -> Response:
    return _start(request)


def _same_origin(request: Request) -> bool:
    """A POST must come from this app's own pages (no cross-site form posts): the browser's
    Sec-Fetch-Site says so, else the Origin must be this host; a client that sends neither (curl,
    scripts) is not a browser another site can steer."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host")


async def _read_form(request: Request):
    """The posted form, or a message: too large, too many files, not a form."""
    limit = _desk(request)["max_upload"]
    mb = f"{limit / 1024 / 1024:g} MB"
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise TooLarge(f"The upload is {int(length) / 1024 / 1024:.1f} MB, more than the "
                         f"limit of {mb}. Upload a smaller file (split the article), or start "
                         "the server with a larger --max-upload-mb.")
    try:
        return await request.form(max_files=MAX_REF_FILES + 1, max_fields=20,
                                  max_part_size=limit)
    except BodyTooLarge:
        raise TooLarge(f"The upload is more than the limit of {mb}. Upload a smaller file, or "
                         "start the server with a larger --max-upload-mb.") from None
    except MultiPartException as e:
        raise InputError(f"The form could not be read ({e}). Use the form on this page.") \
            from None


def _article(form) -> tuple[str, str | None, str]:
    """(text, format, title) of the pasted or uploaded article; InputError naming the fix."""
    from claimcheck.text.ingest import check_text, decode

    upload = form.get("article_file")
    title = str(form.get("title") or "").strip()[:200]
    if isinstance(upload, UploadFile) and upload.filename:
        name = Path(upload.filename).name
        ext = Path(name).suffix.lower()
        if ext not in TEXT_TYPES:
            raise InputError(f"The article file {name!r} is not a .txt, .md or .html file. "
                             "Upload the article as text, Markdown or HTML, or paste it.")
        text = decode(upload.file.read(), f"The article file {name!r}")
        fmt: str | None = TEXT_TYPES[ext]
        title = title or name
    else:
        text, fmt = str(form.get("article") or ""), None
    if not text.strip():
        raise InputError("The article is empty. Paste the article's text into the box, or "
                         "choose a .txt, .md or .html file.")
    check_text(text)
    return text, fmt, title or _first_line(text)


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "article")
    return line if len(line) <= 80 else line[:79] + "…"


def _references(request: Request, form, check_id: str):
    """(name, ReferenceSet or a builder of one) for the chosen set or the uploaded files."""
    from claimcheck.evidence.references import ReferenceSet
    from claimcheck.text.ingest import decode

    desk = _desk(request)
    sets = desk["runner"].references
    uploads = [f for f in form.getlist("ref_files") if isinstance(f, UploadFile) and f.filename]
    choice = str(form.get("refs") or "")
    if choice == "upload" or (uploads and choice not in sets):
        if not uploads:
            raise InputError("No reference files were uploaded. Choose .txt, .md or .html "
                             "reference files, or pick one of the reference sets.")
        if len(uploads) > MAX_REF_FILES:
            raise InputError(f"{len(uploads)} reference files were uploaded; the limit is "
                             f"{MAX_REF_FILES}. Upload fewer, or start the server with --refs "
                             "FOLDER for a large set.")
        folder = upload_dir(desk["data_dir"], check_id)
        names = []
        for f in uploads:
            name = _SAFE_NAME.sub("_", Path(f.filename.replace("\\", "/")).name).lstrip(".")
            ext = Path(name).suffix.lower()
            if ext not in TEXT_TYPES:
                raise InputError(f"The reference file {f.filename!r} is not a .txt, .md or .html "
                                 "file. Upload reference documents as text, Markdown or HTML.")
            data = f.file.read()
            decode(data, f"The reference file {name!r}")  # binary or not UTF-8: said now
            if name in names:
                raise InputError(f"Two reference files are named {name!r}. Rename one.")
            names.append(name)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        window = desk["checker"].config.retrieval.window
        return (f"uploaded: {', '.join(names)}",
                lambda: ReferenceSet.from_path(folder, window=window, nlp=desk["checker"].nlp))
    if choice not in sets:
        known = ", ".join(repr(s) for s in sets) or "none (upload reference files)"
        raise InputError(f"Unknown reference set {choice!r}. Choose one of: {known}.")
    return choice, sets[choice]


async def create_check(request: Request) -> Response:
    if not _same_origin(request):
        return _message(request, 403, "Refused", "This form was posted from another site. "
                        "Use the review desk's own page.")
    form = None
    try:
        form = await _read_form(request)
        text, fmt, title = _article(form)
        check_id = secrets.token_hex(8)
        refs_name, refs = _references(request, form, check_id)
    except InputError as e:
        status = 413 if isinstance(e, TooLarge) else 400
        article = str(form.get("article") or "") if form is not None else ""
        return _start(request, status, str(e), article[:200_000],
                      str(form.get("refs") or "") if form is not None else None)
    finally:
        if form is not None:
            await form.close()
    desk = _desk(request)
    desk["store"].create(check_id, title, refs_name, text)
    desk["runner"].submit(check_id, text, fmt, refs, title)
    return RedirectResponse(f"/checks/{check_id}", status_code=303)


def _check(request: Request) -> dict[str, Any]:
    check_id = request.path_params["check_id"]
    row = _desk(request)["store"].get(check_id) if _CHECK_ID.match(check_id) else None
    if row is None:
        raise HTTPException(404)
    return row


async def check_page(request: Request) -> Response:
    row = _check(request)
    if row["status"] == "failed":
        return _page(request, "failed.html", 200, check=row)
    if row["status"] != "done":
        status = _desk(request)["runner"].status(row["id"]) or {"stage": row["status"]}
        return _page(request, "progress.html", check=row, status=status)
    decisions = _desk(request)["store"].decisions(row["id"])
    return _page(request, "report.html", check=row, **report_view(row, decisions))


async def check_status(request: Request) -> Response:
    row = _check(request)
    status = _desk(request)["runner"].status(row["id"])
    if status is None or row["status"] in ("done", "failed"):
        status = {"id": row["id"], "status": row["status"], "error": row["error"],
                  "elapsed_s": row["seconds"], **({"progress": 1.0} if row["status"] == "done"
                                                  else {})}
    return JSONResponse(status)


async def claim_panel(request: Request) -> Response:
    row = _check(request)
    if row["status"] != "done":
        raise HTTPException(404)
    view = claim_view(row, request.path_params["claim_id"],
                      _desk(request)["store"].decisions(row["id"]))
    if view is None:
        raise HTTPException(404)
    return _page(request, "claim.html", check=row, **view)


async def record_decision(request: Request) -> Response:
    if not _same_origin(request):
        return _message(request, 403, "Refused", "This decision was posted from another site. "
                        "Use the review desk's own page.")
    row = _check(request)
    if row["status"] != "done":
        return _message(request, 409, "Not checked yet", "This article has no report yet: "
                        "decide once its check is done.")
    try:
        form = await _read_form(request)
        kind, item = str(form.get("kind") or ""), str(form.get("item") or "")
        if not item.isdigit():
            raise InputError(f"Decision item {item!r} is not a number. Use the report's forms.")
        action = str(form.get("action") or "")
        label = str(form.get("label") or "") or None
        report = stored_report(row)
        n = int(item)
        if kind == "claim":
            known = {c.id: c for c in report.claims}
            if n not in known:
                raise InputError(f"This report has no claim {n}.")
            if action == "accept":
                label = known[n].label.value
        elif kind == "flag" and not 0 <= n < len(report.flags):
            raise InputError(f"This report has no flag {n}.")
        _desk(request)["store"].decide(row["id"], kind, n, action, label,
                                       str(form.get("note") or "").strip())
    except InputError as e:
        return _message(request, 400, "Decision not saved", f"{e} Go back to the report and "
                        "try again.", f"/checks/{row['id']}", "Back to the report")
    anchor = f"claim-{n}" if kind == "claim" else f"flag-{n}"
    return RedirectResponse(f"/checks/{row['id']}#{anchor}", status_code=303)


async def export_decisions(request: Request) -> Response:
    check_id = request.path_params.get("check_id")
    if check_id is not None:
        _check(request)
    body = _desk(request)["store"].export_jsonl(check_id)
    name = f"decisions-{check_id}.jsonl" if check_id else "decisions.jsonl"
    return Response(body, media_type="application/x-ndjson",
                    headers={"content-disposition": f'attachment; filename="{name}"'})
