#!/usr/bin/env bash
# Installs a Djobea Edge hub on a Debian machine: the `djobea` system user, its directories, the binary, the systemd
# units and the settings file, then creates or upgrades the hub's database. Idempotent: a second run changes nothing.
#
#   sudo ./deploy/install.sh [--binary FILE]        # on the hub machine (FILE defaults to the djobea of the release)
#   ./deploy/install.sh --root DIR [--binary FILE]  # into a directory tree (tests, images); no user is created
#   sudo ./deploy/install.sh --uninstall            # removes binary and units, keeps data, backups and settings
#
# Everything the operator reads is French (docs/guide-operateur.md is the guide).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=/
binary=""
uninstall=0

usage() {
  cat <<'EOF'
Usage : install.sh [--root DOSSIER] [--binary FICHIER] [--uninstall]

Installe un hub Djobea Edge : utilisateur système djobea, dossiers /var/lib/djobea, /var/backups/djobea et
/etc/djobea, binaire /usr/local/bin/djobea, services systemd (hub et sauvegarde nocturne), réglages
/etc/djobea/hub.env (seulement s'ils n'existent pas), puis crée ou met à jour la base du hub.
Relancer le script ne change rien à une installation à jour.

  --root DOSSIER     installe dans DOSSIER au lieu de / (tests, images) ; l'utilisateur n'y est pas créé
  --binary FICHIER   le binaire djobea à installer (par défaut : celui de l'archive de version, à côté de deploy/)
  --uninstall        retire le binaire et les services ; garde les données, les sauvegardes et les réglages
EOF
}

fail() {
  printf 'Erreur : %s\n' "$*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --root)
      [ $# -ge 2 ] || fail "--root demande un dossier"
      root=$2
      shift 2
      ;;
    --binary)
      [ $# -ge 2 ] || fail "--binary demande un fichier"
      binary=$2
      shift 2
      ;;
    --uninstall)
      uninstall=1
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      fail "option inconnue : $1"
      ;;
  esac
done

[ -d "$root" ] || fail "la racine $root n'existe pas"
root=$(cd "$root" && pwd)
prefix=${root%/}
real_root=0
[ -z "$prefix" ] && real_root=1

if [ "$real_root" = 1 ] && [ "$(id -u)" -ne 0 ]; then
  fail "ce script installe un service système : lancez-le en root (sudo ./deploy/install.sh)"
fi

bin_path=$prefix/usr/local/bin/djobea
unit_dir=$prefix/etc/systemd/system
etc_dir=$prefix/etc/djobea
env_file=$etc_dir/hub.env
data_dir=$prefix/var/lib/djobea
backup_dir=$prefix/var/backups/djobea
units=(djobea-hub.service djobea-backup.service djobea-backup.timer)

# systemd is running on this machine (not a chroot, not a container without it, not an alternative root).
systemd_running() {
  [ "$real_root" = 1 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

# systemctl on the target: the live manager, or the unit files under --root (enable/disable work offline).
target_systemctl() {
  if [ "$real_root" = 1 ]; then
    systemctl "$@"
  else
    systemctl --root="$root" "$@"
  fi
}

hub_running() {
  systemd_running && systemctl is-active --quiet djobea-hub.service
}

if [ "$uninstall" = 1 ]; then
  if hub_running; then
    systemctl stop djobea-hub.service
    echo "Service djobea-hub arrêté."
  fi
  if command -v systemctl >/dev/null 2>&1; then
    for unit in djobea-hub.service djobea-backup.timer; do
      if [ -f "$unit_dir/$unit" ] && [ "$(target_systemctl is-enabled "$unit" 2>/dev/null)" = enabled ]; then
        target_systemctl --quiet disable "$unit"
        echo "Service désactivé : $unit"
      fi
    done
    if systemd_running; then systemctl stop djobea-backup.timer djobea-backup.service 2>/dev/null || true; fi
  fi
  removed=0
  for file in "$bin_path" "${units[@]/#/$unit_dir/}"; do
    if [ -e "$file" ]; then
      rm -f "$file"
      echo "Supprimé : $file"
      removed=1
    fi
  done
  if systemd_running; then systemctl daemon-reload; fi
  [ "$removed" = 1 ] || echo "Rien à supprimer : le binaire et les services étaient déjà absents."
  cat <<EOF

Désinstallation terminée : le binaire et les services du hub sont retirés.
Conservés (rien n'est effacé) :
  - les données du hub : $data_dir
  - les sauvegardes :    $backup_dir
  - les réglages :       $etc_dir
  - l'utilisateur système djobea
Une réinstallation (./deploy/install.sh) reprend ces données telles quelles.
Pour tout effacer, supprimez ces dossiers vous-même, après avoir copié une sauvegarde ailleurs.
EOF
  exit 0
fi

# --- Install -------------------------------------------------------------------------------------------------------

if [ -z "$binary" ]; then
  # A release tarball holds the binary beside deploy/ (and a copy beside this script is accepted too).
  for candidate in "$script_dir/../djobea" "$script_dir/djobea"; do
    if [ -f "$candidate" ]; then
      binary=$candidate
      break
    fi
  done
  [ -n "$binary" ] || fail "binaire djobea introuvable à côté de deploy/ : précisez-le avec --binary FICHIER"
fi
[ -f "$binary" ] || fail "binaire introuvable : $binary"
[ -x "$binary" ] || fail "le binaire $binary n'est pas exécutable (chmod +x $binary)"
for unit in "${units[@]}"; do
  [ -f "$script_dir/systemd/$unit" ] || fail "fichier manquant dans deploy/ : systemd/$unit"
done
[ -f "$script_dir/hub.env.example" ] || fail "fichier manquant dans deploy/ : hub.env.example"

if hub_running; then
  fail "le hub tourne : arrêtez-le d'abord (sudo systemctl stop djobea-hub), relancez ce script, puis redémarrez-le (sudo systemctl start djobea-hub)"
fi

changes=0

# The djobea user and group: on the machine itself only. An alternative root belongs to another machine, whose
# user database this script does not write.
if [ "$real_root" = 1 ]; then
  if ! getent group djobea >/dev/null; then
    groupadd --system djobea
    echo "Groupe système créé : djobea"
    changes=1
  fi
  if ! getent passwd djobea >/dev/null; then
    useradd --system --gid djobea --home-dir /var/lib/djobea --no-create-home --shell /usr/sbin/nologin \
      --comment "Djobea Edge hub" djobea
    echo "Utilisateur système créé : djobea"
    changes=1
  fi
else
  echo "Racine $root : l'utilisateur système djobea n'est pas créé ici (il le sera par ce script lancé sur la machine elle-même)."
fi

# make_dir PATH MODE OWNER:GROUP — creates the directory, then fixes its mode (and owner, on the machine itself).
make_dir() {
  local path=$1 mode=$2 owner=$3
  if [ ! -d "$path" ]; then
    mkdir -p "$path"
    echo "Dossier créé : $path"
    changes=1
  fi
  if [ "$(stat -c %a "$path")" != "$mode" ]; then chmod "$mode" "$path"; fi
  if [ "$real_root" = 1 ] && [ "$(stat -c %U:%G "$path")" != "$owner" ]; then chown "$owner" "$path"; fi
}

# put_file SOURCE DEST MODE — copies SOURCE unless DEST already has the same bytes (so a second run touches nothing).
put_file() {
  local source=$1 dest=$2 mode=$3
  if [ -f "$dest" ] && cmp -s "$source" "$dest"; then
    if [ "$(stat -c %a "$dest")" != "$mode" ]; then chmod "$mode" "$dest"; fi
    return 0
  fi
  mkdir -p "$(dirname "$dest")"
  install -m "$mode" "$source" "$dest"
  echo "Installé : $dest"
  changes=1
}

make_dir "$data_dir" 750 djobea:djobea
make_dir "$backup_dir" 750 djobea:djobea
make_dir "$etc_dir" 750 root:djobea

put_file "$binary" "$bin_path" 755
for unit in "${units[@]}"; do
  put_file "$script_dir/systemd/$unit" "$unit_dir/$unit" 644
done

# The operator's settings are never overwritten: the example is copied only when there is no hub.env yet.
if [ -e "$env_file" ]; then
  echo "Réglages conservés : $env_file (déjà présent, non modifié)"
else
  install -m 640 "$script_dir/hub.env.example" "$env_file"
  echo "Réglages créés : $env_file (à relire : port, clé PROVIDER_TOTP_KEY commune à tous les hubs)"
  changes=1
fi
if [ "$real_root" = 1 ] && [ "$(stat -c %U:%G "$env_file")" != root:djobea ]; then chown root:djobea "$env_file"; fi

if command -v systemctl >/dev/null 2>&1; then
  if systemd_running; then systemctl daemon-reload; fi
  # The nightly backup runs from now on; the hub itself is enabled once enrolled (next step below).
  if [ "$(target_systemctl is-enabled djobea-backup.timer 2>/dev/null)" != enabled ]; then
    target_systemctl --quiet enable djobea-backup.timer
    echo "Sauvegarde nocturne activée : djobea-backup.timer (chaque nuit à 02:00)"
    changes=1
  fi
  if systemd_running; then systemctl start djobea-backup.timer; fi
else
  echo "systemctl absent : activez la sauvegarde nocturne vous-même (systemctl enable --now djobea-backup.timer)."
fi

# Files left to root by a command run without `sudo -u djobea` would stop the service: give them back.
if [ "$real_root" = 1 ] && [ -n "$(find "$data_dir" "$backup_dir" \( ! -user djobea -o ! -group djobea \) -print -quit)" ]; then
  chown -R djobea:djobea "$data_dir" "$backup_dir"
  echo "Fichiers rendus à l'utilisateur djobea : $data_dir, $backup_dir"
  changes=1
fi

# Creates the hub's database, or brings it to this binary's schema (nothing changes when it is already there).
echo "Base du hub :"
if [ "$real_root" = 1 ]; then
  runuser -u djobea -- "$bin_path" migrate --data /var/lib/djobea ||
    fail "djobea migrate a échoué (ci-dessus) : si un hub tourne sur /var/lib/djobea, arrêtez-le puis relancez ce script"
else
  "$bin_path" migrate --data "$data_dir" ||
    fail "djobea migrate a échoué (ci-dessus) sur $data_dir"
fi

echo
if [ "$changes" = 0 ]; then
  echo "Installation déjà à jour : rien n'a été modifié."
else
  echo "Installation terminée."
fi
if [ -f "$data_dir/central-link.json" ]; then
  cat <<'EOF'
Ce hub est déjà enrôlé auprès du central. Démarrage ou redémarrage du service :
  sudo systemctl enable --now djobea-hub
  sudo systemctl restart djobea-hub
EOF
else
  cat <<'EOF'
Étape suivante : enrôler ce hub auprès du central.
  1. Sur le central, l'équipe ops crée le jeton d'enrôlement (à usage unique, valable 24 h) :
       djobea central enroll-hub --data <dossier du central> --name <NomDuHub> --zones <zone1,zone2>
  2. Ici, enrôlement et première synchronisation avec ce jeton, sous l'utilisateur djobea (s'arrête seul) :
       sudo -u djobea /usr/local/bin/djobea sync --once --data /var/lib/djobea --central <URL du central> --enroll <jeton>
  3. Démarrez le service (il redémarre seul après une panne ou un redémarrage de la machine) :
       sudo systemctl enable --now djobea-hub
Réglages du hub : /etc/djobea/hub.env. Guide de l'opérateur : docs/guide-operateur.md (dans l'archive de version, à côté de deploy/).
EOF
fi
