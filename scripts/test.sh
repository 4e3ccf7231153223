#!/usr/bin/env bash
# Set up and run the whole test suite: lint, types, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
scripts/setup.sh dev
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
