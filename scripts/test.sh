#!/usr/bin/env bash
# `npm test`: set up what is missing, then run the whole suite (unit tables, real etcd, real systemd machines).
# Ends with one plain summary line, `tests: N passed, N failed, N skipped`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
report="$(mktemp /tmp/flotilla-vitest-XXXXXX.json)"
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e '
  const fs = require("fs");
  let r = {};
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch {}
  let failed = r.numFailedTests ?? 0;
  // A file that fails to load has no failed test but fails the run: count it.
  if (failed === 0 && process.argv[2] !== "0") failed = Math.max(1, r.numFailedTestSuites ?? 0);
  console.log(`tests: ${r.numPassedTests ?? 0} passed, ${failed} failed, ${(r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)} skipped`);
' "$report" "$status"
exit "$status"
