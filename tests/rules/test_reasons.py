"""Every unassigned reason code is given when it applies, and the first that applies wins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from routeplan.domain.clock import TimeWindow
from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Plan, Reason
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.visit import Place, Visit
from routeplan.solver import SolveOptions, solve
from tests.days import WORKDAY, team, visit

QUICK = SolveOptions(time_limit_s=1, solution_limit=50)
W = TimeWindow.parse


def reason_of(plan: Plan, vid: str) -> Reason | None:
    return next((u.reason for u in plan.unassigned if u.visit_id == vid), None)


def solo(make_problem: Callable[..., Problem], v: Visit, **kw: object) -> Plan:
    teams = kw.pop("teams", [team("T1")])
    return solve(make_problem([v, visit("ok")], teams, **kw), QUICK)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (visit("x", do_not_visit=True), Reason.DO_NOT_VISIT),
        (Visit("x", "B-x", location=(116.40, 39.90)), Reason.INVALID_LOCATION),  # Beijing
        (visit("x", place=Place.WORKPLACE), Reason.WORKPLACE_WITHOUT_CONSENT),
        (visit("x", last_visit=WORKDAY - timedelta(days=1)), Reason.VISITED_TOO_RECENTLY),
        (visit("x", visits_last_7d=2), Reason.VISITED_TOO_RECENTLY),
        (visit("x", window=W("06:00", "08:10")), Reason.OUTSIDE_LAWFUL_HOURS),
        (visit("x", window=W("20:30", "21:30")), Reason.OUTSIDE_COMPANY_WINDOW),
        (visit("x", skill="dialect"), Reason.NO_ELIGIBLE_TEAM),
        (visit("x", pin_team="T9"), Reason.NO_ELIGIBLE_TEAM),
        (visit("x", east_km=400), Reason.INVALID_LOCATION),  # in Shandong, not Henan
        (visit("x", east_km=60, window=W("09:00", "09:40")), Reason.UNREACHABLE),
    ],
)
def test_each_reason_is_reported(make_problem: Callable[..., Problem], case: Visit,
                                 expected: Reason) -> None:
    plan = solo(make_problem, case)
    assert reason_of(plan, "x") is expected
    assert reason_of(plan, "ok") is None  # the rest of the day is still planned
    u = next(u for u in plan.unassigned if u.visit_id == "x")
    assert u.detail and u.detail_en


def test_holiday_skips_the_whole_day(make_problem: Callable[..., Problem]) -> None:
    national_day = date(2026, 10, 1)
    plan = solve(make_problem([visit("a"), visit("b", do_not_visit=True)], [team("T1")],
                              day=national_day), QUICK)
    assert not any(r.stops for r in plan.routes)
    assert reason_of(plan, "a") is Reason.HOLIDAY
    assert reason_of(plan, "b") is Reason.DO_NOT_VISIT  # earlier reason wins


def test_adjusted_workday_is_planned_and_weekends_are_a_switch(
        make_problem: Callable[..., Problem]) -> None:
    adjusted = date(2026, 10, 10)  # Saturday made a workday after National Day 2026
    assert adjusted.weekday() == 5
    plan = solve(make_problem([visit("a")], [team("T1")], Policy(skip_weekends=True),
                              day=adjusted), QUICK)
    assert reason_of(plan, "a") is None
    saturday = date(2026, 12, 5)
    plan = solve(make_problem([visit("a")], [team("T1")], Policy(skip_weekends=True),
                              day=saturday), QUICK)
    assert reason_of(plan, "a") is Reason.HOLIDAY
    plan = solve(make_problem([visit("a")], [team("T1")], day=saturday), QUICK)
    assert reason_of(plan, "a") is None


def test_year_outside_the_calendar_is_refused_by_default(
        make_problem: Callable[..., Problem]) -> None:
    with pytest.raises(InvalidInput, match="no holiday calendar covers 2035"):
        make_problem([visit("a")], [team("T1")], day=date(2035, 3, 6))


def test_year_outside_the_calendar_is_a_workday_with_a_warning_when_the_policy_says_so(
        make_problem: Callable[..., Problem]) -> None:
    policy = Policy(uncovered_year="plan")
    plan = solve(make_problem([visit("a")], [team("T1")], policy, day=date(2035, 3, 6)), QUICK)
    assert reason_of(plan, "a") is None
    assert any("no holiday calendar covers 2035" in w for w in plan.kpis.warnings)


def test_second_visit_to_a_borrower_is_same_borrower_same_day(
        make_problem: Callable[..., Problem]) -> None:
    a = visit("a", borrower_id="B1", priority=50)
    b = visit("b", borrower_id="B1", east_km=3, priority=10)
    plan = solve(make_problem([a, b], [team("T1")]), QUICK)
    routed = [s.visit_id for r in plan.routes for s in r.stops]
    assert routed == ["a"]
    assert reason_of(plan, "b") is Reason.SAME_BORROWER_SAME_DAY


def test_over_capacity_leaves_out_the_lowest_priority(
        make_problem: Callable[..., Problem]) -> None:
    visits = [visit(f"v{i}", east_km=1 + i * 0.3, priority=100 - i) for i in range(5)]
    plan = solve(make_problem(visits, [team("T1", max_visits=3)]), QUICK)
    assert sorted(s.visit_id for r in plan.routes for s in r.stops) == ["v0", "v1", "v2"]
    assert {reason_of(plan, "v3"), reason_of(plan, "v4")} == {Reason.OVER_CAPACITY}


def test_precedence_do_not_visit_beats_workplace_and_recency(
        make_problem: Callable[..., Problem]) -> None:
    v = visit("x", do_not_visit=True, place=Place.WORKPLACE, visits_last_7d=5)
    assert reason_of(solo(make_problem, v), "x") is Reason.DO_NOT_VISIT
    v = visit("x", place=Place.WORKPLACE, visits_last_7d=5)
    assert reason_of(solo(make_problem, v), "x") is Reason.WORKPLACE_WITHOUT_CONSENT


def test_soft_company_window_allows_lawful_evening_visit(
        make_problem: Callable[..., Problem]) -> None:
    v = visit("x", window=W("20:30", "21:30"))
    plan = solo(make_problem, v, teams=[team("T1", shift=("12:00", "22:00"))],
                policy=Policy(company_window_hard=False))
    stop = next(s for r in plan.routes for s in r.stops if s.visit_id == "x")
    assert stop.start >= 20.5 * 3600 and stop.departure <= 21.5 * 3600


def test_consent_out_of_hours_allows_the_consented_window_only(
        make_problem: Callable[..., Problem]) -> None:
    v = visit("x", window=W("07:00", "07:45"), consent_out_of_hours=True)
    plan = solo(make_problem, v, teams=[team("T1", shift=("06:30", "12:00"))])
    stop = next(s for r in plan.routes for s in r.stops if s.visit_id == "x")
    assert stop.start >= 7 * 3600 and stop.departure <= 7.75 * 3600


def test_the_readme_documents_every_reason_and_the_replan_prices() -> None:
    """The README's reasons table has a row per reason code in precedence order, with
    `cancelled`'s Chinese detail as the planner writes it, and the [replan] defaults."""
    from pathlib import Path

    from routeplan.domain.plan import Reason
    from routeplan.domain.policy import Policy
    from routeplan.rules import reasons

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("| reason | when | chart label |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1].strip().strip("`") for line in table.splitlines()[2:]]
    assert rows == [r.value for r in Reason]
    assert reasons.cancelled().detail in table
    section = readme.split("### Re-planning", 1)[1].split("\n## ", 1)[0]
    p = Policy()
    for key, value in (("move_cost", p.replan_move_cost), ("retime_min", p.replan_retime_min),
                       ("retime_cost_per_min", p.replan_retime_cost_per_min)):
        assert f"| `replan.{key}` | `{value}` |" in section


def test_every_reason_has_its_short_chinese_name() -> None:
    """The overview, the console and the exports name every reason, the newest included."""
    from routeplan.domain.plan import Reason
    from routeplan.rules.reasons import SHORT_ZH

    assert set(SHORT_ZH) == set(Reason)
    assert all(label.strip() for label in SHORT_ZH.values())
