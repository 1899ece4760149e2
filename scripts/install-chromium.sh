#!/usr/bin/env bash
# Install Chromium from the distribution's packages when /usr/bin/chromium is missing (Debian's
# `chromium`; the browser tests drive it through Playwright's executable_path, so no browser is
# ever downloaded by Playwright). Needs root or sudo; without either it says so and exits 0 (the
# browser tests then skip, except under CI=true, where they fail).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ]; then SUDO=; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; else
  echo "claimcheck: /usr/bin/chromium is missing and this user cannot install it (no root, no sudo):" \
    "the browser tests will be skipped. Fix: apt-get install chromium" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "claimcheck: /usr/bin/chromium is missing and there is no apt-get here: install Chromium" \
    "so that /usr/bin/chromium exists, or the browser tests will be skipped." >&2
  exit 0
fi
echo "claimcheck: installing chromium (Debian package) for the browser tests" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
