#!/usr/bin/env bash
# Builds what a hub operator downloads: one stripped `djobea` binary with the Swift runtime linked in
# (--static-swift-stdlib) and the PWA compiled in, checked with ldd, packed with deploy/ and a README into
# dist/djobea-<version>-linux-<arch>.tar.gz, with its .sha256 beside it.
#
#   scripts/release.sh [--output DIR]
#
# The release build has its own scratch directory (.build/release-static), so it never invalidates the debug build of
# the tests. Fails if the binary needs a library a Debian machine does not get from its base system plus libsqlite3-0,
# libssl3, zlib1g and libbrotli1 (the PWA's brotli encoder) — in particular any Swift runtime library.
#
# Time on 2 shared cores: about 16 min from a cold scratch directory (the release build), about 30 s when nothing
# changed since the last run (build check, strip, the smoke run below, gzip -9 of ~99 MB); a changed module is
# recompiled with its dependents (minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

output=dist
while [ $# -gt 0 ]; do
  case "$1" in
    --output) output=$2; shift 2 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "release.sh: option inconnue $1 (voir --help)" >&2; exit 2 ;;
  esac
done

scratch=.build/release-static
# --no-export-dynamic undoes the -export-dynamic of the static runtime's link arguments: nothing loads plug-ins into
# djobea, and its dynamic symbol table (every Swift symbol of the program) would add 7.5 MB that strip cannot remove.
build=(swift build -c release --product djobea --static-swift-stdlib --scratch-path "$scratch" -Xlinker --no-export-dynamic)
started=$(date +%s)
echo "== ${build[*]}"
"${build[@]}"
built=$(date +%s)
binary="$("${build[@]}" --show-bin-path)/djobea"

# The libraries the binary may load: the C library and its parts, the C++ and GCC runtimes (libstdc++6 and libgcc-s1 are
# in every Debian base system: apt needs them), zlib, SQLite, OpenSSL and brotli. Anything else fails the release.
allowed='^(linux-vdso\.so\.1|ld-linux[-a-z0-9_.]*\.so\.[0-9]+|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libutil\.so\.1|libgcc_s\.so\.1|libstdc\+\+\.so\.6|libz\.so\.1|libsqlite3\.so\.0|libssl\.so\.3|libcrypto\.so\.3|libbrotlienc\.so\.1|libbrotlidec\.so\.1|libbrotlicommon\.so\.1)$'
swift_runtime='^(libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu|libCoreFoundation)'
echo "== ldd $binary"
ldd_output=$(ldd "$binary")
echo "$ldd_output"
failed=0
while read -r line; do
  [ -n "$line" ] || continue
  library=${line%% *}
  library=${library##*/}
  if [[ "$line" == *"not found"* ]]; then
    echo "release.sh: bibliothèque introuvable sur cette machine : $line" >&2
    failed=1
  elif [[ "$library" =~ $swift_runtime ]]; then
    echo "release.sh: le binaire dépend encore du runtime Swift : $library" >&2
    failed=1
  elif ! [[ "$library" =~ $allowed ]]; then
    echo "release.sh: bibliothèque hors du système de base Debian (+ libsqlite3-0, libssl3, zlib1g, libbrotli1) : $library" >&2
    failed=1
  fi
done <<<"$ldd_output"
[ "$failed" = 0 ] || exit 1

version=$("$binary" --version | sed -n '1s/^djobea //p')
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "release.sh: version illisible dans « djobea --version » : $version" >&2; exit 1; }
arch=$(uname -m)
name="djobea-$version-linux-$arch"
stage=$(mktemp -d)
alone=$(mktemp -d)
hub_pid=""
cleanup() {
  if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; fi
  rm -rf "$stage" "$alone"
}
trap cleanup EXIT
mkdir -p "$stage/$name"
strip --strip-all -o "$stage/$name/djobea" "$binary"
chmod 755 "$stage/$name/djobea"
cp -R deploy "$stage/$name/deploy"
# The operator's guide, at the same place relative to deploy/ as in the repository, so that its links still work.
mkdir -p "$stage/$name/docs"
cp docs/guide-operateur.md "$stage/$name/docs/guide-operateur.md"

# The acceptance of the issue "the hub as an appliance": the stripped binary copied alone into an empty directory, run
# from a directory without web/, makes its data directory and serves the app and the API.
echo "== $name/djobea seul dans un dossier vide : hub --data <nouveau dossier>, puis /, /manifest.webmanifest, /sw.js, /healthz"
cp "$stage/$name/djobea" "$alone/djobea"
mkdir "$alone/run"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$alone/run" && exec env -u DJOBEA_WEB_DIR ../djobea hub --data ../donnees/hub --port "$port" --host 127.0.0.1 >"$alone/hub.log" 2>&1) &
hub_pid=$!
for _ in $(seq 1 120); do
  grep -q "^Application prestataire" "$alone/hub.log" && break
  kill -0 "$hub_pid" 2>/dev/null || break
  sleep 0.5
done
cat "$alone/hub.log"
smoke() { # path, text the answer must contain
  # The whole answer first: `curl | grep -q` fails under pipefail when grep stops reading at its match (curl: 23).
  local body
  body=$(curl -fsS --compressed "http://127.0.0.1:$port$1") || { echo "release.sh: $1 sans réponse correcte" >&2; exit 1; }
  grep -qF -- "$2" <<<"$body" || { echo "release.sh: $1 ne contient pas « $2 »" >&2; exit 1; }
}
grep -q "^Application prestataire.*intégrée au binaire" "$alone/hub.log" || { echo "release.sh: le hub ne sert pas l'application intégrée" >&2; exit 1; }
smoke / '<html lang="fr">'
smoke /manifest.webmanifest '"lang": "fr"'
smoke /sw.js 'const MANIFEST = { version: "'
smoke /healthz '"status":"ok"'
kill -TERM "$hub_pid"
wait "$hub_pid" || true
hub_pid=""
# The Debian package of each library (dpkg knows /lib/... or /usr/lib/... depending on the package: try both).
packages=$(for library in $(ldd "$binary" | awk '/=>/ { print $3 } /^[[:space:]]*\// { print $1 }'); do
  { dpkg -S "$library" 2>/dev/null || dpkg -S "$(readlink -f "$library")" 2>/dev/null; } | head -1 | cut -d: -f1
done | sort -u | tr '\n' ' ')
cat >"$stage/$name/README.md" <<EOF
# Djobea Edge $version — hub (Linux $arch)

\`djobea\` est un seul fichier : le serveur (hub, central, outils) et l'application des prestataires (PWA) compilée
dedans. Aucun runtime Swift à installer.

Contenu :
- \`djobea\` : le binaire (\`./djobea --version\` affiche la version, le protocole de synchronisation et les schémas).
- \`docs/guide-operateur.md\` : **le guide de l'opérateur**, à suivre dans l'ordre (installation, enrôlement, HTTPS,
  sauvegardes, mises à jour, console ops, alertes, dépannage).
- \`deploy/\` : installation (\`sudo ./deploy/install.sh\`), unités systemd, exemple \`hub.env\`, proxy inverse (Caddy,
  nginx), règles d'alerte Prometheus, modèles WhatsApp.
- \`djobea-$version-linux-$arch.tar.gz.sha256\` (à côté de l'archive) : vérifiez-la avec \`sha256sum -c\`.

Bibliothèques nécessaires sur Debian 12 (toutes dans le système de base, sauf SQLite et brotli) :

    sudo apt-get install libsqlite3-0 libbrotli1 zlib1g

Pour installer un hub en service (utilisateur, services systemd, HTTPS, sauvegardes, surveillance) : suivez
\`docs/guide-operateur.md\`, en commençant par « En bref : le hub en service en un quart d'heure ».

Pour essayer sans rien installer, un hub en une commande (le dossier de données est créé et sa base migrée) :

    ./djobea hub --data /var/lib/djobea --central https://central.exemple.cm --enroll <jeton>

Le jeton vient de \`djobea central enroll-hub --name <nom> --zones <zones>\` sur le central. L'application est alors
servie à \`/\` (et \`/app\`), l'état du hub à \`/healthz\` et la console à \`/ops\`.

Paquets Debian des bibliothèques liées à la construction : $packages
EOF
mkdir -p "$output"
tarball="$output/$name.tar.gz"
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "$name" | gzip -9n >"$tarball"
(cd "$output" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
finished=$(date +%s)

echo "== $tarball"
echo "construction : $((built - started)) s ; total : $((finished - started)) s"
echo "binaire non strippé : $(stat -c %s "$binary") octets ; strippé : $(stat -c %s "$stage/$name/djobea") octets"
echo "archive : $(stat -c %s "$tarball") octets ; $(cat "$output/$name.tar.gz.sha256")"
echo "paquets Debian : $packages"
