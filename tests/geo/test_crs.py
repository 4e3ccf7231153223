"""Coordinate systems: published pairs, exact inverses, agreement with prcoords."""

from __future__ import annotations

import math

import numpy as np
import prcoords
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routeplan.domain.errors import InvalidInput
from routeplan.geo.crs import Crs, from_wgs84, gcj02_to_bd09, to_wgs84

# Henan's bounding box, a little widened.
LONS = st.floats(110.3, 116.7)
LATS = st.floats(31.3, 36.4)
M_PER_DEG = 111_195.0


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * math.cos(math.radians(a[1]))
    return math.hypot(dx, a[1] - b[1]) * M_PER_DEG


@pytest.mark.parametrize(
    ("wgs", "gcj"),
    [
        # eviltransform's test table (Shanghai, Shenzhen, Beijing)
        ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
        ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
        ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
        # wandergis/coordtransform's README example
        ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    ],
)
def test_wgs84_to_gcj02_matches_published_pairs(wgs, gcj):
    """The forward formula reproduces other implementations' published outputs to 1e-9°."""
    assert from_wgs84(*wgs, Crs.GCJ02) == pytest.approx(gcj, abs=1e-9)


def test_gcj02_to_bd09_matches_published_pair():
    """GCJ-02 → BD-09 reproduces coordtransform's published example."""
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert (lon[0], lat[0]) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-9)


def test_bd09_inverse_is_closer_than_the_closed_form():
    """coordtransform's published BD-09 → GCJ-02 answer is the approximation; ours is within 1 m."""
    published = (116.39762729119315, 39.90865673957631)  # bd09togcj02(116.404, 39.915)
    ours = to_wgs84(116.404, 39.915, Crs.BD09)
    gcj = from_wgs84(*ours, Crs.GCJ02)
    assert _metres(gcj, published) < 1.0
    assert from_wgs84(*ours, Crs.BD09) == pytest.approx((116.404, 39.915), abs=1e-9)


@settings(max_examples=300)
@given(LONS, LATS, st.sampled_from([Crs.GCJ02, Crs.BD09]))
def test_round_trip_over_henan_is_exact(lon, lat, crs):
    """WGS-84 → crs → WGS-84 returns the point to within 1e-9° (0.1 mm)."""
    back = to_wgs84(*from_wgs84(lon, lat, crs), crs)
    assert back == pytest.approx((lon, lat), abs=1e-9)


@settings(max_examples=300)
@given(LONS, LATS, st.sampled_from([Crs.GCJ02, Crs.BD09]))
def test_inverse_is_exact_for_any_input(lon, lat, crs):
    """A coordinate read in crs, converted to WGS-84 and back, is the coordinate read."""
    again = from_wgs84(*to_wgs84(lon, lat, crs), crs)
    assert again == pytest.approx((lon, lat), abs=1e-9)


@settings(max_examples=200)
@given(LONS, LATS)
def test_gcj_inverse_agrees_with_prcoords(lon, lat):
    """Our GCJ-02 → WGS-84 agrees with prcoords' iterative inverse to a centimetre."""
    theirs = prcoords.gcj_wgs_bored((lat, lon))
    ours = to_wgs84(lon, lat, Crs.GCJ02)
    assert _metres(ours, (theirs.lon, theirs.lat)) < 0.01


@settings(max_examples=100)
@given(LONS, LATS)
def test_shift_in_henan_has_the_documented_size(lon, lat):
    """In Henan GCJ-02 moves a point by some hundreds of metres and BD-09 by about a kilometre."""
    assert 150 < _metres(from_wgs84(lon, lat, Crs.GCJ02), (lon, lat)) < 900
    assert 600 < _metres(from_wgs84(lon, lat, Crs.BD09), (lon, lat)) < 1600


def test_arrays_keep_their_shape_and_match_scalars():
    """Vectorised conversion gives the same numbers as one point at a time, in the input's shape."""
    rng = np.random.default_rng(7)
    lons = rng.uniform(110.3, 116.7, (4, 5))
    lats = rng.uniform(31.3, 36.4, (4, 5))
    x, y = to_wgs84(lons, lats, "gcj02")
    assert x.shape == y.shape == (4, 5)
    one = to_wgs84(float(lons[2, 3]), float(lats[2, 3]), "gcj02")
    assert (x[2, 3], y[2, 3]) == pytest.approx(one, abs=1e-12)


def test_wgs84_is_identity_and_outside_china_is_unchanged():
    """WGS-84 passes through; GCJ-02 is not applied outside China (e.g. London)."""
    assert to_wgs84(113.6, 34.7, Crs.WGS84) == (113.6, 34.7)
    assert from_wgs84(-0.1276, 51.5072, Crs.GCJ02) == (-0.1276, 51.5072)
    assert to_wgs84(-0.1276, 51.5072, Crs.GCJ02) == (-0.1276, 51.5072)


def test_nan_stays_nan_without_warnings():
    """A missing coordinate converts to NaN and does not stop the others converting."""
    x, y = to_wgs84([np.nan, 113.6], [34.7, 34.7], Crs.GCJ02)
    assert np.isfinite(y[1])
    assert np.isnan(x[0])
    assert np.isfinite(x[1])


@pytest.mark.parametrize(
    ("text", "crs"),
    [("WGS-84", Crs.WGS84), ("epsg:4326", Crs.WGS84), ("GCJ02", Crs.GCJ02),
     ("amap", Crs.GCJ02), ("bd-09", Crs.BD09), (" BD09LL ", Crs.BD09)],
)
def test_parse_accepts_common_spellings(text, crs):
    """Users' spellings of the three systems are understood."""
    assert Crs.parse(text) is crs


def test_parse_rejects_unknown_system_naming_field_and_value():
    """An unknown system is an input error that names the field and the value."""
    with pytest.raises(InvalidInput, match=r"crs: 'utm50'"):
        Crs.parse("utm50")
    with pytest.raises(InvalidInput, match="lon/lat"):
        to_wgs84([1.0, 2.0], [1.0], Crs.GCJ02)


@given(st.floats(-180, 180), st.floats(-90, 90), st.sampled_from(["gcj02", "bd09"]))
def test_any_coordinate_converts_to_a_finite_point(lon: float, lat: float, crs: str) -> None:
    """Far outside China (a pole, say) the exact inverse neither overflows nor gives NaN."""
    x, y = to_wgs84(lon, lat, crs)
    assert math.isfinite(x) and math.isfinite(y)
    xs, ys = to_wgs84(np.array([lon, 113.6]), np.array([lat, 34.7]), crs)
    assert np.isfinite(xs).all() and np.isfinite(ys).all()
