"""WGS-84 ⇄ GCJ-02 ⇄ BD-09 conversions, scalar and numpy-vectorised, with exact inverses.

Chinese map services publish coordinates in GCJ-02 (AMap/Gaode, Tencent, Google China) or
BD-09 (Baidu), each a deliberate, published distortion of WGS-84 that moves a point in Henan by
roughly 500 m (GCJ-02) to 1.3 km (BD-09). Inside routeplan everything is WGS-84; this module is
the edge where other systems are converted in and out.

Why this is written here rather than imported: the registry packages were checked.
``coordTransform`` (maintained, C batch functions) and ``eviltransform`` only offer the
one-step inverse ``wgs = 2·gcj − f(gcj)``, which is off by up to a few metres, and BD-09's usual
inverse is approximate too. ``prcoords`` has an exact iterative inverse but is scalar pure
Python (about 100,000 points a second) and unmaintained since 2019; ``prcoords-typed`` needs
Python ≥ 3.14. The forward formulas are public and short, so they are written once here over
numpy arrays, and the inverses iterate the forward map to a fixed point (Caijun's method, as in
prcoords) until every point agrees to 1e-10° (~0.01 mm). The tests check this code against
prcoords and against published pairs, so the hand-written part is never the only witness.

Points outside the rough mainland box that GCJ-02 software uses are returned unchanged, as
every implementation does; NaN stays NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routeplan.domain.errors import InvalidInput
from routeplan.domain.geo import LonLat

type FloatArray = NDArray[np.float64]

# Krasovsky 1940 ellipsoid, as the GCJ-02 formula uses it.
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323
# BD-09's fixed shift on top of a rotation-like warp of GCJ-02.
_BD_DLON: Final = 0.0065
_BD_DLAT: Final = 0.0060
_X_PI: Final = np.pi * 3000.0 / 180.0
# Stop iterating once every point moves less than this (degrees; 1e-10° ≈ 0.01 mm).
_EPS_DEG: Final = 1e-10
_MAX_ITER: Final = 30


class Crs(StrEnum):
    """A geographic coordinate system a coordinate may arrive in or must leave in."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"

    @classmethod
    def parse(cls, value: str, field: str = "crs") -> Crs:
        """Read a user-supplied name (``WGS-84``, ``gcj02``, ``BD09``, ``EPSG:4326`` …)."""
        key = str(value).strip().lower().replace("-", "").replace("_", "")
        aliases = {"wgs84": cls.WGS84, "epsg:4326": cls.WGS84, "gps": cls.WGS84,
                   "gcj02": cls.GCJ02, "amap": cls.GCJ02, "gaode": cls.GCJ02,
                   "bd09": cls.BD09, "bd09ll": cls.BD09, "baidu": cls.BD09}
        try:
            return aliases[key]
        except KeyError:
            raise InvalidInput(
                f"{field}: {value!r} is not a coordinate system (use wgs84, gcj02 or bd09)"
            ) from None


def _in_china(lons: FloatArray, lats: FloatArray) -> NDArray[np.bool_]:
    """Where GCJ-02 applies: the rectangle every common implementation uses."""
    return (lons > 73.66) & (lons < 135.05) & (lats > 3.86) & (lats < 53.55)


@dataclass(frozen=True, slots=True)
class _Math[T: (float, FloatArray)]:
    """The functions the formulas need, for floats (math) or arrays (numpy)."""

    sin: Callable[[T], T]
    cos: Callable[[T], T]
    sqrt: Callable[[T], T]
    fabs: Callable[[T], T]


_SCALAR: Final[_Math[float]] = _Math(math.sin, math.cos, math.sqrt, math.fabs)
_VECTOR: Final[_Math[FloatArray]] = _Math(np.sin, np.cos, np.sqrt, np.abs)


def _gcj_offset[T: (float, FloatArray)](lons: T, lats: T, m: _Math[T]) -> tuple[T, T]:
    """The GCJ-02 shift (dlon, dlat) in degrees at WGS-84 points, ignoring the China box.

    Written once for both floats and arrays: one point at a time (geocoding) would otherwise
    pay numpy's per-call overhead some forty times over.
    """
    x = lons - 105.0
    y = lats - 35.0
    pi = math.pi
    common = (20.0 * m.sin(6.0 * x * pi) + 20.0 * m.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * m.sqrt(m.fabs(x)) + common
            + (20.0 * m.sin(y * pi) + 40.0 * m.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * m.sin(y / 12.0 * pi) + 320.0 * m.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
            + 0.1 * m.sqrt(m.fabs(x)) + common
            + (20.0 * m.sin(x * pi) + 40.0 * m.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * m.sin(x / 12.0 * pi) + 300.0 * m.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    rad = lats / 180.0 * pi
    sin_rad = m.sin(rad)
    magic = 1.0 - _EE * sin_rad * sin_rad
    sqrt_magic = m.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * m.cos(rad) * pi)
    return dlon, dlat


def _in_china_scalar(lon: float, lat: float) -> bool:
    return 73.66 < lon < 135.05 and 3.86 < lat < 53.55


def _gcj_to_wgs_scalar(lon: float, lat: float) -> LonLat:
    """GCJ-02 → WGS-84 for one point, iterated like the array version."""
    if not _in_china_scalar(lon, lat):
        return lon, lat
    dlon, dlat = _gcj_offset(lon, lat, _SCALAR)
    x, y = lon - dlon, lat - dlat
    for _ in range(_MAX_ITER):
        dlon, dlat = _gcj_offset(x, y, _SCALAR)
        ex, ey = x + dlon - lon, y + dlat - lat
        x, y = x - ex, y - ey
        if not max(abs(ex), abs(ey)) >= _EPS_DEG:  # also stops on NaN
            break
    return x, y


def _wgs_to_gcj_scalar(lon: float, lat: float) -> LonLat:
    if not _in_china_scalar(lon, lat):
        return lon, lat
    dlon, dlat = _gcj_offset(lon, lat, _SCALAR)
    return lon + dlon, lat + dlat


def _wgs_to_gcj_raw(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlon, dlat = _gcj_offset(lons, lats, _VECTOR)
    return lons + dlon, lats + dlat


def _gcj_to_bd_raw(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.hypot(lons, lats) + 0.00002 * np.sin(lats * _X_PI)
    theta = np.arctan2(lats, lons) + 0.000003 * np.cos(lons * _X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def _bd_to_gcj_rough(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lons - _BD_DLON
    y = lats - _BD_DLAT
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


type _Forward = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]


def _invert(
    forward: _Forward, lons: FloatArray, lats: FloatArray, lon0: FloatArray, lat0: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Solve forward(x) = target by fixed-point iteration from the estimate (lon0, lat0)."""
    x, y = lon0.copy(), lat0.copy()
    for _ in range(_MAX_ITER):
        fx, fy = forward(x, y)
        ex, ey = fx - lons, fy - lats
        x -= ex
        y -= ey
        err = np.maximum(np.abs(ex), np.abs(ey))
        worst = np.max(err, initial=0.0, where=np.isfinite(err))
        if worst < _EPS_DEG:
            break
    return x, y


def _as_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.array(lons, dtype=np.float64, ndmin=1)
    y = np.array(lats, dtype=np.float64, ndmin=1)
    if x.shape != y.shape:
        raise InvalidInput(f"lon/lat: {x.shape} longitudes but {y.shape} latitudes")
    return x, y


def wgs84_to_gcj02(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 → GCJ-02 (the published forward formula); outside China unchanged."""
    x, y = _as_arrays(lons, lats)
    gx, gy = _wgs_to_gcj_raw(x, y)
    inside = _in_china(x, y)
    return np.where(inside, gx, x), np.where(inside, gy, y)


def gcj02_to_wgs84(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → WGS-84, exact: iterates the forward formula to a fixed point."""
    x, y = _as_arrays(lons, lats)
    inside = _in_china(x, y)
    out_x, out_y = x.copy(), y.copy()
    if inside.any():  # only there: far outside China the iteration need not converge
        ix, iy = x[inside], y[inside]
        dlon, dlat = _gcj_offset(ix, iy, _VECTOR)
        out_x[inside], out_y[inside] = _invert(_wgs_to_gcj_raw, ix, iy, ix - dlon, iy - dlat)
    return out_x, out_y


def gcj02_to_bd09(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → BD-09 (Baidu's published forward formula)."""
    x, y = _as_arrays(lons, lats)
    return _gcj_to_bd_raw(x, y)


def bd09_to_gcj02(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 → GCJ-02, exact: the usual closed-form estimate refined by iteration."""
    x, y = _as_arrays(lons, lats)
    gx, gy = _bd_to_gcj_rough(x, y)
    return _invert(_gcj_to_bd_raw, x, y, gx, gy)


@overload
def to_wgs84(lons: float, lats: float, crs: Crs | str) -> LonLat: ...
@overload
def to_wgs84(
    lons: ArrayLike, lats: ArrayLike, crs: Crs | str
) -> tuple[FloatArray, FloatArray]: ...
def to_wgs84(
    lons: ArrayLike, lats: ArrayLike, crs: Crs | str
) -> LonLat | tuple[FloatArray, FloatArray]:
    """Convert coordinates given in `crs` to WGS-84.

    Two floats give a ``(lon, lat)`` tuple of floats; arrays (any shape, equal shapes) give a
    pair of float64 arrays of that shape.
    """
    system = crs if isinstance(crs, Crs) else Crs.parse(crs)
    if system is Crs.GCJ02 and np.ndim(lons) == 0 and np.ndim(lats) == 0:
        return _gcj_to_wgs_scalar(_float(lons), _float(lats))
    x, y = _as_arrays(lons, lats)
    if system is Crs.GCJ02:
        x, y = gcj02_to_wgs84(x, y)
    elif system is Crs.BD09:
        x, y = gcj02_to_wgs84(*bd09_to_gcj02(x, y))
    return _shape_like(lons, lats, x, y)


@overload
def from_wgs84(lons: float, lats: float, crs: Crs | str) -> LonLat: ...
@overload
def from_wgs84(
    lons: ArrayLike, lats: ArrayLike, crs: Crs | str
) -> tuple[FloatArray, FloatArray]: ...
def from_wgs84(
    lons: ArrayLike, lats: ArrayLike, crs: Crs | str
) -> LonLat | tuple[FloatArray, FloatArray]:
    """Convert WGS-84 coordinates to `crs` (e.g. for AMap or Baidu tiles and navigation links).

    Two floats give a ``(lon, lat)`` tuple of floats; arrays give a pair of float64 arrays.
    """
    system = crs if isinstance(crs, Crs) else Crs.parse(crs)
    if system is Crs.GCJ02 and np.ndim(lons) == 0 and np.ndim(lats) == 0:
        return _wgs_to_gcj_scalar(_float(lons), _float(lats))
    x, y = _as_arrays(lons, lats)
    if system is Crs.GCJ02:
        x, y = wgs84_to_gcj02(x, y)
    elif system is Crs.BD09:
        x, y = gcj02_to_bd09(*wgs84_to_gcj02(x, y))
    return _shape_like(lons, lats, x, y)


def _float(value: ArrayLike) -> float:
    return float(np.asarray(value, dtype=np.float64))


def _shape_like(
    lons: ArrayLike, lats: ArrayLike, x: FloatArray, y: FloatArray
) -> LonLat | tuple[FloatArray, FloatArray]:
    """Give scalars back for scalar input, arrays of the input's shape otherwise."""
    if np.ndim(lons) == 0 and np.ndim(lats) == 0:
        return float(x[0]), float(y[0])
    shape = np.shape(lons)
    return x.reshape(shape), y.reshape(shape)
