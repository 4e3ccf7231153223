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
