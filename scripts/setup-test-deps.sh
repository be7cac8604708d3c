#!/usr/bin/env bash
# Installs what the tests need beyond Maven: Debian's chromium, for the report module's headless screenshot test.
# Idempotent and quiet: does nothing when chromium is already on the PATH. Uses sudo when not root and sudo exists.
# Exit status: 0 when chromium is available afterwards, 1 when it could not be installed.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  echo "setup-test-deps: chromium is missing and neither root nor sudo is available to install it" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-test-deps: chromium is missing and this machine has no apt-get to install it" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium; } \
    >"$log" 2>&1; then
  echo "setup-test-deps: installing chromium failed; last lines of apt-get:" >&2
  tail -n 5 "$log" >&2
  exit 1
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "setup-test-deps: apt-get installed chromium but it is not on the PATH" >&2
  exit 1
fi
