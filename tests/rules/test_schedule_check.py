"""The weekly schedule checker: lawful schedules pass, and each rule broken by hand is caught."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from routeplan.domain.clock import TimeWindow
from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Plan, Reason, Unassigned
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.team import Team
from routeplan.domain.visit import Place, Visit
from routeplan.rules.calendar import day_info
from routeplan.rules.schedule_check import (
    ALL_WEEKDAYS,
    NO_LAWFUL_DAY,
    CaseDays,
    Horizon,
    Schedule,
    TeamDays,
    Unscheduled,
    _ScheduleChecker,
    check_schedule,
)
from tests.rules.schedules import BUILD, World, case, team

# A plain week: Monday 2026-11-02 to Sunday 2026-11-08, no holiday in it.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, 2) + timedelta(days=i) for i in range(7))
WEEK = Horizon(MON, 7)
# National Day 2026: 10-01..10-07 are holidays; Saturday 10-10 is an adjusted workday (调休).
NATIONAL = Horizon(date(2026, 10, 5), 7)
HOLIDAY, WORKDAY_AFTER, ADJUSTED_SATURDAY, SUNDAY_AFTER = (
    date(2026, 10, 6), date(2026, 10, 8), date(2026, 10, 10), date(2026, 10, 11))
AFTERNOON = TimeWindow(14 * 3600, 16 * 3600)


def world(*cases: Visit, horizon: Horizon = WEEK, **kw: object) -> World:
    """Two teams that work every day, and the given cases."""
    return World(list(cases), [team("t1"), team("t2")], horizon, **kw)  # type: ignore[arg-type]


def only(found: list[str], fragment: str) -> list[str]:
    """Every violation names `fragment`, and there is at least one."""
    assert found, f"expected a violation mentioning {fragment!r}"
    assert all(fragment in line for line in found), found
    return found


# -- a lawful week --------------------------------------------------------------------------


def base() -> World:
    return world(case("a", 0), case("b", 1), case("c", 2), case("d", 3, must_visit=True),
                 case("x", 4, do_not_visit=True))


def test_lawful_week_passes() -> None:
    """Cases spread over the week, a do-not-visit case left out with its reason: no line."""
    w = base()
    s = w.schedule({MON: {"t1": ["a", "b"]}, TUE: {"t2": ["c"], "t1": ["d"]}},
                   {"x": "do_not_visit"})
    assert w.check(s) == []


def test_a_listed_day_without_routes_is_fine() -> None:
    """A day may be listed with no routes at all (a holiday the planner skipped)."""
    w = base()
    s = w.schedule({MON: {"t1": ["a", "b", "c", "d"]}, TUE: {}}, {"x": "do_not_visit"})
    assert s.days[TUE].routes == ()
    assert w.check(s) == []


# -- rule 7: the gap, counting last_visit ------------------------------------------------------


def test_gap_counts_the_last_visit() -> None:
    """Three days after the last visit is lawful; two days is not, and the line says so."""
    ok = world(case("a", 0, last_visit=MON - timedelta(days=3)))
    assert ok.check(ok.schedule({MON: {"t1": ["a"]}})) == []
    bad = world(case("a", 0, last_visit=MON - timedelta(days=2)))
    assert bad.check(bad.schedule({MON: {"t1": ["a"]}})) == [
        "borrower b-a: rule 7 (gap): the last visit 2026-10-31 (case a) and visit a on "
        "2026-11-02 are 2 day(s) apart, fewer than 3 (policy visits.min_days_between = 3)"]


def test_gap_between_two_cases_of_one_borrower() -> None:
    """Two cases of one borrower need the gap between their days, not only after history."""
    w = world(case("a", 0, borrower_id="B"), case("b", 1, borrower_id="B"))
    assert w.check(w.schedule({MON: {"t1": ["a"]}, THU: {"t1": ["b"]}})) == []
    only(w.check(w.schedule({MON: {"t1": ["a"]}, WED: {"t2": ["b"]}})),
         "borrower B: rule 7 (gap): visit a on 2026-11-02 and visit b on 2026-11-04 are 2 day(s)")


def test_gap_of_zero_still_allows_one_visit_a_day() -> None:
    """With min_days_between = 0, a last visit dated the same day still forbids another."""
    w = world(case("a", 0, last_visit=MON), policy=Policy(min_days_between_visits=0))
    only(w.check(w.schedule({MON: {"t1": ["a"]}})), "are 0 day(s) apart, fewer than 1")
    w = world(case("a", 0, last_visit=MON - timedelta(days=1)),
              policy=Policy(min_days_between_visits=0))
    assert w.check(w.schedule({MON: {"t1": ["a"]}})) == []


def test_two_cases_of_one_borrower_on_one_day_are_the_day_checkers() -> None:
    """One visit per borrower a day is reported once, by the day checker, dated."""
    w = world(case("a", 0, borrower_id="B"), case("b", 1, borrower_id="B"))
    found = w.check(w.schedule({MON: {"t1": ["a"], "t2": ["b"]}}))
    assert found == ["2026-11-02: visits a, b: rule 7 (one visit per borrower per day): 2 visits "
                     "to one borrower are routed"]


# -- rule 7: the weekly cap, counting visits_last_7d on last_visit -----------------------------


def test_weekly_cap_counts_visits_last_7d_on_the_last_visit() -> None:
    """Two visits on the last visit's date plus one three days later exceed a cap of 2."""
    last = MON - timedelta(days=3)
    ok = world(case("a", 0, last_visit=last, visits_last_7d=1))
    assert ok.check(ok.schedule({MON: {"t1": ["a"]}})) == []
    bad = world(case("a", 0, last_visit=last, visits_last_7d=2))
    assert bad.check(bad.schedule({MON: {"t1": ["a"]}})) == [
        "borrower b-a: rule 7 (weekly cap): 3 visits in the 7 days 2026-10-30..2026-11-05 "
        "(visit a on 2026-11-02, with 2 from the last visit 2026-10-30 (case a)), more than 2 "
        "(policy visits.max_per_7_days)"]


def test_weekly_cap_history_a_week_old_no_longer_counts() -> None:
    """Visits counted on a last visit 7 days before fall outside every window with the day."""
    w = world(case("a", 0, last_visit=MON - timedelta(days=7), visits_last_7d=2))
    assert w.check(w.schedule({MON: {"t1": ["a"]}})) == []


def test_undated_count_falls_the_day_before_the_horizon() -> None:
    """A 7-day count with no last_visit is the safest reading: all of it yesterday."""
    w = world(case("a", 0, visits_last_7d=2))
    only(w.check(w.schedule({MON: {"t1": ["a"]}})), "counted on 2026-11-01")
    # six days on, the window that holds yesterday no longer holds the visit
    assert w.check(w.schedule({SUN: {"t1": ["a"]}})) == []


def test_weekly_cap_within_the_horizon() -> None:
    """Three visits to one borrower inside seven days exceed a cap of 2 even with no history."""
    policy = Policy(min_days_between_visits=1)
    w = world(*(case(v, i, borrower_id="B") for i, v in enumerate("abc")), policy=policy)
    found = w.check(w.schedule({MON: {"t1": ["a"]}, WED: {"t1": ["b"]}, FRI: {"t1": ["c"]}}))
    assert found == [
        "borrower B: rule 7 (weekly cap): 3 visits in the 7 days 2026-11-02..2026-11-08 (visit a "
        "on 2026-11-02, visit b on 2026-11-04, visit c on 2026-11-06), more than 2 (policy "
        "visits.max_per_7_days)"]
    assert w.check(w.schedule({MON: {"t1": ["a"]}, WED: {"t1": ["b"]}}, {"c": NO_LAWFUL_DAY})
                   ) == []


# -- rule 8: holidays, adjusted workdays and weekends -------------------------------------------


def test_the_calendar_says_what_these_tests_assume() -> None:
    """National Day 2026 covers 10-06; Saturday 10-10 is an adjusted workday, 10-11 is not."""
    found = day_info(HOLIDAY).holiday
    assert found is not None and found.name_en == "National Day"
    assert day_info(WORKDAY_AFTER).holiday is None
    assert day_info(ADJUSTED_SATURDAY).adjusted_workday
    assert day_info(SUNDAY_AFTER).is_rest_weekend


def test_adjusted_workday_is_worked_and_holiday_listed_empty() -> None:
    """Routes on the first workday and on the 调休 Saturday pass, even skipping weekends."""
    w = world(case("a", 0), case("b", 1), horizon=NATIONAL, policy=Policy(skip_weekends=True))
    s = w.schedule({HOLIDAY: {}, WORKDAY_AFTER: {"t1": ["a"]}, ADJUSTED_SATURDAY: {"t1": ["b"]}})
    assert w.check(s) == []


def test_visit_on_a_holiday_is_reported_by_date() -> None:
    """A stop on National Day breaks rule 8, named by the day checker under the date."""
    w = world(case("a", 0), horizon=NATIONAL)
    assert w.check(w.schedule({HOLIDAY: {"t1": ["a"]}})) == [
        "2026-10-06: team t1 visit a: rule 8 (holidays): routed on 2026-10-06, a statutory "
        "holiday National Day"]


def test_rest_weekend_follows_the_policy() -> None:
    """Sunday after the adjusted Saturday is closed when the policy skips weekends."""
    w = world(case("a", 0), horizon=NATIONAL, policy=Policy(skip_weekends=True))
    only(w.check(w.schedule({SUNDAY_AFTER: {"t1": ["a"]}})), "rule 8 (holidays)")
    w = world(case("a", 0), horizon=NATIONAL)
    assert w.check(w.schedule({SUNDAY_AFTER: {"t1": ["a"]}})) == []


def test_case_open_only_on_holidays_has_no_lawful_day() -> None:
    """A case whose dates all fall in the holiday is no_lawful_day, never over_capacity."""
    w = world(case("a", 0), horizon=NATIONAL,
              case_days={"a": CaseDays(latest=date(2026, 10, 7))})
    assert w.check(w.schedule({}, {"a": NO_LAWFUL_DAY})) == []
    assert w.check(w.schedule({}, {"a": "holiday"})) == []
    only(w.check(w.schedule({}, {"a": "over_capacity"})),
         "reason over_capacity, but no day of the horizon is open to it")


def test_no_lawful_day_with_an_open_day_is_reported() -> None:
    """no_lawful_day (or holiday) for a case that 10-08 could take is a false reason."""
    w = world(case("a", 0), horizon=NATIONAL)
    assert w.check(w.schedule({}, {"a": NO_LAWFUL_DAY})) == [
        "visit a: unscheduled: reason no_lawful_day, but 2026-10-08 is open to it (its days, the "
        "calendar, a working team and rule 7 allow a visit)"]
    only(w.check(w.schedule({}, {"a": "holiday"})), "reason holiday, but 2026-10-08 is open")


# -- the case's days: weekdays, earliest and latest dates, appointment --------------------------


def test_weekday_limits() -> None:
    """A borrower found on Tuesdays and Thursdays is visited on one of those only."""
    w = world(case("a", 0), case_days={"a": CaseDays(weekdays=frozenset({1, 3}))})
    assert w.check(w.schedule({TUE: {"t1": ["a"]}})) == []
    assert w.check(w.schedule({WED: {"t1": ["a"]}})) == [
        "2026-11-04: team t1 visit a: case days: 2026-11-04 is a wed, not one of the borrower's "
        "days (tue, thu)"]


def test_earliest_and_latest_dates() -> None:
    """Only inside [earliest, latest]; each side named."""
    w = world(case("a", 0), case_days={"a": CaseDays(earliest=TUE, latest=THU)})
    assert w.check(w.schedule({WED: {"t1": ["a"]}})) == []
    only(w.check(w.schedule({MON: {"t1": ["a"]}})), "is before its earliest date 2026-11-03")
    only(w.check(w.schedule({FRI: {"t1": ["a"]}})), "is after its latest date 2026-11-05")


def test_appointment_date() -> None:
    """An appointment allows its date only; its window is the appointment's time."""
    w = world(case("a", 0, window=AFTERNOON), case_days={"a": CaseDays(appointment=THU)})
    s = w.schedule({THU: {"t1": ["a"]}})
    assert s.days[THU].routes[0].stops[0].start == AFTERNOON.start
    assert w.check(s) == []
    only(w.check(w.schedule({WED: {"t1": ["a"]}})), "is not its appointment date 2026-11-05")


def test_case_days_reject_nonsense() -> None:
    """Weekday numbers are 0..6 and a latest date is not before the earliest."""
    with pytest.raises(InvalidInput, match="not weekdays"):
        CaseDays(weekdays=frozenset({7}))
    with pytest.raises(InvalidInput, match="latest_date"):
        CaseDays(earliest=THU, latest=TUE)
    with pytest.raises(InvalidInput, match="days"):
        Horizon(MON, 0)


# -- the team's days ----------------------------------------------------------------------------


def test_team_works_only_its_days() -> None:
    """A Monday-to-Friday team routed on Saturday, a one-date team on another date: both named."""
    w = world(case("a", 0), case("b", 1),
              team_days={"t1": TeamDays(weekdays=frozenset(range(5))),
                         "t2": TeamDays(dates=frozenset({WED}))})
    assert w.check(w.schedule({FRI: {"t1": ["a"]}, WED: {"t2": ["b"]}})) == []
    assert w.check(w.schedule({SAT: {"t1": ["a"]}, THU: {"t2": ["b"]}})) == [
        "2026-11-05: team t2: team days: 1 stop(s) on 2026-11-05 (thu), a day the team does not "
        "work (it works 2026-11-04)",
        "2026-11-07: team t1: team days: 1 stop(s) on 2026-11-07 (sat), a day the team does not "
        "work (it works mon, tue, wed, thu, fri)"]


def test_day_no_team_works_is_not_open() -> None:
    """A case allowed only on Saturday, when no team works, has no lawful day."""
    w = world(case("a", 0), case_days={"a": CaseDays(weekdays=frozenset({5}))},
              team_days={"t1": TeamDays(weekdays=frozenset(range(5))),
                         "t2": TeamDays(weekdays=frozenset(range(5)))})
    assert w.check(w.schedule({}, {"a": NO_LAWFUL_DAY})) == []


# -- accounting: every case exactly once ---------------------------------------------------------


def test_every_case_exactly_once() -> None:
    """Missing, twice routed, routed and unscheduled, unknown and repeated unscheduled ids."""
    w = world(case("a", 0), case("b", 1), case("c", 2))
    found = w.check(Schedule(
        {MON: w.plan(MON, {"t1": ["a"]}), THU: w.plan(THU, {"t1": ["a", "b"]})},
        (Unscheduled("b", "over_capacity", "说明", "x"), Unscheduled("ghost", "over_capacity",
                                                                     "说明", "x"))))
    assert found == [
        "visit a: accounting: routed 2 times, on 2026-11-02 (team t1) and 2026-11-05 (team t1)",
        "visit b: accounting: routed on 2026-11-05 (team t1) and also unscheduled "
        "(over_capacity)",
        "visit ghost: accounting: unscheduled, but not a case of the input",
        "visit c: accounting: neither routed on any day nor unscheduled",
    ]
    twice = w.check(w.schedule({MON: {"t1": ["a", "b", "c"]}},
                               {"c": "over_capacity"}))
    assert "visit c: accounting: routed on 2026-11-02 (team t1) and also unscheduled " \
           "(over_capacity)" in twice
    repeated = w.check(Schedule({MON: w.plan(MON, {"t1": ["a", "b"]})},
                                (Unscheduled("c", NO_LAWFUL_DAY, "说明", "x"),) * 2))
    assert "visit c: accounting: unscheduled 2 times" in repeated


def test_day_plan_leaves_nothing_unassigned() -> None:
    """A case left unassigned in a day plan belongs in the schedule's unscheduled list."""
    w = world(case("a", 0), case("b", 1))
    plan = w.plan(MON, {"t1": ["a"]})
    plan = dataclasses.replace(plan, unassigned=(
        Unassigned("b", Reason.OVER_CAPACITY, "说明", "x"),))
    found = w.check(Schedule({MON: plan}))
    assert "2026-11-02: visit b: schedule: the day plan leaves it unassigned (over_capacity); a " \
           "case not routed belongs in the schedule's unscheduled list" in found
    assert "visit b: accounting: neither routed on any day nor unscheduled" in found


def test_day_outside_the_horizon() -> None:
    """A plan dated after the horizon is named."""
    w = world(case("a", 0))
    after = SUN + timedelta(days=1)
    only(w.check(w.schedule({after: {"t1": ["a"]}})),
         "2026-11-09: schedule: the day lies outside the horizon 2026-11-02..2026-11-08")


def test_input_listing_a_case_or_a_team_twice_is_named() -> None:
    """A case or team id twice in the input is reported, and the rest still checked."""
    w = world(case("a", 0), case("a", 0, priority=20))
    assert w.check(w.schedule({MON: {"t1": ["a"]}})) == ["visit a: input: the case is listed twice"]
    w = world(case("a", 0))
    s = w.schedule({MON: {"t1": ["a"]}})
    w.teams.append(team("t1", members=("t1-c", "t1-d")))
    assert w.check(s) == ["team t1: input: the team is listed twice"]


# -- unscheduled reasons ---------------------------------------------------------------------


def test_unscheduled_reason_codes() -> None:
    """Unknown codes, do_not_visit both ways, missing explanations, a borrower not routed."""
    w = world(case("a", 0), case("x", 1, do_not_visit=True), case("b", 2))
    found = w.check(w.schedule({}, {"a": "busy", "x": "do_not_visit", "b": "over_capacity"}))
    assert len(found) == 1
    assert found[0].startswith("visit a: unscheduled: 'busy' is not a known reason code (")
    listed = found[0].split("(", 1)[1].rstrip(")").split(", ")
    assert {"do_not_visit", "holiday", "no_lawful_day", "over_capacity"} <= set(listed)
    assert w.check(w.schedule({MON: {"t1": ["a", "b"]}}, {"x": "over_capacity"})) == [
        "visit x: unscheduled: reason over_capacity, but the case is flagged do_not_visit, "
        "which applies first"]
    found = w.check(w.schedule({MON: {"t1": ["b"]}}, {"a": "do_not_visit", "x": "do_not_visit"}))
    assert found == ["visit a: unscheduled: reason do_not_visit, but the case is not flagged "
                     "do_not_visit"]
    blank = w.check(Schedule({MON: w.plan(MON, {"t1": ["a", "b"]})},
                             (Unscheduled("x", "do_not_visit", " ", "flagged"),)))
    assert blank == ["visit x: unscheduled: reason do_not_visit lacks its explanation (detail "
                     "and detail_en must both be given)"]
    lone = w.check(w.schedule({MON: {"t1": ["b"]}},
                              {"a": "same_borrower_same_day", "x": "do_not_visit"}))
    assert lone == ["visit a: unscheduled: reason same_borrower_same_day, but no other case of "
                    "borrower b-a is routed"]


def test_day_reasons_are_judged_by_the_day_checker() -> None:
    """A workplace case may stay out as such; a near home case may not claim unreachable."""
    w = world(case("w", 0, place=Place.WORKPLACE), case("h", 1))
    assert w.check(w.schedule({MON: {"t1": ["h"]}}, {"w": "workplace_without_consent"})) == []
    found = w.check(w.schedule({}, {"w": "workplace_without_consent", "h": "unreachable"}))
    assert found == ["visit h: unscheduled: reason unreachable, but on 2026-11-02 a working team "
                     "could serve it alone, so the reason is over_capacity"]
    found = w.check(w.schedule({}, {"w": "over_capacity", "h": "over_capacity"}))
    assert len(found) == 1
    assert found[0].startswith("visit w: unscheduled: reason over_capacity holds on no open day "
                               "(on 2026-11-02: visit w: reason: unassigned as over_capacity, but "
                               "workplace_without_consent applies first")


def test_no_eligible_team_is_plausible_for_a_pin_to_no_team() -> None:
    """A case pinned to a team that does not exist may stay out as no_eligible_team."""
    w = world(case("p", 0, pin_team="t9"))
    assert w.check(w.schedule({}, {"p": "no_eligible_team"})) == []
    only(w.check(w.schedule({}, {"p": "unreachable"})), "holds on no open day")


# -- must-visits before optional ones ---------------------------------------------------------


def test_must_visit_left_out_while_an_optional_case_took_its_day() -> None:
    """The line names the must-visit, the optional case, the day and the team."""
    w = world(case("m", 0, must_visit=True), case("o", 1))
    assert w.check(w.schedule({MON: {"t1": ["m"]}}, {"o": "over_capacity"})) == []
    assert w.check(w.schedule({MON: {"t1": ["o"]}}, {"m": "over_capacity"})) == [
        "visit m: must-visits first: the must-visit is unscheduled (over_capacity) while optional "
        "visit o is routed on 2026-11-02 by team t1, which could have served it that day"]


def test_must_visit_is_compared_only_with_its_own_days() -> None:
    """An optional case on a day the must-visit may not have is no violation."""
    w = world(case("m", 0, must_visit=True), case("o", 1),
              case_days={"m": CaseDays(weekdays=frozenset({1}))})
    assert w.check(w.schedule({MON: {"t1": ["o"]}}, {"m": "over_capacity"})) == []
    only(w.check(w.schedule({TUE: {"t1": ["o"]}}, {"m": "over_capacity"})),
         "visit m: must-visits first")


def test_must_visit_is_compared_only_with_teams_that_could_serve_it() -> None:
    """A must-visit pinned to the other team is not displaced by this team's optional case."""
    w = world(case("m", 0, must_visit=True, pin_team="t2"), case("o", 1),
              team_days={"t2": TeamDays(weekdays=frozenset({1}))})
    assert w.check(w.schedule({MON: {"t1": ["o"]}, WED: {"t1": []}},
                              {"m": "over_capacity"})) == []
    only(w.check(w.schedule({TUE: {"t2": ["o"]}}, {"m": "over_capacity"})),
         "by team t2, which could have served it")


# -- each day's single-day rules, through the day checker --------------------------------------


def test_day_rules_are_checked_per_day_and_dated() -> None:
    """A stop moved to 20:30 breaks the company window on that day, and the line says when."""
    w = world(case("a", 0), case("b", 1))
    s = w.schedule({MON: {"t1": ["a"]}, TUE: {"t1": ["b"]}})
    plan = s.days[TUE]
    r = plan.routes[0]
    late = dataclasses.replace(r.stops[0], arrival=20 * 3600 + 1800, start=20 * 3600 + 1800,
                               departure=20 * 3600 + 1800 + 1200)
    moved = dataclasses.replace(plan, routes=(dataclasses.replace(
        r, stops=(late,), end_s=late.departure + 600),))
    found = w.check(Schedule({**s.days, TUE: moved}))
    assert found
    assert all(line.startswith("2026-11-03: team t1") for line in found), found
    assert any("rule 2 (company window)" in line for line in found), found


def test_day_plan_under_another_policy_is_reported() -> None:
    """Every day is planned under the schedule's policy."""
    w = world(case("a", 0))
    s = w.schedule({MON: {"t1": ["a"]}})
    other = dataclasses.replace(s.days[MON], policy=Policy(name="lax", max_visits_per_7d=3))
    only(w.check(Schedule({MON: other})), "2026-11-02: plan: policy 'lax'")


def test_day_problem_that_cannot_be_rebuilt_is_a_line() -> None:
    """A roster the day builder refuses (a collector in two teams) is reported, not raised."""
    w = world(case("a", 0))
    w.teams = [team("t1"), team("t2", members=("t1-a", "t2-b"))]
    found = w.check(Schedule({MON: w.plan(MON, {"t1": ["a"]})}))
    assert found == ["2026-11-02: the day's problem cannot be rebuilt: teams[t2].members: "
                     "collector 't1-a' is also in team 't1'"]


def test_plain_lambda_builder_is_accepted() -> None:
    """Any callable of (day, visits, teams, policy) can rebuild the days."""
    w = base()
    s = w.schedule({MON: {"t1": ["a", "b", "c", "d"]}}, {"x": "do_not_visit"})
    calls: list[date] = []

    def build(day: date, visits: Sequence[Visit], teams: Sequence[Team],
              policy: Policy) -> Problem:
        calls.append(day)
        return BUILD(day, visits, teams, policy)

    assert check_schedule(w.cases, w.teams, w.policy, w.horizon, s, build) == []
    assert calls == [MON]


# -- property: a random lawful schedule passes; one injected violation is found ---------------


def _closed(day: date, policy: Policy) -> bool:
    info = day_info(day)
    return bool((policy.skip_holidays and info.holiday) or
                (policy.skip_weekends and info.is_rest_weekend))


def _allowed(days: CaseDays, day: date) -> bool:
    """The case's own days, restated here so the greedy planner below does not use the checker."""
    return (day.weekday() in days.weekdays
            and (days.earliest is None or day >= days.earliest)
            and (days.latest is None or day <= days.latest)
            and (days.appointment is None or day == days.appointment))


def _works(days: TeamDays, day: date) -> bool:
    return (not days.weekdays and not days.dates) or day.weekday() in days.weekdays \
        or day in days.dates


def _frequency_ok(w: World, v: Visit, day: date, placed: dict[str, date]) -> bool:
    need = max(w.policy.min_days_between_visits, 1)
    mine = [c for c in w.cases if c.borrower_id == v.borrower_id]
    routed = [placed[c.visit_id] for c in mine if c.visit_id in placed]
    dated = [(c.last_visit, max(c.visits_last_7d, 1)) for c in mine if c.last_visit]
    undated = [(w.horizon.start - timedelta(days=1), c.visits_last_7d) for c in mine
               if c.last_visit is None and c.visits_last_7d]
    if any(abs((day - d).days) < need for d in [*routed, *(d for d, _ in dated)]):
        return False
    for back in range(7):
        lo, hi = day - timedelta(days=back), day - timedelta(days=back) + timedelta(days=6)
        past = max((n for d, n in [*dated, *undated] if lo <= d <= hi), default=0)
        if 1 + sum(1 for d in routed if lo <= d <= hi) + past > w.policy.max_visits_per_7d:
            return False
    return True


def greedy(w: World) -> tuple[dict[date, dict[str, list[str]]], dict[str, str]]:
    """A simple independent planner: must-visits first, each case on its first lawful day."""
    placed: dict[str, date] = {}
    days: dict[date, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    out: dict[str, str] = {}
    for v in sorted(w.cases, key=lambda c: not c.must_visit):
        if v.do_not_visit:
            out[v.visit_id] = "do_not_visit"
            continue
        for day in w.horizon.dates:
            teams = [t.team_id for t in w.teams
                     if _works(w.team_days.get(t.team_id, TeamDays()), day)]
            if (teams and not _closed(day, w.policy)
                    and _allowed(w.case_days.get(v.visit_id, CaseDays()), day)
                    and _frequency_ok(w, v, day, placed)):
                tid = min(teams, key=lambda t: len(days[day][t]))
                days[day][tid].append(v.visit_id)
                placed[v.visit_id] = day
                break
        else:
            out[v.visit_id] = NO_LAWFUL_DAY
    return {d: dict(r) for d, r in days.items()}, out


@st.composite
def worlds(draw: st.DrawFn) -> World:
    start = draw(st.sampled_from([MON, NATIONAL.start, MON + timedelta(days=3),
                                  date(2026, 9, 28), WORKDAY_AFTER]))
    horizon = Horizon(start, draw(st.integers(4, 8)))
    policy = Policy(min_days_between_visits=draw(st.integers(0, 3)),
                    max_visits_per_7d=draw(st.integers(1, 3)), skip_weekends=draw(st.booleans()))
    teams = [team(f"t{k}") for k in range(draw(st.integers(1, 2)))]
    weekdays = st.frozensets(st.integers(0, 6), min_size=1)
    team_days = {t.team_id: TeamDays(weekdays=draw(weekdays)) for t in teams
                 if draw(st.integers(0, 2)) == 0}
    borrowers = draw(st.integers(2, 6))
    cases: list[Visit] = []
    case_days: dict[str, CaseDays] = {}
    for i in range(draw(st.integers(2, 7))):
        vid = f"v{i}"
        # most cases carry no history and no limits, so most schedules route something
        last = (start - timedelta(days=draw(st.integers(1, 6)))
                if draw(st.integers(0, 2)) == 0 else None)
        appointment = (start + timedelta(days=draw(st.integers(0, horizon.days - 1)))
                       if draw(st.integers(0, 4)) == 0 else None)
        cases.append(case(vid, i, borrower_id=f"b{draw(st.integers(0, borrowers - 1))}",
                          last_visit=last,
                          visits_last_7d=draw(st.integers(0, 2)) if last or i == 0 else 0,
                          must_visit=draw(st.booleans()),
                          do_not_visit=draw(st.integers(0, 5)) == 0,
                          window=TimeWindow(13 * 3600, 17 * 3600) if appointment else None))
        if draw(st.integers(0, 2)) == 0 or appointment is not None:
            lo = draw(st.integers(-1, horizon.days))
            case_days[vid] = CaseDays(
                weekdays=draw(weekdays) if draw(st.booleans()) else ALL_WEEKDAYS,
                appointment=appointment,
                earliest=start + timedelta(days=lo) if draw(st.booleans()) else None,
                latest=(start + timedelta(days=lo + draw(st.integers(0, 4)))
                        if draw(st.booleans()) else None))
    return World(cases, teams, horizon, policy, case_days, team_days)


type Days = dict[date, dict[str, list[str]]]
type Injection = Callable[[st.DataObject, World, Days, dict[str, str]], str | None]


def _routed(days: Days) -> list[tuple[str, date, str]]:
    return [(vid, d, tid) for d, teams in sorted(days.items()) for tid, ids in teams.items()
            for vid in ids]


def _move(days: Days, vid: str, day: date, tid: str) -> None:
    for teams in days.values():
        for ids in teams.values():
            if vid in ids:
                ids.remove(vid)
    days.setdefault(day, {}).setdefault(tid, []).append(vid)


def _pick[T](data: st.DataObject, items: list[T]) -> T | None:
    return data.draw(st.sampled_from(items)) if items else None


def inject_case_days(data: st.DataObject, w: World, days: Days, out: dict[str, str]) -> str | None:
    hit = _pick(data, [(vid, d, tid) for vid, _, tid in _routed(days) for d in w.horizon.dates
                       if not _allowed(w.case_days.get(vid, CaseDays()), d)])
    if hit is None:
        return None
    _move(days, *hit)
    return f"visit {hit[0]}: case days"


def inject_team_days(data: st.DataObject, w: World, days: Days, out: dict[str, str]) -> str | None:
    hit = _pick(data, [(vid, d, tid) for vid, _, tid in _routed(days) for d in w.horizon.dates
                       if not _works(w.team_days.get(tid, TeamDays()), d)])
    if hit is None:
        return None
    _move(days, *hit)
    return f"team {hit[2]}: team days"


def inject_closed_day(data: st.DataObject, w: World, days: Days, out: dict[str, str]) -> str | None:
    hit = _pick(data, [(vid, d, tid) for vid, _, tid in _routed(days) for d in w.horizon.dates
                       if _closed(d, w.policy)])
    if hit is None:
        return None
    _move(days, *hit)
    return f"visit {hit[0]}: rule 8 (holidays)"


def inject_dropped(data: st.DataObject, w: World, days: Days, out: dict[str, str]) -> str | None:
    hit = _pick(data, _routed(days))
    if hit is None:
        return None
    days[hit[1]][hit[2]].remove(hit[0])
    return f"visit {hit[0]}: accounting: neither routed"


def inject_twice(data: st.DataObject, w: World, days: Days, out: dict[str, str]) -> str | None:
    hit = _pick(data, [(vid, d2, tid) for vid, d, tid in _routed(days) for d2 in w.horizon.dates
                       if d2 != d])
    if hit is None:
        return None
    days.setdefault(hit[1], {}).setdefault(hit[2], []).append(hit[0])
    return f"visit {hit[0]}: accounting: routed 2 times"


def inject_also_unscheduled(data: st.DataObject, w: World, days: Days, out: dict[str, str]
                            ) -> str | None:
    hit = _pick(data, _routed(days))
    if hit is None:
        return None
    out[hit[0]] = "over_capacity"
    return f"visit {hit[0]}: accounting: routed on"


def _replace_case(w: World, vid: str, **changes: object) -> None:
    w.cases = [dataclasses.replace(v, **changes) if v.visit_id == vid else v  # type: ignore[arg-type]
               for v in w.cases]


def inject_gap(data: st.DataObject, w: World, days: Days, out: dict[str, str]) -> str | None:
    hit = _pick(data, _routed(days))
    if hit is None:
        return None
    need = max(w.policy.min_days_between_visits, 1)
    _replace_case(w, hit[0], last_visit=hit[1] - timedelta(days=need - 1))
    return "rule 7 (gap)"


def inject_cap(data: st.DataObject, w: World, days: Days, out: dict[str, str]) -> str | None:
    hit = _pick(data, _routed(days))
    if hit is None:
        return None
    need = max(w.policy.min_days_between_visits, 1)
    _replace_case(w, hit[0], last_visit=hit[1] - timedelta(days=need),
                  visits_last_7d=w.policy.max_visits_per_7d)
    return "rule 7 (weekly cap)"


def inject_must_visit_out(data: st.DataObject, w: World, days: Days, out: dict[str, str]
                          ) -> str | None:
    must = {v.visit_id for v in w.cases if v.must_visit}
    routed = _routed(days)
    hit = _pick(data, [(vid, d) for vid, d, _ in routed if vid in must
                       and any(o not in must and od == d for o, od, _ in routed)])
    if hit is None:
        return None
    for ids in days[hit[1]].values():
        if hit[0] in ids:
            ids.remove(hit[0])
    out[hit[0]] = "over_capacity"
    return f"visit {hit[0]}: must-visits first"


def inject_false_no_lawful_day(data: st.DataObject, w: World, days: Days, out: dict[str, str]
                               ) -> str | None:
    hit = _pick(data, _routed(days))
    if hit is None:
        return None
    days[hit[1]][hit[2]].remove(hit[0])
    out[hit[0]] = NO_LAWFUL_DAY
    return f"visit {hit[0]}: unscheduled: reason no_lawful_day, but"


def inject_unknown_reason(data: st.DataObject, w: World, days: Days, out: dict[str, str]
                          ) -> str | None:
    hit = _pick(data, sorted(out))
    if hit is None:
        return None
    out[hit] = "gone_fishing"
    return f"visit {hit}: unscheduled: 'gone_fishing' is not a known reason code"


def inject_workplace(data: st.DataObject, w: World, days: Days, out: dict[str, str]
                     ) -> str | None:
    hit = _pick(data, _routed(days))
    if hit is None:
        return None
    _replace_case(w, hit[0], place=Place.WORKPLACE)
    return f"visit {hit[0]}: rule 5 (workplace)"


INJECTIONS: tuple[Injection, ...] = (
    inject_case_days, inject_team_days, inject_closed_day, inject_dropped, inject_twice,
    inject_also_unscheduled, inject_gap, inject_cap, inject_must_visit_out,
    inject_false_no_lawful_day, inject_unknown_reason, inject_workplace)


def _materialise(w: World, days: Days, out: dict[str, str]) -> Schedule:
    return w.schedule({d: {t: ids for t, ids in teams.items() if ids}
                       for d, teams in days.items()}, out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=worlds(), data=st.data())
def test_random_lawful_schedule_passes_and_one_injected_violation_is_found(
        w: World, data: st.DataObject) -> None:
    """A greedy planner's schedule passes; after one injected violation, the checker names it."""
    days, out = greedy(w)
    assert w.check(_materialise(w, days, out)) == []
    tampered: list[tuple[str, str, World, Days, dict[str, str]]] = []
    for inject in INJECTIONS:
        w2 = dataclasses.replace(w, cases=list(w.cases))
        days2 = {d: {t: list(ids) for t, ids in teams.items()} for d, teams in days.items()}
        out2 = dict(out)
        fragment = inject(data, w2, days2, out2)
        if fragment is not None:
            tampered.append((inject.__name__, fragment, w2, days2, out2))
    assume(tampered)
    name, fragment, w2, days2, out2 = data.draw(st.sampled_from(tampered))
    event(name)
    found = w2.check(_materialise(w2, days2, out2))
    assert any(fragment in line for line in found), (fragment, found)


def test_plan_type_is_the_domain_plan() -> None:
    """The schedule holds domain plans, so the plan readers' output goes in unchanged."""
    w = base()
    s = w.schedule({MON: {"t1": ["a"]}})
    assert isinstance(s.days[MON], Plan)


# -- the over_capacity fast path decides as the whole day does -------------------------------

_FAR_AWAY = (114.35, 36.10)  # Anyang, ~150 km north: out of reach in a short shift


@st.composite
def _crowded_days(draw: st.DrawFn) -> tuple[World, Schedule]:
    """More teams than the fast path tries (some far, some short, some with breaks, some
    pinned to another prefecture), every case left unscheduled with a drawn reason."""
    teams = []
    for k in range(draw(st.integers(9, 14))):
        start = draw(st.sampled_from([(113.65, 34.75), (113.70, 34.80), _FAR_AWAY]))
        begin = draw(st.sampled_from([8 * 3600 + 1800, 12 * 3600, 17 * 3600 + 1800]))
        length = draw(st.sampled_from([1800, 4 * 3600, 9 * 3600]))
        extra: dict[str, object] = {}
        end = min(begin + length, 22 * 3600)
        if begin < 11 * 3600 and end > 14 * 3600 and draw(st.booleans()):
            extra = {"break_window": TimeWindow(11 * 3600 + 1800, 13 * 3600 + 1800),
                     "break_s": 3600}
        if draw(st.integers(0, 4)) == 0:
            extra["prefectures"] = frozenset({410300})
        if draw(st.integers(0, 3)) == 0:
            extra["skills"] = frozenset({"legal"})
        teams.append(team(f"t{k}", start=start,
                          shift=TimeWindow(begin, end), **extra))
    cases = []
    for i in range(draw(st.integers(1, 6))):
        limits: dict[str, object] = {}
        if draw(st.integers(0, 3)) == 0:  # pinned, sometimes to a team that does not exist
            limits["pin_team"] = draw(st.sampled_from([t.team_id for t in teams] + ["t99"]))
        if draw(st.integers(0, 3)) == 0:
            limits["skill"] = "legal"
        cases.append(case(f"v{i}", i, service_s=60 * draw(st.sampled_from([20, 45, 240])),
                          **limits))
    world = World(cases, teams, Horizon(MON, 2))
    reasons = st.sampled_from([Reason.OVER_CAPACITY.value, Reason.UNREACHABLE.value,
                               Reason.NO_ELIGIBLE_TEAM.value])
    schedule = world.schedule({MON: {}, TUE: {}}, {v.visit_id: draw(reasons) for v in cases})
    return world, schedule


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_crowded_days())
def test_the_nearest_teams_fast_path_gives_the_whole_days_verdicts(
        drawn: tuple[World, Schedule]) -> None:
    """Over_capacity accepted with a few teams is accepted with all: the same lines either way."""
    world, schedule = drawn
    fast = world.check(schedule)
    nearest = _ScheduleChecker.NEAREST_TEAMS
    _ScheduleChecker.NEAREST_TEAMS = 10**6  # no day has that many teams: all on the whole day
    try:
        whole = world.check(schedule)
    finally:
        _ScheduleChecker.NEAREST_TEAMS = nearest
    assert whole == fast
    event("lines" if fast else "clean")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_crowded_days())
def test_leaving_out_the_teams_barred_from_a_case_gives_the_whole_days_verdicts(
        drawn: tuple[World, Schedule]) -> None:
    """A team barred by pin, skill or prefecture changes no case-alone verdict: the checker
    that leaves such teams out (and tries the nearest first) says what one that asks every
    team of the day says."""
    world, schedule = drawn
    fast = world.check(schedule)
    nearest, may_take = _ScheduleChecker.NEAREST_TEAMS, _ScheduleChecker.may_take

    def every_team(self: _ScheduleChecker, day: date, vid: str) -> list[int] | None:
        barred = may_take(self, day, vid)
        problem = self.day(day).problem
        return None if barred is None or problem is None else list(range(len(problem.teams)))

    _ScheduleChecker.NEAREST_TEAMS = 10**6
    _ScheduleChecker.may_take = every_team  # type: ignore[method-assign]
    try:
        whole = world.check(schedule)
    finally:
        _ScheduleChecker.NEAREST_TEAMS, _ScheduleChecker.may_take = nearest, may_take
    assert whole == fast
    event("lines" if fast else "clean")
