#!/usr/bin/env bash
# Create .venv with Python 3.12 and install routeplan with the given extras, pinned by
# constraints.txt. Needs: Python 3.12 (python3.12 on PATH, or pyenv with 3.12 installed).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

find_python() {
  for cand in python3.12 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions/3.12"*/bin/python3.12 python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then
  py=$(find_python) || { echo "routeplan needs Python 3.12 (python3.12 on PATH or pyenv 3.12)" >&2; exit 1; }
  rm -rf .venv
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e "$spec"
