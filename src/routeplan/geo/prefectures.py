"""The 18 prefecture-level divisions of Henan: codes, names, seats and 2020 census population."""

from __future__ import annotations

from dataclasses import dataclass

from routeplan.domain.errors import InvalidInput
from routeplan.domain.geo import LonLat


@dataclass(frozen=True, slots=True)
class Prefecture:
    """One prefecture-level division; `seat` is its government seat in WGS-84."""

    adcode: int
    name: str
    name_en: str
    seat: LonLat
    population: int


#: Seventh national census (2020) resident population. Seats are the seat of government as AMap
#: places it (GCJ-02, from cpca's table), converted to WGS-84 with routeplan.geo.crs (~1 m).
PREFECTURES: tuple[Prefecture, ...] = (
    Prefecture(410100, "郑州市", "Zhengzhou", (113.61929, 34.74780), 12_600_574),
    Prefecture(410200, "开封市", "Kaifeng", (114.30184, 34.79887), 4_824_016),
    Prefecture(410300, "洛阳市", "Luoyang", (112.44766, 34.62121), 7_056_699),
    Prefecture(410400, "平顶山市", "Pingdingshan", (113.18638, 33.76759), 4_987_137),
    Prefecture(410500, "安阳市", "Anyang", (114.38630, 36.09741), 5_477_614),
    Prefecture(410600, "鹤壁市", "Hebi", (114.29139, 35.74840), 1_565_973),
    Prefecture(410700, "新乡市", "Xinxiang", (113.92086, 35.30429), 6_251_929),
    Prefecture(410800, "焦作市", "Jiaozuo", (113.23546, 35.21640), 3_521_078),
    Prefecture(410900, "濮阳市", "Puyang", (115.02335, 35.76185), 3_772_088),
    Prefecture(411000, "许昌市", "Xuchang", (113.84657, 34.03732), 4_379_998),
    Prefecture(411100, "漯河市", "Luohe", (114.01063, 33.58238), 2_367_490),
    Prefecture(411200, "三门峡市", "Sanmenxia", (111.19437, 34.77377), 2_034_872),
    Prefecture(411300, "南阳市", "Nanyang", (112.52245, 32.99265), 9_713_112),
    Prefecture(411400, "商丘市", "Shangqiu", (115.65084, 34.41634), 7_816_831),
    Prefecture(411500, "信阳市", "Xinyang", (114.08530, 32.14963), 6_234_401),
    Prefecture(411600, "周口市", "Zhoukou", (114.69149, 33.62772), 9_026_015),
    Prefecture(411700, "驻马店市", "Zhumadian", (114.01638, 33.01471), 7_008_427),
    Prefecture(419001, "济源市", "Jiyuan", (112.59632, 35.06807), 727_265),
)

_BY_CODE = {p.adcode: p for p in PREFECTURES}


def prefecture(key: str | int) -> Prefecture:
    """Find a prefecture by adcode, Chinese name (with or without 市) or English name."""
    text = str(key).strip()
    if text.isascii() and text.isdigit() and int(text) in _BY_CODE:
        return _BY_CODE[int(text)]
    for p in PREFECTURES:
        if text in (p.name, p.name.removesuffix("市")) or text.lower() == p.name_en.lower():
            return p
    raise InvalidInput(f"prefecture: {text!r} is not one of Henan's 18 prefectures")
