#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster and Redis on loopback, on free ports, for tests.
#   scripts/services.sh start DIR   -> writes DIR/env (ROUTEPLAN_TEST_PG_URL, ROUTEPLAN_TEST_REDIS_URL)
#   scripts/services.sh stop DIR
# No system service is touched. Needs Debian's postgresql and redis-server packages.
set -euo pipefail
action="${1:?start|stop}"; dir="${2:?state folder}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$action" in
start)
  mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"; : > "$dir/env"
  bin="$(pg_bin)"
  if [ -n "$bin" ]; then
    port=$(free_port)
    mkdir -p "$dir/pg"
    if [ "$(id -u)" = 0 ]; then chmod 755 "$dir"; chown postgres "$dir/pg"; fi  # initdb runs as postgres
    as_pg "$bin/initdb" -D "$dir/pg/data" -U routeplan --auth=trust -E UTF8 >"$dir/pg.log" 2>&1
    as_pg "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w \
      -o "-k $dir/pg -p $port -c listen_addresses=127.0.0.1 -c fsync=off" start >>"$dir/pg.log" 2>&1
    echo "ROUTEPLAN_TEST_PG_URL=postgresql+psycopg://routeplan@127.0.0.1:$port/postgres" >> "$dir/env"
    echo "postgres: 127.0.0.1:$port"
  else
    echo "postgres: not installed (apt-get install postgresql); PostgreSQL tests will skip" >&2
  fi
  if command -v redis-server >/dev/null; then
    port=$(free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir"
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    echo "$port" > "$dir/redis.port"
    echo "ROUTEPLAN_TEST_REDIS_URL=redis://127.0.0.1:$port/0" >> "$dir/env"
    echo "redis: 127.0.0.1:$port"
  else
    echo "redis: not installed (apt-get install redis-server); queue tests will skip" >&2
  fi
  ;;
stop)
  [ -d "$dir" ] || exit 0
  bin="$(pg_bin)"
  if [ -n "$bin" ] && [ -d "$dir/pg/data" ]; then
    as_pg "$bin/pg_ctl" -D "$dir/pg/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis.port" ]; then
    redis-cli -p "$(cat "$dir/redis.port")" shutdown nosave >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
