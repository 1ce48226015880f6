#!/usr/bin/env bash
# Runs the Bonamoussadi demo hub: `scripts/demo.sh [--data DIR] [--port N]` (defaults: ./demo-data, 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prerequisites.sh
data="demo-data"
port="8080"
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--data DIR] [--port N]" >&2; exit 2 ;;
  esac
done
exec swift run djobea demo --data "$data" --port "$port"
