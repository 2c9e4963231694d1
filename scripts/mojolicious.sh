#!/usr/bin/env bash
# Debian's Mojolicious for the session_secret test that runs a real Mojolicious::Lite app
# (tests/scan/checks/mojo_notes.pl). Installed with apt-get when missing and allowed; under
# CI=true a Mojolicious that cannot be installed is a failure.
set -uo pipefail
have() { perl -MMojolicious -e1 >/dev/null 2>&1; }
have && exit 0
if [ "$(id -u)" = 0 ]; then
  apt-get install -y libmojolicious-perl >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y libmojolicious-perl >/dev/null 2>&1; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get install -y libmojolicious-perl >/dev/null 2>&1
fi
have && exit 0
echo "mojolicious: perl's Mojolicious is missing and could not be installed (apt-get install -y libmojolicious-perl)" >&2
[ "${CI:-}" = true ] && exit 1
echo "mojolicious: the Mojolicious session test will be skipped" >&2
exit 0
