#!/usr/bin/env bash
# Set up and run the main job: a synthetic Zhengzhou day, solved, summary printed, plan written.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/routeplan demo "$@"
