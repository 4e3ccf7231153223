#!/usr/bin/env bash
# Set up and run the whole test suite: lint, types, then pytest.
# The service tests run on SQLite and on a throwaway PostgreSQL, with a throwaway Redis for the
# queue tests (their fixture starts two `routeplan worker` processes on it): scripts/services.sh
# starts both on free loopback ports when the packages are installed and stops them on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh postgresql redis-server  # the service tests need both
scripts/setup.sh dev
.venv/bin/ruff check src api tests benchmarks scripts
.venv/bin/mypy
svc="$(mktemp -d -t routeplan-services.XXXXXX)"
trap 'scripts/services.sh stop "$svc"; rm -rf "$svc"' EXIT
scripts/services.sh start "$svc"
set -a; . "$svc/env"; set +a
.venv/bin/python -m pytest "$@"
