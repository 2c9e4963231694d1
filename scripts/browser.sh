#!/usr/bin/env bash
# Debian's chromium for the dashboard's browser test (Playwright drives it; browser builds
# cannot be downloaded here, so never `playwright install`). Installed with apt-get when
# missing and allowed; under CI=true a browser that cannot be installed is a failure.
set -uo pipefail
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y chromium >/dev/null 2>&1; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get install -y chromium >/dev/null 2>&1
fi
[ -x "$CHROMIUM" ] && exit 0
echo "browser: $CHROMIUM is missing and could not be installed (apt-get install -y chromium)" >&2
[ "${CI:-}" = true ] && exit 1
echo "browser: the browser test will be skipped" >&2
exit 0
