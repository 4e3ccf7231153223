"""Base-map tile providers and the coordinate system each one expects overlays in.

Chinese web maps draw their tiles in GCJ-02 (AMap, Tencent) or BD-09 (Baidu); Tianditu and
OpenStreetMap draw in WGS-84 (CGCS2000 agrees with WGS-84 to a few centimetres). A marker placed
on AMap tiles at its WGS-84 coordinates lands about 500 m off in Henan, so every overlay is
converted into `TileProvider.crs` before it is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from routeplan.domain.errors import InvalidInput
from routeplan.geo.crs import Crs

_AMAP_URL = ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
             "&x={x}&y={y}&z={z}")
_TIANDITU_URL = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                 "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                 "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
_OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@dataclass(frozen=True, slots=True)
class TileProvider:
    """A base map: Leaflet URL template(s), attribution, and the CRS overlays must be drawn in.

    `labels_url` is an optional second tile layer drawn on top (Tianditu serves place names
    separately from the road map). Override `url` (e.g. `provider.with_url(...)`) to point at
    a company tile proxy or, in tests, a local stub.
    """

    name: str
    url: str
    attribution: str
    crs: Crs
    subdomains: str = ""
    max_zoom: int = 18
    labels_url: str | None = None

    def __post_init__(self) -> None:
        for field, template in (("url", self.url), ("labels_url", self.labels_url)):
            if template is None:
                continue
            missing = [p for p in ("{x}", "{y}", "{z}") if p not in template]
            if missing:
                raise InvalidInput(f"tiles.{field}: {template!r} lacks {', '.join(missing)}")
            if "{s}" in template and not self.subdomains:
                raise InvalidInput(f"tiles.{field}: {template!r} uses {{s}} but no subdomains")
        if not self.attribution.strip():
            raise InvalidInput(f"tiles.attribution: provider {self.name!r} needs an attribution")

    @classmethod
    def amap(cls) -> TileProvider:
        """AMap (高德) road map, GCJ-02; the default inside mainland China."""
        return cls("amap", _AMAP_URL, "&copy; 高德地图 AutoNavi", Crs.GCJ02, "1234", 18)

    @classmethod
    def tianditu(cls, key: str) -> TileProvider:
        """Tianditu (天地图) vector map with its label layer, WGS-84/CGCS2000; needs a key."""
        if not key or not key.strip():
            raise InvalidInput("tiles.key: Tianditu needs a browser-side key (tk)")
        return cls("tianditu", _TIANDITU_URL.format(layer="vec", key=key.strip()),
                   "&copy; 天地图 国家地理信息公共服务平台", Crs.WGS84, "01234567", 18,
                   labels_url=_TIANDITU_URL.format(layer="cva", key=key.strip()))

    @classmethod
    def openstreetmap(cls) -> TileProvider:
        """OpenStreetMap standard tiles, WGS-84; for use outside mainland China."""
        return cls("openstreetmap", _OSM_URL, "&copy; OpenStreetMap contributors", Crs.WGS84,
                   "", 19)

    @classmethod
    def from_name(cls, name: str, *, key: str | None = None,
                  url: str | None = None) -> TileProvider:
        """A provider by configuration name (amap, tianditu, openstreetmap/osm), URL optional."""
        key_name = name.strip().lower()
        if key_name in ("amap", "gaode"):
            provider = cls.amap()
        elif key_name == "tianditu":
            provider = cls.tianditu(key or "")
        elif key_name in ("openstreetmap", "osm"):
            provider = cls.openstreetmap()
        else:
            raise InvalidInput(f"tiles: {name!r} is not a tile provider "
                               "(use amap, tianditu or openstreetmap)")
        return provider.with_url(url) if url else provider

    def with_url(self, url: str, labels_url: str | None = None) -> TileProvider:
        """The same provider (CRS, attribution) served from another URL template."""
        subdomains = self.subdomains if "{s}" in url else ""
        return replace(self, url=url, labels_url=labels_url, subdomains=subdomains)


#: The default provider: AMap, overlays converted to GCJ-02.
AMAP = TileProvider.amap()
OPENSTREETMAP = TileProvider.openstreetmap()
