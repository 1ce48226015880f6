#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests (Debian's postgresql-15, see scripts/prerequisites.sh).
#
#   scripts/pg-cluster.sh start DIR   makes a cluster in DIR (created if missing, must be empty) and prints its URL,
#                                     postgresql://djobea@127.0.0.1:PORT/postgres
#   scripts/pg-cluster.sh stop DIR    stops it and removes DIR
#   scripts/pg-cluster.sh pause DIR   stops the server at once (as a crash would), keeping DIR
#   scripts/pg-cluster.sh resume DIR  starts it again on the same port (tests of a database that goes away)
#
# Superuser `djobea`, trust authentication, 127.0.0.1 only on a free port, unix socket in DIR, fsync off, C locale
# (text compares byte by byte, as in SQLite). As root, the server runs as the unprivileged system user `djobea-pg`
# (created if missing): PostgreSQL refuses to run as root.
set -euo pipefail
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
usage() { echo "usage: $0 start|stop|pause|resume DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
command=$1
dir=$2

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u djobea-pg -- "$@"; else "$@"; fi
}

server_start() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -p $1 -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
}

case "$command" in
pause)
  dir=$(cd "$dir" && pwd)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  ;;
resume)
  dir=$(cd "$dir" && pwd)
  server_start "$(cat "$dir/port")"
  ;;
start)
  [ -x "$bin/initdb" ] || { echo "PostgreSQL 15 introuvable ($bin) : lancez scripts/prerequisites.sh" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -n "$(ls -A "$dir")" ]; then echo "le dossier $dir n'est pas vide" >&2; exit 1; fi
  if [ "$(id -u)" -eq 0 ]; then
    id -u djobea-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin djobea-pg
    chown djobea-pg "$dir"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U djobea --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  # A free port: ask the kernel for one, and try again if another process takes it before the server does.
  for attempt in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if server_start "$port"; then
      echo "$port" >"$dir/port"
      echo "postgresql://djobea@127.0.0.1:$port/postgres"
      exit 0
    fi
    [ "$attempt" -lt 5 ] && sleep 1
  done
  echo "le serveur PostgreSQL n'a pas démarré (journal : $dir/postgres.log)" >&2
  tail -20 "$dir/postgres.log" >&2 || true
  exit 1
  ;;
stop)
  [ -d "$dir" ] || exit 0
  if [ -z "$(ls -A "$dir")" ]; then rmdir "$dir"; exit 0; fi
  # Only a directory this script made is removed.
  if [ ! -f "$dir/data/PG_VERSION" ] && [ ! -f "$dir/initdb.log" ]; then
    echo "$dir n'est pas un cluster de scripts/pg-cluster.sh : rien n'est supprimé" >&2
    exit 1
  fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*) usage ;;
esac
