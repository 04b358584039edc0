#!/usr/bin/env bash
# `npm run bench -- NAME`: runs bench/NAME.ts, which prints one `figure value unit` line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-}"
if [ -z "$name" ] || [ ! -f "bench/$name.ts" ]; then
  echo "usage: npm run bench -- NAME   (NAME one of: $(cd bench && ls *.ts 2>/dev/null | sed 's/\.ts$//' | tr '\n' ' '))" >&2
  exit 2
fi
shift
bash scripts/setup.sh >&2
exec npx tsx "bench/$name.ts" "$@"
