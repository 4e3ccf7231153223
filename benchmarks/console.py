"""Console page weight and first paint with a 300-stop plan (target: first paint <= 1 s).

Starts `routeplan serve` in its own process, stores a solved ~300-stop Zhengzhou day, signs in
to /console in Debian's chromium and opens the plan's result page and the plan list, each
`--runs` times. Prints the page weight (HTML, CSS, JS and the teams' QR codes), the server's
time for the HTML, first contentful paint and the load event (QR codes included), for the
first view (the plan parsed, QR codes drawn) and for later ones.

    .venv/bin/python benchmarks/console.py [--stops 300] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = os.environ.get("ROUTEPLAN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _solved(c: httpx.Client, stops: int) -> str:
    from routeplan_api.services.demo import synthetic_records

    visits, teams = synthetic_records(visits=stops + 60, teams=32, seed=7)
    body = {"date": "2026-12-01", "visits": visits, "teams": teams, "time_limit_s": 20,
            "seed": 1}
    pid = str(c.post("/v1/plans", json=body).json()["plan_id"])
    while (plan := c.get(f"/v1/plans/{pid}").json())["status"] not in ("done", "failed"):
        time.sleep(0.5)
    n = sum(len(r["stops"]) for r in plan["plan"]["routes"])
    print(f"stored plan: {n} stops in {len(plan['plan']['routes'])} routes, "
          f"{plan['plan']['kpis']['visits_unassigned']} unassigned")
    return pid


def _measure(page: Any, url: str) -> dict[str, float]:
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "() => performance.getEntriesByName('first-contentful-paint').length > 0")
    out = dict(page.evaluate("""() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      let bytes = nav.transferSize || nav.encodedBodySize;
      for (const r of performance.getEntriesByType('resource')) bytes += r.transferSize
          || r.encodedBodySize;
      return {html_kib: nav.encodedBodySize / 1024, total_kib: bytes / 1024,
              ttfb_ms: nav.responseStart - nav.requestStart,
              fcp_ms: fcp ? fcp.startTime : -1, load_ms: nav.loadEventEnd};
    }"""))
    page.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stops", type=int, default=300)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from routeplan_api.persistence import Store
    from routeplan_api.security import Role

    data = Path(tempfile.mkdtemp(prefix="routeplan-bench-console-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"sqlite:///{data / 'routeplan.db'}"
    store = Store(url)
    row, key = store.keys.create(Role.DISPATCHER, label="bench")
    env = {**os.environ, "ROUTEPLAN_DATA_DIR": str(data), "ROUTEPLAN_DATABASE_URL": url,
           "ROUTEPLAN_PUBLIC_BASE_URL": base, "ROUTEPLAN_LOCAL_WORKERS": "2",
           "ROUTEPLAN_RATE_LIMIT_EXEMPT_KEYS": f'["{row.id}"]'}
    exe = Path(sys.executable).with_name("routeplan")
    server = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"},
                          timeout=120) as c:
            for _ in range(300):
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            pid = _solved(c, args.stops)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 900},
                                          locale="zh-CN")
            page = context.new_page()
            page.goto(f"{base}/console/login")
            page.fill("#key", key)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/console/plans")
            for name, path in (("result page", f"/console/plans/{pid}"),
                               ("plan list", "/console/plans")):
                cold = _measure(context.new_page(), base + path)  # parses, draws QR codes
                runs = [_measure(context.new_page(), base + path) for _ in range(args.runs)]
                med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                worst = max(r["fcp_ms"] for r in runs)
                print(f"{name}: HTML {med['html_kib']:.0f} KiB, all {med['total_kib']:.0f} KiB; "
                      f"server {med['ttfb_ms']:.0f} ms; first paint median "
                      f"{med['fcp_ms']:.0f} ms (worst {worst:.0f} ms, target <= 1000); "
                      f"load {med['load_ms']:.0f} ms; first view: server "
                      f"{cold['ttfb_ms']:.0f} ms, first paint {cold['fcp_ms']:.0f} ms")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        store.close()


if __name__ == "__main__":
    main()
