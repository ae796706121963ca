#!/usr/bin/env bash
# Debian packages kommcert needs beyond Python wheels; a no-op when everything is present.
#   pdf      WeasyPrint's libraries (Pango, HarfBuzz subsetting) and the DejaVu fonts of the print stylesheet
#   browser  Debian's chromium for the browser tests (never a downloaded browser build)
# Usage: scripts/ensure-system-packages.sh [pdf] [browser]   (no argument: both)
set -euo pipefail

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(pdf browser)

missing=()
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]; }
for group in "${groups[@]}"; do
  case "$group" in
    pdf)
      for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
        installed "$pkg" || missing+=("$pkg")
      done ;;
    browser)
      [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core) ;;
    *)
      echo "Unbekannte Paketgruppe „$group“ (pdf, browser)." >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -gt 0 ] || exit 0

if ! command -v apt-get >/dev/null; then
  echo "Es fehlen Systempakete: ${missing[*]} – bitte mit dem Paketverwalter des Systems installieren." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  command -v sudo >/dev/null || { echo "Es fehlen Systempakete: bitte 'apt-get install ${missing[*]}' als root ausführen." >&2; exit 1; }
  SUDO="sudo"
fi
echo "Installiere Debian-Pakete: ${missing[*]} …"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
