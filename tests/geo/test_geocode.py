"""Geocoding: offline county seats, and AMap through a real HTTP server on localhost."""

from __future__ import annotations

from pathlib import Path

import pytest

from routeplan.domain.errors import InvalidInput
from routeplan.domain.visit import LocationQuality
from routeplan.geo.crs import Crs, to_wgs84
from routeplan.geo.geocode import (
    AmapGeocoder,
    Geocoder,
    GeocodeResult,
    GeocodingError,
    OfflineGeocoder,
    prefecture_of,
)
from routeplan.geo.prefectures import prefecture
from routeplan.geo.regions import Regions

from .conftest import (
    BEIJING_ROAD,
    DAILY_LIMIT,
    HENAN_ONLY,
    INVALID_KEY,
    INVALID_PARAMS,
    KAIFENG_COUNTY,
    QPS_LIMIT,
    ZHENGZHOU_HOUSE,
    FakeAmap,
    ok,
)

ADDRESS = "河南省郑州市金水区花园路100号"


@pytest.fixture(scope="module")
def offline() -> OfflineGeocoder:
    return OfflineGeocoder()


@pytest.mark.parametrize(
    ("address", "adcode", "quality", "place"),
    [
        (ADDRESS, 410100, LocationQuality.DISTRICT, "金水区"),
        ("郑州中原区建设路", 410100, LocationQuality.DISTRICT, "中原区"),
        ("  河南省 信阳市 固始县  ", 411500, LocationQuality.DISTRICT, "固始县"),
        ("新郑市人民路", 410100, LocationQuality.DISTRICT, "新郑市"),
        ("金水区南阳路", 410100, LocationQuality.DISTRICT, "金水区"),  # 南阳 is a street here
        ("鼓楼区中山路", 410200, LocationQuality.DISTRICT, "鼓楼区"),  # also in Nanjing: Henan's
        ("偃师市首阳山镇", 410300, LocationQuality.DISTRICT, "偃师区"),  # renamed in 2021
        ("济源市沁园路", 419001, LocationQuality.DISTRICT, "济源市"),
        ("开封市", 410200, LocationQuality.CITY, "开封市"),
        ("郑州市南阳路", 410100, LocationQuality.CITY, "郑州市"),
    ],
)
def test_offline_places_henan_addresses(offline, address, adcode, quality, place):
    """A Henan address is placed at its county (or prefecture) seat, inside that prefecture."""
    result = offline.geocode(address)
    assert (result.adcode, result.quality) == (adcode, quality)
    assert place in result.note_zh
    assert result.location is not None
    assert Regions.load().locate([result.location[0]], [result.location[1]])[0] == adcode


def test_offline_city_placement_is_the_prefecture_seat(offline):
    """A prefecture-only address lands on that prefecture's seat from geo/prefectures.py."""
    assert offline.geocode("开封市").location == prefecture(410200).seat


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("北京市朝阳区建国路", "北京市, outside Henan"),
        ("上海市黄浦区河南中路88号", "上海市, outside Henan"),
        ("海淀区中关村", "北京市, outside Henan"),
        ("河南省", "only the province"),
        ("随便写的一句话", "no province, city or county"),
        ("   ", "empty"),
    ],
)
def test_offline_rejects_with_a_reason(offline, address, reason):
    """Outside Henan or unrecognisable: no location, and a reason in English and Chinese."""
    result = offline.geocode(address)
    assert result.location is None
    assert result.quality is LocationQuality.UNKNOWN
    assert reason in result.note_en
    assert result.note_zh


def test_geocoders_satisfy_the_protocol(offline, amap):
    """Both geocoders can be used wherever a Geocoder is expected."""
    with AmapGeocoder("k", base_url=amap.base_url) as online:
        coders: list[Geocoder] = [offline, online]
        assert all(callable(c.geocode) for c in coders)


def test_result_checks_itself():
    """A result without a location needs a reason; one with a location needs a quality."""
    with pytest.raises(InvalidInput, match="quality"):
        GeocodeResult(None, LocationQuality.DISTRICT, None, "x", "x")
    with pytest.raises(InvalidInput, match="note_en"):
        GeocodeResult(None, LocationQuality.UNKNOWN)
    with pytest.raises(InvalidInput, match="adcode: 110100"):
        GeocodeResult((113.6, 34.7), LocationQuality.CITY, 110100)


def test_prefecture_of_maps_counties_to_prefectures():
    """County adcodes map to their prefecture; Jiyuan to itself; elsewhere to None."""
    assert prefecture_of(410105) == 410100
    assert prefecture_of(419001) == 419001
    assert prefecture_of(110105) is None


# ------------------------------------------------------------------------------------------
# AMap


def _coder(amap: FakeAmap, **kw) -> AmapGeocoder:
    kw.setdefault("backoff_s", 0.01)
    kw.setdefault("max_per_second", 1000.0)
    return AmapGeocoder("test-key", base_url=amap.base_url, **kw)


def test_amap_answer_is_converted_to_wgs84(amap):
    """AMap's GCJ-02 location is returned in WGS-84, as a street-level geocode."""
    amap.answer(ADDRESS, ok(ZHENGZHOU_HOUSE))
    with _coder(amap) as coder:
        result = coder.geocode(ADDRESS)
    expected = to_wgs84(113.672429, 34.790347, Crs.GCJ02)
    assert result.location == pytest.approx(expected, abs=1e-6)
    assert result.quality is LocationQuality.GEOCODED
    assert result.adcode == 410100
    assert amap.paths == ["/v3/geocode/geo"]


def test_only_the_address_and_key_leave_the_machine(amap):
    """The request carries the key, the address and the output format, nothing else."""
    amap.answer(ADDRESS, ok(ZHENGZHOU_HOUSE))
    with _coder(amap) as coder:
        coder.geocode(ADDRESS)
    assert amap.requests == [{"key": ["test-key"], "address": [ADDRESS], "output": ["JSON"]}]


def test_cache_answers_repeat_addresses_and_survives_a_restart(amap, tmp_path):
    """A second lookup, even from a new geocoder on the same cache file, asks AMap nothing."""
    amap.answer(ADDRESS, ok(ZHENGZHOU_HOUSE))
    cache = tmp_path / "amap.sqlite"
    with _coder(amap, cache_path=cache) as coder:
        first = coder.geocode(ADDRESS)
        assert coder.geocode(ADDRESS) == first
    with _coder(amap, cache_path=cache) as coder:
        assert coder.geocode(ADDRESS) == first
    assert len(amap.requests) == 1


def test_county_level_match_is_district_quality(amap):
    """An answer matched only to a county is marked as district quality."""
    amap.answer("开封杞县", ok(KAIFENG_COUNTY))
    with _coder(amap) as coder:
        result = coder.geocode("开封杞县")
    assert (result.quality, result.adcode) == (LocationQuality.DISTRICT, 410200)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (ok(BEIJING_ROAD), "北京市, outside Henan"),
        (ok(HENAN_ONLY), "only to the level '省'"),
        (ok(), "no match"),
        (INVALID_PARAMS, "no match"),
    ],
)
def test_amap_unplaceable_answers_give_a_reason(amap, answer, reason):
    """Outside Henan, too vague, or not found: no location and a reason."""
    amap.answer("某地址", answer)
    with _coder(amap) as coder:
        result = coder.geocode("某地址")
    assert result.location is None
    assert reason in result.note_en


@pytest.mark.parametrize(("answer", "message"), [(INVALID_KEY, "key is invalid"),
                                                 (DAILY_LIMIT, "daily quota")])
def test_configuration_faults_raise_at_once(amap, answer, message):
    """A bad key or a spent daily quota raises without retrying and is not cached."""
    amap.answer(ADDRESS, answer)
    with _coder(amap, retries=3) as coder, pytest.raises(GeocodingError, match=message):
        coder.geocode(ADDRESS)
    assert len(amap.requests) == 1


def test_throttling_is_retried(amap):
    """AMap's QPS limit (10021) and a server error are retried until an answer comes."""
    amap.answer(ADDRESS, QPS_LIMIT, 503, ok(ZHENGZHOU_HOUSE))
    with _coder(amap, retries=3) as coder:
        assert coder.geocode(ADDRESS).adcode == 410100
    assert len(amap.requests) == 3


def test_gives_up_after_the_retries(amap):
    """A service that keeps throttling makes the lookup fail with the last reason."""
    amap.answer(ADDRESS, QPS_LIMIT)
    with _coder(amap, retries=2) as coder, pytest.raises(GeocodingError, match="10021"):
        coder.geocode(ADDRESS)
    assert len(amap.requests) == 3


def test_timeout_is_retried_then_reported(amap):
    """A server slower than the timeout is retried, then reported as not answering."""
    amap.answer(ADDRESS, 0.5)
    with _coder(amap, retries=1, timeout_s=0.1) as coder, pytest.raises(
        GeocodingError, match="in time"
    ):
        coder.geocode(ADDRESS)


def test_unreachable_service_is_reported(amap):
    """Nothing listening at the address is a clear error, not a hang."""
    with AmapGeocoder("k", base_url="http://127.0.0.1:9", retries=1, backoff_s=0.01) as coder, \
            pytest.raises(GeocodingError, match="could not be reached"):
        coder.geocode(ADDRESS)


def test_constructor_rejects_bad_settings():
    """An empty key or a non-positive timeout is an input error naming the setting."""
    with pytest.raises(InvalidInput, match="amap_key"):
        AmapGeocoder(" ")
    with pytest.raises(InvalidInput, match="timeout_s"):
        AmapGeocoder("k", timeout_s=0)


def test_configured_geocoder_uses_amap_only_when_a_key_is_configured(tmp_path: Path) -> None:
    """ROUTEPLAN_AMAP_KEY (read once into the runtime config) switches AMap on, cached."""
    from routeplan.config import RuntimeConfig
    from routeplan.geo.geocode import FallbackGeocoder, OfflineGeocoder
    from routeplan.workflows.runtime import geocoder_of

    assert isinstance(geocoder_of(RuntimeConfig.from_env({})), OfflineGeocoder)
    cfg = RuntimeConfig.from_env({"ROUTEPLAN_AMAP_KEY": "k" * 32,
                                  "ROUTEPLAN_DATA_DIR": str(tmp_path)})
    chosen = geocoder_of(cfg)
    assert isinstance(chosen, FallbackGeocoder)
    assert isinstance(chosen.fallback, OfflineGeocoder)
    assert isinstance(chosen.primary, AmapGeocoder)
    chosen.primary.close()
    assert (tmp_path / "geocode-cache.sqlite").exists()
