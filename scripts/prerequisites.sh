#!/usr/bin/env bash
# Installs the system packages Djobea Edge builds and tests against, if any is missing (Debian/Ubuntu).
# BROWSER=0 skips chromium and chromium-driver (the PWA's browser tests and page-load benchmark need them).
set -euo pipefail
packages=(libsqlite3-dev libssl-dev zlib1g-dev libbrotli-dev)
# node runs the PWA's unit tests (node --test); any node already on the PATH will do.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
# python3 reads the hub's SQLite file in the browser tests (sqlite3 module of the standard library).
command -v python3 >/dev/null 2>&1 || packages+=(python3)
# A throwaway PostgreSQL 15 cluster runs the PostgreSQL tests (scripts/with-postgres.sh).
packages+=(postgresql-15)
# The invoice and export documents are checked by real readers: qpdf --check and pdftotext (PDF), openpyxl under
# Debian's /usr/bin/python3 (XLSX).
packages+=(qpdf poppler-utils python3-openpyxl)
# The deploy checks (scripts/check-deploy.sh): promtool (in Debian's prometheus package) checks and tests the alerting
# rules, systemd-analyze verifies the units.
packages+=(prometheus)
command -v systemd-analyze >/dev/null 2>&1 || packages+=(systemd)
if [ "${BROWSER:-1}" != 0 ]; then packages+=(chromium chromium-driver); fi
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installation des prérequis manquants : ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
