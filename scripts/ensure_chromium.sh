#!/usr/bin/env bash
# The browser tests drive Debian's own chromium (never a browser downloaded by Playwright). Install it, with a
# font that has Cyrillic glyphs, when it is missing; as root directly, else through sudo when there is one.
set -euo pipefail
CHROMIUM=${ZDRAV_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  echo "· chromium: $("$CHROMIUM" --version 2>/dev/null | head -n1)"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
  echo "chromium is missing at $CHROMIUM and this user cannot install it: apt-get install -y chromium fonts-dejavu-core" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing at $CHROMIUM and there is no apt-get: install Debian's chromium package" >&2
  exit 1
fi
echo "· installing Debian's chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "· chromium: $("$CHROMIUM" --version 2>/dev/null | head -n1)"
