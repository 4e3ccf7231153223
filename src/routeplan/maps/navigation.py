"""Turn-by-turn links for AMap, Baidu Maps and Tencent Maps, each in its own coordinate system.

Each app takes the destination in its own datum and its own argument order, and getting either
wrong puts the team hundreds of metres from the door:

- AMap (高德): GCJ-02, ``lon,lat`` in the web link's ``to=``; ``dlat``/``dlon`` with ``dev=0``
  ("already GCJ-02, do not shift") in the app schemes.
- Baidu (百度): BD-09 with ``coord_type=bd09ll``, ``latlng:lat,lng`` (latitude first).
- Tencent (腾讯): GCJ-02, ``tocoord=lat,lng`` (latitude first).

Every provider has an app scheme (iOS and Android where they differ) and a web page that works
without the app; the field page tries the app and falls back to the web page. The destination's
name is the case reference only (COMPLIANCE.md rule 9).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from routeplan.domain.geo import LonLat
from routeplan.geo.crs import Crs, from_wgs84

#: Identifies the calling application to the map apps (AMap `src`, Baidu `src`, Tencent
#: `referer`). Tencent asks for the company's registered key here in production.
APP_NAME = "routeplan"

# Six decimals is 0.1 m: finer than any datum error, short enough for a URL.
_DIGITS = 6


@dataclass(frozen=True, slots=True)
class NavLink:
    """One provider's link: the web page (works everywhere) and the app schemes."""

    provider: str
    label_zh: str
    web: str
    app_ios: str
    app_android: str
    crs: Crs
    lon: float
    lat: float


def _fmt(value: float) -> str:
    return f"{value:.{_DIGITS}f}"


def _q(params: dict[str, str]) -> str:
    # Keep the separators the apps expect (",", ":", "|", ";") readable and unescaped.
    return urlencode(params, quote_via=quote, safe=",:|;")


def amap_link(location: LonLat, name: str, *, app_name: str = APP_NAME) -> NavLink:
    """AMap: GCJ-02; the web link wants lon,lat,name; the apps dlat/dlon with dev=0."""
    lon, lat = from_wgs84(location[0], location[1], Crs.GCJ02)
    web = "https://uri.amap.com/navigation?" + _q({
        "to": f"{_fmt(lon)},{_fmt(lat)},{name}", "mode": "car", "policy": "1",
        "src": app_name, "coordinate": "gaode", "callnative": "1"})
    app = {"sourceApplication": app_name, "dlat": _fmt(lat), "dlon": _fmt(lon),
           "dname": name, "dev": "0", "t": "0"}
    return NavLink("amap", "高德地图", web, "iosamap://path?" + _q(app),
                   "amapuri://route/plan/?" + _q(app), Crs.GCJ02, lon, lat)


def baidu_link(location: LonLat, name: str, *, app_name: str = APP_NAME) -> NavLink:
    """Baidu: BD-09 (coord_type=bd09ll), latitude first in `latlng:` and `location=`."""
    lon, lat = from_wgs84(location[0], location[1], Crs.BD09)
    dest = f"latlng:{_fmt(lat)},{_fmt(lon)}|name:{name}"
    web = "https://api.map.baidu.com/marker?" + _q({
        "location": f"{_fmt(lat)},{_fmt(lon)}", "title": name, "content": name,
        "output": "html", "coord_type": "bd09ll", "src": f"webapp.{app_name}"})
    ios = "baidumap://map/direction?" + _q({
        "destination": dest, "coord_type": "bd09ll", "mode": "driving",
        "src": f"ios.{app_name}"})
    android = "baidumap://map/direction?" + _q({
        "destination": dest, "coord_type": "bd09ll", "mode": "driving",
        "src": f"andr.{app_name}"})
    return NavLink("baidu", "百度地图", web, ios, android, Crs.BD09, lon, lat)


def tencent_link(location: LonLat, name: str, *, app_name: str = APP_NAME) -> NavLink:
    """Tencent: GCJ-02, `tocoord=lat,lng`; without a start point it routes from here."""
    lon, lat = from_wgs84(location[0], location[1], Crs.GCJ02)
    params = {"type": "drive", "to": name, "tocoord": f"{_fmt(lat)},{_fmt(lon)}",
              "policy": "0", "referer": app_name}
    app = "qqmap://map/routeplan?" + _q(params)
    web = "https://apis.map.qq.com/uri/v1/routeplan?" + _q(params)
    return NavLink("tencent", "腾讯地图", web, app, app, Crs.GCJ02, lon, lat)


def nav_links(location: LonLat, name: str, *, app_name: str = APP_NAME) -> tuple[NavLink, ...]:
    """The three providers' links to a WGS-84 point, AMap first (the most common in Henan)."""
    return (amap_link(location, name, app_name=app_name),
            baidu_link(location, name, app_name=app_name),
            tencent_link(location, name, app_name=app_name))
