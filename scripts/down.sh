#!/usr/bin/env bash
# `npm run down`: removes the cluster `npm run up` made (machines, mounts, bridge, iptables rule, etcd).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/tsx ]; then
  echo "nothing to tear down (dependencies not installed, so no cluster was started)"
  rm -f .flotilla/cluster.env
  exit 0
fi
exec npx tsx scripts/down.ts "$@"
