"""Reading teams: shifts, breaks, members and prefectures; roster errors named by row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import problems_of
from routeplan.domain.clock import TimeWindow
from routeplan.domain.team import Mode
from routeplan.geo.crs import to_wgs84
from routeplan.io.readers import read_teams, read_visits

type Write = Callable[[str, str | bytes], Path]

HEADER = "team_id,members,start_lat,start_lon,shift_start,shift_end\n"


def bad_lines(write: Write, *rows: str, header: str = HEADER) -> list[str]:
    path = write("teams.csv", header + "".join(r + "\n" for r in rows))
    return problems_of(lambda: read_teams(path))


def test_full_row_reads_into_a_team(write: Write) -> None:
    path = write("teams.csv", (
        "team_id,members,start_lat,start_lon,end_lat,end_lon,shift_start,shift_end,"
        "break_start,break_end,break_min,skills,max_visits,mode,prefectures\n"
        'T1,C1;C2、C3,34.75,113.62,34.80,113.70,08:30,17:30,11:30,13:00,45,"豫语,法务",9,'
        "电动车,郑州市；410200\n"
    ))
    (t,) = read_teams(path)
    assert t.team_id == "T1"
    assert t.members == ("C1", "C2", "C3")
    assert t.start == (113.62, 34.75)
    assert t.end == (113.70, 34.80)
    assert t.shift == TimeWindow(8 * 3600 + 1800, 17 * 3600 + 1800)
    assert t.break_window == TimeWindow(11 * 3600 + 1800, 13 * 3600)
    assert t.break_s == 45 * 60
    assert t.skills == frozenset({"豫语", "法务"})
    assert (t.max_visits, t.mode) == (9, Mode.EBIKE)
    assert t.prefectures == frozenset({410100, 410200})


def test_team_without_end_point_ends_at_its_start(write: Write) -> None:
    (t,) = read_teams(write("teams.csv", HEADER + "T1,C1;C2,34.75,113.62,09:00,18:00\n"))
    assert t.end is None
    assert t.end_point == t.start == (113.62, 34.75)
    assert (t.mode, t.break_s, t.max_visits, t.prefectures) == (Mode.CAR, 0, None, frozenset())


def test_one_person_team_is_refused(write: Write) -> None:
    assert bad_lines(write, "T1,C1,34.7,113.6,09:00,18:00") == [
        "teams.csv:2:members: 'C1' is only 1 collector; a field visit needs at least 2 "
        "(COMPLIANCE rule 3)"]


def test_collector_in_two_teams_names_both(write: Write) -> None:
    assert bad_lines(write, "T1,C1;C2,34.7,113.6,09:00,18:00",
                     "T2,C3;C1,34.7,113.6,09:00,18:00") == [
        "teams.csv:3:members: collector 'C1' is also in team 'T1' (row 2)"]


def test_duplicate_team_id(write: Write) -> None:
    assert bad_lines(write, "T1,C1;C2,34.7,113.6,09:00,18:00",
                     "T1,C3;C4,34.7,113.6,09:00,18:00") == [
        "teams.csv:3:team_id: 'T1' repeats the team_id of row 2"]


def test_shift_end_before_start(write: Write) -> None:
    assert bad_lines(write, "T1,C1;C2,34.7,113.6,17:00,08:00") == [
        "teams.csv:2:shift_end: '08:00' is not after shift_start '17:00'"]


def test_break_rules(write: Write) -> None:
    header = HEADER.strip() + ",break_start,break_end,break_min\n"
    assert bad_lines(write, "T1,C1;C2,34.7,113.6,09:00,18:00,,,30",
                     "T2,C3;C4,34.7,113.6,09:00,18:00,12:00,13:00,",
                     "T3,C5;C6,34.7,113.6,09:00,18:00,12:00,13:00,500", header=header) == [
        "teams.csv:2:break_min: '30', but no break_start and break_end: give the window the "
        "break starts in",
        "teams.csv:3:break_min: empty, but break_start and break_end are given: give the "
        "break's length in minutes",
        "teams.csv:4:break_min: '500' minutes is not between 0 and 240",
    ]


def test_unknown_mode_and_prefecture(write: Write) -> None:
    header = HEADER.strip() + ",mode,prefectures\n"
    assert bad_lines(write, "T1,C1;C2,34.7,113.6,09:00,18:00,飞机,郑州;北京",
                     header=header) == [
        "teams.csv:2:mode: '飞机' is not a known mode; use one of car, ebike, walk",
        "teams.csv:2:prefectures: '北京' is not one of Henan's 18 prefectures (an adcode such "
        "as 410100, or a name such as 郑州市)",
    ]


def test_start_point_is_required(write: Write) -> None:
    assert bad_lines(write, "T1,C1;C2,,,09:00,18:00") == [
        "teams.csv:2:start_lat: required, but the cell is empty",
        "teams.csv:2:start_lon: required, but the cell is empty",
    ]


def test_missing_columns_and_a_teams_file_given_as_visits(write: Write) -> None:
    path = write("teams.csv", "team_id,start_lat,start_lon\nT1,34.7,113.6\n")
    assert problems_of(lambda: read_teams(path)) == [
        "teams.csv: missing required column members (组员)",
        "teams.csv: missing required column shift_start (班次开始)",
        "teams.csv: missing required column shift_end (班次结束)",
    ]
    assert problems_of(lambda: read_visits(path)) == [
        "teams.csv: missing required column visit_id (案件编号)",
        "teams.csv: missing required column borrower_id (客户编号)",
        "teams.csv: missing columns: lat and lon (纬度, 经度), or address (地址)",
    ]


def test_team_points_follow_the_row_crs(write: Write) -> None:
    path = write("teams.csv", HEADER.strip() + ",end_lat,end_lon,crs\n"
                 "T1,C1;C2,34.75,113.62,09:00,18:00,34.80,113.70,gcj02\n")
    (t,) = read_teams(path)
    assert t.start == to_wgs84(113.62, 34.75, "gcj02")
    assert t.end == to_wgs84(113.70, 34.80, "gcj02")
