"""The field page a collector would not trade for paper: address, next stop, notes, waits, pins.

Real browser at phone size (390x844): the masked address line, the next stop highlighted and
moving on after a report, the note sent with the outcome, long waits explained, pins that
never cover each other (nor the base), nothing wider than the phone, the late warning, and
the sheet readable at phone width and on A4 with the plan's dates in Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from routeplan.domain.plan import Plan, Stop
from routeplan.domain.policy import Policy
from routeplan.domain.visit import Visit
from routeplan.maps import TileProvider, field_page_html, route_sheet_html
from tests.maps.conftest import ARTIFACTS, ZZ, Site, small_plan

TOKEN = "tok-day"
ADDRESS = "河南省郑州市金水区花园路59号院3号楼2单元501室"


def _at(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 3600 + int(m) * 60


def _visits(plan: Plan) -> list[Visit]:
    return [Visit(s.visit_id, s.borrower_id, s.location, address=ADDRESS)
            for r in plan.routes for s in r.stops]


def _serve(site: Site, plan: Plan, **kw: Any) -> str:
    tiles = TileProvider.amap().with_url(site.url("/tiles/{z}/{x}/{y}.png"))
    site.pages[f"/m/{TOKEN}"] = field_page_html(
        plan, "T001", tiles=tiles, assets_url="/assets/", events_url=f"/m/{TOKEN}/events",
        sheet_url=f"/m/{TOKEN}/sheet", **kw)
    return site.url(f"/m/{TOKEN}")


def _open(page: Any, url: str) -> None:
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector(".rp-pin[data-visit]")


def test_each_stop_shows_its_masked_address_unless_the_policy_turns_it_off(
        phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    plan = small_plan()
    _open(page, _serve(site, plan, visits=_visits(plan)))
    assert page.eval_on_selector_all(".rp-addr", "els => els.map(e => e.textContent)") == [
        "📍 金水区 花园路 ***"] * 3
    assert "59号" not in page.evaluate("() => document.body.textContent")
    hidden = replace(plan, policy=Policy().with_overrides({"maps.show_address": False}))
    _open(page, _serve(site, hidden, visits=_visits(plan)))
    assert page.locator(".rp-addr").count() == 0


def test_the_next_stop_is_highlighted_and_moves_on_with_a_report_and_its_note(
        phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    _open(page, _serve(site, small_plan()))
    assert page.eval_on_selector_all(".rp-stop.rp-next", "els => els.map(e => e.id)") == [
        "stop-V00017"]
    assert "rp-pin-next" in (page.locator('.rp-pin[data-visit="V00017"]')
                             .get_attribute("class") or "")
    card = page.locator("#stop-V00017")
    card.locator("textarea.rp-note").fill("门口有狗，改从北门进")
    card.locator('button.rp-out[data-status="arrived"]').tap()
    page.wait_for_function("() => document.getElementById('rp-sync').hidden")
    # arrived is not the end of a visit: still the next stop
    assert page.eval_on_selector_all(".rp-stop.rp-next", "els => els.map(e => e.id)") == [
        "stop-V00017"]
    card.locator('button.rp-out[data-status="done"]').tap()
    page.wait_for_function("() => document.querySelector('#stop-V00003.rp-next') !== null")
    assert page.locator(".rp-stop.rp-next").count() == 1
    assert "rp-pin-next" in (page.locator('.rp-pin[data-visit="V00003"]')
                             .get_attribute("class") or "")
    assert "rp-pin-next" not in (page.locator('.rp-pin[data-visit="V00017"]')
                                 .get_attribute("class") or "")
    assert [(e["json"]["status"], e["json"]["note"]) for e in site.events] == [
        ("arrived", "门口有狗，改从北门进"), ("done", "")]


def _waiting_plan() -> Plan:
    plan = small_plan()
    route = plan.routes[0]
    first, second, third = route.stops
    # at the door at 09:00 for a window that opens at 10:29: 89 minutes to wait
    early = replace(second, arrival=_at("09:50"), start=_at("11:19"), departure=_at("11:49"))
    return replace(plan, routes=(replace(route, stops=(first, early, third)), plan.routes[1]))


def test_a_long_wait_is_explained_in_words(phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    _open(page, _serve(site, _waiting_plan()))
    assert page.locator("#stop-V00003 .rp-wait").text_content() == (
        "⏳ 提前到达，可在附近等候 89 分钟，11:19 开始拜访")
    assert page.locator("#stop-V00017 .rp-wait").count() == 0


def _crowded_plan() -> Plan:
    """Three stops in one building beside the base, one a street away: pins would pile up."""
    plan = small_plan()
    route = plan.routes[0]
    here = (ZZ[0] + 0.0001, ZZ[1])
    stops = tuple(Stop(f"V1000{i}", f"B{i}", loc, _at(t), _at(t), _at(t) + 1200)
                  for i, (loc, t) in enumerate([(here, "09:00"), (here, "09:30"),
                                                (here, "10:00"), ((ZZ[0] + 0.01, ZZ[1]),
                                                                  "11:00")]))
    return replace(plan, routes=(replace(route, stops=stops, breaks=()), plan.routes[1]))


_RECTS = ("() => [...document.querySelectorAll('.leaflet-marker-pane .rp-pin span')]"
          ".map(e => { const r = e.getBoundingClientRect();"
          " return [e.textContent, r.left, r.top, r.right, r.bottom]; })")


def _overlaps(rects: list[list[Any]]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            if a[1] < b[3] - 1 and b[1] < a[3] - 1 and a[2] < b[4] - 1 and b[2] < a[4] - 1:
                out.append((a[0], b[0]))
    return out


def test_pins_never_cover_each_other_or_the_base_at_any_zoom(
        phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    _open(page, _serve(site, _crowded_plan()))
    rects = page.evaluate(_RECTS)
    assert sorted(r[0] for r in rects) == ["1", "2", "3", "4", "基"]
    assert _overlaps(rects) == []
    page.screenshot(path=str(ARTIFACTS / "field-page-crowded.png"))
    for zoom in (12, 18):
        page.evaluate(f"() => window.routeplan.fieldState.map.setZoom({zoom}, "
                      "{animate: false})")
        # without animation Leaflet moves the pins, and routeplan spreads them, synchronously
        assert page.evaluate("() => window.routeplan.fieldState.map.getZoom()") == zoom
        rects = page.evaluate(_RECTS)
        assert _overlaps(rects) == [], (zoom, rects)


_OVERFLOW = ("(width) => [...document.querySelectorAll('header *, #rp-list *')]"
             ".filter(e => { const r = e.getBoundingClientRect();"
             " return r.width > 0 && (r.right > width + 0.5 || r.left < -0.5); })"
             ".map(e => e.className || e.tagName)")


def test_nothing_is_wider_than_the_phone(phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    plan = _waiting_plan()
    _open(page, _serve(site, plan, visits=_visits(plan), presence=True))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.locator("#rp-list").evaluate("e => e.scrollTo(0, e.scrollHeight)")
    assert page.evaluate(_OVERFLOW, 390) == []
    page.screenshot(path=str(ARTIFACTS / "field-page-layout-390x844.png"), full_page=True)


def _late_plan() -> Plan:
    plan = small_plan()
    route = plan.routes[0]
    first, second, third = route.stops
    evening = (replace(first, arrival=_at("19:00"), start=_at("19:00"), departure=_at("19:30")),
               replace(second, arrival=_at("20:00"), start=_at("20:00"), departure=_at("20:40")),
               replace(third, arrival=_at("21:00"), start=_at("21:00"), departure=_at("21:25"),
                       window=None))
    return replace(plan, routes=(replace(route, stops=evening, breaks=(), start_s=_at("18:30"),
                                         end_s=_at("21:50")), plan.routes[1]))


def test_the_team_is_warned_when_the_day_would_run_past_22_00(
        phone: tuple[Any, list[str]], site: Site) -> None:
    page, _ = phone
    url = _serve(site, _late_plan())
    page.clock.set_fixed_time(datetime(2026, 12, 1, 11, 25, tzinfo=UTC))  # 19:25 in Zhengzhou
    _open(page, url)
    assert page.locator("#rp-late").is_hidden()  # 25 minutes behind: last visit ends 21:50
    page.clock.set_fixed_time(datetime(2026, 12, 1, 11, 33, tzinfo=UTC))  # 19:33
    page.reload(wait_until="networkidle")
    assert page.locator("#rp-late").text_content() == "⚠ 预计 21:58 结束，请尽快离开或改约"


def test_arrival_sends_the_position_and_the_members_present(browser: Any, site: Site) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, geolocation={"latitude": 34.7566,
                                                               "longitude": 113.6454,
                                                               "accuracy": 25},
                                  permissions=["geolocation"])
    try:
        page = context.new_page()
        _open(page, _serve(site, small_plan(), presence=True))
        card = page.locator("#stop-V00017")
        assert card.locator(".rp-tick").all_text_contents() == ["C001a", "C001b"]
        card.locator('input.rp-member[value="C001a"]').check()
        card.locator('input.rp-member[value="C001b"]').check()
        card.locator('button.rp-out[data-status="arrived"]').tap()
        page.wait_for_function("() => document.getElementById('rp-sync').hidden")
        body = site.events[0]["json"]
        assert body["members_present"] == ["C001a", "C001b"]
        assert body["position"] == {"lat": 34.7566, "lon": 113.6454, "accuracy_m": 25,
                                    "crs": "wgs84"}
        assert card.locator(".rp-far").count() == 0  # at the door
    finally:
        context.close()


def test_an_arrival_far_from_the_stop_is_flagged_on_the_card(browser: Any, site: Site) -> None:
    # V00017 is at 113.6454, 34.7566 (WGS-84); the phone reports 0.01° (about 1.1 km) south
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, geolocation={"latitude": 34.7466,
                                                               "longitude": 113.6454,
                                                               "accuracy": 30},
                                  permissions=["geolocation"])
    try:
        page = context.new_page()
        _open(page, _serve(site, small_plan(), presence=True))
        card = page.locator("#stop-V00017")
        card.locator('button.rp-out[data-status="arrived"]').tap()
        card.locator(".rp-far").wait_for()
        assert card.locator(".rp-far").text_content() == (
            "⚠ 您的位置距第 1 站约 1112 米（定位精度 ±30 米），请确认是否在正确地址")
        page.wait_for_function("() => document.getElementById('rp-sync').hidden")
        assert site.events[0]["json"]["position"]["lat"] == 34.7466  # still reported
    finally:
        context.close()


def test_the_offline_queue_keeps_position_and_members(browser: Any, site: Site) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, geolocation={"latitude": 34.75,
                                                               "longitude": 113.64,
                                                               "accuracy": 40},
                                  permissions=["geolocation"])
    try:
        page = context.new_page()
        _open(page, _serve(site, small_plan(), presence=True))
        context.set_offline(True)
        card = page.locator("#stop-V00017")
        card.locator('input.rp-member[value="C001a"]').check()
        card.locator('button.rp-out[data-status="arrived"]').tap()
        page.wait_for_function("() => document.getElementById('rp-sync').innerText"
                               ".includes('待上报')")
        assert site.events == []
        context.set_offline(False)
        page.wait_for_function("() => document.getElementById('rp-sync').hidden")
        body = site.events[0]["json"]
        assert body["members_present"] == ["C001a"]
        assert body["position"]["accuracy_m"] == 40
    finally:
        context.close()


def test_a_refused_position_is_explained_and_the_arrival_still_sent(
        browser: Any, site: Site) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)  # no permission: the browser says no
    try:
        page = context.new_page()
        _open(page, _serve(site, small_plan(), presence=True))
        card = page.locator("#stop-V00017")
        card.locator('input.rp-member[value="C001b"]').check()
        card.locator('button.rp-out[data-status="arrived"]').tap()
        card.locator(".rp-geo").wait_for()
        assert "未获得定位授权" in (card.locator(".rp-geo").text_content() or "")
        page.wait_for_function("() => document.getElementById('rp-sync').hidden")
        body = site.events[0]["json"]
        assert body["status"] == "arrived" and "position" not in body
        assert body["members_present"] == ["C001b"]
    finally:
        context.close()


def _sheet_lines(page: Any) -> list[tuple[str, int, int]]:
    """Each text in the stop rows: its characters and the lines it is laid out on."""
    return page.evaluate("""() => {
        const out = [];
        const walk = document.createTreeWalker(document.querySelector('tbody'),
                                               NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            const text = n.textContent.trim();
            if (!text) continue;
            const range = document.createRange(); range.selectNodeContents(n);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            out.push([text, text.length, tops.size]);
        }
        return out; }""")


def test_the_sheet_reads_at_phone_width_and_on_a4_with_the_right_dates(
        browser: Any, site: Site) -> None:
    plan = _waiting_plan()
    # made at 01:30 on 2 December in Zhengzhou, which is still 1 December in UTC
    made = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    html = route_sheet_html(plan, "T001", visits=_visits(plan), assets_url="/assets/",
                            generated_at=made)
    site.pages["/m/tok/sheet"] = html
    assert "计划日期 2026-12-01 · 生成于 2026-12-02 01:30（北京时间）" in html
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(site.url("/m/tok/sheet"), wait_until="networkidle")
        assert page.locator("h1").text_content() == "T001 路线单 · 2026年12月1日 周二"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        for text, chars, lines in _sheet_lines(page):  # never a character a line
            assert lines <= max(1, -(-chars // 4)), (text, lines)
        assert page.locator("#rp-print").is_visible()
        page.screenshot(path=str(ARTIFACTS / "sheet-390x844.png"), full_page=True)
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 718, "height": 1000})  # A4 less the margins, 96 dpi
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 718
        assert page.locator("th").all_text_contents()[-2:] == ["结果（勾选）", "备注"]
        for text, chars, lines in _sheet_lines(page):
            assert lines <= max(1, -(-chars // 4)), (text, lines)
        page.pdf(path=str(ARTIFACTS / "sheet-a4.pdf"), format="A4")
    finally:
        context.close()
