#!/usr/bin/env bash
# `npm run up`: set up, boot a local 3-machine cluster, run the example units; `npm run down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx tsx scripts/up.ts "$@"
