#!/usr/bin/env bash
# `npm run chaos -- [--events N] [--seed S] [--machines M] [--quiet-every K]`: the chaos suite (docs/testbed.md,
# "Chaos suite"), the same program as `npm run bench -- chaos`. Figures on stdout, the seed and events on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec npx tsx bench/chaos.ts "$@"
