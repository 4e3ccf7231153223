"""A field link served by the real app (uvicorn), opened in Debian's chromium at phone size."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from routeplan.config import RuntimeConfig
from routeplan_api.config import Settings
from routeplan_api.main import create_app
from routeplan_api.persistence import Store
from tests.api.conftest import make_keys, plan_body
from tests.api.live import PLAN_DAY_MORNING, serving
from tests.maps.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, tile_png

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "api"


@pytest.fixture
def tile_stub() -> Iterator[tuple[str, list[str]]]:
    """Answers every tile with a grey PNG and remembers the paths asked for."""
    seen: list[str] = []
    png = tile_png()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Live:
    base: str
    keys: dict[str, str]

    def headers(self, role: str = "dispatcher") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


@pytest.fixture
def live(database_url: str, tmp_path: Path, tile_stub: tuple[str, list[str]]) -> Iterator[Live]:
    """The real app under uvicorn on a free localhost port, tiles from the local stub."""
    def build(base: str) -> Any:
        runtime = RuntimeConfig(data_dir=tmp_path, tiles="amap",
                                tiles_url=f"{tile_stub[0]}/tiles/{{z}}/{{x}}/{{y}}.png")
        return create_app(Settings(runtime=runtime, database_url=database_url, queue_url="",
                                   public_base_url=base, link_secret="test-secret",
                                   local_workers=1, heartbeat_s=0.2, stale_after_s=5.0,
                                   reap_interval_s=0.5))

    with serving(build) as (base, app):
        store: Store = app.state.services.store
        yield Live(base, make_keys(store))


@pytest.fixture
def phone() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"Debian's chromium is needed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.clock.install(time=PLAN_DAY_MORNING)  # the plan's day, time flowing
        context.clock.resume()
        try:
            yield context
        finally:
            context.close()
            browser.close()


def _solved(live: Live, day: Any) -> tuple[str, dict[str, Any]]:
    with httpx.Client(base_url=live.base, headers=live.headers()) as client:
        pid = client.post("/v1/plans", json=plan_body(day)).json()["plan_id"]
        end = time.monotonic() + 120
        while True:
            body: dict[str, Any] = client.get(f"/v1/plans/{pid}").json()
            if body["status"] in ("done", "failed") or time.monotonic() > end:
                break
            time.sleep(0.1)
    assert body["status"] == "done"
    return pid, body


def test_field_link_in_a_phone_browser_reports_to_the_dispatcher(
        live: Live, phone: Any, small_day: Any, tile_stub: tuple[str, list[str]]) -> None:
    """Right number of markers, only local requests, a tapped stop's outcome reaches
    GET /v1/plans/{id} events; a foreign token shows no route."""
    pid, body = _solved(live, small_day)
    route = next(r for r in body["plan"]["routes"] if r["stops"])
    page = phone.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(route["field_link"], wait_until="networkidle")
    page.wait_for_selector(".rp-pin[data-visit]")
    pins = page.eval_on_selector_all(".leaflet-marker-pane .rp-pin[data-visit]",
                                     "els => els.map(e => e.dataset.visit)")
    assert pins == [s["visit_id"] for s in route["stops"]]
    assert tile_stub[1], "the page asked the tile stub for no tile"
    outside = [u for u in requests if not u.startswith(("http://127.0.0.1:", "data:", "blob:"))]
    assert outside == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "served-field-page-390x844.png"))

    visit = route["stops"][0]["visit_id"]
    page.locator(f'.rp-pin[data-visit="{visit}"]').tap()
    page.locator('.leaflet-popup-content button.rp-out[data-status="done"]').tap()
    page.wait_for_function("() => document.getElementById('rp-sync').hidden")
    page.screenshot(path=str(ARTIFACTS / "served-field-page-reported.png"))
    with httpx.Client(base_url=live.base, headers=live.headers()) as client:
        events = client.get(f"/v1/plans/{pid}").json()["events"]
    assert [(e["visit_id"], e["team_id"], e["status"]) for e in events] == [
        (visit, route["team_id"], "done")]

    r = page.goto(route["field_link"][:-4] + "AAAA")
    assert r is not None and r.status == 404
    assert visit not in page.content()


_CACHED = ("() => caches.keys().then(names => Promise.all(names.map(n => caches.open(n)"
           ".then(c => c.keys())))).then(all => all.flat().map(r => r.url))")


def test_a_revoked_link_leaves_the_phones_cache_on_the_next_contact(
        live: Live, phone: Any, small_day: Any) -> None:
    """The service worker keeps the page for offline use; once the link answers 410 the
    cached page and sheet are gone, so the phone no longer holds the route."""
    pid, body = _solved(live, small_day)
    route = next(r for r in body["plan"]["routes"] if r["stops"])
    link = route["field_link"]
    page = phone.new_page()
    page.goto(link, wait_until="networkidle")
    page.wait_for_selector(".rp-pin[data-visit]")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload(wait_until="networkidle")  # controlled now: the worker caches the page
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.goto(link + "/sheet", wait_until="load")
    cached = page.evaluate(_CACHED)
    assert link in cached and link + "/sheet" in cached

    with httpx.Client(base_url=live.base, headers=live.headers()) as client:
        revoked = client.delete(f"/v1/plans/{pid}/routes/{route['team_id']}/link")
    assert revoked.json() == {"revoked": 1}
    r = page.goto(link)
    assert r is not None and r.status == 410
    cached = page.evaluate(_CACHED)
    assert [u for u in cached if u.startswith(link)] == []
    phone.set_offline(True)
    try:  # offline, nothing cached: the browser's own "no connection" error
        with pytest.raises(Exception, match="ERR_"):
            page.goto(link)
    finally:
        phone.set_offline(False)


def test_an_arrival_tapped_on_the_phone_reaches_the_audit_with_its_evidence(
        live: Live, phone: Any, small_day: Any) -> None:
    """The issue's loop: 已到达 with the phone's position and the members ticked on the served
    page, then the day's audit. Two members at the door: no finding; one member at the next
    stop: `single_collector`, with the distance in metres and no coordinates."""
    _, body = _solved(live, small_day)
    route = next(r for r in body["plan"]["routes"] if len(r["stops"]) >= 2)
    members = next(t["members"] for t in small_day[1] if t["team_id"] == route["team_id"])
    points = {v["visit_id"]: (v["lat"], v["lon"]) for v in small_day[0]}
    first, second = (s["visit_id"] for s in route["stops"][:2])
    phone.grant_permissions(["geolocation"])
    page = phone.new_page()
    # the phone's clock (PLAN_DAY_MORNING, set by the fixture): lawful hours, and earlier
    # than the service's clock (a report is never from the future)
    for visit, ticked in ((first, members), (second, members[:1])):
        lat, lon = points[visit]
        phone.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 20})
        if visit == first:
            page.goto(route["field_link"], wait_until="networkidle")
        card = page.locator(f'[id="stop-{visit}"]')
        for member in ticked:
            card.locator(f'input.rp-member[value="{member}"]').check()
        card.locator('button.rp-out[data-status="arrived"]').tap()
        page.wait_for_function("() => document.getElementById('rp-sync').hidden")

    with httpx.Client(base_url=live.base, headers=live.headers("auditor")) as client:
        audit = client.get("/v1/audit", params={"date": "2026-12-01"})
        assert audit.status_code == 200
        report = audit.json()
    assert report["summary"]["visits_reported"] == 2
    assert [(f["code"], f["visit_id"], f["team_id"]) for f in report["findings"]] == [
        ("single_collector", second, route["team_id"])]
    evidence = report["findings"][0]["evidence"]
    assert evidence["members_present"] == members[:1]
    assert evidence["distance_m"] is not None and evidence["distance_m"] <= 5
    assert evidence["accuracy_m"] == 20
    text = audit.text
    assert str(points[second][0]) not in text and str(points[second][1]) not in text
    with httpx.Client(base_url=live.base, headers=live.headers()) as client:
        assert client.get("/v1/audit", params={"date": "2026-12-01"}).status_code == 403


def test_after_a_replan_the_phone_lists_what_is_new_once(
        live: Live, phone: Any, small_day: Any) -> None:
    """The team had version 1 open; the dispatcher cancels one of its visits; the same link
    then shows version 2 with the change and its reason above the stops, once."""
    pid, body = _solved(live, small_day)
    route = next(r for r in body["plan"]["routes"] if len(r["stops"]) >= 2)
    cancelled = route["stops"][-1]["visit_id"]
    page = phone.new_page()
    page.goto(route["field_link"], wait_until="networkidle")
    page.wait_for_selector(".rp-stop")
    assert page.locator("#rp-news").count() == 0  # a first plan has nothing new
    with httpx.Client(base_url=live.base, headers=live.headers()) as client:
        r = client.post(f"/v1/plans/{pid}/replan",
                        json={"now": "09:00", "cancelled": [cancelled], "time_limit_s": 1})
        assert r.status_code == 202, r.text
        end = time.monotonic() + 120
        while time.monotonic() < end:
            v2 = client.get(f"/v1/plans/{pid}").json()
            if v2["version"] == 2 and v2["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
    assert v2["status"] == "done"
    page.reload(wait_until="networkidle")
    news = page.locator("#rp-news")
    news.wait_for()
    text = news.inner_text()
    assert "第 2 版" in text and cancelled in text and "取消" in text
    assert page.locator(f'[id="stop-{cancelled}"]').count() == 0
    page.reload(wait_until="networkidle")
    page.wait_for_selector(".rp-stop")
    assert page.locator("#rp-news").count() == 0  # told once
