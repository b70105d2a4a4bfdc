#!/usr/bin/env bash
# The browser tests need Chromium. Quick when one is there (CHROMIUM_PATH, or `chromium` on
# PATH); otherwise installs Debian's through apt-get when run as root, else Playwright's own
# (`playwright install chromium`, which tests/browser.py launches when there is no other),
# and when neither can be done, says in one line what to run.
# PLAYWRIGHT names the Playwright command (default: the venv's).
set -uo pipefail
cd "${BASH_SOURCE[0]%/*}/.."
playwright="${PLAYWRIGHT:-.venv/bin/playwright}"
hint="run 'apt-get install -y chromium' as root, or '$playwright install chromium', or set CHROMIUM_PATH"

if [ -n "${CHROMIUM_PATH:-}" ]; then
  # An explicit choice is never second-guessed: it exists, or the run stops here.
  if [ -x "$CHROMIUM_PATH" ] || command -v "$CHROMIUM_PATH" >/dev/null 2>&1; then
    exit 0
  fi
  echo "Chromium not found at CHROMIUM_PATH=$CHROMIUM_PATH: install it there or unset CHROMIUM_PATH." >&2
  exit 1
fi
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u 2>/dev/null)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Chromium for the browser tests (apt-get install chromium)..."
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    && command -v chromium >/dev/null 2>&1; then
    exit 0
  fi
  echo "apt-get could not install chromium; trying Playwright's browser." >&2
fi

if [ -x "$playwright" ] || command -v "$playwright" >/dev/null 2>&1; then
  # A no-op (and quick) when Playwright's Chromium is already downloaded.
  if "$playwright" install chromium; then
    exit 0
  fi
fi

echo "The browser tests need Chromium and none could be installed: $hint." >&2
exit 1
