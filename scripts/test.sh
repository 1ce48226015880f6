#!/usr/bin/env bash
# Runs every check of the project: formatting lint, build, all Swift tests (Swift Testing), the PWA's unit tests
# (node --test) and its browser tests (headless Chromium through chromedriver; screenshots in test-output/screenshots).
# This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prerequisites.sh
echo "== swift format lint"
swift format lint --strict --configuration .swift-format --recursive Package.swift Sources Tests
echo "== swift build (all targets, tests included; zero warnings in our own code)"
build_log=$(mktemp)
swift build --build-tests 2>&1 | tee "$build_log"
# Warnings in Sources/ or Tests/ fail the run (dependencies' warnings under .build/ are not ours). An incremental build
# only recompiles what changed, so a clean clone (CI) checks every file.
if grep -E "^$PWD/(Sources|Tests|Package\.swift)[^:]*:[0-9]+:[0-9]+: warning:" "$build_log" | sort -u | grep .; then
  echo "compiler warnings in our own code (above): fix them" >&2
  exit 1
fi
rm -f "$build_log"
# Three runs, so that the black-box suites (real djobea processes, user-visible delays such as "within 60 s" or a
# 4-second lease) never share the 2 cores with hundreds of unit tests and two demo generations: the unit suites, then
# the process suites, then the storage suites (the sync core on SQLite and PostgreSQL, heavy on both cores).
process_suites="ProcessTests|CommandLineTests|SelfContainedBinaryTests|CrashSafetyTests|DemoAcceptanceTests|GatewayDemoTests|QuietShutdownTests|TLSTests|SyncCrashTests"
echo "== swift test (unit and in-process suites)"
swift test --skip-build --skip "DjobeaReplicationTests|DjobeaPostgresTests|$process_suites"
echo "== swift test (black-box suites: real djobea processes)"
swift test --skip-build --filter "$process_suites" --skip "DjobeaReplicationTests|DjobeaPostgresTests"
echo "== swift test (the storage suites, against a throwaway PostgreSQL cluster)"
scripts/with-postgres.sh swift test --skip-build --filter "DjobeaReplicationTests|DjobeaPostgresTests"
echo "== node --test (web/: the PWA's pure modules)"
node --test web/tests/
echo "== deploy checks"; scripts/check-deploy.sh .build/debug/djobea
echo "== browser tests (web/tests/browser: headless chromium through chromedriver, against a real djobea demo)"
node --test --test-concurrency=1 --test-timeout=600000 web/tests/browser/pwa.browser.mjs web/tests/browser/actions.browser.mjs
