#!/usr/bin/env bash
# Browser check of the HTML review page: installs Chromium (Debian package) if missing, then runs
# tests/test_html_browser.py. The screenshot is kept at build/browser/report.png.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
fi
PY=${PYTHON:-.venv/bin/python}
exec "$PY" -m pytest -q -m browser tests/test_html_browser.py -p no:cacheprovider "$@"
