"""Excel workbooks with Chinese headers and native cells, and JSON records with pointers."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import Workbook

from conftest import problems_of
from routeplan.domain.clock import TimeWindow
from routeplan.domain.team import Mode
from routeplan.domain.visit import Place
from routeplan.io.readers import read_teams, read_visits, teams_from_records, visits_from_records

VISITS_ZH = [
    "案件编号", "客户编号", "纬度", "经度", "坐标系", "地址", "服务时长(分钟)", "优先级",
    "可访开始", "可访结束", "地点类型", "单位外访同意", "非工作时间同意", "必访",
    "禁止上门", "技能", "指定外访组", "上次外访日期", "近7天外访次数",
]
TEAMS_ZH = [
    "外访组编号", "组员", "出发纬度", "出发经度", "返回纬度", "返回经度", "班次开始",
    "班次结束", "休息开始", "休息结束", "休息时长(分钟)", "技能", "最多外访数", "出行方式",
    "负责地市",
]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def test_chinese_headers_and_native_cells(tmp_path: Path) -> None:
    path = workbook(tmp_path / "visits.xlsx", {"外访": [
        VISITS_ZH,
        [10023, "B1", 34.7466, 113.6254, "WGS84", "郑州市金水区", 30, 50, time(9, 0),
         datetime(1900, 1, 1, 11, 30), "单位", "是", "否", 1, False, "豫语", "T1",
         datetime(2026, 11, 20), 2],
    ]})
    (v,) = read_visits(path)
    assert (v.visit_id, v.borrower_id, v.location) == ("10023", "B1", (113.6254, 34.7466))
    assert (v.service_s, v.priority) == (1800, 50)
    assert v.window == TimeWindow(9 * 3600, 11 * 3600 + 1800)
    assert v.place is Place.WORKPLACE
    assert v.workplace_consent
    assert v.must_visit
    assert v.last_visit == date(2026, 11, 20)
    assert v.visits_last_7d == 2


def test_teams_sheet_with_chinese_values(tmp_path: Path) -> None:
    path = workbook(tmp_path / "day.xlsx", {"外访": [["x"]], "外访组": [
        TEAMS_ZH,
        ["T1", "C1、C2", 34.75, 113.62, None, None, "08:30", "17:30", "12:00", "13:00", 30,
         "豫语", 10, "步行", "郑州市"],
    ]})
    (t,) = read_teams(path, sheet="外访组")
    assert t.members == ("C1", "C2")
    assert t.end is None
    assert t.shift == TimeWindow(8 * 3600 + 1800, 17 * 3600 + 1800)
    assert t.break_s == 1800
    assert (t.mode, t.prefectures, t.max_visits) == (Mode.WALK, frozenset({410100}), 10)


def test_errors_name_sheet_row_and_column(tmp_path: Path) -> None:
    path = workbook(tmp_path / "visits.xlsx", {"外访": [
        ["备注"],  # the first sheet is not the one asked for
    ], "Sheet2": [
        [], ["案件编号", "客户编号", "纬度", "经度", "可访开始", "可访结束"],
        ["V1", "B1", 34.7, 113.6, "25:00", "26:00"],
        ["V1", "B2", 113.6, 34.7, None, None],
    ]})
    assert problems_of(lambda: read_visits(path, sheet="Sheet2")) == [
        "visits.xlsx[Sheet2]:3:可访开始 (window_start): '25:00' is not a time of day (HH:MM, "
        "00:00 to 24:00)",
        "visits.xlsx[Sheet2]:3:可访结束 (window_end): '26:00' is not a time of day (HH:MM, "
        "00:00 to 24:00)",
        "visits.xlsx[Sheet2]:4:纬度 (lat): 113.6 is outside -90..90; lat and lon look swapped "
        "(lon is 34.7, which is a latitude)",
        "visits.xlsx[Sheet2]:4:案件编号 (visit_id): 'V1' repeats the visit_id of row 3",
    ]


def test_missing_sheet_and_broken_workbook(tmp_path: Path) -> None:
    path = workbook(tmp_path / "visits.xlsx", {"外访": [VISITS_ZH[:4]]})
    assert problems_of(lambda: read_visits(path, sheet="Sheet9")) == [
        "visits.xlsx: no sheet named 'Sheet9'; the sheets are '外访'"]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    (line,) = problems_of(lambda: read_visits(broken))
    assert line.startswith("broken.xlsx: not a readable .xlsx workbook")


def test_empty_sheet(tmp_path: Path) -> None:
    path = workbook(tmp_path / "visits.xlsx", {"外访": []})
    (line,) = problems_of(lambda: read_visits(path))
    assert line.startswith("visits.xlsx[外访]: the sheet is empty")


def test_json_records_with_native_types() -> None:
    visits = visits_from_records([
        {"visit_id": "V1", "borrower_id": "B1", "lat": 34.7, "lon": 113.6,
         "window_start": "09:00", "window_end": "10:00", "must_visit": True, "priority": 40},
        {"visit_id": "V2", "borrower_id": "B2", "address": "郑州市二七区"},
    ])
    assert [v.visit_id for v in visits] == ["V1", "V2"]
    assert visits[0].must_visit
    assert visits[0].priority == 40
    assert visits[1].location is None
    (t,) = teams_from_records([{"team_id": "T1", "members": ["C1", "C2"], "start_lat": 34.7,
                                "start_lon": 113.6, "shift_start": "09:00", "shift_end": "18:00",
                                "prefectures": [410100, "开封市"], "mode": "ebike"}])
    assert t.prefectures == frozenset({410100, 410200})
    assert t.mode is Mode.EBIKE


def test_json_problems_are_json_pointers() -> None:
    lines = problems_of(lambda: visits_from_records([
        {"visit_id": "V1", "borrower_id": "B1", "lat": 34.7, "lon": 113.6},
        {"visit_id": "V2", "borrower_id": "B2", "lat": "34.7", "lon": 113.6},
        "V3",
        {"visit_id": "V4", "lat": 34.7, "lon": 113.6, "window_start": "25:00",
         "window_end": "26:00", "must_visit": "yes"},
    ]))
    assert lines == [
        "/visits/1/lat: '34.7' is text, not a JSON number",
        "/visits/2: expected an object, got str",
        "/visits/3/borrower_id: required, but missing",  # absent keys first, then in key order
        "/visits/3/window_start: '25:00' is not a time of day (HH:MM, 00:00 to 24:00)",
        "/visits/3/window_end: '26:00' is not a time of day (HH:MM, 00:00 to 24:00)",
        "/visits/3/must_visit: 'yes' is not true or false",
    ]


def test_json_lists_must_be_arrays() -> None:
    assert problems_of(lambda: teams_from_records(
        [{"team_id": "T1", "members": "C1;C2", "start_lat": 34.7, "start_lon": 113.6,
          "shift_start": "09:00", "shift_end": "18:00"}], source="request/teams")) == [
        "/request/teams/0/members: 'C1;C2' is not an array"]


def test_not_a_list_of_records() -> None:
    assert problems_of(lambda: visits_from_records({"visit_id": "V1"})) == [
        "/visits: expected an array of objects, got dict"]
    assert problems_of(lambda: visits_from_records([])) == ["/visits: no visits given"]


def test_json_file_is_read_like_records(tmp_path: Path) -> None:
    path = tmp_path / "visits.json"
    path.write_text(json.dumps({"visits": [
        {"visit_id": "V1", "borrower_id": "B1", "lat": 34.7, "lon": 113.6},
        {"visit_id": "V1", "borrower_id": "B2", "lat": 34.7, "lon": 113.6},
    ]}), encoding="utf-8")
    assert problems_of(lambda: read_visits(path)) == [
        "visits.json#/visits/1/visit_id: 'V1' repeats the visit_id of visits.json#/visits/0"]
