#!/usr/bin/env bash
# Browser checks of the HTML review page and of the review desk (claimcheck serve): installs
# Chromium (Debian package) if missing, then runs the browser tests. Screenshots are kept in
# build/browser/ (report.png, serve-report.png); CLAIMCHECK_SCREENSHOTS=docs also refreshes
# docs/serve-report.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-chromium.sh
PY=${PYTHON:-.venv/bin/python}
exec "$PY" -m pytest -q -m browser tests/test_html_browser.py tests/test_serve_browser.py \
  -p no:cacheprovider "$@"
