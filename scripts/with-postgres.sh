#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster (scripts/pg-cluster.sh): starts it in a temporary directory,
# exports its URL as DJOBEA_TEST_POSTGRES_URL, runs the command, and always stops and removes the cluster.
#
#   scripts/with-postgres.sh swift test --skip-build --filter DjobeaPostgresTests
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGUMENTS...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/djobea-pg.XXXXXX")
trap '"$here/pg-cluster.sh" stop "$dir"' EXIT
DJOBEA_TEST_POSTGRES_URL=$("$here/pg-cluster.sh" start "$dir")
export DJOBEA_TEST_POSTGRES_URL
"$@"
