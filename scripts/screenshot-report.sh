#!/usr/bin/env bash
# Opens a bench-ops report in headless Chromium and saves a screenshot of the whole page:
#   scripts/screenshot-report.sh bench-out/report.html bench-out/report.png
# Installs Debian's chromium first if it is missing (apt-get, as root or through sudo).
set -euo pipefail
report="${1:?usage: $0 REPORT.html OUT.png}"
out="${2:?usage: $0 REPORT.html OUT.png}"
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends chromium
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
# The page is about 1,000 px wide; give the window the page's height so one shot holds it.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size=1150,4000 \
  --screenshot="$(realpath -m "$out")" "file://$(realpath "$report")" 2>/dev/null
echo "wrote $out"
