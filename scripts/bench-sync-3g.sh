#!/usr/bin/env bash
# Sync benchmark over an emulated 3G link (issue 4): central <- slowlink.py <- hub, real processes on loopback.
#
#   scripts/bench-sync-3g.sh [--no-build] [--changes N] [--seed S] [--keep]
#
# Profile: 300 ms RTT, 750 kbit/s down, 250 kbit/s up, a connection cut every ~30 s (deploy/netem/slowlink.py).
# Prints the time and bytes to sync 10,000 changes hub -> central, the bytes of a no-op sync, the bytes per
# mission-status change in a batch of 100, how much of a 200 KB photo is sent again when the link is cut during its
# upload, and checks them against the issue's targets.
set -euo pipefail
cd "$(dirname "$0")/.."
build=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --changes|--seed) args+=("$1" "$2"); shift 2 ;;
    --keep) args+=("$1"); shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "usage: scripts/bench-sync-3g.sh [--no-build] [--changes N] [--seed S] [--keep]" >&2; exit 2 ;;
  esac
done
if [ "$build" = 1 ]; then
  echo "swift build -c release --product djobea --product djobea-bench …" >&2
  swift build -c release --product djobea >&2
  swift build -c release --product djobea-bench >&2
fi
binary="${DJOBEA_BIN:-$PWD/.build/release/djobea}"
bench="${DJOBEA_BENCH_BIN:-$(dirname "$binary")/djobea-bench}"
report="$(python3 scripts/bench/sync3g.py --binary "$binary" --bench-binary "$bench" "${args[@]}")"
python3 - "$report" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
def ok(flag): return "OK" if flag else "MANQUÉ"
print("Djobea Edge — synchro sur lien 3G émulé (300 ms RTT, 750 kbit/s descendant, 250 kbit/s montant, coupure ~30 s)")
print(f"  {r['changes']} changements hub → central : {r['bulk_seconds']} s, {r['bulk_bytes_up'] / 1024:.0f} Ko montants, "
      f"{r['bulk_bytes_down'] / 1024:.0f} Ko descendants, {r['bulk_cuts']} coupure(s), {r['bulk_connections']} connexion(s)")
print(f"  synchro à vide : {r['noop_bytes_up']} o montants, {r['noop_bytes_down']} o descendants, {r['noop_connections']} connexion(s), "
      f"{r['noop_attempts']} tentative(s)")
print(f"  100 changements de statut : {r['status_batch_bytes_up']} o montants en tout, soit {r['status_bytes_per_change_gross']} o/changement "
      f"({r['status_bytes_per_change_net']} o/changement hors coût de la synchro à vide)")
print(f"  photo de {r['photo_bytes'] // 1024} Ko coupée en route : {r['photo_sent']} o montés en {r['photo_attempts']} tentative(s), "
      f"{r['photo_cuts']} coupure(s) du lien, soit au plus {r['photo_resent']} o renvoyés, en-têtes des morceaux compris "
      f"({'arrivée entière et vérifiée' if r['photo_done'] else 'NON ARRIVÉE'})")
print("  objectifs issue 4 :")
print(f"    10 000 changements en moins de 60 s : {r['bulk_seconds']} s — {ok(r['bulk_seconds'] < 60)}")
print(f"    synchro à vide < 1 Ko dans chaque sens : {r['noop_bytes_up']} / {r['noop_bytes_down']} o — "
      f"{ok(r['noop_bytes_up'] < 1024 and r['noop_bytes_down'] < 1024)}")
print(f"    ≤ 120 o par changement de statut : {r['status_bytes_per_change_gross']} o — {ok(r['status_bytes_per_change_gross'] <= 120)}")
print(f"    au plus un morceau (64 Ko) renvoyé par coupure : {r['photo_resent']} o pour {r['photo_cuts']} coupure(s) — "
      f"{ok(r['photo_done'] and r['photo_resent'] <= 65536 * max(1, r['photo_cuts']))}")
PY
