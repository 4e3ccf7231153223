"""Weekly planning, rule by rule across days: every schedule passes the checker, every case once."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routeplan.domain.clock import TimeWindow
from routeplan.domain.days import CaseDays, TeamDays
from routeplan.domain.errors import InvalidInput
from routeplan.domain.policy import Policy
from routeplan.domain.schedule import Horizon, WeekPlan
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.rules.schedule_check import check_schedule
from routeplan.workflows.week import WeekOptions, plan_week
from tests.rules.schedules import BUILD, Locator, case, team

MON = date(2026, 11, 2)  # an ordinary week: Monday 2 to Sunday 8 November 2026
TUE, WED, THU, FRI = (MON + timedelta(days=i) for i in range(1, 5))
AFTERNOON = TimeWindow(14 * 3600, 15 * 3600 + 1800)
FAST = WeekOptions(time_limit_s=30, solution_limit=3)


def week(cases: list[Visit], teams: list[Team], start: date = MON, days: int = 5,
         policy: Policy | None = None, options: WeekOptions = FAST) -> WeekPlan:
    return plan_week(cases, teams, policy or Policy(), Horizon(start, days), build=BUILD,
                     locator=Locator(), options=options)


def routed_on(result: WeekPlan) -> dict[str, date]:
    return {s.visit_id: d for d, p in result.schedule.days.items() for r in p.routes
            for s in r.stops}


def reasons(result: WeekPlan) -> dict[str, str]:
    return {u.visit_id: u.reason for u in result.schedule.unscheduled}


def accounted_once(result: WeekPlan, cases: list[Visit]) -> None:
    """Every case exactly once, as a stop or unscheduled; day plans leave nothing unassigned."""
    seen = Counter([*(s.visit_id for p in result.schedule.days.values() for r in p.routes
                      for s in r.stops), *(u.visit_id for u in result.schedule.unscheduled)])
    assert seen == Counter(v.visit_id for v in cases)
    assert all(not p.unassigned for p in result.schedule.days.values())


def test_a_plain_week_routes_everything_and_passes_the_checker() -> None:
    """Ten cases, two teams, five workdays: all routed, each once, the checker finds nothing."""
    cases = [case(f"v{i}", i) for i in range(10)]
    teams = [team("t1"), team("t2")]
    result = week(cases, teams)
    accounted_once(result, cases)
    assert len(routed_on(result)) == 10
    assert check_schedule(cases, teams, Policy(), Horizon(MON, 5), result.schedule, BUILD) == []
    assert result.kpis.visits_planned == 10 and result.kpis.days_planned == 5


def test_the_balance_spreads_a_light_week_over_its_days() -> None:
    """Ten cases open every day: no day takes them all (2 a day, give or take one)."""
    cases = [case(f"v{i}", i) for i in range(10)]
    result = week(cases, [team("t1")])
    per_day = Counter(routed_on(result).values())
    assert sorted(per_day) == [MON, TUE, WED, THU, FRI]
    assert max(per_day.values()) - min(per_day.values()) <= 1


# -- rule 7 across days ----------------------------------------------------------------------


def test_two_cases_of_one_borrower_keep_the_gap() -> None:
    """At least visits.min_days_between (3) days between visits to one borrower."""
    cases = [case("a", 0, borrower_id="b"), case("b", 1, borrower_id="b")]
    result = week(cases, [team("t1")])
    on = routed_on(result)
    assert set(on) == {"a", "b"}
    assert abs((on["a"] - on["b"]).days) >= 3


def test_the_gap_counts_the_last_visit() -> None:
    """Last visited on Sunday: with a gap of 3 the first lawful day is Wednesday."""
    cases = [case("a", 0, last_visit=MON - timedelta(days=1))]
    on = routed_on(week(cases, [team("t1")]))
    assert on["a"] >= WED


def test_the_weekly_cap_counts_visits_last_7d_on_the_last_visit() -> None:
    """Two visits counted on Friday 30 Oct, cap 2, no gap: only Friday 6 Nov is open."""
    policy = Policy(min_days_between_visits=1, max_visits_per_7d=2)
    cases = [case("a", 0, last_visit=date(2026, 10, 30), visits_last_7d=2)]
    assert routed_on(week(cases, [team("t1")], policy=policy)) == {"a": FRI}


def test_a_count_without_a_date_falls_the_day_before_the_week() -> None:
    """visits_last_7d = 2 with no date: counted on Sunday 1 Nov, so the cap holds until Sun 8."""
    policy = Policy(min_days_between_visits=1, max_visits_per_7d=2)
    cases = [case("a", 0, visits_last_7d=2)]
    result = week(cases, [team("t1")], policy=policy)
    assert reasons(result) == {"a": "no_lawful_day"}
    u = result.schedule.unscheduled[0]
    assert "七日内外访将超过2次上限" in u.detail and "more than 2 visits in 7 days" in u.detail_en


# -- rule 8: holidays, adjusted workdays, weekends -------------------------------------------


def test_holidays_are_skipped_and_the_adjusted_saturday_is_worked() -> None:
    """5-11 Oct 2026, weekends off: 5-7 National Day, 8-9 worked, Sat 10 (调休) worked, 11 not."""
    policy = Policy(skip_weekends=True)
    cases = [case("sat", 0, days=CaseDays(weekdays=frozenset({5}))),
             case("early", 1, days=CaseDays(latest=date(2026, 10, 7))),
             case("any", 2)]
    result = week(cases, [team("t1")], start=date(2026, 10, 5), days=7, policy=policy)
    assert sorted(result.schedule.days) == [date(2026, 10, 8), date(2026, 10, 9),
                                            date(2026, 10, 10)]
    assert routed_on(result)["sat"] == date(2026, 10, 10)
    assert routed_on(result)["any"] in result.schedule.days
    assert reasons(result) == {"early": "no_lawful_day"}
    u = result.schedule.unscheduled[0]
    assert "10月5-7日为国庆节假期" in u.detail
    assert "2026-10-05..2026-10-07 is the statutory holiday National Day" in u.detail_en
    assert set(result.skipped) == {date(2026, 10, d) for d in (5, 6, 7, 11)}


# -- the case's days and the team's days -----------------------------------------------------


def test_a_borrower_found_only_on_some_weekdays_is_visited_on_one_of_them() -> None:
    cases = [case("a", 0, days=CaseDays(weekdays=frozenset({1})))]
    assert routed_on(week(cases, [team("t1")])) == {"a": TUE}


def test_earliest_latest_and_appointment_dates_hold() -> None:
    """Not before Thursday, not after Tuesday, and the appointment on Wednesday at 14:00."""
    cases = [case("late", 0, days=CaseDays(earliest=THU)),
             case("soon", 1, days=CaseDays(latest=TUE)),
             case("appt", 2, days=CaseDays(appointment=WED), window=AFTERNOON)]
    result = week(cases, [team("t1")])
    on = routed_on(result)
    assert on["late"] >= THU and on["soon"] <= TUE and on["appt"] == WED
    stop = next(s for r in result.schedule.days[WED].routes for s in r.stops
                if s.visit_id == "appt")
    assert AFTERNOON.start <= stop.start and stop.departure <= AFTERNOON.end


def test_no_lawful_day_names_what_closes_each_day() -> None:
    """Only on Saturdays, in a Monday-to-Friday week: the borrower's days say why."""
    cases = [case("a", 0, days=CaseDays(weekdays=frozenset({5, 6}))),
             case("b", 1, days=CaseDays(appointment=date(2026, 11, 20)))]
    result = week(cases, [team("t1")])
    by_id = {u.visit_id: u for u in result.schedule.unscheduled}
    assert by_id["a"].reason == "no_lawful_day"
    assert "仅周六、周日可访" in by_id["a"].detail
    assert "only on sat, sun" in by_id["a"].detail_en
    assert "约访日期为11月20日，不在本次计划期内" in by_id["b"].detail


def test_do_not_visit_comes_before_no_lawful_day() -> None:
    cases = [case("a", 0, do_not_visit=True, days=CaseDays(weekdays=frozenset({6})))]
    assert reasons(week(cases, [team("t1")])) == {"a": "do_not_visit"}


def test_teams_work_only_their_days() -> None:
    """t1 works Monday and Tuesday, t2 only Friday 6 Nov: no route on another day."""
    cases = [case(f"v{i}", i) for i in range(6)]
    teams = [team("t1", days=TeamDays(weekdays=frozenset({0, 1}))),
             team("t2", days=TeamDays(dates=frozenset({FRI})))]
    result = week(cases, teams)
    assert sorted(result.schedule.days) == [MON, TUE, FRI]
    for day, plan in result.schedule.days.items():
        for r in plan.routes:
            assert r.team_id == ("t2" if day == FRI else "t1")
    assert set(result.skipped) == {WED, THU}
    assert result.skipped[WED][0] == "11月4日无外访组出勤"


def test_a_case_no_working_team_can_serve_gets_the_days_reason() -> None:
    """Pinned to t2, which works no day of the week that t1 does not: no_eligible_team."""
    cases = [case("a", 0, pin_team="t2")]
    teams = [team("t1"), team("t2", days=TeamDays(dates=frozenset({date(2026, 12, 1)})))]
    result = week(cases, teams)
    assert reasons(result) == {"a": "no_eligible_team"}
    assert check_schedule(cases, teams, Policy(), Horizon(MON, 5), result.schedule, BUILD) == []


# -- priority, must-visits, capacity, balance -----------------------------------------------


def test_must_visits_are_scheduled_before_any_optional_case() -> None:
    """One team-day for two visits: the low-priority must-visit goes, a 100 is left out."""
    cases = [case("m", 0, must_visit=True, priority=1), case("o1", 1, priority=100),
             case("o2", 2, priority=100)]
    teams = [team("t1", max_visits=2, days=TeamDays(weekdays=frozenset({2})))]
    result = week(cases, teams)
    on = routed_on(result)
    assert "m" in on and len(on) == 2
    left = result.schedule.unscheduled
    assert [u.reason for u in left] == ["over_capacity"]
    assert "各可访日运力均已排满" in left[0].detail


def test_scarce_days_go_to_the_cases_that_need_them() -> None:
    """Monday-only cases get Monday; flexible ones of higher priority take the other days."""
    mon_only = [case(f"m{i}", i, days=CaseDays(weekdays=frozenset({0})), priority=5)
                for i in range(3)]
    flexible = [case(f"f{i}", 10 + i, priority=50) for i in range(3)]
    teams = [team("t1", max_visits=3)]
    result = week(mon_only + flexible, teams, days=2)
    on = routed_on(result)
    assert all(on.get(v.visit_id) == MON for v in mon_only)
    assert all(on.get(v.visit_id) == TUE for v in flexible)


def test_balance_weight_trades_priority_for_even_days() -> None:
    """Six Monday-only cases of priority 1 and room for 6 a day over 2 days (share 3 a day):
    weight 0 plans all six on Monday; weight 2 (above their priority) plans only the share."""
    cases = [case(f"m{i}", i, days=CaseDays(weekdays=frozenset({0})), priority=1)
             for i in range(6)]
    teams = [team("t1", max_visits=6)]
    greedy = week(cases, teams, days=2, policy=Policy(balance_weight=0))
    even = week(cases, teams, days=2, policy=Policy(balance_weight=2))
    assert len(routed_on(greedy)) == 6
    assert len(routed_on(even)) == 3
    assert set(reasons(even).values()) == {"over_capacity"}


def test_invalid_input_is_refused_with_located_messages() -> None:
    """A case twice; a year no calendar covers (policy refuse)."""
    with pytest.raises(InvalidInput) as caught:
        week([case("a", 0), case("a", 1)], [team("t1")], start=date(2031, 3, 3))
    text = str(caught.value)
    assert "'a' appears 2 times" in text
    assert "no holiday calendar covers 2031" in text


# -- the property ----------------------------------------------------------------------------


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Visit], list[Team], Horizon, Policy]:
    start = date(2026, 9, 28) + timedelta(days=draw(st.integers(0, 20)))
    horizon = Horizon(start, draw(st.integers(1, 7)))
    policy = Policy(min_days_between_visits=draw(st.integers(0, 3)),
                    max_visits_per_7d=draw(st.integers(1, 3)),
                    skip_weekends=draw(st.booleans()),
                    balance_weight=draw(st.sampled_from((0.0, 0.5, 5.0))))
    weekdays = st.frozensets(st.integers(0, 6), min_size=1)
    teams = []
    for k in range(draw(st.integers(1, 3))):
        works = TeamDays(weekdays=draw(weekdays)) if draw(st.booleans()) else TeamDays()
        teams.append(team(f"t{k}", max_visits=draw(st.integers(1, 4)), days=works))
    cases = []
    for i in range(draw(st.integers(1, 9))):
        last = (start - timedelta(days=draw(st.integers(1, 6)))
                if draw(st.integers(0, 2)) == 0 else None)
        appointment = (start + timedelta(days=draw(st.integers(0, horizon.days)))
                       if draw(st.integers(0, 4)) == 0 else None)
        lo = draw(st.integers(-1, horizon.days))
        days = CaseDays(weekdays=draw(weekdays) if draw(st.booleans()) else frozenset(range(7)),
                        appointment=appointment,
                        earliest=start + timedelta(days=lo) if draw(st.booleans()) else None,
                        latest=(start + timedelta(days=lo + draw(st.integers(0, 4)))
                                if draw(st.booleans()) else None))
        cases.append(case(f"v{i}", i, borrower_id=f"b{draw(st.integers(0, 4))}",
                          last_visit=last,
                          visits_last_7d=draw(st.integers(0, 2)) if last else 0,
                          must_visit=draw(st.booleans()), priority=draw(st.integers(1, 50)),
                          do_not_visit=draw(st.integers(0, 6)) == 0,
                          pin_team=f"t{draw(st.integers(0, 3))}" if draw(
                              st.integers(0, 5)) == 0 else None,
                          window=AFTERNOON if appointment else None, days=days))
    return cases, teams, horizon, policy


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_every_generated_week_passes_the_checker_and_accounts_for_every_case(
        world: tuple[list[Visit], list[Team], Horizon, Policy]) -> None:
    """plan_week checks its own schedule; here the checker runs again, from the outside."""
    cases, teams, horizon, policy = world
    result = plan_week(cases, teams, policy, horizon, build=BUILD, locator=Locator(),
                       options=FAST)
    accounted_once(result, cases)
    assert check_schedule(cases, teams, policy, horizon, result.schedule, BUILD) == []
    for d in result.schedule.days:
        assert d in horizon and d not in result.skipped


def test_same_seed_same_week() -> None:
    """Repeatable: the same input, seed and solution limit give the same schedule."""
    cases = [case(f"v{i}", i, priority=1 + i) for i in range(8)]
    teams = [team("t1", max_visits=2), replace(team("t2"), max_visits=1)]
    a, b = week(cases, teams), week(cases, teams)
    assert routed_on(a) == routed_on(b)
    assert reasons(a) == reasons(b)


# -- large places are split into parts --------------------------------------------------------


def test_a_large_place_is_split_by_geography_with_its_teams_and_borrowers_together(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """West and east of a place, two teams based on each side, room for 7 cases a part:
    two parts, each with the teams of its side, and a borrower's cases in one part."""
    import routeplan.workflows.week as week_module
    from routeplan.workflows.week import _split_places

    monkeypatch.setattr(week_module, "JOB_MAX", 7)

    west, east = (113.40, 34.75), (113.95, 34.75)
    cases = [case(f"w{i}", i, location=(west[0] + 0.002 * i, west[1])) for i in range(6)]
    cases += [case(f"e{i}", i, location=(east[0] - 0.002 * i, east[1])) for i in range(6)]
    # borrower bw has a case on each side; its most important one lies west
    cases += [case("bw-west", 0, location=west, borrower_id="bw", priority=90),
              case("bw-east", 1, location=east, borrower_id="bw", priority=5)]
    teams = [team("tw1", start=west), team("te1", start=east), team("tw2", start=west),
             team("te2", start=east)]
    place_of, parts, parent = _split_places(cases, [0] * len(cases), [[0, 1, 2, 3]], teams,
                                            open_days=1, seed=0)
    assert len(parts) == 2 and parent == [0, 0]
    part = dict(zip((c.visit_id for c in cases), place_of, strict=True))
    names = [{teams[k].team_id for k in p} for p in parts]
    assert {"tw1", "tw2"} <= names[part["w0"]] and {"te1", "te2"} <= names[part["e0"]]
    assert part["bw-east"] == part["bw-west"] == part["w0"]
    assert sorted(k for p in parts for k in p) == [0, 1, 2, 3]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_every_generated_week_split_into_the_smallest_parts_passes_the_checker(
        world: tuple[list[Visit], list[Team], Horizon, Policy]) -> None:
    """With every place cut into as many parts as it has teams, the week is still lawful:
    reasons and must-visits are judged with every team of the place, as the checker does."""
    import routeplan.workflows.week as week_module

    cases, teams, horizon, policy = world
    teams = [replace(t, start=(t.start[0] + 0.03 * k, t.start[1])) for k, t in enumerate(teams)]
    job_max = week_module.JOB_MAX
    week_module.JOB_MAX = 1
    try:
        result = plan_week(cases, teams, policy, horizon, build=BUILD, locator=Locator(),
                           options=FAST)
    finally:
        week_module.JOB_MAX = job_max
    accounted_once(result, cases)
    assert check_schedule(cases, teams, policy, horizon, result.schedule, BUILD) == []
