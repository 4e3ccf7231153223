"""The field page in a real browser at phone size: markers, line, popups, links, reports."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from routeplan.geo.crs import Crs, from_wgs84
from routeplan.maps import TileProvider, field_page_html
from tests.maps.conftest import ARTIFACTS, Site, small_plan

TOKEN = "tok-abc"
FORBIDDEN = re.compile(r"催收|催款|欠款|欠费|逾期|金额|债务|还款|本金|利息|¥|￥|\d\s*元|"
                       r"overdue|debt|amount|collection", re.IGNORECASE)


def _serve_field(site: Site, **kw: Any) -> str:
    tiles = TileProvider.amap().with_url(site.url("/tiles/{z}/{x}/{y}.png"))
    html = field_page_html(small_plan(), "T001", tiles=tiles, assets_url="/assets/",
                           events_url=f"/m/{TOKEN}/events", sheet_url=f"/m/{TOKEN}/sheet",
                           **kw)
    site.pages[f"/m/{TOKEN}"] = html
    return site.url(f"/m/{TOKEN}")


def _open(page: Any, url: str) -> None:
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector(".rp-pin[data-visit]")


def test_markers_in_visit_order_with_the_route_line_and_only_local_requests(
        phone: tuple[Any, list[str]], site: Site) -> None:
    page, requests = phone
    _open(page, _serve_field(site))
    pins = page.eval_on_selector_all(
        ".leaflet-marker-pane .rp-pin[data-visit]",
        "els => els.map(e => [e.dataset.n, e.dataset.visit, e.innerText.trim()])")
    assert pins == [["1", "V00017", "1"], ["2", "V00003", "2"], ["3", "V00042", "3"]]
    assert page.locator("path.rp-route").count() == 1
    assert site.tile_requests, "the map asked the tile stub for no tile"
    outside = [u for u in requests if not u.startswith(site.base) and not u.startswith("data:")]
    assert outside == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "field-page-390x844.png"))


def _expected(visit_lonlat: tuple[float, float]) -> dict[str, tuple[float, float]]:
    gcj = from_wgs84(visit_lonlat[0], visit_lonlat[1], Crs.GCJ02)
    bd = from_wgs84(visit_lonlat[0], visit_lonlat[1], Crs.BD09)
    return {"gcj": gcj, "bd": bd}


def _close(text: str, value: float) -> bool:
    return abs(float(text) - value) < 2e-6


def test_tapping_a_stop_opens_its_popup_with_links_in_each_apps_datum(
        phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    _open(page, _serve_field(site))
    page.locator('.rp-pin[data-visit="V00003"]').tap()
    popup = page.locator(".leaflet-popup-content .rp-pop")
    popup.wait_for()
    assert "V00003" in popup.inner_text()
    assert "10:05" in popup.inner_text()
    page.screenshot(path=str(ARTIFACTS / "field-page-popup.png"))
    links = {a.get_attribute("data-provider"): a for a in popup.locator("a.rp-nav").all()}
    assert set(links) == {"amap", "baidu", "tencent"}
    stop = next(s for s in small_plan().routes[0].stops if s.visit_id == "V00003")
    exp = _expected(stop.location)
    glon, glat = exp["gcj"]
    blon, blat = exp["bd"]
    # the datum shift is real: about 500 m (GCJ-02) and more (BD-09) in Zhengzhou
    assert abs(glon - stop.location[0]) > 0.003
    assert abs(blat - stop.location[1]) > 0.003

    amap_web = parse_qs(urlsplit(links["amap"].get_attribute("href")).query)
    lon, lat, name = amap_web["to"][0].split(",")  # AMap: lon first
    assert _close(lon, glon)
    assert _close(lat, glat)
    assert name == "V00003"
    assert amap_web["coordinate"] == ["gaode"]
    for attr in ("data-ios", "data-android"):
        app = parse_qs(urlsplit(links["amap"].get_attribute(attr)).query)
        assert _close(app["dlat"][0], glat)
        assert _close(app["dlon"][0], glon)
        assert app["dev"] == ["0"]  # coordinates are GCJ-02 already: no shift by the app

    baidu_web = parse_qs(urlsplit(links["baidu"].get_attribute("href")).query)
    lat, lon = baidu_web["location"][0].split(",")  # Baidu: lat first
    assert _close(lat, blat)
    assert _close(lon, blon)
    assert baidu_web["coord_type"] == ["bd09ll"]
    baidu_app = parse_qs(urlsplit(links["baidu"].get_attribute("data-android")).query)
    latlng = baidu_app["destination"][0].split("|")[0]
    assert latlng.startswith("latlng:")
    lat, lon = latlng[len("latlng:"):].split(",")
    assert _close(lat, blat)
    assert _close(lon, blon)
    assert baidu_app["coord_type"] == ["bd09ll"]

    tencent = parse_qs(urlsplit(links["tencent"].get_attribute("href")).query)
    lat, lon = tencent["tocoord"][0].split(",")  # Tencent: lat first, GCJ-02
    assert _close(lat, glat)
    assert _close(lon, glon)
    assert urlsplit(links["tencent"].get_attribute("data-ios")).scheme == "qqmap"


def test_a_nav_tap_on_android_tries_the_app_then_falls_back_to_the_web_page(
        browser: Any, site: Site) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                   "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36")
    reached: list[str] = []

    def stub(route: Any) -> None:  # answered here: nothing leaves the machine
        reached.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>amap</p>")

    context.route("https://uri.amap.com/**", stub)
    try:
        page = context.new_page()
        _open(page, _serve_field(site))
        page.locator('#stop-V00042 a.rp-nav[data-provider="amap"]').tap()
        page.wait_for_timeout(2500)
        assert reached
        assert reached[0].startswith("https://uri.amap.com/navigation?")
        assert "V00042" in reached[0]
    finally:
        context.close()


def test_an_outcome_tap_posts_the_report_as_json_and_marks_the_stop(
        phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    _open(page, _serve_field(site))
    page.locator('.rp-pin[data-visit="V00003"]').tap()
    page.locator('.leaflet-popup-content button.rp-out[data-status="done"]').tap()
    page.wait_for_function("() => document.querySelector('#stop-V00003').dataset.state"
                           " === 'done'")
    page.wait_for_timeout(300)
    assert len(site.events) == 1
    event = site.events[0]
    assert event["path"] == f"/m/{TOKEN}/events"
    assert event["content_type"] == "application/json"
    body = event["json"]
    assert {k: body[k] for k in ("visit_id", "team_id", "status", "note")} == {
        "visit_id": "V00003", "team_id": "T001", "status": "done", "note": ""}
    assert re.fullmatch(r"2\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", body["at"])
    assert re.fullmatch(r"[0-9a-f-]{36}", body["event_id"])
    assert "rp-pin-done" in (page.locator('.rp-pin[data-visit="V00003"]')
                             .get_attribute("class") or "")
    assert page.locator("#stop-V00003 .rp-state").inner_text() == "已完成"


def test_reports_made_offline_are_sent_when_the_phone_is_back_online(
        phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    _open(page, _serve_field(site))
    page.context.set_offline(True)
    page.locator('#stop-V00017 button.rp-out[data-status="arrived"]').tap()
    page.wait_for_function("() => !document.getElementById('rp-sync').hidden && "
                           "document.getElementById('rp-sync').innerText.includes('待上报')")
    assert site.events == []
    page.context.set_offline(False)
    page.wait_for_function("() => document.getElementById('rp-sync').hidden")
    assert [e["json"]["status"] for e in site.events] == ["arrived"]


def test_stored_outcomes_show_on_the_page(phone: tuple[Any, list[str]], site: Site) -> None:
    from datetime import datetime

    from routeplan.domain.clock import SHANGHAI
    from routeplan.domain.outcome import Outcome, OutcomeStatus

    page, _ = phone
    done = Outcome("V00017", "T001", OutcomeStatus.NOT_AT_HOME,
                   datetime(2026, 12, 1, 9, 20, tzinfo=SHANGHAI))
    foreign = Outcome("V00042", "T002", OutcomeStatus.DONE,
                      datetime(2026, 12, 1, 9, 20, tzinfo=SHANGHAI))
    _open(page, _serve_field(site, outcomes=[done, foreign]))
    assert page.locator("#stop-V00017").get_attribute("data-state") == "not_at_home"
    assert page.locator("#stop-V00017 .rp-state").inner_text() == "无人在家"
    assert page.locator("#stop-V00042").get_attribute("data-state") == "pending"


def test_labels_show_case_references_only(phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    url = _serve_field(site)
    html = site.pages[f"/m/{TOKEN}"]
    assert not FORBIDDEN.search(html)
    assert "B-V000" not in html  # borrower ids never reach the page
    _open(page, url)
    page.locator('.rp-pin[data-visit="V00017"]').tap()
    page.locator(".leaflet-popup-content .rp-pop").wait_for()
    text = page.evaluate("() => document.body.innerText")
    assert not FORBIDDEN.search(text)
    titles = page.eval_on_selector_all(".rp-pin", "els => els.map(e => e.title)")
    assert all(re.fullmatch(r"(\d+ V\d{5}|出发/返回地点)", t) for t in titles)
    assert "出示工作证件" in text
    assert "全程记录" in text


@pytest.mark.slow
def test_the_page_opens_offline_once_loaded_with_the_service_worker(
        phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    url = _serve_field(site, sw_url="/m/routeplan-sw.js")
    _open(page, url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null ||"
                           " navigator.serviceWorker.ready.then(() => true)")
    page.reload(wait_until="networkidle")  # now controlled: page and assets are cached
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload(wait_until="networkidle")
    page.context.set_offline(True)
    page.reload(wait_until="load")
    page.wait_for_selector(".rp-pin[data-visit]")
    assert page.locator(".rp-pin[data-visit]").count() == 3
    page.context.set_offline(False)
