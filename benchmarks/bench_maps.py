"""Map page figures: HTML size (without the shared, cached assets) and render time in chromium.

A 40-stop field page (target ≤ 300 KB, ≤ 1 s) and the overview of a 300-stop plan (same
targets), medians over several loads. Plans are laid out from a synthetic Henan day without the
solver (only rendering is measured). Run: .venv/bin/python benchmarks/bench_maps.py
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import threading
import time
from datetime import date
from http.server import ThreadingHTTPServer
from pathlib import Path

from routeplan.domain.plan import BreakSlot, Kpis, Plan, Reason, Route, Stop, Unassigned
from routeplan.domain.policy import Policy
from routeplan.domain.team import Mode
from routeplan.domain.visit import Visit
from routeplan.maps import TileProvider, field_page_html, overview_html
from routeplan.workflows.synth import synth_day

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the local server of the tests
from tests.maps.conftest import CHROMIUM, CHROMIUM_ARGS, Site, _handler


def _plan(visits: list[Visit], per_team: int, unassigned: int) -> Plan:
    """Routes of `per_team` stops in angular order around the first visit, 12 min apart."""
    placed = [v for v in visits if v.location is not None]
    base = placed[0].location
    assert base is not None
    routed = placed[: len(placed) - unassigned]
    routed.sort(key=lambda v: math.atan2(v.location[1] - base[1], v.location[0] - base[0])
                if v.location else 0.0)
    routes = []
    for t in range(math.ceil(len(routed) / per_team)):
        chunk = routed[t * per_team:(t + 1) * per_team]
        stops = tuple(Stop(v.visit_id, v.borrower_id, v.location or base, 8 * 3600 + i * 720,
                           8 * 3600 + i * 720, 8 * 3600 + i * 720 + 600, window=v.window)
                      for i, v in enumerate(chunk))
        routes.append(Route(f"T{t + 1:03d}", (f"C{t}a", f"C{t}b"), Mode.CAR, stops,
                            (BreakSlot(12 * 3600, 13 * 3600),), 7 * 3600 + 3000,
                            stops[-1].departure + 1800, 80_000, 9_000, base, base))
    left = tuple(Unassigned(v.visit_id, Reason.OVER_CAPACITY, "当天运力已满。", "full")
                 for v in placed[len(placed) - unassigned:])
    kpis = Kpis(len(routed), len(left), 0, 0, 0, 0, 0, 0, 0, 0, len(routes), {}, {})
    return Plan(date(2026, 12, 1), tuple(routes), left, kpis, Policy())


def _median_ms(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tiles = TileProvider.amap().with_url(site.url("/tiles/{z}/{x}/{y}.png"))

    field_visits = list(synth_day(visits=40, teams=1, seed=5).visits)
    field_plan = _plan(field_visits, 40, 0)
    day = synth_day(prefectures=None, visits=340, teams=20, seed=5)
    big = _plan(list(day.visits), 15, 40)

    pages = {
        "field page, 40 stops": (
            lambda: field_page_html(field_plan, "T001", tiles=tiles, assets_url="/assets/",
                                    events_url="/m/t/events", sheet_url="/m/t/sheet"), 40),
        "overview, 300 stops": (
            lambda: overview_html(big, visits=day.visits, tiles=tiles, assets_url="/assets/"),
            sum(len(r.stops) for r in big.routes)),
    }
    from playwright.sync_api import sync_playwright

    print(f"{'page':<24}{'stops':>6}{'HTML KB':>10}{'build ms':>10}{'render ms':>11}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (build, stops) in pages.items():
            html = build()
            build_ms = _median_ms(build, args.runs)
            path = "/bench/" + name.split(",")[0].replace(" ", "-")
            site.pages[path] = html
            context = browser.new_context(viewport={"width": 390, "height": 844}
                                          if "field" in name else
                                          {"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(site.url(path), wait_until="load")  # warm the asset cache
            renders = []
            for _ in range(args.runs):
                page.reload(wait_until="load")
                page.wait_for_selector(".rp-pin")
                renders.append(page.evaluate(
                    "() => performance.getEntriesByType('navigation')[0].loadEventEnd"))
            timing = page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " const r = performance.getEntriesByType('resource');"
                " return [n.domContentLoadedEventEnd, r.length,"
                " Math.max(...r.map(e => e.responseEnd))]; }")
            context.close()
            print(f"  (DOMContentLoaded {timing[0]:.0f} ms, {timing[1]} requests, "
                  f"last response {timing[2]:.0f} ms)")
            print(f"{name:<24}{stops:>6}{len(html.encode()) / 1024:>10.1f}{build_ms:>10.0f}"
                  f"{statistics.median(renders):>11.0f}")
        browser.close()
    server.shutdown()
    print("targets: HTML ≤ 300 KB, render ≤ 1000 ms (load event, assets cached, tiles stubbed)")


if __name__ == "__main__":
    main()
