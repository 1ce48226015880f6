#!/usr/bin/env bash
# Runs every check of the project: formatting lint, build, all Swift tests (Swift Testing), the PWA's unit tests
# (node --test) and its browser tests (headless Chromium through chromedriver; screenshots in test-output/screenshots).
# This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prerequisites.sh
echo "== swift format lint"
swift format lint --strict --configuration .swift-format --recursive Package.swift Sources Tests
echo "== swift build (all targets, tests included)"
swift build --build-tests
echo "== swift test"
swift test --skip-build
echo "== node --test (web/: the PWA's pure modules)"
node --test web/tests/
echo "== browser tests (web/tests/browser: headless chromium through chromedriver, against a real djobea demo)"
node --test --test-timeout=600000 web/tests/browser/pwa.browser.mjs
