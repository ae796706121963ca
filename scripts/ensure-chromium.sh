#!/usr/bin/env bash
# Kept for existing callers (CI): the system packages of the test suite, Debian's chromium and the PDF libraries.
set -euo pipefail
exec bash "$(dirname "$0")/ensure-system-packages.sh" pdf browser
