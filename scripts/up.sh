#!/usr/bin/env bash
# `npm run up`: set up, boot a local 3-machine cluster (dockerd and podman in each), run the example units and
# print where the dashboard is; `npm run down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx tsx scripts/up.ts "$@"
