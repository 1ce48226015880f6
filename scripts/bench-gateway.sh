#!/usr/bin/env bash
# The gateway's benchmark: 10 000 queued client messages drained by `djobea central` against a local fake of the
# WhatsApp Cloud API at its throughput limit; prints the time, the rate, the 429s, the memory and the duplicates.
# Usage: scripts/bench-gateway.sh [--messages 10000] [--limit 200]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product djobea
swift build -c release --product djobea-gateway-bench
.build/release/djobea-gateway-bench "$@"
