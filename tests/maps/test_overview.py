"""The dispatcher overview in a real browser: a layer per team, boundaries, the left-out, KPIs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from routeplan.domain.clock import SHANGHAI
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.visit import Visit
from routeplan.maps import TileProvider, overview_html
from tests.maps.conftest import ARTIFACTS, ZZ, Site, small_plan
from tests.maps.test_field_page import FORBIDDEN


def _serve(site: Site) -> str:
    tiles = TileProvider.amap().with_url(site.url("/tiles/{z}/{x}/{y}.png"))
    left_out = Visit("V00099", "B-V00099", (ZZ[0] - 0.05, ZZ[1] - 0.02))
    done = Outcome("V00017", "T001", OutcomeStatus.DONE,
                   datetime(2026, 12, 1, 9, 35, tzinfo=SHANGHAI))
    site.pages["/v1/plans/p1/map"] = overview_html(
        small_plan(), visits=[left_out], tiles=tiles, assets_url="/assets/", outcomes=[done])
    return site.url("/v1/plans/p1/map")


def test_overview_has_a_toggleable_layer_per_team_and_the_unassigned(
        browser: Any, site: Site) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    try:
        page = context.new_page()
        page.goto(_serve(site), wait_until="networkidle")
        page.wait_for_selector(".rp-pin")
        labels = page.eval_on_selector_all(".leaflet-control-layers-overlays label",
                                           "els => els.map(e => e.innerText.trim())")
        assert labels == ["地市边界", "T001（3 站）", "T002（1 站）", "未安排（1）"]
        assert page.locator(".rp-pin-team").count() == 4
        assert page.locator(".rp-pin-un").count() == 1
        assert page.locator("path.rp-route").count() == 2
        assert page.locator("path.leaflet-interactive").count() > 2  # prefecture outlines
        panel = page.locator(".rp-panel").inner_text()
        assert "已安排" in panel
        assert "当日运力不足" in panel
        assert "已完成" in panel
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "overview-1280x800.png"))
        page.locator(".leaflet-control-layers-overlays label", has_text="T001").click()
        assert page.locator(".rp-pin-team").count() == 1
        assert not [u for u in requests if not u.startswith(site.base)]
        assert not FORBIDDEN.search(page.evaluate("() => document.body.innerText"))
    finally:
        context.close()


def test_on_a_phone_the_panel_folds_to_its_figures_and_nothing_overflows(
        browser: Any, site: Site) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(_serve(site), wait_until="networkidle")
        page.wait_for_selector(".rp-pin")
        panel = page.locator(".rp-panel")
        box = panel.bounding_box()
        assert box is not None and box["height"] <= 844 * 0.25
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.locator(".rp-panel table").first.is_hidden()
        # figures on one line each ("30.0 公里" does not wrap)
        heights = page.eval_on_selector_all(".rp-kpi b", "els => els.map(e => e.offsetHeight)")
        assert max(heights) < 2 * min(heights)
        page.screenshot(path=str(ARTIFACTS / "overview-390x844.png"))
        page.locator(".rp-panel-toggle").tap()
        assert page.locator(".rp-panel table").first.is_visible()
        assert "当日运力不足" in panel.inner_text()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
