#!/usr/bin/env bash
# Page-load benchmark of the provider PWA (issue 5's acceptance): headless Chromium with network emulation
# (400 kbit/s down and up, 400 ms RTT) and the CPU slowed 4×, on the demo data set. Prints, for a cold cache and a
# repeat visit, the time until the dashboard shows real data and the bytes transferred before it is usable, and
# checks that every screen opens offline after the first visit.
#
#   scripts/bench-pwa.sh [--runs N] [--down KBPS] [--up KBPS] [--rtt MS] [--cpu RATE] [--no-build]
#
# Builds `djobea` (debug, the same binary the tests use: serving static assets and a few JSON answers is not where
# the time goes on such a link), starts `djobea demo` in a temporary directory, logs in through the console
# notifier's outbox file, and drives Debian's chromium through chromedriver (installed if missing).
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
