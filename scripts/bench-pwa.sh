#!/usr/bin/env bash
# Page-load benchmark of the provider PWA (issue 5's acceptance): headless Chromium with network emulation
# (400 kbit/s down and up, 400 ms RTT) and the CPU slowed 4×, on the demo data set. Prints, for a cold cache and a
# repeat visit, the time until the dashboard shows real data and the bytes transferred before it is usable, and
# checks that every screen opens offline after the first visit.
#
#   scripts/bench-pwa.sh [--runs N] [--down KBPS] [--up KBPS] [--rtt MS] [--cpu RATE] [--no-build]
#                        [--https | --both] [--link devtools|socket|both] [--waterfall]
#
# --https: the hub serves HTTPS (as a phone reaches it: the service worker needs it) with a throwaway self-signed
# ECDSA P-256 certificate for 127.0.0.1/localhost made by openssl, which chromium trusts through its public key's
# hash; the TLS version and cipher the hub negotiates are printed with the figures. --both: HTTP then HTTPS.
# --link socket: the link is slowed by a relay on loopback (every byte delayed by half the RTT each way, one shared
# 400 kbit/s link) instead of DevTools' network conditions, which delay each request but leave TCP and TLS
# handshakes free; use it for a figure that includes connection setup. The phone's real path:
#
#   scripts/bench-pwa.sh --both --link socket
#
# Builds `djobea` (debug, the same binary the tests use: serving static assets and a few JSON answers is not where
# the time goes on such a link), starts `djobea demo` in a temporary directory, logs in through the console
# notifier's outbox file, and drives Debian's chromium through chromedriver (installed if missing). Another binary:
# `DJOBEA_BIN=/path/to/djobea scripts/bench-pwa.sh --no-build`.
set -euo pipefail
cd "$(dirname "$0")/.."
build=1
args=()
for arg in "$@"; do
  if [ "$arg" = "--no-build" ]; then build=0; else args+=("$arg"); fi
done
BROWSER=1 scripts/prerequisites.sh
if [ "$build" = 1 ]; then swift build --product djobea; fi
exec node web/tests/browser/bench-pwa.mjs "${args[@]}"
