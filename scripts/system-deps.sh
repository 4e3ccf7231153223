#!/usr/bin/env bash
# Install the system packages the test suite uses, from Debian's archive (needs root):
# chromium (browser tests of the field pages) and fonts-noto-cjk (Chinese text in pages and
# charts). Skips what is already installed; elsewhere, install the equivalents by hand.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing system packages: ${need[*]} (install them with your package manager)" >&2
  exit 1
fi
for attempt in 1 2 3; do  # another apt may hold the lock for a moment
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; then
    exit 0
  fi
  sleep 10
done
exit 1
