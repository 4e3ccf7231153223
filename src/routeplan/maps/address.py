"""Masked addresses for the field page and sheet: the district and the road, never the door.

A collector needs to know roughly where a stop is beyond its pin (a district-centre pin from
the offline geocoder says nothing), but the page is read on a phone in the street and may be
seen by others: COMPLIANCE rule 9. So the page shows at most three tokens cut out of the
input, never the input itself:

- the district: the last county-level name (区/县/县级市, from the shipped division table) or
  development zone (…新区/开发区/实验区/示范区) before the road, else the prefecture;
- the road (…路/街/大道/巷/胡同/国道/省道), when it follows the district directly (a
  subdistrict office or town, 街道/镇/乡, may lie between); without a road, the town;
- ``***`` when anything is left over: house number, compound, building, unit, room.

``河南省郑州市金水区花园路59号院3号楼2单元501室`` is shown as ``金水区 花园路 ***``. Text
that names no district, prefecture or road is not shown at all (an empty string), so an
unrecognised shape can never leak through. The tokens are made only of CJK letters, Latin
letters and digits taken from the input, so no control character, bidi override or markup
survives the mask. `Policy.maps_show_address` turns the line off.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from importlib.resources import files
from typing import Final

MASK: Final = "***"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# A road's name: letters and digits only; it may not run across a number, building or village.
_ROAD: Final = re.compile(
    rf"[{_CJK}A-Za-z0-9]{{1,12}}?(?:大道|大街|国道|省道|胡同|路|街|巷|弄)(?![道办])")
# Numbers belong to highways only (107国道); a house, building, unit or junction is no road.
_ROAD_FORBIDDEN: Final = re.compile("[号栋幢单元室层户村组与及区县]")
_DIGIT: Final = re.compile("[0-9]")
_ZONE: Final = re.compile(
    rf"[{_CJK}]{{2,10}}?(?:新区|开发区|实验区|示范区|集聚区|高新区|经开区|园区)")
_TOWN: Final = re.compile(rf"[{_CJK}]{{1,8}}?(?:街道办事处|街道办|街道|镇|乡)")
_TOWN_FORBIDDEN: Final = re.compile("[号楼栋幢单元室层户院村组与和及]")
_ROAD_SUFFIX_START: Final = ("路", "街", "大道", "巷", "胡同")
_PROVINCE_SUFFIXES: Final = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区",
                             "省")


@cache
def _divisions() -> tuple[dict[str, str], int]:
    """Division names (full and the short province forms) → level, and the longest name."""
    text = files("routeplan").joinpath("data", "divisions.csv").read_text("utf-8")
    names: dict[str, str] = {}
    for row in csv.DictReader(text.splitlines()):
        level, name = row["level"], row["name"]
        if level == "alias":
            level = "county"
        if len(name) < 2:
            continue
        # a county keeps its level over a prefecture of the same name (e.g. 济源市)
        if names.get(name) != "county":
            names[name] = level
        if level == "prefecture" and name.endswith("市") and len(name) >= 3:
            names.setdefault(name.removesuffix("市"), "prefecture-short")
        if level == "province":
            for suffix in _PROVINCE_SUFFIXES:
                short = name.removesuffix(suffix)
                if short != name and len(short) >= 2:
                    names.setdefault(short, "province")
                    break
    return names, max(len(n) for n in names)


def _normalise(text: str) -> str:
    """Full-width forms folded; whitespace, control and format characters (bidi marks) gone."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded
                   if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf", "Cs"))


def _division_at(text: str, pos: int) -> tuple[str, str] | None:
    """The longest division name starting at `pos`, with its level, unless it begins a road."""
    names, longest = _divisions()
    for length in range(min(longest, len(text) - pos), 1, -1):
        name = text[pos:pos + length]
        level = names.get(name)
        if level is None:
            continue
        if text.startswith(_ROAD_SUFFIX_START, pos + length) and level == "province":
            continue  # 河南路: a road named after the province
        if level == "prefecture-short":
            # 郑州 only before a county (郑州金水区): 郑州路 is a road in other cities
            if not any(names.get(text[pos + length:pos + length + k]) == "county"
                       for k in range(2, longest + 1)):
                continue
            level = "prefecture"
        return name, level
    return None


def _first_division(text: str) -> int | None:
    """Where the first division name occurs (an address may open with a label: 地址：…)."""
    for pos in range(len(text)):
        if _division_at(text, pos) is not None:
            return pos
    return None


def _is_road(token: str) -> bool:
    body = token.removesuffix("国道").removesuffix("省道")
    if body != token:
        return not _ROAD_FORBIDDEN.search(body)
    return not _ROAD_FORBIDDEN.search(token) and not _DIGIT.search(token)


def mask_address(address: str) -> str:
    """The district and road of `address` with the rest masked, or "" if none is recognised.

    >>> mask_address("河南省郑州市金水区花园路59号院3号楼2单元501室")
    '金水区 花园路 ***'
    """
    text = _normalise(address)
    if not text:
        return ""
    pos = 0
    if _division_at(text, 0) is None and not _ZONE.match(text) and not _ROAD.match(text):
        found = _first_division(text)
        if found is None:
            return ""
        pos = found
    district = city = town = road = None
    while pos < len(text):
        division = _division_at(text, pos)
        if division is not None:
            name, level = division
            if level == "county":
                district = name
            elif level == "prefecture":
                city = name
            pos += len(name)
            continue
        zone = _ZONE.match(text, pos)
        if zone is not None and not _DIGIT.search(zone.group()):
            district = zone.group()
            pos = zone.end()
            continue
        seat = _TOWN.match(text, pos)
        if seat is not None and not _TOWN_FORBIDDEN.search(seat.group()):
            town = seat.group()
            pos = seat.end()
            continue
        break
    found_road = _ROAD.match(text, pos)
    if found_road is not None and _is_road(found_road.group()):
        road = found_road.group()
        pos = found_road.end()
    shown = [t for t in (district or city, road or town) if t]
    if not shown:
        return ""
    rest = text[pos:].strip("，,。.;；:：、-—")
    return " ".join([*shown, MASK] if rest else shown)
