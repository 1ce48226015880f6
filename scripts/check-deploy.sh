#!/usr/bin/env bash
# Checks what deploy/ gives a hub operator, without systemd running and without touching this machine's system:
#   - deploy/install.sh --root, run from a release tarball's layout (the binary beside deploy/), into a temporary root
#     (seeded with the base-system files the units rely on: systemd's own units, /bin/sh, find) installs the binary,
#     the units, hub.env, the directories, enables the backup timer, creates the database, and prints the enrolment
#     step with commands the binary really has;
#   - a second run changes nothing (a listing of every path, mode, link and checksum, before and after; the database is
#     compared by its logical content, since opening it rewrites pages without changing a row);
#   - the operator's hub.env survives a reinstall;
#   - `systemd-analyze verify --root` passes, silently, on every installed unit (and fails once the binary is gone);
#   - the backup unit's command, as systemd would run it, writes a backup the binary can read (and, with --verify,
#     records its verification in the data directory);
#   - `promtool check rules` and `promtool test rules` on deploy/prometheus/;
#   - docs/guide-operateur.md: each djobea command of its shell blocks, with its options, is in `djobea help`; its
#     links stay inside the repository;
#   - --uninstall removes binary and units and keeps data, backups and settings; a second --uninstall is harmless.
#
#   scripts/check-deploy.sh .build/debug/djobea
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

fail() {
  echo "check-deploy: ÉCHEC : $*" >&2
  exit 1
}

[ $# -eq 1 ] || { echo "usage: $0 BINARY (e.g. .build/debug/djobea)" >&2; exit 2; }
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$binary" ] || fail "binaire introuvable ou non exécutable : $1"
for tool in systemd-analyze systemctl promtool python3; do
  command -v "$tool" >/dev/null || fail "$tool manquant (scripts/prerequisites.sh l'installe)"
done

root=$(mktemp -d "${TMPDIR:-/tmp}/djobea-deploy.XXXXXX")
log=$root.log
trap 'rm -rf "$root" "$root.tarball" "$log"' EXIT

# A release tarball's layout: the binary beside deploy/ (install.sh's default binary).
tarball=$root.tarball
mkdir -p "$tarball"
cp -r deploy "$tarball/"
ln -s "$binary" "$tarball/djobea"

# The tarball's install.sh with the given arguments into the temporary root; its output goes to $log, shown on failure.
run_install() {
  if ! "$tarball/deploy/install.sh" --root "$root" "$@" >"$log" 2>&1; then
    cat "$log" >&2
    fail "deploy/install.sh --root $* a échoué (sortie ci-dessus)"
  fi
}

# Every path under the root with its type, mode, owner, link target and, for files, checksum and modification time.
# The database files are described by their rows and schema (python3's sqlite3 dump), since each open may move pages.
listing() {
  (
    cd "$root"
    find . -printf '%y %m %u:%g %p -> %l\n' | sort
    find . -type f ! -name 'djobea.sqlite*' -printf '%T@ %p\n' | sort -k2
    find . -type f ! -name 'djobea.sqlite*' -print0 | sort -z | xargs -0 sha256sum
    python3 - var/lib/djobea/djobea.sqlite <<'EOF'
import hashlib, sqlite3, sys
connection = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print("database", hashlib.sha256("\n".join(connection.iterdump()).encode()).hexdigest())
EOF
  )
}

# --- A base system under the temporary root: what the units need besides djobea ----------------------------------
for link in bin sbin lib; do
  if [ -L "/$link" ]; then
    mkdir -p "$root/usr/$link"
    ln -s "$(readlink "/$link")" "$root/$link"
  fi
done
mkdir -p "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
for unit in deploy/systemd/*; do
  # The executables of Exec*= lines other than djobea (prefixes such as "-" or "+" dropped).
  sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$unit"
done | sort -u | while read -r executable; do
  [ "$executable" = /usr/local/bin/djobea ] && continue
  [ -x "$executable" ] || fail "$executable (commande d'une unité de deploy/systemd) absent de cette machine"
  mkdir -p "$(dirname "$root$executable")"
  cp -L "$executable" "$root$executable"
done

# --- First install -----------------------------------------------------------------------------------------------
echo "install.sh --root (first run, from a release tarball's layout: the binary beside deploy/)"
run_install
first_output=$(cat "$log")
cmp -s "$binary" "$root/usr/local/bin/djobea" || fail "binaire installé différent de $binary"
[ -x "$root/usr/local/bin/djobea" ] || fail "binaire installé non exécutable"
for unit in deploy/systemd/*; do
  cmp -s "$unit" "$root/etc/systemd/system/$(basename "$unit")" || fail "unité $(basename "$unit") non installée"
done
cmp -s deploy/hub.env.example "$root/etc/djobea/hub.env" || fail "/etc/djobea/hub.env n'est pas deploy/hub.env.example"
for dir in var/lib/djobea var/backups/djobea etc/djobea; do
  [ -d "$root/$dir" ] || fail "dossier /$dir absent"
  [ "$(stat -c %a "$root/$dir")" = 750 ] || fail "/$dir : mode $(stat -c %a "$root/$dir"), attendu 750"
done
[ "$(stat -c %a "$root/etc/djobea/hub.env")" = 640 ] || fail "hub.env lisible par tous (attendu 640)"
[ "$(systemctl --root="$root" is-enabled djobea-backup.timer)" = enabled ] || fail "djobea-backup.timer non activé"
[ "$(systemctl --root="$root" is-enabled djobea-hub.service)" = disabled ] || fail "djobea-hub activé avant l'enrôlement"
"$binary" status --data "$root/var/lib/djobea" >"$log" 2>&1 || { cat "$log" >&2; fail "djobea status sur la base créée"; }
grep -q "(hub)" "$log" || fail "la base créée n'est pas celle d'un hub : $(cat "$log")"
grep -q "utilisateur système djobea n'est pas créé" <<<"$first_output" || fail "--root : pas de message sur l'utilisateur"
# The next step names commands and options the binary has.
grep -q "djobea central enroll-hub --data .* --name .* --zones" <<<"$first_output" || fail "étape suivante : enroll-hub absent"
grep -q "djobea sync --once --data /var/lib/djobea --central .* --enroll" <<<"$first_output" || fail "étape suivante : sync --once --enroll absent"
"$binary" help central enroll-hub | grep -q -- "--zones <zones>" || fail "djobea central enroll-hub n'a pas --zones"
"$binary" help sync | grep -q -- "--enroll <enroll>" || fail "djobea sync n'a pas --enroll"

# --- Second install: nothing changes -----------------------------------------------------------------------------
echo "install.sh --root (second run: nothing may change)"
before=$(listing)
run_install --binary "$binary"
grep -q "rien n'a été modifié" "$log" || { cat "$log" >&2; fail "la deuxième installation annonce des changements"; }
after=$(listing)
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") >&2 || true
  fail "la deuxième installation a modifié la racine (différences ci-dessus)"
fi

# --- The operator's settings survive a reinstall -----------------------------------------------------------------
echo "install.sh --root keeps an edited hub.env"
echo "DJOBEA_PORT=9090  # réglage de l'opérateur" >>"$root/etc/djobea/hub.env"
cp "$root/etc/djobea/hub.env" "$root.env"
run_install --binary "$binary"
cmp -s "$root.env" "$root/etc/djobea/hub.env" || fail "la réinstallation a modifié hub.env"
rm -f "$root.env"

# --- The units -----------------------------------------------------------------------------------------------------
echo "systemd-analyze verify --root"
for unit in deploy/systemd/*; do
  name=$(basename "$unit")
  if ! out=$(systemd-analyze verify --root="$root" "/etc/systemd/system/$name" 2>&1) || [ -n "$out" ]; then
    echo "$out" >&2
    fail "systemd-analyze verify $name (ci-dessus)"
  fi
done
# The verification is live: without the binary, the hub unit fails it.
mv "$root/usr/local/bin/djobea" "$root/djobea.moved"
if systemd-analyze verify --root="$root" /etc/systemd/system/djobea-hub.service >/dev/null 2>&1; then
  fail "systemd-analyze verify accepte l'unité du hub sans binaire : la vérification ne vérifie rien"
fi
mv "$root/djobea.moved" "$root/usr/local/bin/djobea"

echo "the backup unit's command, as systemd runs it"
command=$(sed -n 's/^ExecStart=//p' deploy/systemd/djobea-backup.service |
  sed -e 's/%%/%/g' -e 's/\$\$/$/g' -e "s#/usr/local/bin/#$root/usr/local/bin/#g" -e "s#/var/#$root/var/#g")
eval "$command" >"$log" 2>&1 || { cat "$log" >&2; fail "la commande de djobea-backup.service a échoué"; }
backup=$(find "$root/var/backups/djobea" -name 'djobea-*.sqlite' | head -n 1)
[ -n "$backup" ] || fail "djobea-backup.service n'a pas écrit de fichier djobea-*.sqlite"
grep -q "Sauvegarde vérifiée" "$log" || { cat "$log" >&2; fail "djobea-backup.service : pas de « Sauvegarde vérifiée »"; }
[ -f "$root/var/lib/djobea/backup-verified.json" ] || fail "djobea-backup.service --verify n'a pas noté la vérification"
mkdir "$root/restored"
"$binary" restore --data "$root/restored" --from "$backup" >"$log" 2>&1 || { cat "$log" >&2; fail "la sauvegarde ne se restaure pas"; }
rm -rf "$root/restored"

# --- Alerting rules ------------------------------------------------------------------------------------------------
echo "promtool check rules, promtool test rules"
promtool check rules deploy/prometheus/alerts.yml >"$log" 2>&1 || { cat "$log" >&2; fail "promtool check rules"; }
(cd deploy/prometheus && promtool test rules alerts.test.yml) >"$log" 2>&1 || { cat "$log" >&2; fail "promtool test rules"; }

# --- The operator guide ---------------------------------------------------------------------------------------------
echo "docs/guide-operateur.md: every djobea command of its shell blocks exists, every link stays in the repository"
python3 - "$binary" docs/guide-operateur.md <<'EOF' || fail "docs/guide-operateur.md : commande ou lien faux (ci-dessus)"
import os, re, subprocess, sys
binary, guide = sys.argv[1:]
text = open(guide, encoding="utf-8").read()
known = {"hub", "central", "sync", "demo", "migrate", "backup", "restore", "status", "serve", "enroll-hub", "revoke-hub", "doctor"}
helps, problems, checked = {}, [], 0
for block in re.findall(r"```sh\n(.*?)```", text, re.S):
    for line in block.splitlines():
        line = re.split(r"\s#|\||;|&&", line)[0]
        for match in re.finditer(r"(?<![\w/-])(?:/usr/local/bin/)?djobea(?= )", line):
            tokens = line[match.end():].split()
            subcommand = []
            while tokens and tokens[0] in known:
                subcommand.append(tokens.pop(0))
            if not subcommand:
                if tokens and re.fullmatch(r"[a-z][a-z-]*", tokens[0]):
                    problems.append(f"djobea {tokens[0]} : commande inconnue ({line.strip()})")
                continue
            key = " ".join(subcommand)
            if key not in helps:
                run = subprocess.run([binary, "help", *subcommand], capture_output=True, text=True)
                helps[key] = run.stdout if run.returncode == 0 else None
            if helps[key] is None:
                problems.append(f"djobea {key} : commande inconnue ({line.strip()})")
                continue
            for flag in (t for t in tokens if t.startswith("--")):
                if not re.search(re.escape(flag) + r"\b", helps[key]):
                    problems.append(f"djobea {key} {flag} : option inconnue ({line.strip()})")
            checked += 1
if problems or checked == 0:
    print("\n".join(problems) or "aucune commande djobea trouvée", file=sys.stderr)
    sys.exit(1)
for target in re.findall(r"\]\(([^)]+)\)", text):
    path = os.path.normpath(os.path.join(os.path.dirname(guide), target.split("#")[0]))
    if re.match(r"[a-z]+:", target) or path.startswith("..") or not os.path.exists(path):
        print(f"lien hors du dépôt ou cassé : {target}", file=sys.stderr)
        sys.exit(1)
EOF

# --- Uninstall -----------------------------------------------------------------------------------------------------
echo "install.sh --root --uninstall (data, backups and settings kept)"
data_before=$(cd "$root" && python3 - var/lib/djobea/djobea.sqlite <<'EOF'
import hashlib, sqlite3, sys
print(hashlib.sha256("\n".join(sqlite3.connect(sys.argv[1]).iterdump()).encode()).hexdigest())
EOF
)
run_install --uninstall
grep -q "Conservés" "$log" || fail "--uninstall ne dit pas ce qui est conservé"
[ ! -e "$root/usr/local/bin/djobea" ] || fail "--uninstall a laissé le binaire"
for unit in deploy/systemd/*; do
  [ ! -e "$root/etc/systemd/system/$(basename "$unit")" ] || fail "--uninstall a laissé $(basename "$unit")"
done
[ -z "$(find "$root/etc/systemd/system" -name 'djobea-*')" ] || fail "--uninstall a laissé un lien d'activation"
cmp -s "$root/etc/djobea/hub.env" <(cat deploy/hub.env.example; echo "DJOBEA_PORT=9090  # réglage de l'opérateur") ||
  fail "--uninstall a touché hub.env"
[ -n "$(find "$root/var/backups/djobea" -name 'djobea-*.sqlite')" ] || fail "--uninstall a supprimé les sauvegardes"
data_after=$(cd "$root" && python3 - var/lib/djobea/djobea.sqlite <<'EOF'
import hashlib, sqlite3, sys
print(hashlib.sha256("\n".join(sqlite3.connect(sys.argv[1]).iterdump()).encode()).hexdigest())
EOF
)
[ "$data_before" = "$data_after" ] || fail "--uninstall a modifié la base du hub"
run_install --uninstall
grep -q "déjà absents" "$log" || fail "un second --uninstall ne dit pas que tout est déjà retiré"

echo "deploy checks passed in $(($(date +%s) - started)) s"
