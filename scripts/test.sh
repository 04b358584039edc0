#!/usr/bin/env bash
# `npm test`: set up what is missing, then run the whole suite (unit tables, real etcd, real systemd machines).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx vitest run "$@"
