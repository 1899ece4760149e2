"""Browser check of the HTML review page: headless Chromium loads the demo report, a screenshot
shows the highlighted claims. Skipped without /usr/bin/chromium; run it with
``scripts/check-browser.sh`` (installs Chromium from the distribution's packages when missing)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_flags import nato_report

from claimcheck.render.html import render_html

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium "
                       "(scripts/check-browser.sh installs it)"),
]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--hide-scrollbars", "--window-size=1280,1600"]


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory, nato_article) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    path = tmp / "report.html"
    path.write_text(render_html(nato_report(nato_article)), encoding="utf-8")
    return path


def test_page_loads_and_has_the_claims(page):
    out = _chromium(page.parent, "--dump-dom", page.as_uri())
    assert out.returncode == 0, out.stderr[-2000:]
    dom = out.stdout
    assert '<section class="article" id="article">' in dom
    for cid in range(1, 6):
        assert f'id="claim-{cid}"' in dom
    assert "These agreements signify a deepened commitment to" in dom


def test_screenshot_shows_highlighted_claims(page):
    from PIL import Image

    shot = page.parent / "report.png"
    out = _chromium(page.parent, f"--screenshot={shot}", page.as_uri())
    assert shot.is_file(), out.stderr[-2000:]
    keep = Path(__file__).resolve().parents[1] / "build" / "browser"
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, keep / "report.png")
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 1600)
    colors = img.getcolors(maxcolors=1 << 20) or []
    count = {c: n for n, c in colors}

    def near(rgb, tol=6):
        return sum(n for c, n in count.items() if all(abs(a - b) <= tol for a, b in zip(c, rgb,
                                                                                           strict=True)))

    assert near((0xF7, 0xC1, 0xBD)) > 500  # contradicted highlight
    assert near((0xCD, 0xEC, 0xCF)) > 500  # supported highlight
    assert near((0xFB, 0xE7, 0xA6)) > 500  # unverified highlight
    assert len(count) > 50  # text was rendered, not a blank page
