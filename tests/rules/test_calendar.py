"""The holiday calendar routeplan ships: 2025-2027 against both libraries, files, policy."""

from __future__ import annotations

import filecmp
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import holidays
import pytest

from routeplan.domain.calendar import YearStatus
from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Plan, Reason
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.rules.calendar import day_info, load_calendar, shipped_years
from routeplan.solver import SolveOptions, solve
from tests.days import team, visit

ROOT = Path(__file__).resolve().parents[2]
QUICK = SolveOptions(time_limit_s=2, solution_limit=20)


def _days(year: int) -> list[date]:
    d, out = date(year, 1, 1), []
    while d.year == year:
        out.append(d)
        d += timedelta(days=1)
    return out


def test_shipped_files_are_the_package_copies() -> None:
    """data/calendar is what the package ships (the loader reads the package copy)."""
    repo = sorted(p.name for p in (ROOT / "data" / "calendar").glob("*.json"))
    pkg = sorted(p.name for p in (ROOT / "src" / "routeplan" / "data" / "calendar").glob("*.json"))
    assert repo == pkg == ["2025.json", "2026.json", "2027.json"]
    for name in repo:
        assert filecmp.cmp(ROOT / "data" / "calendar" / name,
                           ROOT / "src" / "routeplan" / "data" / "calendar" / name, shallow=False)


@pytest.mark.parametrize("year", [2025, 2026])
def test_official_years_agree_with_chinese_calendar_day_by_day(year: int) -> None:
    """Every rest day and adjusted workday of the notice, as chinese-calendar encodes it."""
    for d in _days(year):
        info = day_info(d)
        on_holiday, name = chinese_calendar.get_holiday_detail(d)  # weekends: (True, None)
        assert (info.holiday is not None) == bool(on_holiday and name), d
        assert info.adjusted_workday == (d.weekday() >= 5 and chinese_calendar.is_workday(d)), d


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_every_statutory_day_of_the_holidays_library_is_a_rest_day(year: int) -> None:
    """`holidays` lists the law's days (and, for notice years, bridging days): all are rest."""
    cn = holidays.country_holidays("CN", years=year)
    for d in cn:
        info = day_info(d)
        assert info.holiday is not None or info.is_rest_weekend, (d, cn.get(d))


def test_2026_adjusted_workdays_of_the_notice() -> None:
    """The 2026 notice's weekend workdays (调休), and the days around National Day."""
    workdays = {d for d in _days(2026) if day_info(d).adjusted_workday}
    assert workdays == {date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28),
                        date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)}
    assert day_info(date(2026, 10, 7)).holiday is not None
    assert day_info(date(2026, 10, 8)).holiday is None


def test_2027_is_statutory_only_and_spring_festival_is_a_holiday() -> None:
    """2027: the law's days (除夕 to 初三 and the substitute days), no adjusted workdays yet."""
    assert shipped_years()[2027].status is YearStatus.STATUTORY
    for d in (date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),
              date(2027, 2, 9), date(2027, 2, 10)):
        info = day_info(d)
        assert info.holiday is not None and info.holiday.name == "春节", d
        assert info.provisional
    assert day_info(date(2027, 2, 11)).holiday is None
    assert not any(day_info(d).adjusted_workday for d in _days(2027))


def test_spring_festival_2027_is_never_planned_by_default(
        make_problem: Callable[..., Problem]) -> None:
    """A dispatcher planning 2027-02-08 gets every visit unassigned as a holiday, in Chinese."""
    plan: Plan = solve(make_problem([visit("a")], [team("T1")], day=date(2027, 2, 8)), QUICK)
    assert not any(r.stops for r in plan.routes)
    (u,) = plan.unassigned
    assert u.reason is Reason.HOLIDAY
    assert "春节" in u.detail and "Spring Festival" not in u.detail
    assert "Spring Festival" in u.detail_en


def test_a_2027_workday_is_planned_with_a_warning_about_the_arrangement(
        make_problem: Callable[..., Problem]) -> None:
    """January 2027 can be planned; the plan says the year's adjusted workdays are unknown."""
    plan = solve(make_problem([visit("a")], [team("T1")], day=date(2027, 1, 12)), QUICK)
    assert [s.visit_id for r in plan.routes for s in r.stops] == ["a"]
    assert any("2027" in w and "adjusted workdays" in w for w in plan.kpis.warnings)


def test_admin_file_adds_a_year_and_replaces_a_shipped_one(tmp_path: Path) -> None:
    """ROUTEPLAN_CALENDAR's files win over the shipped years, year by year."""
    (tmp_path / "2028.json").write_text(json.dumps({
        "year": 2028, "status": "official", "source": "通知", "source_en": "notice",
        "holidays": [{"name": "春节", "name_en": "Spring Festival", "from": "2028-01-25",
                      "to": "2028-01-31"}],
        "workdays": ["2028-01-23"]}), encoding="utf-8")
    (tmp_path / "2027.json").write_text(json.dumps({
        "year": 2027, "status": "official", "source": "通知", "source_en": "notice",
        "holidays": [{"name": "春节", "name_en": "Spring Festival", "from": "2027-02-05",
                      "to": "2027-02-12"}],
        "workdays": ["2027-02-20"]}), encoding="utf-8")
    cal = load_calendar(tmp_path)
    assert cal.day(date(2028, 1, 25)).holiday is not None
    assert cal.day(date(2028, 1, 23)).adjusted_workday
    assert cal.day(date(2027, 2, 12)).holiday is not None
    assert not cal.day(date(2027, 2, 12)).provisional
    assert cal.day(date(2026, 10, 1)).holiday is not None  # shipped years stay
    assert not cal.covers(2029)


def test_a_bad_admin_file_is_one_located_message_per_problem(tmp_path: Path) -> None:
    """Dates outside the year, a weekday 'workday', a missing name: each named with its place."""
    bad = tmp_path / "2028.json"
    bad.write_text(json.dumps({
        "year": 2028, "status": "official", "source": "x", "source_en": "x",
        "holidays": [{"name": "春节", "name_en": "x", "from": "2029-01-25", "to": "2028-01-31"},
                     {"name_en": "x", "from": "2028-05-01", "to": "2028-05-02"}],
        "workdays": ["2028-01-24"]}), encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        load_calendar(bad)
    text = [str(p) for p in err.value.problems]
    assert any(t.startswith("2028.json/holidays/0/from") and "not in 2028" in t for t in text)
    assert any(t.startswith("2028.json/holidays/1") and "name" in t for t in text)
    assert any(t.startswith("2028.json/workdays/0") and "weekday" in t for t in text)


def test_not_a_calendar_file_is_input_error(tmp_path: Path) -> None:
    """Binary junk or a huge file is refused with its name, never a traceback."""
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\xff\xfe[[[")
    with pytest.raises(InvalidInput, match=r"junk\.json"):
        load_calendar(junk)
    big = tmp_path / "big.json"
    big.write_text("[" + " " * 70_000 + "]", encoding="utf-8")
    with pytest.raises(InvalidInput, match="at most"):
        load_calendar(big)


def test_uncovered_year_policy_both_ways(make_problem: Callable[..., Problem]) -> None:
    """Refused by default with a message naming the year; planned with a warning if asked."""
    with pytest.raises(InvalidInput, match="2031"):
        make_problem([visit("a")], [team("T1")], day=date(2031, 3, 4))
    plan = solve(make_problem([visit("a")], [team("T1")], Policy(uncovered_year="plan"),
                              day=date(2031, 3, 4)), QUICK)
    assert plan.kpis.visits_planned == 1
    assert any("2031" in w for w in plan.kpis.warnings)
