#!/usr/bin/env bash
# Set up and run the main job: the HTTP service on embedded defaults (SQLite, local worker
# pool, straight-line travel times) with a solved synthetic Zhengzhou day. It prints the
# dispatcher URL, a field link and a fresh dispatcher key. Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh service
exec .venv/bin/routeplan serve --demo "$@"
