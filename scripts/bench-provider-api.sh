#!/usr/bin/env bash
# Benchmark of the provider API on the demo data set (issue 3's acceptance bullet):
# 50 concurrent keep-alive connections on GET /provider/dashboard/stats and GET /provider/requests,
# printing req/s, p50, p99, max latency, non-2xx count and the server's peak RSS.
#
#   scripts/bench-provider-api.sh [--duration S] [--warmup S] [--connections N] [--threads N] [--no-build] [--keep] [--uncached]
#
# --uncached starts the hub with DJOBEA_RESPONSE_CACHE=off: every request then runs its queries and encodes its JSON
# (the cost of the first request after a write), instead of the commit-invalidated response cache's hit path.
#
# Builds `djobea` in release, generates the demo in a temporary data dir, restarts the hub on that data so the
# peak RSS measured is the serving process's (not the generator's), logs in as a demo provider through the
# console notifier's outbox file, then drives each endpoint with wrk (installed from Debian if missing).
# Client and server share this machine's cores: the figures are a lower bound for the server alone.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

duration=20
warmup=3
connections=50
threads=2
build=1
keep=0
response_cache=on
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    --uncached) response_cache=off; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "usage: scripts/bench-provider-api.sh [--duration S] [--warmup S] [--connections N] [--threads N] [--no-build] [--keep] [--uncached]" >&2; exit 2 ;;
  esac
done

# The targets of issue 3 on this 2-core machine.
target_p99_ms=25
target_rps_stats=3000
target_rss_mb=80
rate_limit="1000000/second"   # RATE_LIMIT_PROVIDER: the default 100/minute would answer 429 after 100 requests.

log() { printf '%s\n' "$*" >&2; }

# --- Tools -------------------------------------------------------------------------------------------------
command -v python3 >/dev/null || { log "python3 est requis"; exit 1; }
if ! command -v wrk >/dev/null; then
  log "wrk absent : installation depuis Debian (apt-get install -y wrk)…"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y wrk >/dev/null 2>&1 || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y wrk >/dev/null; }
fi
command -v wrk >/dev/null || { log "impossible d'installer wrk"; exit 1; }

# --- Build -------------------------------------------------------------------------------------------------
if [ "$build" = 1 ]; then
  log "swift build -c release --product djobea …"
  swift build -c release --product djobea >&2
fi
binary="${DJOBEA_BIN:-$root/.build/release/djobea}"   # DJOBEA_BIN: another binary, with --no-build
[ -x "$binary" ] || { log "binaire introuvable : $binary (lancer sans --no-build)"; exit 1; }

# --- Server lifecycle --------------------------------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/djobea-bench.XXXXXX")"
data="$tmp/data"
server_pid=""
sampler_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -INT "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
  stop_server
  if [ "$keep" = 1 ]; then log "dossier conservé : $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

# Starts `djobea demo` in the background and waits until it prints its ready line and /healthz answers.
start_demo() {
  local logfile="$1" timeout="$2"
  RATE_LIMIT_PROVIDER="$rate_limit" DJOBEA_RESPONSE_CACHE="$response_cache" LOG_LEVEL=warning \
    "$binary" demo --data "$data" --host 127.0.0.1 --port "$port" >"$logfile" 2>&1 &
  server_pid=$!
  local deadline=$((SECONDS + timeout))
  until grep -q "Ctrl-C" "$logfile" 2>/dev/null && python3 - "$base/healthz" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2).read()
PY
  do
    if ! kill -0 "$server_pid" 2>/dev/null; then log "le hub s'est arrêté :"; tail -20 "$logfile" >&2; exit 1; fi
    if [ "$SECONDS" -ge "$deadline" ]; then log "le hub n'a pas démarré en $timeout s :"; tail -20 "$logfile" >&2; exit 1; fi
    sleep 0.2
  done
}

log "génération des données de démo dans $data …"
gen_started=$SECONDS
start_demo "$tmp/generate.log" 900
gen_hwm_kb="$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")"
grep -E "Démo générée" "$tmp/generate.log" >&2 || true
log "(génération : $((SECONDS - gen_started)) s, VmHWM du processus générateur $((gen_hwm_kb / 1024)) MB — ce n'est pas la mesure)"
stop_server

log "redémarrage du hub sur ces données (RATE_LIMIT_PROVIDER=$rate_limit) …"
start_demo "$tmp/server.log" 120
idle_rss_kb="$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")"
phone="$(grep -oE '^[[:space:]]+\+237[0-9]+' "$tmp/server.log" | head -1 | tr -d '[:space:]')"
[ -n "$phone" ] || { log "aucun téléphone de prestataire de démo dans la sortie du hub"; cat "$tmp/server.log" >&2; exit 1; }
provider_line="$(grep -E "^[[:space:]]+\\$phone" "$tmp/server.log" | head -1 | sed -E 's/^[[:space:]]+//')"

export BENCH_TOKEN
BENCH_TOKEN="$(python3 scripts/bench/login.py --base "$base" --phone "$phone" --outbox "$data/outbox/whatsapp.jsonl")"

# The sampler watches the server for the whole measured part (warm-ups included).
python3 scripts/bench/sample_proc.py --pid "$server_pid" --interval 0.1 >"$tmp/sampler.out" &
sampler_pid=$!

declare -A rps p50 p99 maxl non2xx sockerr wrk_cpu srv_cpu probe
endpoints=("/provider/dashboard/stats" "/provider/requests")
for path in "${endpoints[@]}"; do
  probe[$path]="$(python3 scripts/bench/probe.py --port "$port" --path "$path" --token "$BENCH_TOKEN")"
  log ""
  log "== GET $path — ${probe[$path]}"
  log "   échauffement ${warmup} s …"
  wrk -t "$threads" -c "$connections" -d "${warmup}s" --timeout 5s -s scripts/bench/wrk-report.lua "$base$path" >/dev/null
  cpu_before="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
  start_ns=$(date +%s%N)
  # bash's `time` gives the user and system CPU of the wrk process.
  TIMEFORMAT="%U %S"
  { time wrk -t "$threads" -c "$connections" -d "${duration}s" --timeout 5s --latency \
      -s scripts/bench/wrk-report.lua "$base$path" >"$tmp/wrk.out" 2>&1; } 2>"$tmp/wrk.time"
  elapsed=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  cpu_after="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
  sed -n '1,/^BENCH/p' "$tmp/wrk.out" | grep -v '^BENCH' | sed 's/^/   /' >&2
  line="$(grep '^BENCH ' "$tmp/wrk.out")"
  get() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<" $line"; }
  rps[$path]="$(get rps)"; p50[$path]="$(get p50_ms)"; p99[$path]="$(get p99_ms)"; maxl[$path]="$(get max_ms)"
  non2xx[$path]="$(get http_errors)"
  sockerr[$path]="$(( $(get connect_errors) + $(get read_errors) + $(get write_errors) + $(get timeouts) ))"
  ticks="$(getconf CLK_TCK)"
  srv_cpu[$path]="$(awk -v a="$cpu_before" -v b="$cpu_after" -v t="$ticks" -v ms="$elapsed" 'BEGIN {printf "%.0f", (b - a) / t / (ms / 1000) * 100}')"
  wrk_cpu[$path]="$(awk -v ms="$elapsed" '{printf "%.0f", ($1 + $2) / (ms / 1000) * 100}' "$tmp/wrk.time")"
done

kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
hwm_kb="$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")"
max_rss_kb="$(sed -E 's/.*max_vmrss_kb=([0-9]+).*/\1/' "$tmp/sampler.out")"
stop_server

# --- Report ------------------------------------------------------------------------------------------------
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
verdict() { if awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {exit !((op == "<") ? (a < b) : (a >= b))}'; then echo "OK"; else echo "MANQUÉ"; fi; }

echo ""
echo "Djobea Edge — benchmark de l'API prestataire (issue 3)"
echo "  machine      : $(nproc) cœurs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
echo "  charge       : load average $(cut -d' ' -f1-3 /proc/loadavg) à la fin (les autres processus de la machine faussent la mesure)"
echo "  client       : $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $threads threads, $connections connexions keep-alive, ${warmup} s d'échauffement puis ${duration} s par route"
echo "                 client et serveur partagent les mêmes cœurs : les chiffres sont un plancher pour le serveur seul"
echo "  requête      : GET avec Authorization: Bearer <jeton d'accès>, Accept-Encoding: gzip (comme un téléphone), sans If-None-Match"
echo "  serveur      : ${binary#$root/} demo (données de démo 90 jours), 127.0.0.1:$port, RATE_LIMIT_PROVIDER=$rate_limit (limiteur levé pour la mesure), DJOBEA_RESPONSE_CACHE=$response_cache"
echo "  prestataire  : $provider_line"
echo ""
printf '  %-28s %10s %9s %9s %9s %8s %9s %11s %9s\n' "route" "req/s" "p50 ms" "p99 ms" "max ms" "non-2xx" "err sock" "CPU serveur" "CPU wrk"
for path in "${endpoints[@]}"; do
  printf '  %-28s %10.0f %9.2f %9.2f %9.2f %8s %9s %10s%% %8s%%\n' "$path" "${rps[$path]}" "${p50[$path]}" "${p99[$path]}" "${maxl[$path]}" \
    "${non2xx[$path]}" "${sockerr[$path]}" "${srv_cpu[$path]}" "${wrk_cpu[$path]}"
done
echo "  (CPU en % d'un cœur ; 200 % = les 2 cœurs. Réponses : ${probe[/provider/dashboard/stats]} / ${probe[/provider/requests]})"
echo ""
echo "  RSS serveur  : au repos $(mb "$idle_rss_kb") MB ; VmRSS max échantillonné (toutes les 0,1 s) $(mb "$max_rss_kb") MB ; VmHWM final (pic du processus de service) $(mb "$hwm_kb") MB"
echo "                 (processus générateur de la démo, séparé et non mesuré : VmHWM $(mb "$gen_hwm_kb") MB)"
echo ""
echo "  objectifs issue 3 :"
stats="/provider/dashboard/stats"
for path in "${endpoints[@]}"; do
  echo "    p99 < ${target_p99_ms} ms sur $path : ${p99[$path]} ms — $(verdict "${p99[$path]}" "<" "$target_p99_ms")"
done
echo "    ≥ ${target_rps_stats} req/s sur $stats : ${rps[$stats]} — $(verdict "${rps[$stats]}" ">=" "$target_rps_stats")"
echo "    RSS < ${target_rss_mb} MB (VmHWM) : $(mb "$hwm_kb") MB — $(verdict "$(mb "$hwm_kb")" "<" "$target_rss_mb")"
