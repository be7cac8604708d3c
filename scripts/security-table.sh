#!/usr/bin/env bash
# The table of docs/security.md: runs the coordinator's security tests (a real broker, with and without SASL, a
# real S3 server, the real app) and prints every case they try with the status it got, as Markdown rows.
# Usage: scripts/security-table.sh [maven log of an earlier run of those tests]
set -euo pipefail
cd "$(dirname "$0")/.."
log=${1:-}
if [[ -z "$log" ]]; then
  log=$(mktemp)
  mvn -B -ntp -pl coordinator -am -Dtest='CoordSecurityTest,CoordKafkaSaslTest' \
      -Dsurefire.failIfNoSpecifiedTests=false verify > "$log" 2>&1 || { tail -50 "$log"; exit 1; }
fi
echo "| case | answer |"
echo "|---|---|"
grep -a '^SECURITY|' "$log" | sed -e 's/^SECURITY|/| /' -e 's/|\([^|]*\)$/| \1 |/'
