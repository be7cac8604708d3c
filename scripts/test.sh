#!/usr/bin/env bash
# The project's test command (README, "Run the tests"): builds every module and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -ntp verify "$@"
