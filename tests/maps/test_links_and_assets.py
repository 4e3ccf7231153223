"""Navigation links, tile providers, self-hosted assets, the route sheet and the written files."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from routeplan.domain.errors import InvalidInput
from routeplan.geo.crs import Crs, from_wgs84
from routeplan.maps import (
    AMAP,
    TileProvider,
    asset_files,
    field_page_html,
    nav_links,
    overview_html,
    route_sheet_html,
    write_maps,
)
from tests.maps.conftest import page_data, small_plan
from tests.maps.test_field_page import FORBIDDEN

# leaflet@1.9.4 dist/leaflet.js as published on the npm registry.
LEAFLET_194_SHA256 = "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a"
# Tiananmen area: WGS-84 → GCJ-02 → BD-09, a widely published reference pair (±1e-5°).
TIANANMEN_WGS = (116.391305, 39.907283)
TIANANMEN_GCJ = (116.397544, 39.908683)


def test_amap_link_puts_the_gcj02_point_lon_first() -> None:
    amap, baidu, tencent = nav_links(TIANANMEN_WGS, "V1")
    lon, lat, _ = parse_qs(urlsplit(amap.web).query)["to"][0].split(",")
    assert abs(float(lon) - TIANANMEN_GCJ[0]) < 2e-5
    assert abs(float(lat) - TIANANMEN_GCJ[1]) < 2e-5
    tlat, tlon = parse_qs(urlsplit(tencent.web).query)["tocoord"][0].split(",")
    assert (float(tlat), float(tlon)) == (float(lat), float(lon))
    assert baidu.crs is Crs.BD09
    assert baidu.lat > amap.lat
    assert baidu.lon > amap.lon


def test_every_nav_link_names_the_case_only() -> None:
    for link in nav_links((113.65, 34.75), "V00017"):
        for url in (link.web, link.app_ios, link.app_android):
            assert "V00017" in url
            assert not FORBIDDEN.search(url)


def test_tile_providers_carry_their_crs_and_attribution() -> None:
    assert AMAP.crs is Crs.GCJ02
    assert "高德" in AMAP.attribution
    tdt = TileProvider.tianditu("k123")
    assert tdt.crs is Crs.WGS84
    assert "tk=k123" in tdt.url
    assert tdt.labels_url
    assert TileProvider.from_name("osm").crs is Crs.WGS84
    local = AMAP.with_url("http://127.0.0.1:1/t/{z}/{x}/{y}.png")
    assert local.crs is Crs.GCJ02
    assert local.subdomains == ""
    with pytest.raises(InvalidInput, match="Tianditu"):
        TileProvider.tianditu("")
    with pytest.raises(InvalidInput, match="lacks"):
        AMAP.with_url("http://127.0.0.1/tiles.png")


def test_overlays_follow_the_tile_crs() -> None:
    plan = small_plan()
    stop = plan.routes[0].stops[0]
    osm = page_data(field_page_html(plan, "T001", tiles=TileProvider.openstreetmap(),
                                    assets_url="/a/"))
    amap = page_data(field_page_html(plan, "T001", tiles=AMAP, assets_url="/a/"))
    # what is drawn (pins, line, base) is in the tiles' system; `wgs` (the stop as the
    # phone's GPS reports it, for the far-from-stop check) is drawn nowhere
    wgs = [round(stop.location[1], 6), round(stop.location[0], 6)]
    gcj = from_wgs84(stop.location[0], stop.location[1], Crs.GCJ02)
    first = {k: next(i for i in d["items"] if i["kind"] == "stop") for k, d in
             (("osm", osm), ("amap", amap))}
    assert first["osm"]["ll"] == wgs
    assert first["amap"]["ll"] == [round(gcj[1], 6), round(gcj[0], 6)]
    assert first["amap"]["wgs"] == first["osm"]["wgs"] == wgs
    assert osm["line"][1] == wgs and amap["line"][1] == first["amap"]["ll"]


def test_leaflet_is_the_unmodified_release_and_every_asset_exists() -> None:
    files = asset_files()
    digest = hashlib.sha256(files["leaflet.js"].read_bytes()).hexdigest()
    assert digest == LEAFLET_194_SHA256
    assert {"leaflet.css", "routeplan-maps.js", "routeplan-maps.css", "routeplan-sw.js",
            "LICENSE-leaflet.txt", "images/layers.png"} <= set(files)
    assert "BSD" in files["LICENSE-leaflet.txt"].read_text()


def test_pages_link_only_self_hosted_assets_and_carry_no_inline_script() -> None:
    html = field_page_html(small_plan(), "T001", assets_url="/static/maps/")
    html += overview_html(small_plan(), assets_url="/static/maps/", regions_geojson={})
    html += route_sheet_html(small_plan(), "T001", assets_url="/static/maps/")
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert srcs
    assert all(s.startswith("/static/maps/") for s in srcs)
    assert "cdn" not in html.lower()
    assert "jquery" not in html.lower()
    # every script is a file of ours or the inert JSON data block; no inline handlers
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
    assert scripts
    for attrs, body in scripts:
        assert ('src="' in attrs and not body.strip()) or 'type="application/json"' in attrs
    assert not re.search(r"\son[a-z]+=", html)


def test_the_route_sheet_lists_the_day_in_order_for_a4() -> None:
    html = route_sheet_html(small_plan(), "T001")
    assert "size: A4" in html
    order = [html.index(v) for v in ("V00017", "V00003", "V00042")]
    assert order == sorted(order)
    assert html.index("休息 12:00–13:00") < html.index("V00042")
    assert "出示工作证件" in html
    assert "全程如实记录" in html
    assert not FORBIDDEN.search(html)
    assert "B-V000" not in html


def test_unknown_team_is_an_input_error() -> None:
    with pytest.raises(InvalidInput, match="T404"):
        field_page_html(small_plan(), "T404", assets_url="/a/")


def test_write_maps_writes_pages_sheets_and_assets(tmp_path: Path) -> None:
    written = write_maps(small_plan(), tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert {"overview.html", "field-T001.html", "sheet-T001.html", "field-T002.html",
            "assets/leaflet.js", "assets/routeplan-maps.js"} <= names
    page = (tmp_path / "field-T001.html").read_text(encoding="utf-8")
    assert 'src="assets/leaflet.js"' in page
    data = page_data(page)
    assert data["sheetUrl"] == "sheet-T001.html"
    assert data["eventsUrl"] == ""  # a file cannot report: the page shows no report buttons
