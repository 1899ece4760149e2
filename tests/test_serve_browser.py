"""The review desk as an editor uses it, in a real headless Chromium (Debian's /usr/bin/chromium
driven by Playwright; no browser download): paste the example article, choose its references,
wait for the report, select the "mutual defense" claim and see the contradicting sentence
highlighted inside 04-bilateral-agreements.md, override the verdict, reload and find the decision
kept; plus the bad inputs a person can try in the page. The report page's screenshot goes to
build/browser/serve-report.png (and to docs/serve-report.png with CLAIMCHECK_SCREENSHOTS=docs).

Run alone: ``scripts/check-browser.sh`` (installs Chromium when missing)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from claimcheck.serve import create_app

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
MUTUAL = "These agreements signify a deepened commitment to mutual defense"
DENIAL = "The bilateral security agreements are not mutual defence treaties."
pytestmark = [pytest.mark.slow, pytest.mark.browser]
if not CHROMIUM.exists():
    if os.environ.get("CI"):  # CI installs Chromium (make test): a missing browser is a failure
        raise RuntimeError("CI=true but /usr/bin/chromium is missing: run "
                           "scripts/install-chromium.sh (make test does).")
    pytestmark.append(pytest.mark.skip(reason="needs /usr/bin/chromium "
                                       "(scripts/install-chromium.sh installs it)"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(default_checker, nato_refs_dir, tmp_path_factory):
    """The app under uvicorn on a free port of 127.0.0.1, in a thread of this process (the
    session's checker: the models load once)."""
    import uvicorn

    data = tmp_path_factory.mktemp("browser-review")
    app = create_app(default_checker, [nato_refs_dir], data, max_upload_bytes=10 * 1024 * 1024)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    t = time.monotonic()
    while not srv.started:
        assert time.monotonic() - t < 60, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox", "--disable-gpu",
                                    "--disable-background-networking",
                                    "--disable-component-update", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(f"Refused: script error {e}"))
    off_machine = []
    pg.on("request", lambda r: r.url.startswith("http://127.0.0.1:") or r.url.startswith(
        "data:") or off_machine.append(r.url))
    yield pg
    assert not off_machine, f"requests left the machine: {off_machine}"
    refused = [m for m in pg.console_errors if "Content Security Policy" in m or "Refused" in m]
    assert not refused, refused  # the page needs nothing the CSP forbids
    context.close()


def test_an_editor_checks_the_example_and_overrides_a_verdict(server, page, nato_article):
    page.goto(server + "/")
    page.fill("#article", nato_article)
    page.check('input[name="refs"][value="nato-summit-2024/references"]')
    page.click("#check-button")
    page.wait_for_url("**/checks/*")
    page.wait_for_selector("#report", timeout=300_000)  # the progress page reloads when done
    claim = page.locator("a.claim", has_text="mutual defense").first
    assert "v-contradicted" in claim.get_attribute("class")
    claim.click()
    mark = page.locator('#detail .evidence[data-doc="04-bilateral-agreements.md"] '
                        'mark.passage').first  # the strongest passage of that document
    mark.wait_for(timeout=30_000)
    assert mark.inner_text() == DENIAL
    assert mark.is_visible()
    assert page.locator("#detail .card .label").first.inner_text().lower() == "contradicted"
    shot = ROOT / "build" / "browser" / "serve-report.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot))
    if os.environ.get("CLAIMCHECK_SCREENSHOTS") == "docs":
        shutil.copy(shot, ROOT / "docs" / "serve-report.png")
    # override the verdict, with a note
    page.select_option("#decision-label", "unverified")
    page.fill("#decision-note", "the treaty sentence is about other agreements")
    page.click("#change-button")
    saved = page.locator("#decision-saved")
    saved.wait_for(timeout=30_000)
    assert "unverified" in saved.inner_text() and "changed from contradicted" in saved.inner_text()
    page.reload()
    page.locator("#decision-saved").wait_for(timeout=30_000)  # the hash reopens the claim
    assert "the treaty sentence is about other agreements" in page.locator(
        "#decision-saved").inner_text()
    assert "decided" in page.locator("a.claim", has_text="mutual defense").first.get_attribute(
        "class")


def test_bad_inputs_get_a_message_in_the_page(server, page, tmp_path):
    page.goto(server + "/")
    page.click("#check-button")  # empty article
    assert "The article is empty" in page.locator("#form-error").inner_text()
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    page.set_input_files("#article_file", str(huge))
    page.click("#check-button")  # refused in the page before any upload
    assert "more than the limit of 10 MB" in page.locator("#form-error").inner_text()
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01PK\x03\x04" * 100)
    page.set_input_files("#article_file", str(binary))
    page.click("#check-button")
    page.wait_for_load_state()
    assert "looks like a binary file" in page.locator("#form-error").inner_text()
    page.goto(server + "/checks/../../etc/passwd")
    assert "There is nothing at" in page.locator("#message").inner_text()
