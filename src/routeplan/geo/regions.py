"""Henan's 18 prefectures as polygons: which prefecture a point lies in, vectorised.

The polygons are the shipped ``henan_prefectures.geojson`` (WGS-84, see data/regions/SOURCE.md),
simplified as one coverage: neighbours share their borders exactly, so a point inside the
province lies in exactly one prefecture (or on a shared border, where the lower adcode wins).
The province's outline is kept unsimplified, so "outside Henan" is as exact as the source: a
point outside it, including in the small Hubei enclave near Tongbai, locates to 0. Should a
polygon set with slivers be loaded, a point in a gap narrower than ~100 m inside the outline
takes the nearest prefecture.
"""

from __future__ import annotations

import copy
import json
import math
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from routeplan.domain.errors import InvalidInput
from routeplan.domain.geo import check_lonlat
from routeplan.geo.prefectures import Prefecture, prefecture

#: The adcode `Regions.locate` gives a point outside Henan (or a NaN coordinate).
OUTSIDE: Final = 0

_RESOURCE: Final = "henan_prefectures.geojson"
# Distances for `nearest` are measured on a plane whose longitudes are shrunk by cos(34°),
# Henan's middle latitude: within the province that is within a few per cent of the truth.
_LON_SCALE: Final = math.cos(math.radians(34.0))
_M_PER_DEG: Final = 111_195.0
# Subdividing prefectures into cells of this size (degrees) lets the spatial index prune far
# more candidates than 18 province-sized envelopes would.
_CELL_DEG: Final = 0.25
_SLIVER_DEG: Final = 0.0005


class Regions:
    """The prefecture polygons, loaded once; use `Regions.load()` rather than the constructor."""

    __slots__ = ("_cell_code", "_cells", "_doc", "_outline", "_scaled", "frame")

    def __init__(self, doc: dict[str, Any]) -> None:
        frame = gpd.GeoDataFrame.from_features(doc["features"], crs="EPSG:4326")
        frame["adcode"] = frame["adcode"].astype(np.int64)
        self.frame: gpd.GeoDataFrame = frame.sort_values("adcode").reset_index(drop=True)
        self._doc = doc
        geoms = np.asarray(self.frame.geometry.array, dtype=object)
        codes = self.frame["adcode"].to_numpy(dtype=np.int64)
        cells, cell_code = _subdivide(geoms, codes)
        self._cells = gpd.GeoSeries(cells, crs="EPSG:4326")
        self._cell_code = cell_code
        # The province outline: the union, closed (grown then shrunk by _SLIVER_DEG) so that
        # gaps narrower than about 100 m between polygons count as inside, while real holes
        # such as the Hubei enclave near Tongbai (~1.5 km across) stay outside.
        union = shapely.union_all(geoms)
        self._outline = shapely.buffer(shapely.buffer(union, _SLIVER_DEG), -_SLIVER_DEG)
        shapely.prepare(self._outline)
        self._scaled = np.asarray([shapely.transform(g, _scale_lon) for g in geoms], dtype=object)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Regions:
        """The shipped polygons (or those in `path`), parsed once per process and shared."""
        return _load(str(path) if path is not None else None)

    @property
    def adcodes(self) -> tuple[int, ...]:
        """The 18 adcodes, ascending."""
        return tuple(int(c) for c in self.frame["adcode"])

    def locate(self, lons: ArrayLike, lats: ArrayLike) -> NDArray[np.int64]:
        """The prefecture adcode of each WGS-84 point, or 0 (`OUTSIDE`) outside Henan or NaN.

        A vectorised spatial join: 100,000 points take a fraction of a second.
        """
        x = np.asarray(lons, dtype=np.float64).ravel()
        y = np.asarray(lats, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise InvalidInput(f"lon/lat: {x.size} longitudes but {y.size} latitudes")
        out = np.full(x.size, OUTSIDE, dtype=np.int64)
        if x.size == 0:
            return out
        points = gpd.GeoSeries.from_xy(x, y, crs="EPSG:4326")
        point_idx, cell_idx = self._cells.sindex.query(points, predicate="intersects")
        # On a shared border a point touches two cells: keep the lowest adcode, for determinism.
        codes = self._cell_code[cell_idx]
        order = np.lexsort((codes, point_idx))
        hit, code = point_idx[order], codes[order]
        first = np.ones(hit.size, dtype=bool)
        first[1:] = hit[1:] != hit[:-1]
        out[hit[first]] = code[first]
        # Slivers: inside the province outline but in no polygon → the nearest prefecture.
        missing = np.flatnonzero((out == OUTSIDE) & np.isfinite(x) & np.isfinite(y))
        if missing.size:
            inside = shapely.covers(self._outline, shapely.points(x[missing], y[missing]))
            for i in missing[inside]:
                out[i] = self.nearest(float(x[i]), float(y[i])).adcode
        return out

    def nearest(self, lon: float, lat: float) -> Prefecture:
        """The prefecture nearest to a WGS-84 point (the one containing it, if any)."""
        return self.nearest_with_distance(lon, lat)[0]

    def nearest_with_distance(self, lon: float, lat: float) -> tuple[Prefecture, int]:
        """The nearest prefecture and the distance to its border in metres (0 inside it)."""
        check_lonlat((lon, lat))
        point = shapely.Point(lon * _LON_SCALE, lat)
        dists = shapely.distance(self._scaled, point)
        best = int(np.argmin(dists))
        code = int(self.frame["adcode"].iloc[best])
        return prefecture(code), round(float(dists[best]) * _M_PER_DEG)

    def geojson(self) -> dict[str, Any]:
        """The polygons and their attributes as a GeoJSON FeatureCollection (a fresh copy)."""
        return copy.deepcopy(self._doc)


def _scale_lon(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    scaled: NDArray[np.float64] = xy * np.array([_LON_SCALE, 1.0], dtype=np.float64)
    return scaled


def _subdivide(
    geoms: NDArray[np.object_], codes: NDArray[np.int64]
) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Cut each polygon along a regular grid, so each piece is small and cheap to test."""
    pieces: list[shapely.Geometry] = []
    piece_codes: list[int] = []
    for geom, code in zip(geoms, codes, strict=True):
        x0, y0, x1, y1 = geom.bounds
        xs = np.arange(math.floor(x0 / _CELL_DEG), math.ceil(x1 / _CELL_DEG)) * _CELL_DEG
        ys = np.arange(math.floor(y0 / _CELL_DEG), math.ceil(y1 / _CELL_DEG)) * _CELL_DEG
        gx, gy = np.meshgrid(xs, ys)
        boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + _CELL_DEG, gy.ravel() + _CELL_DEG)
        parts = shapely.intersection(geom, boxes)
        keep = ~shapely.is_empty(parts)
        pieces.extend(parts[keep])
        piece_codes.extend([int(code)] * int(keep.sum()))
    return np.asarray(pieces, dtype=object), np.asarray(piece_codes, dtype=np.int64)


@cache
def _load(path: str | None) -> Regions:
    if path is None:
        text = files("routeplan").joinpath("data", _RESOURCE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    doc = json.loads(text)
    if doc.get("type") != "FeatureCollection" or not doc.get("features"):
        raise InvalidInput(f"regions: {path or _RESOURCE} is not a GeoJSON FeatureCollection")
    return Regions(doc)
