#!/usr/bin/env bash
# The browser tests drive Debian's chromium (never a downloaded browser build).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  command -v sudo >/dev/null || { echo "chromium fehlt: bitte 'apt-get install chromium' als root ausführen." >&2; exit 1; }
  SUDO="sudo"
fi
echo "Installiere Debians chromium für die Browser-Tests …"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
test -x /usr/bin/chromium
