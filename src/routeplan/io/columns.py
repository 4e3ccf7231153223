"""The input columns of the visits and teams tables, their Chinese headers and accepted values.

This is the one documented mapping: `docs/columns.md` is rendered from it by
`columns_markdown()` (a test keeps the two equal), and the readers use nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from routeplan.domain.team import Mode
from routeplan.domain.visit import Place
from routeplan.geo.crs import Crs


@dataclass(frozen=True, slots=True)
class Column:
    """One input column: its canonical name, the other headers accepted for it, what it means.

    `kind` (id, text, number, integer, bool, time, date, list, choice) with `lo`/`hi` and
    `choices` says what a JSON record holds there; `json_schema()` turns it into the JSON
    Schema the HTTP API documents (the readers still do the checking, with located messages).
    """

    name: str
    zh: tuple[str, ...]
    doc: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    kind: str = "text"
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of this column's value in a JSON record."""
        from routeplan.io.limits import MAX_CELL_CHARS, MAX_ID_CHARS, MAX_LIST_ITEMS

        schema: dict[str, Any]
        if self.kind == "id":
            schema = {"anyOf": [{"type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS},
                                {"type": "integer"}]}
        elif self.kind in ("number", "integer"):
            schema = {"type": self.kind}
            if self.lo is not None:
                schema["minimum"] = self.lo
            if self.hi is not None:
                schema["maximum"] = self.hi
        elif self.kind == "bool":
            schema = {"type": "boolean"}
        elif self.kind == "time":
            schema = {"type": "string", "pattern": r"^\d{1,2}[:：]\d{2}(:\d{2})?$",
                      "examples": ["09:30"]}
        elif self.kind == "date":
            schema = {"type": "string", "format": "date"}
        elif self.kind == "list":
            schema = {"type": "array", "maxItems": MAX_LIST_ITEMS,
                      "items": {"anyOf": [{"type": "string", "maxLength": MAX_ID_CHARS},
                                          {"type": "integer"}]}}
        elif self.kind == "choice":
            schema = {"type": "string", "enum": list(self.choices)}
        else:
            schema = {"type": "string", "maxLength": MAX_CELL_CHARS}
        headers = ", ".join((*self.aliases, *self.zh))
        schema["description"] = self.doc + (f" Also accepted as: {headers}." if headers else "")
        return schema


_CRS = ("wgs84", "gcj02", "bd09")
_PLACE = ("home", "workplace")
_MODE = ("car", "ebike", "walk")

VISIT_COLUMNS: tuple[Column, ...] = (
    Column("visit_id", ("案件编号",), "Unique id of the visit (the case).", required=True,
           kind="id"),
    Column("borrower_id", ("客户编号",), "The borrower; at most one visit per borrower is planned "
           "a day.", required=True, kind="id"),
    Column("lat", ("纬度",), "Latitude in the system named by `crs` (needed unless `address`).",
           aliases=("latitude",), kind="number", lo=-90, hi=90),
    Column("lon", ("经度",), "Longitude in the system named by `crs` (needed unless `address`).",
           aliases=("lng", "longitude"), kind="number", lo=-180, hi=180),
    Column("crs", ("坐标系",), "Coordinate system of lat/lon: `wgs84` (default), `gcj02`, `bd09`.",
           kind="choice", choices=_CRS),
    Column("address", ("地址",), "Postal address; a row with an address and no lat/lon is placed "
           "by geocoding."),
    Column("service_min", ("服务时长(分钟)", "服务时长"), "Minutes at the door (default: the "
           "policy's); 1 to 480.", kind="number", lo=1, hi=480),
    Column("priority", ("优先级",), "1 to 100, default 10.", kind="integer", lo=1, hi=100),
    Column("window_start", ("可访开始",), "Borrower's availability or appointment opens (HH:MM).",
           kind="time"),
    Column("window_end", ("可访结束",), "Borrower's availability or appointment closes (HH:MM).",
           kind="time"),
    Column("place", ("地点类型",), "`home` (default) or `workplace`.",
           kind="choice", choices=_PLACE),
    Column("workplace_consent", ("单位外访同意",), "The borrower agreed to workplace visits.",
           kind="bool"),
    Column("consent_out_of_hours", ("非工作时间同意",), "The borrower asked for a visit outside "
           "08:00-22:00 in the given window (needs window_start and window_end).", kind="bool"),
    Column("must_visit", ("必访",), "Plan this visit before any optional one.", kind="bool"),
    Column("do_not_visit", ("禁止上门",), "Never visit (complaint, dispute, legal hold).",
           kind="bool"),
    Column("skill", ("技能",), "A skill the team must have (e.g. a dialect)."),
    Column("pin_team", ("指定外访组",), "Only this team may make the visit.", kind="id"),
    Column("last_visit", ("上次外访日期",), "Date of the last field visit (YYYY-MM-DD).",
           kind="date"),
    Column("visits_last_7d", ("近7天外访次数",), "Field visits in the last 7 days, 0 or more.",
           kind="integer", lo=0, hi=168),
    Column("demand", ("需求量",), "Load units the visit takes from a team's capacity (default 0).",
           kind="integer", lo=0, hi=1_000_000),
)

TEAM_COLUMNS: tuple[Column, ...] = (
    Column("team_id", ("外访组编号",), "Unique id of the team.", required=True, kind="id"),
    Column("members", ("组员",), "Collector ids, at least two; each collector in one team only.",
           required=True, kind="list"),
    Column("start_lat", ("出发纬度",), "Latitude where the day starts.", required=True,
           kind="number", lo=-90, hi=90),
    Column("start_lon", ("出发经度",), "Longitude where the day starts.", required=True,
           kind="number", lo=-180, hi=180),
    Column("end_lat", ("返回纬度",), "Latitude where the day ends (default: the start).",
           kind="number", lo=-90, hi=90),
    Column("end_lon", ("返回经度",), "Longitude where the day ends (default: the start).",
           kind="number", lo=-180, hi=180),
    Column("crs", ("坐标系",), "Coordinate system of the points: `wgs84` (default), `gcj02`, "
           "`bd09`.", kind="choice", choices=_CRS),
    Column("shift_start", ("班次开始",), "Shift starts (HH:MM).", required=True, kind="time"),
    Column("shift_end", ("班次结束",), "Shift ends (HH:MM).", required=True, kind="time"),
    Column("break_start", ("休息开始",), "The break starts no earlier than this (HH:MM).",
           kind="time"),
    Column("break_end", ("休息结束",), "The break starts no later than this (HH:MM).", kind="time"),
    Column("break_min", ("休息时长(分钟)", "休息时长"), "Length of the break in minutes, 0 to "
           "240 (needs break_start and break_end).", kind="number", lo=0, hi=240),
    Column("skills", ("技能",), "Skills the team has.", kind="list"),
    Column("max_visits", ("最多外访数",), "Most visits this team makes today, 0 to 200 (never "
           "above the policy's).", kind="integer", lo=0, hi=200),
    Column("mode", ("出行方式",), "`car` (default), `ebike` or `walk`.",
           kind="choice", choices=_MODE),
    Column("prefectures", ("负责地市",), "Prefectures the team serves, adcodes or names "
           "(default: all).", kind="list"),
    Column("capacity", ("容量",), "Load units the team can take (default: unlimited).",
           kind="integer", lo=0, hi=1_000_000),
)

#: Chinese headers of each table, header -> canonical column (the documented mapping).
CHINESE_HEADERS: Mapping[str, Mapping[str, str]] = {
    "visits": {zh: c.name for c in VISIT_COLUMNS for zh in c.zh},
    "teams": {zh: c.name for c in TEAM_COLUMNS for zh in c.zh},
}

#: Accepted spellings of a boolean cell (case-insensitive); an empty cell is the default.
BOOLEAN_VALUES: Mapping[str, bool] = {
    "true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
    "y": True, "n": False, "是": True, "否": False,
}

#: Accepted spellings of `place` (case-insensitive).
PLACE_VALUES: Mapping[str, Place] = {
    "home": Place.HOME, "住址": Place.HOME, "住宅": Place.HOME, "家": Place.HOME,
    "workplace": Place.WORKPLACE, "单位": Place.WORKPLACE, "工作单位": Place.WORKPLACE,
}

#: Accepted spellings of `mode` (case-insensitive).
MODE_VALUES: Mapping[str, Mode] = {
    "car": Mode.CAR, "驾车": Mode.CAR, "汽车": Mode.CAR,
    "ebike": Mode.EBIKE, "e-bike": Mode.EBIKE, "电动车": Mode.EBIKE,
    "walk": Mode.WALK, "步行": Mode.WALK,
}

#: Accepted spellings of `crs` (case-insensitive).
CRS_VALUES: Mapping[str, Crs] = {
    "wgs84": Crs.WGS84, "wgs-84": Crs.WGS84, "epsg:4326": Crs.WGS84, "gps": Crs.WGS84,
    "gcj02": Crs.GCJ02, "gcj-02": Crs.GCJ02, "amap": Crs.GCJ02, "高德": Crs.GCJ02,
    "腾讯": Crs.GCJ02,
    "bd09": Crs.BD09, "bd-09": Crs.BD09, "bd09ll": Crs.BD09, "baidu": Crs.BD09, "百度": Crs.BD09,
}

#: Separators of a list cell in CSV and Excel (`members`, `skills`, `prefectures`).
LIST_SEPARATORS = ";；,，、"


def normalise_header(text: str) -> str:
    """A header as compared: trimmed, lower-case, full-width brackets folded, no inner spaces.

    English headers also fold spaces and hyphens to underscores, so "Visit ID" is visit_id.
    """
    folded = text.replace("\ufeff", "").strip().translate(_FOLD).lower()
    return re.sub(r"[\s\-]+", "_", folded) if folded.isascii() else re.sub(r"\s+", "", folded)


_FOLD = str.maketrans({"（": "(", "）": ")", "：": ":"})


def header_lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    """Every accepted header of a table (normalised) -> its canonical column name."""
    out: dict[str, str] = {}
    for c in columns:
        for header in (c.name, *c.aliases, *c.zh):
            out[normalise_header(header)] = c.name
    return out


def columns_markdown() -> str:
    """The column reference as Markdown: the text of docs/columns.md."""
    lines = [
        "# Input columns",
        "",
        "Generated from `routeplan.io.columns` (`columns_markdown()`); a test keeps it current.",
        "",
        "Visits and teams come as CSV (UTF-8, with or without BOM), Excel `.xlsx` (the first "
        "sheet or a named one) or JSON (the same field names, native types, lists as arrays). "
        "Headers are matched ignoring case, surrounding spaces and full-width brackets; the "
        "Chinese headers below are accepted as well as the English names. Optional columns may "
        "be left out of the header; an empty cell takes the default. Unknown columns are "
        "ignored, except one that looks like a misspelt known column, which is an error.",
        "",
    ]
    for title, cols in (("Visits", VISIT_COLUMNS), ("Teams", TEAM_COLUMNS)):
        lines += [f"## {title}", "", "| column | 中文表头 | required | meaning |",
                  "| --- | --- | --- | --- |"]
        for c in cols:
            names = ", ".join(f"`{a}`" for a in (c.name, *c.aliases))
            zh = ", ".join(c.zh)
            lines.append(f"| {names} | {zh} | {'yes' if c.required else ''} | {c.doc} |")
        lines.append("")
    lines += [
        "Visits need `lat` and `lon`, or an `address`. Teams without `end_lat`/`end_lon` end "
        "where they start.",
        "",
        "## Values",
        "",
        "- Booleans: " + ", ".join(f"`{k}`" for k in BOOLEAN_VALUES) + " (any case).",
        "- `place`: " + _values(PLACE_VALUES) + ".",
        "- `mode`: " + _values(MODE_VALUES) + ".",
        "- `crs`: " + _values(CRS_VALUES) + ". Points are converted to WGS-84 on reading.",
        "- Times: `HH:MM` (or `HH:MM:SS`, `24:00` is the end of the day); in Excel a time cell.",
        "- Dates: `YYYY-MM-DD` (also `YYYY/MM/DD`); in Excel a date cell.",
        "- Lists (`members`, `skills`, `prefectures`) in CSV and Excel are separated by any of "
        + " ".join(f"`{s}`" for s in LIST_SEPARATORS)
        + " (semicolon, full-width semicolon, comma, full-width comma, 顿号). In JSON they are "
        "arrays.",
        "- `prefectures`: adcodes (`410100`) or names (`郑州市`, `郑州`, `Zhengzhou`).",
        "",
    ]
    return "\n".join(lines)


def _values(mapping: Mapping[str, object]) -> str:
    groups: dict[str, list[str]] = {}
    for spelling, value in mapping.items():
        groups.setdefault(str(value), []).append(f"`{spelling}`")
    return "; ".join(f"{canon} ← {', '.join(spellings)}" for canon, spellings in groups.items())
