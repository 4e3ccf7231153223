"""Prefecture polygons: the shipped file, and which prefecture a point lies in."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from routeplan.domain.errors import InvalidInput
from routeplan.geo.prefectures import PREFECTURES
from routeplan.geo.regions import OUTSIDE, Regions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def regions() -> Regions:
    return Regions.load()


def test_shipped_file_and_package_copy_are_identical():
    """The package copy of the polygons is byte-identical to data/regions (one source)."""
    canonical = ROOT / "data" / "regions" / "henan_prefectures.geojson"
    copy = ROOT / "src" / "routeplan" / "data" / "henan_prefectures.geojson"
    assert canonical.read_bytes() == copy.read_bytes()
    assert 100_000 < canonical.stat().st_size < 1_000_000


def test_geojson_has_the_18_prefectures_with_their_attributes(regions):
    """Each feature carries adcode, names, seat and population from geo/prefectures.py."""
    doc = regions.geojson()
    props = [f["properties"] for f in doc["features"]]
    assert [p["adcode"] for p in props] == [p.adcode for p in PREFECTURES]
    for p, pref in zip(props, PREFECTURES, strict=True):
        assert p == {"adcode": pref.adcode, "name": pref.name, "name_en": pref.name_en,
                     "seat_lon": pref.seat[0], "seat_lat": pref.seat[1],
                     "population": pref.population}
    json.dumps(doc)  # serialisable as is, for the HTTP endpoint


def test_geojson_returns_a_copy(regions):
    """A caller editing the returned dict does not change what the next caller gets."""
    regions.geojson()["features"].clear()
    assert len(regions.geojson()["features"]) == 18


def test_polygons_are_valid_and_form_a_coverage(regions):
    """The prefectures are valid and neighbours neither overlap nor leave gaps."""
    geoms = np.array([shape(f["geometry"]) for f in regions.geojson()["features"]])
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    union = shapely.union_all(geoms)
    assert union.area == pytest.approx(sum(g.area for g in geoms), rel=1e-9)


def test_each_seat_lies_in_its_own_prefecture(regions):
    """Every prefecture's seat of government locates to that prefecture."""
    lons = [p.seat[0] for p in PREFECTURES]
    lats = [p.seat[1] for p in PREFECTURES]
    assert regions.locate(lons, lats).tolist() == [p.adcode for p in PREFECTURES]


@pytest.mark.parametrize(
    ("name", "lon", "lat", "adcode"),
    [
        ("Zhengzhou East station", 113.7720, 34.7568, 410100),
        ("Shaolin temple, Dengfeng", 112.9353, 34.5072, 410100),
        ("Longmen grottoes, Luoyang", 112.4700, 34.5560, 410300),
        ("Jiyuan", 112.6000, 35.0900, 419001),
        ("Beijing", 116.3913, 39.9075, OUTSIDE),
        ("Wuhan", 114.3055, 30.5928, OUTSIDE),
        ("Hubei enclave near Tongbai", 113.756, 32.282, OUTSIDE),
        ("Handan, Hebei", 114.4903, 36.6121, OUTSIDE),
    ],
)
def test_locate_known_places(regions, name, lon, lat, adcode):
    """Known places fall in the right prefecture, and places outside Henan give 0."""
    assert regions.locate([lon], [lat])[0] == adcode, name


def test_locate_agrees_with_plain_point_in_polygon(regions):
    """The indexed join gives the same answer as testing each polygon one by one."""
    rng = np.random.default_rng(3)
    lons, lats = rng.uniform(110.3, 116.7, 2000), rng.uniform(31.3, 36.4, 2000)
    got = regions.locate(lons, lats)
    geoms = [shape(f["geometry"]) for f in regions.geojson()["features"]]
    codes = [p.adcode for p in PREFECTURES]
    for lon, lat, code in zip(lons, lats, got, strict=True):
        point = shapely.Point(lon, lat)
        expected = next((c for g, c in zip(geoms, codes, strict=True) if g.covers(point)), 0)
        assert code == expected


def test_locate_handles_empty_nan_and_mismatched_input(regions):
    """No points give an empty answer, NaN gives 0, unequal lengths are an input error."""
    assert regions.locate([], []).shape == (0,)
    assert regions.locate([np.nan, 113.62], [34.75, np.nan]).tolist() == [OUTSIDE, OUTSIDE]
    assert regions.locate([113.62], [34.75]).dtype == np.int64
    with pytest.raises(InvalidInput, match="lon/lat"):
        regions.locate([113.6, 113.7], [34.7])


@pytest.mark.parametrize(
    ("lon", "lat", "adcode", "km"),
    [
        (114.4903, 36.6121, 410500, (25, 60)),   # Handan → Anyang, across the border
        (114.3055, 30.5928, 411500, (100, 180)),  # Wuhan → Xinyang
        (113.6193, 34.7478, 410100, (0, 0)),     # inside Zhengzhou
    ],
)
def test_nearest_names_the_closest_prefecture(regions, lon, lat, adcode, km):
    """For a point outside Henan the nearest prefecture and its distance are named."""
    pref, metres = regions.nearest_with_distance(lon, lat)
    assert pref.adcode == adcode
    assert km[0] * 1000 <= metres <= km[1] * 1000
    assert regions.nearest(lon, lat) == pref


def test_nearest_rejects_bad_coordinates(regions):
    """A coordinate that is not a number is an input error."""
    with pytest.raises(InvalidInput):
        regions.nearest(float("nan"), 34.0)


def test_load_is_cached():
    """The polygons are parsed once per process."""
    assert Regions.load() is Regions.load()


def _square(x0: float, adcode: int) -> dict:
    ring = [[x0, 34.0], [x0 + 0.1, 34.0], [x0 + 0.1, 34.1], [x0, 34.1], [x0, 34.0]]
    return {"type": "Feature", "properties": {"adcode": adcode},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_sliver_between_polygons_takes_the_nearest_prefecture_but_outside_stays_outside():
    """A point in a 20 m gap between two prefectures gets the nearer one; 1 km out gets 0."""
    doc = {"type": "FeatureCollection",
           "features": [_square(113.0, 410100), _square(113.1002, 410200)]}
    regions = Regions(doc)
    lons = [113.10005, 113.10015, 113.05, 113.05]
    lats = [34.05, 34.05, 34.05, 34.11]
    assert regions.locate(lons, lats).tolist() == [410100, 410200, 410100, OUTSIDE]


@pytest.mark.parametrize("text", ["¹", "４１０１００", "٤١٠١٠٠", "410100\u00b2"])
def test_digit_lookalikes_are_an_input_error_not_a_crash(text: str) -> None:
    """Unicode digits that int() refuses (superscripts) or reads (full-width) name no adcode."""
    from routeplan.domain.errors import InvalidInput
    from routeplan.geo.prefectures import prefecture

    with pytest.raises(InvalidInput):
        prefecture(text)
