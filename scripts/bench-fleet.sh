#!/usr/bin/env bash
# The fleet benchmark: N simulated hubs against one central, in-process (no HTTP), with central's sync core on SQLite and
# on PostgreSQL side by side; prints rounds/s, round p50/p99, central's CPU and memory (and the PostgreSQL server's), and
# writes test-output/fleet-bench.json. PostgreSQL runs in a throwaway cluster (scripts/with-postgres.sh); the bench
# creates a fresh database per configuration and drops it after.
# Usage: scripts/bench-fleet.sh [--hubs 50,200,500] [--backends sqlite,postgres] [--duration 60] [--warmup 20]
#                               [--interval 10] [--pg-connections 8]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product djobea-fleet-bench
scripts/with-postgres.sh .build/release/djobea-fleet-bench "$@"
