"""A local web server (pages, assets, tile and events stubs) and Debian's chromium for tests."""

from __future__ import annotations

import json
import os
import shutil
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from routeplan.domain.clock import TimeWindow
from routeplan.domain.plan import BreakSlot, Kpis, Plan, Reason, Route, Stop, Unassigned
from routeplan.domain.policy import Policy
from routeplan.domain.team import Mode
from routeplan.maps import asset_files

CHROMIUM = os.environ.get("ROUTEPLAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "maps"
PHONE = {"width": 390, "height": 844}


def page_data(html: str) -> dict[str, Any]:
    """The JSON data block a map page carries (what its script builds the page from)."""
    start = html.index('<script type="application/json" id="rp-data">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    data: dict[str, Any] = json.loads(body)
    return data


def tile_png(size: int = 256) -> bytes:
    """A plain light-grey PNG, as a stand-in for every map tile."""
    raw = b"".join(b"\x00" + b"\xe8\xeb\xee" * size for _ in range(size))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


@dataclass
class Site:
    """What the local server serves and what it received."""

    base: str = ""
    pages: dict[str, str] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    tile_requests: list[str] = field(default_factory=list)
    event_status: int = 201

    def url(self, path: str) -> str:
        return self.base + path


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    assets = asset_files()
    png = tile_png()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str, cache: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if cache:  # as the service should serve versioned assets
                self.send_header("Cache-Control", "public, max-age=31536000, immutable")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path.startswith("/assets/") and path[len("/assets/"):] in assets:
                name = path[len("/assets/"):]
                ctype = {"js": "text/javascript", "css": "text/css", "png": "image/png"}.get(
                    name.rsplit(".", 1)[-1], "text/plain")
                self._send(200, assets[name].read_bytes(), ctype + "; charset=utf-8", cache=True)
            elif path.startswith("/tiles/"):
                site.tile_requests.append(path)
                self._send(200, png, "image/png", cache=True)
            elif path == "/m/routeplan-sw.js":
                self._send(200, assets["routeplan-sw.js"].read_bytes(), "text/javascript")
            elif path in site.pages:
                self._send(200, site.pages[path].encode(), "text/html; charset=utf-8")
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if self.path.startswith("/m/") and self.path.endswith("/events"):
                site.events.append({"path": self.path,
                                    "content_type": self.headers.get("Content-Type"),
                                    "json": json.loads(body)})
                self._send(site.event_status, b'{"ok": true}', "application/json")
            else:
                self._send(404, b"not found", "text/plain")

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"Debian's chromium is needed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def phone(browser: Any, site: Site) -> Iterator[tuple[Any, list[str]]]:
    """A phone-sized page that records every request the page makes."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    try:
        yield page, requests
    finally:
        context.close()


# ---- a small hand-made plan: three stops around Zhengzhou, a lunch break ----

ZZ = (113.6254, 34.7466)


def _stop(vid: str, east: float, north: float, arrive: str, service_min: int,
          window: tuple[str, str] | None = None) -> Stop:
    h, m = (int(x) for x in arrive.split(":"))
    start = h * 3600 + m * 60
    return Stop(visit_id=vid, borrower_id=f"B-{vid}", location=(ZZ[0] + east, ZZ[1] + north),
                arrival=start, start=start, departure=start + service_min * 60,
                window=TimeWindow.parse(*window) if window else None)


def small_plan() -> Plan:
    stops = (
        _stop("V00017", 0.020, 0.010, "09:10", 20, ("09:00", "12:00")),
        _stop("V00003", 0.045, -0.012, "10:05", 30),
        _stop("V00042", 0.010, -0.030, "13:40", 25, ("13:00", "17:30")),
    )
    route = Route(team_id="T001", members=("C001a", "C001b"), mode=Mode.CAR, stops=stops,
                  breaks=(BreakSlot(12 * 3600, 13 * 3600),), start_s=8 * 3600 + 45 * 60,
                  end_s=15 * 3600, distance_m=21_000, driving_s=3_000, start_location=ZZ,
                  end_location=ZZ)
    other = Route(team_id="T002", members=("C002a", "C002b"), mode=Mode.CAR,
                  stops=(_stop("V00051", -0.03, 0.02, "09:30", 20),), breaks=(),
                  start_s=9 * 3600, end_s=11 * 3600, distance_m=9_000, driving_s=1_500,
                  start_location=ZZ, end_location=ZZ)
    kpis = Kpis(visits_planned=4, visits_unassigned=1, priority_planned=40, priority_total=50,
                must_visits_planned=0, must_visits_total=0, distance_m=30_000, driving_s=4_500,
                waiting_s=0, service_s=95 * 60, teams_used=2,
                utilisation={"T001": 0.6, "T002": 0.2},
                unassigned_by_reason={"over_capacity": 1})
    return Plan(day=date(2026, 12, 1), routes=(route, other),
                unassigned=(Unassigned("V00099", Reason.OVER_CAPACITY, "当天运力已满。",
                                       "No capacity left."),),
                kpis=kpis, policy=Policy())
