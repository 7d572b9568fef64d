#!/usr/bin/env bash
# `npm audit --omit=dev --audit-level=high`: fails on a high or critical advisory in a runtime
# dependency. When the registry's advisory endpoint cannot be reached (some mirrors answer 405),
# it says so loudly and passes, unless REQUIRE_AUDIT=1.
set -uo pipefail
cd "$(dirname "$0")/.."
report=$(npm audit --omit=dev --json 2>/dev/null)
if ! node -e 'const r = JSON.parse(process.argv[1]); process.exit(r.metadata && r.metadata.vulnerabilities ? 0 : 1)' "$report" 2>/dev/null; then
  echo "npm audit: NOT RUN, the advisory endpoint did not answer: $(node -e 'try { console.log(JSON.parse(process.argv[1]).message ?? "no report") } catch { console.log("no report") }' "$report")"
  [ "${REQUIRE_AUDIT:-0}" = "1" ] && exit 1
  exit 0
fi
npm audit --omit=dev --audit-level=high
