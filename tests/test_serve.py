"""The review desk (claimcheck serve) through the ASGI test client, with the real default checker:
the example from pasted text to a report, evidence highlighted inside its reference document,
decisions that survive a restart and export as a dataset, and the bad inputs of issue #38."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from claimcheck.serve import create_app

pytestmark = pytest.mark.slow
REFS = "nato-summit-2024/references"
MUTUAL = "These agreements signify a deepened commitment to mutual defense"
DENIAL = "The bilateral security agreements are not mutual defence treaties."
SHORT = ("NATO was founded in 1949. <script>alert('x')</script> "
         "Stoltenberg said the alliance will “stand with Ukraine”.")


def wait_done(client: TestClient, url: str, timeout: float = 300) -> dict:
    t = time.monotonic()
    while time.monotonic() - t < timeout:
        s = client.get(f"{url}/status").json()
        if s["status"] in ("done", "failed"):
            return s
        time.sleep(0.2)
    raise AssertionError(f"{url} did not finish in {timeout} s")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("review-data")


@pytest.fixture(scope="module")
def desk(default_checker, nato_refs_dir, data_dir):
    app = create_app(default_checker, [nato_refs_dir], data_dir)
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        yield client


@pytest.fixture(scope="module")
def checked(desk, nato_article):
    """The example checked through the app, and a second (short) check started while the first
    runs: how long the second one's page took to answer, and what the first was doing then."""
    r = desk.post("/checks", data={"article": nato_article, "refs": REFS, "title": "NATO"},
                  follow_redirects=False)
    assert r.status_code == 303, r.text
    first = r.headers["location"]
    t = time.monotonic()
    while desk.get(f"{first}/status").json()["status"] != "running":
        assert time.monotonic() - t < 300, "the first check never started"
        time.sleep(0.05)
    second = desk.post("/checks", data={"refs": REFS}, files={"article_file": (
        "short.txt", SHORT.encode(), "text/plain")}, follow_redirects=False).headers["location"]
    t = time.monotonic()
    page = desk.get(second)
    answered = time.monotonic() - t
    first_then = desk.get(f"{first}/status").json()
    done = wait_done(desk, first)
    return {"first": first, "second": second, "second_page": page, "answered_s": answered,
            "first_then": first_then, "first_done": done,
            "second_done": wait_done(desk, second)}


@pytest.fixture(scope="module")
def direct(default_checker, nato_article, nato_refs_dir):
    """The example checked by the library itself (what the app must show)."""
    return default_checker.check(nato_article, nato_refs_dir, source="NATO")


def test_start_page_lists_the_reference_sets_and_sends_the_safety_headers(desk):
    r = desk.get("/")
    assert r.status_code == 200
    assert f'value="{REFS}"' in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert "<script src=\"/static/app.js\"" in r.text
    assert re.search(r"<script>(?!</script>)", r.text) is None  # no inline script


def test_a_second_check_does_not_wait_for_the_first(checked):
    assert checked["second_page"].status_code == 200
    assert "Checking" in checked["second_page"].text  # its progress page, at once
    assert checked["first_then"]["status"] == "running"  # the first was still checking
    assert checked["answered_s"] < 2.0
    assert checked["first_done"]["status"] == "done", checked["first_done"]
    assert checked["second_done"]["status"] == "done", checked["second_done"]


def test_the_app_reports_what_the_library_does(desk, checked, direct, data_dir):
    from claimcheck.serve.store import Store

    row = Store(data_dir).get(checked["first"].rsplit("/", 1)[1])
    stored = json.loads(row["report"])
    stored["meta"].pop("timings")
    assert stored == direct.to_dict(timings=False)  # same input, same output


def test_the_report_page_highlights_every_claim(desk, checked, direct):
    page = desk.get(checked["first"]).text
    report = direct
    ids = set(map(int, re.findall(r'<a class="claim [^"]*" href="#claim-(\d+)"', page)))
    assert ids == {c.id for c in report.claims}
    mutual = next(c for c in report.claims if c.text.startswith(MUTUAL))
    assert mutual.label.value == "contradicted"
    assert 'class="claim v-contradicted' in page
    assert 'class="nc nc-heading' in page and 'class="nc nc-related_posts' in page
    assert "Review queue" in page and "Stances (" in page and "Quotes (" in page


def test_the_claim_panel_highlights_the_evidence_inside_its_document(desk, checked, direct):
    report = direct
    mutual = next(c for c in report.claims if c.text.startswith(MUTUAL))
    panel = desk.get(f"{checked['first']}/claims/{mutual.id}").text
    assert "contradicted" in panel
    block = panel.split('data-doc="04-bilateral-agreements.md"', 1)[1]
    marked = html.unescape(re.search(r'<mark class="passage">(.*?)</mark>', block, re.S)[1])
    assert marked == DENIAL
    doc = next(d for d in report.evidence_documents if d.id == "04-bilateral-agreements.md")
    ev = next(e for e in mutual.evidence if e.doc_id == doc.id)
    assert doc.text[ev.start:ev.end] == marked  # the offsets slice the document
    before = html.unescape(block.split('<div class="document">', 1)[1].split("<mark", 1)[0])
    assert before == doc.text[:ev.start]  # the passage sits where the offsets say
    assert desk.get(f"{checked['first']}/claims/999").status_code == 404


def test_decisions_persist_across_a_restart_and_export(desk, checked, default_checker,
                                                       nato_refs_dir, data_dir):
    url = checked["first"]
    page = desk.get(url).text
    mutual = int(re.search(r'href="#claim-(\d+)" data-claim="\d+"[^>]*>' + MUTUAL, page)[1])
    r = desk.post(f"{url}/decisions", data={"kind": "claim", "item": mutual, "action": "change",
                                            "label": "supported", "note": "editor disagrees"},
                  follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"#claim-{mutual}")
    r = desk.post(f"{url}/decisions", data={"kind": "flag", "item": 0, "action": "dismiss"},
                  follow_redirects=False)
    assert r.status_code == 303
    bad = desk.post(f"{url}/decisions", data={"kind": "claim", "item": mutual,
                                              "action": "change", "label": "maybe"})
    assert bad.status_code == 400 and "Unknown label 'maybe'" in html.unescape(bad.text)
    # a new app over the same data folder: what a restart sees
    with TestClient(create_app(default_checker, [nato_refs_dir], data_dir, warm_up=False),
                    base_url="http://127.0.0.1:8765") as again:
        panel = again.get(f"{url}/claims/{mutual}").text
        assert 'id="decision-saved"' in panel and "<b>supported</b>" in panel
        assert "editor disagrees" in panel
        export = again.get(f"{url}/decisions.jsonl").text
        rows = [json.loads(x) for x in export.splitlines()]
    # the export is a benchmark dataset (format: decisions) as it comes
    from claimcheck.bench.adapters import Source, get_adapter

    (data_dir / "export.jsonl").write_text(export, encoding="utf-8")
    loaded = get_adapter("decisions").load(Source(data_dir / "export.jsonl", "all", {}),
                                           "claim_verification", {})
    assert [e["label"] for e in loaded.examples] == ["supported"]
    claim = next(r for r in rows if r["kind"] == "claim")
    assert claim["label"] == "supported" and claim["predicted"] == "contradicted"
    assert claim["claim_id"] == mutual and claim["text"].startswith(MUTUAL)
    assert any(e["text"] == DENIAL for e in claim["evidence"])
    flag = next(r for r in rows if r["kind"] == "flag")
    assert flag["action"] == "dismiss" and flag["flag_id"] == 0


def test_a_script_tag_in_the_article_is_shown_as_text_never_run(desk, checked):
    page = desk.get(checked["second"]).text  # short.txt: plain text, so the tag is article text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


@pytest.mark.parametrize(("files", "data", "status", "message"), [
    (None, {"article": "   ", "refs": REFS}, 400, "The article is empty"),
    ({"article_file": ("scan.txt", b"\x00\x01PK\x03\x04" * 100, "text/plain")}, {"refs": REFS},
     400, "looks like a binary file"),
    ({"article_file": ("photo.png", b"\x89PNG", "image/png")}, {"refs": REFS}, 400,
     "not a .txt, .md or .html file"),
    (None, {"article": "NATO was founded in 1949.", "refs": "../../../etc"}, 400,
     "Unknown reference set '../../../etc'"),
    (None, {"article": "NATO was founded in 1949.", "refs": "upload"}, 400,
     "No reference files were uploaded"),
])
def test_bad_inputs_get_a_message_on_the_start_page(desk, files, data, status, message):
    r = desk.post("/checks", data=data, files=files)
    assert r.status_code == status
    assert message in html.unescape(r.text)
    assert 'id="check-form"' in r.text  # the form is there to try again


def test_a_50_mb_upload_is_refused_with_the_limit(desk):
    big = b"NATO was founded in 1949. " * (50 * 1024 * 1024 // 26 + 1)
    r = desk.post("/checks", data={"refs": REFS},
                  files={"article_file": ("huge.txt", big, "text/plain")})
    assert r.status_code == 413
    assert "more than the limit of 10 MB" in html.unescape(r.text)


def test_a_large_upload_without_a_length_is_cut_off_at_the_limit(desk):
    def chunks():  # chunked transfer: no content-length to refuse it by
        yield b"--x\r\nContent-Disposition: form-data; name=\"article\"\r\n\r\n"
        for _ in range(12):
            yield b"a" * (1024 * 1024)
        yield b"\r\n--x--\r\n"

    r = desk.post("/checks", content=chunks(),
                  headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413
    assert "more than the limit of 10 MB" in html.unescape(r.text)


def test_uploaded_reference_names_cannot_leave_the_data_folder(desk, data_dir, tmp_path):
    r = desk.post("/checks", data={"article": "NATO was founded in 1949.", "refs": "upload"},
                  files=[("ref_files", ("../../escape.md", b"# NATO\nNATO was founded in 1949.\n",
                                        "text/markdown"))], follow_redirects=False)
    assert r.status_code == 303
    s = wait_done(desk, r.headers["location"])
    assert s["status"] == "done", s
    written = [p for p in data_dir.rglob("escape.md")]
    assert written and all(data_dir in p.parents for p in written)
    assert not (data_dir.parent / "escape.md").exists()


@pytest.mark.parametrize("path", ["/checks/../../etc/passwd", "/static/../app.py",
                                  "/static/%2e%2e/app.py", "/static/..%2fapp.py",
                                  "/checks/abc/claims/1", "/checks/0123456789abcdef"])
def test_no_path_reads_outside_the_app(desk, path):
    r = desk.get(path)
    assert r.status_code == 404
    assert "create_app" not in r.text and "root:" not in r.text


def test_a_cross_site_post_is_refused(desk):
    r = desk.post("/checks", data={"article": "NATO was founded in 1949.", "refs": REFS},
                  headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "another site" in r.text


@pytest.mark.parametrize(("args", "message"), [
    (["--port", "70000"], "--port 70000 is not a port"),
    (["--refs", "/nonexistent/refs"], "References path '/nonexistent/refs' does not exist"),
    (["--max-upload-mb", "0"], "--max-upload-mb must be > 0"),
])
def test_serve_refuses_bad_options_before_starting(tmp_path, args, message):
    from typer.testing import CliRunner

    from claimcheck.cli import app

    r = CliRunner().invoke(app, ["serve", "--data", str(tmp_path / "data"), *args])
    assert r.exit_code == 2
    assert message in r.output
    assert not (tmp_path / "data").exists()  # nothing written
