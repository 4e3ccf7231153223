"""Checking written schedules from files, and `routeplan check --schedule` through the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from routeplan.cli import main
from routeplan.domain.errors import InvalidInput
from routeplan.io.readers import read_teams, read_visits
from routeplan.rules.schedule_check import CaseDays, Horizon, Schedule, TeamDays
from routeplan.workflows.schedule_check import check_schedule_files
from tests.io.test_schedule_json import write_schedule
from tests.rules.schedules import Locator, World

MON, TUE, WED, THU, SAT = (date(2026, 11, d) for d in (2, 3, 4, 5, 7))

VISITS = """visit_id,borrower_id,lat,lon,must_visit,last_visit,days,earliest_date,appointment_date
V1,B1,34.7466,113.6500,true,,,,
V2,B2,34.7566,113.6400,,2026-10-30,tue;thu,,
V3,B3,34.7366,113.6100,,,,2026-11-04,
V4,B4,34.7666,113.6000,,,,,2026-11-05
"""
# The same days with the Chinese headers, and a team that works Monday to Friday plus a date.
VISITS_ZH = """案件编号,客户编号,纬度,经度,必访,上次外访日期,可访日,最早日期,约访日期
V1,B1,34.7466,113.6500,是,,,,
V2,B2,34.7566,113.6400,,2026-10-30,周二、周四,,
V3,B3,34.7366,113.6100,,,,2026-11-04,
V4,B4,34.7666,113.6000,,,,,2026-11-05
"""
TEAMS = """team_id,members,start_lat,start_lon,shift_start,shift_end,days
T1,a1;a2,34.7466,113.6254,08:30,18:00,mon;tue;wed;thu;fri
T2,b1;b2,34.7466,113.6254,09:00,19:00,2026-11-07
"""
LAWFUL = {MON: {"T1": ["V1"]}, TUE: {"T1": ["V2"]}, WED: {"T2": [], "T1": ["V3"]},
          THU: {"T1": ["V4"]}}


def _files(tmp_path: Path, visits_text: str = VISITS) -> tuple[Path, Path, World]:
    visits, teams = tmp_path / "visits.csv", tmp_path / "teams.csv"
    visits.write_text(visits_text, encoding="utf-8")
    teams.write_text(TEAMS, encoding="utf-8")
    w = World(read_visits(visits), read_teams(teams), Horizon(MON, 7))
    return visits, teams, w


def _written(tmp_path: Path, schedule: Schedule, name: str = "week") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return write_schedule(folder, MON, schedule, (SAT,))


def test_weekly_columns_are_read_in_english_and_chinese(tmp_path: Path) -> None:
    """可访日 周二、周四 and days tue;thu mean the same; teams work weekdays or dates."""
    for text in (VISITS, VISITS_ZH):
        visits, teams, _ = _files(tmp_path, text)
        assert {v.visit_id: v.days for v in read_visits(visits) if not v.days.every_day} == {
            "V2": CaseDays(weekdays=frozenset({1, 3})), "V3": CaseDays(earliest=WED),
            "V4": CaseDays(appointment=THU)}
    assert {t.team_id: t.days for t in read_teams(teams)} == {
        "T1": TeamDays(weekdays=frozenset(range(5))), "T2": TeamDays(dates=frozenset({SAT}))}


def test_lawful_schedule_from_files_passes(tmp_path: Path) -> None:
    """Written, read back, rebuilt day by day: no line."""
    visits, teams, w = _files(tmp_path)
    path = _written(tmp_path, w.schedule(LAWFUL))
    assert check_schedule_files(visits, teams, path, locator=Locator()) == []


def test_schedule_breaking_the_weekly_columns_is_reported(tmp_path: Path) -> None:
    """V2 on a Wednesday (only Tue/Thu), and T2 on a Monday (only 2026-11-07)."""
    visits, teams, w = _files(tmp_path)
    path = _written(tmp_path, w.schedule(
        {MON: {"T1": ["V1"], "T2": ["V3"]}, WED: {"T1": ["V2"]}, THU: {"T1": ["V4"]}}))
    found = check_schedule_files(visits, teams, path, locator=Locator())
    assert "2026-11-02: team T2: team days: 1 stop(s) on 2026-11-02 (mon), a day the team does " \
           "not work (it works 2026-11-07)" in found
    assert "2026-11-02: team T2 visit V3: case days: 2026-11-02 is before its earliest date " \
           "2026-11-04" in found
    assert "2026-11-04: team T1 visit V2: case days: 2026-11-04 is a wed, not one of the " \
           "borrower's days (tue, thu)" in found


def test_horizon_length_can_be_given(tmp_path: Path) -> None:
    """With --days 3 the Thursday plan lies outside the horizon."""
    visits, teams, w = _files(tmp_path)
    path = _written(tmp_path, w.schedule(LAWFUL))
    found = check_schedule_files(visits, teams, path, days=3, locator=Locator())
    assert "2026-11-05: schedule: the day lies outside the horizon 2026-11-02..2026-11-04" in found


def test_bad_weekly_cells_are_located(tmp_path: Path) -> None:
    """A weekday that is none and a date that is none: one located message each, all at once."""
    visits, teams = tmp_path / "visits.csv", tmp_path / "teams.csv"
    visits.write_text(VISITS.replace("tue;thu", "tue;funday").replace(
        ",,,2026-11-05", ",,,2026-13-05"), encoding="utf-8")
    teams.write_text(TEAMS.replace("2026-11-07", "someday"), encoding="utf-8")
    schedule = tmp_path / "schedule.json"
    schedule.write_text(json.dumps({"start": "2026-11-02", "days": []}), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        check_schedule_files(visits, teams, schedule, locator=Locator())
    assert [str(p) for p in caught.value.problems] == [
        "visits.csv:3:days: 'funday' is not a weekday (mon..sun, 周一..周日)",
        "visits.csv:5:appointment_date: '2026-13-05' is not a calendar date",
        "teams.csv:3:days: 'someday' is neither a weekday (mon..sun, 周一..周日) nor a date "
        "(YYYY-MM-DD)",
    ]


def test_cli_check_schedule_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    """0 for a lawful schedule, 1 with the lines for a broken one, 2 for an unreadable one."""
    visits, teams, w = _files(tmp_path)
    path = _written(tmp_path, w.schedule(LAWFUL))
    args = ["check", "--visits", str(visits), "--teams", str(teams), "--schedule", str(path)]
    assert main(args) == 0
    assert "is compliant" in capsys.readouterr().out
    broken = _written(tmp_path, w.schedule({MON: {"T1": ["V1"]}, WED: {"T1": ["V2", "V3"]},
                                            THU: {"T1": ["V4"]}}), "broken")
    args[-1] = str(broken)
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "visit V2: case days" in captured.out
    assert "violation(s)" in captured.err
    broken.write_text("{", encoding="utf-8")
    assert main(args) == 2
    assert "schedule.json:1: not valid JSON" in capsys.readouterr().err
