"""API latency and throughput: a 300-stop plan stored, 50 clients each waiting 1 s, saturation,
and the acknowledgement time of POST /v1/plans while two solves run. Prints figures.

The service runs under uvicorn in its own process; the load comes from another process (an
asyncio + httpx generator), so client and server do not share an interpreter.

    .venv/bin/python benchmarks/bench_api.py [--clients 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _client(base: str, headers: dict[str, str], urls: list[str], wait_s: float,
                  until: float, out: list[float], errors: list[int]) -> None:
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as c:
        i = 0
        if wait_s:
            # clients start at random moments within the first wait, as people at desks do;
            # 50 clients firing in the same millisecond would measure one burst, not a load
            await asyncio.sleep(random.uniform(0.0, wait_s))
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            r = await c.get(urls[i % len(urls)])
            out.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors.append(r.status_code)
            i += 1
            if wait_s:
                await asyncio.sleep(wait_s)


def _load(base: str, key: str, urls: list[str], clients: int, wait_s: float, seconds: float,
          queue: Any) -> None:
    """Runs in a separate process: `clients` concurrent loops for `seconds`."""
    lat: list[float] = []
    errs: list[int] = []

    async def main() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_client(base, {"Authorization": f"Bearer {key}"}, urls, wait_s,
                                       until, lat, errs) for _ in range(clients)))

    t0 = time.perf_counter()
    asyncio.run(main())
    queue.put((lat, errs, time.perf_counter() - t0))


def _run_load(base: str, key: str, urls: list[str], clients: int, wait_s: float,
              seconds: float) -> tuple[list[float], list[int], float]:
    q: Any = mp.get_context("spawn").Queue()
    p = mp.get_context("spawn").Process(target=_load,
                                        args=(base, key, urls, clients, wait_s, seconds, q))
    p.start()
    result = q.get()
    p.join()
    return result  # type: ignore[no-any-return]


_WRK_SCRIPT = """
wrk.headers["Authorization"] = "Bearer %(key)s"
local calls = 0
function delay()
  if %(wait)d == 0 then return 0 end
  calls = calls + 1
  -- each connection's first request starts at a random moment within the first wait
  if calls <= %(clients)d then return math.random(0, %(wait)d) end
  return %(wait)d
end
function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
              + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%d\\n", summary.requests, bad,
           latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.duration))
end
"""


def _wrk(base: str, key: str, path: str, clients: int, wait_s: float,
         seconds: float) -> tuple[int, int, float, float, float]:
    """wrk (C, one thread, negligible CPU): requests, errors, p50 ms, p95 ms, requests/s."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(_WRK_SCRIPT % {"key": key, "wait": int(wait_s * 1000), "clients": clients})
    try:
        out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{int(seconds)}s", "--timeout",
                              "30s", "-s", f.name, base + path],
                             capture_output=True, text=True, check=True).stdout
    finally:
        Path(f.name).unlink()
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, bad, p50, p95, micros = line.split()[1:]
    return int(n), int(bad), float(p50), float(p95), int(n) / (int(micros) / 1e6)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--stops", type=int, default=300)
    ap.add_argument("--generator", choices=("wrk", "python"),
                    default="wrk" if shutil.which("wrk") else "python",
                    help="load generator: wrk (apt-get install wrk) or asyncio + httpx")
    args = ap.parse_args()

    from routeplan_api.persistence import Store
    from routeplan_api.security import Role
    from routeplan_api.services.demo import synthetic_records

    data = Path(tempfile.mkdtemp(prefix="routeplan-bench-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    url = os.environ.get("ROUTEPLAN_DATABASE_URL") or f"sqlite:///{data / 'routeplan.db'}"
    store = Store(url)
    bench_row, key = store.keys.create(Role.DISPATCHER, label="bench")
    env = {**os.environ, "ROUTEPLAN_DATA_DIR": str(data), "ROUTEPLAN_DATABASE_URL": url,
           "ROUTEPLAN_PUBLIC_BASE_URL": base, "ROUTEPLAN_LOCAL_WORKERS": "2",
           "ROUTEPLAN_RATE_LIMIT_EXEMPT_KEYS": json.dumps([bench_row.id])}
    exe = Path(sys.executable).with_name("routeplan")
    server = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        hdr = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=hdr, timeout=120) as c:
            for _ in range(300):
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            visits, teams = synthetic_records(visits=args.stops + 40, teams=30, seed=7)
            body = {"date": "2026-12-01", "visits": visits, "teams": teams,
                    "time_limit_s": 20, "seed": 1}
            pid = c.post("/v1/plans", json=body).json()["plan_id"]
            while (plan := c.get(f"/v1/plans/{pid}").json())["status"] not in ("done", "failed"):
                time.sleep(0.5)
            stops = sum(len(r["stops"]) for r in plan["plan"]["routes"])
            team = max(plan["plan"]["routes"], key=lambda r: len(r["stops"]))["team_id"]
            print(f"stored plan: {stops} stops in {len(plan['plan']['routes'])} routes, "
                  f"GET body {len(json.dumps(plan)) / 1024:.0f} KiB")
            urls = [f"/v1/plans/{pid}", f"/v1/plans/{pid}/routes/{team}"]
            names = {urls[0]: "plan", urls[1]: "route", "/healthz": "healthz"}
            for path, name in names.items():
                one = []
                for _ in range(200):
                    t0 = time.perf_counter()
                    c.get(path)
                    one.append(time.perf_counter() - t0)
                print(f"one client, one request at a time, {name:>7}: "
                      f"p50={_pct(one, .5):.1f} ms p95={_pct(one, .95):.1f} ms")

            print(f"load generator: {args.generator}")
            labels = {urls[0]: "GET plan ", urls[1]: "GET route"}
            for path in urls:
                if args.generator == "wrk":
                    n, bad, p50, p95, _ = _wrk(base, key, path, args.clients, 1.0, args.seconds)
                else:
                    lat, errs, _ = _run_load(base, key, [path], args.clients, 1.0, args.seconds)
                    n, bad, p50, p95 = len(lat), len(errs), _pct(lat, .5), _pct(lat, .95)
                print(f"{labels[path]} {args.clients} clients x 1 req/s: n={n} "
                      f"p50={p50:.1f} ms p95={p95:.1f} ms errors={bad}")
            for path in urls:
                if args.generator == "wrk":
                    n, bad, p50, _, rate = _wrk(base, key, path, args.clients, 0.0, 10.0)
                else:
                    lat, errs, wall = _run_load(base, key, [path], args.clients, 0.0, 10.0)
                    n, bad, p50, rate = len(lat), len(errs), _pct(lat, .5), len(lat) / wall
                print(f"saturation {labels[path][4:]}: {rate:.0f} req/s "
                      f"(p50={p50:.1f} ms, errors={bad})")

            small_v, small_t = synthetic_records(visits=60, teams=5, seed=2)
            small = {"date": "2026-12-01", "visits": small_v, "teams": small_t,
                     "time_limit_s": 30}
            solving = [c.post("/v1/plans", json=small).json()["plan_id"] for _ in range(2)]
            while not all(c.get(f"/v1/plans/{p}").json()["status"] == "solving"
                          for p in solving):
                time.sleep(0.2)
            acks = []
            for _ in range(10):
                t0 = time.perf_counter()
                r = c.post("/v1/plans", json=small)
                acks.append(time.perf_counter() - t0)
                assert r.status_code == 202
            print(f"POST /v1/plans ack while two solves run (60 visits, 5 teams): "
                  f"median {statistics.median(acks) * 1000:.0f} ms, "
                  f"max {max(acks) * 1000:.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)
        store.close()


if __name__ == "__main__":
    main()
