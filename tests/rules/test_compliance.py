"""The independent compliance checker: real plans pass, and each rule broken by hand is caught."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from routeplan.domain.clock import TimeWindow, parse_hhmm
from routeplan.domain.errors import ComplianceViolation
from routeplan.domain.plan import BreakSlot, Plan, Reason, Route, Stop, Unassigned
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.team import Mode, Team
from routeplan.domain.visit import Place, Visit
from routeplan.rules.compliance import assert_compliant, check
from routeplan.solver import SolveOptions, solve
from routeplan.workflows.build import build_problem

WORKDAY = date(2026, 12, 1)  # a Tuesday
NATIONAL_DAY = date(2026, 10, 1)
SATURDAY = date(2026, 12, 5)
ADJUSTED_WORKDAY = date(2026, 10, 10)  # a Saturday made a workday (调休)
MORNING = TimeWindow(9 * 3600, 12 * 3600)
BUDGET = SolveOptions(time_limit_s=2, solution_limit=10)
ZHENGZHOU = (113.65, 34.75)
KAIFENG = (113.95, 34.80)  # Kaifeng for the test locator
OUTSIDE = (113.80, 34.95)  # outside Henan for the test locator


class _Locator:
    """Stand-in for the regions data: outside north of 34.9°N, Kaifeng east of 113.9°E."""

    def locate(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.int64]:
        x, y = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        return np.where(y > 34.9, 0, np.where(x > 113.9, 410200, 410100)).astype(np.int64)


def hm(text: str) -> int:
    return parse_hhmm(text)


def window(a: str, b: str) -> TimeWindow:
    return TimeWindow(hm(a), hm(b))


def near(i: int) -> tuple[float, float]:
    """A point in Zhengzhou a few kilometres from the centre, distinct per i."""
    return (ZHENGZHOU[0] + 0.01 * (i % 5) - 0.02, ZHENGZHOU[1] + 0.008 * (i // 5) - 0.01)


EAST_BASE = (113.77, 34.80)


def east(i: int) -> tuple[float, float]:
    """A point near the second team's base, about 13 km east of the first's."""
    return (EAST_BASE[0] + 0.006 * (i % 3), EAST_BASE[1] + 0.005 * (i // 3))


def visit(vid: str, i: int, **kw: object) -> Visit:
    kw.setdefault("borrower_id", f"b-{vid}")
    return Visit(vid, location=kw.pop("location", near(i)), **kw)  # type: ignore[arg-type]


def team(tid: str, **kw: object) -> Team:
    kw.setdefault("members", (f"{tid}-a", f"{tid}-b"))
    kw.setdefault("start", ZHENGZHOU)
    kw.setdefault("shift", window("06:30", "20:00"))
    return Team(tid, **kw)  # type: ignore[arg-type]


def make(visits: Sequence[Visit], teams: Sequence[Team], policy: Policy | None = None,
         day: date = WORKDAY) -> Problem:
    return build_problem(day, visits, teams, policy or Policy(), locator=_Locator())


def violations_of(problem: Problem, plan: Plan) -> list[str]:
    """The checker's findings, asserting assert_compliant agrees."""
    found = check(problem, plan)
    if found:
        with pytest.raises(ComplianceViolation) as caught:
            assert_compliant(problem, plan)
        assert caught.value.violations == tuple(found)
    else:
        assert_compliant(problem, plan)
    return found


def assert_only(problem: Problem, plan: Plan, fragment: str) -> list[str]:
    """The plan breaks exactly the rule named by `fragment`, and nothing else."""
    found = violations_of(problem, plan)
    assert found, f"expected a violation mentioning {fragment!r}"
    assert all(fragment in line for line in found), found
    return found


# -- tampering helpers ----------------------------------------------------------------------


def route_of(plan: Plan, visit_id: str) -> Route:
    return next(r for r in plan.routes if any(s.visit_id == visit_id for s in r.stops))


def replace_route(plan: Plan, route: Route) -> Plan:
    routes = tuple(route if r.team_id == route.team_id else r for r in plan.routes)
    if route.team_id not in {r.team_id for r in plan.routes}:
        routes = (*routes, route)
    return dataclasses.replace(plan, routes=routes)


def replace_stop(plan: Plan, visit_id: str, **changes: object) -> Plan:
    r = route_of(plan, visit_id)
    stops = tuple(dataclasses.replace(s, **changes) if s.visit_id == visit_id else s  # type: ignore[arg-type]
                  for s in r.stops)
    return replace_route(plan, dataclasses.replace(r, stops=stops))


def figures(problem: Problem, route: Route) -> Route:
    """The route with its distance and driving recomputed from the problem's matrices."""
    if not route.stops:
        return dataclasses.replace(route, distance_m=0, driving_s=0)
    t = problem.travel
    k = problem.team_index[route.team_id]
    mode = problem.teams[k].mode
    stops = [t.visit_node[problem.visit_index[s.visit_id]] for s in route.stops]
    nodes = [t.start_node[k], *(n for n in stops if n is not None), t.end_node[k]]
    assert len(nodes) == len(route.stops) + 2
    pairs = list(itertools.pairwise(nodes))
    return dataclasses.replace(route, distance_m=sum(t.distance(mode, a, b) for a, b in pairs),
                               driving_s=sum(t.duration(mode, a, b) for a, b in pairs))


def append_visit(problem: Problem, plan: Plan, visit_id: str, team_id: str, *,
                 first: bool = False) -> Plan:
    """Move an unassigned visit to the end (or the start) of a team's route, times consistent.

    Service starts as soon as the team can get there, but not before 09:00 (inside every
    window of these tests), so only the rule the visit's flags break is broken.
    """
    t = problem.travel
    k = problem.team_index[team_id]
    tm = problem.teams[k]
    assert not tm.has_break, "append to a team without a break, or the break rule moves too"
    route = plan.route(team_id) or Route(tm.team_id, tm.members, tm.mode, (), (), tm.shift.start,
                                         tm.shift.start, 0, 0, tm.start, tm.end_point)
    v = problem.visit(visit_id)
    node = t.visit_node[problem.visit_index[visit_id]]
    assert node is not None
    assert v.location is not None
    prev: int | None = t.start_node[k]
    leave = tm.shift.start
    if route.stops and not first:
        prev = t.visit_node[problem.visit_index[route.stops[-1].visit_id]]
        leave = route.stops[-1].departure
    assert prev is not None
    leg = t.duration(tm.mode, prev, node)
    arrival = leave + leg
    start = max(arrival, hm("09:00"), v.window.start if v.window else 0)
    departure = start + problem.service_s(v)
    stop = Stop(v.visit_id, v.borrower_id, v.location, arrival, start, departure, leg,
                t.distance(tm.mode, prev, node), v.window)
    if first and route.stops:
        nxt = route.stops[0]
        nxt_node = t.visit_node[problem.visit_index[nxt.visit_id]]
        assert nxt_node is not None
        nxt = dataclasses.replace(nxt, travel_s=t.duration(tm.mode, node, nxt_node),
                                  travel_m=t.distance(tm.mode, node, nxt_node))
        assert departure + nxt.travel_s <= nxt.arrival, "no room before the first stop"
        route = dataclasses.replace(route, start_s=leave, stops=(stop, nxt, *route.stops[1:]))
    else:
        end_s = departure + t.duration(tm.mode, node, t.end_node[k])
        route = dataclasses.replace(route, stops=(*route.stops, stop), end_s=end_s)
        if len(route.stops) == 1:
            route = dataclasses.replace(route, start_s=leave)
    route = figures(problem, route)
    unassigned = tuple(u for u in plan.unassigned if u.visit_id != visit_id)
    others = tuple(r for r in plan.routes if r.team_id != team_id)
    return dataclasses.replace(plan, routes=(*others, route), unassigned=unassigned)


def replace_unassigned(plan: Plan, visit_id: str, **changes: object) -> Plan:
    return dataclasses.replace(plan, unassigned=tuple(
        dataclasses.replace(u, **changes) if u.visit_id == visit_id else u  # type: ignore[arg-type]
        for u in plan.unassigned))


# -- the base day: two teams, one with a break, and a visit for every reason -------------------


def base_visits() -> list[Visit]:
    return [
        visit("free1", 0, priority=50, borrower_id="dup"),
        visit("free2", 1),
        visit("free3", 2, priority=40, location=east(1)),
        visit("free4", 3, location=east(2)),
        visit("win", 4, window=window("14:00", "15:00"), must_visit=True, location=east(3)),
        visit("consent", 5, window=window("07:00", "07:45"), consent_out_of_hours=True,
              must_visit=True),
        visit("afternoon", 6, window=window("10:00", "19:00"), service_s=3600,
              location=east(4)),
        visit("dnv", 7, do_not_visit=True),
        visit("work", 8, place=Place.WORKPLACE),
        visit("recent", 9, last_visit=WORKDAY - timedelta(days=1)),
        visit("weekly", 10, visits_last_7d=2),
        visit("dup2", 11, borrower_id="dup", priority=1),
        visit("skill", 12, skill="legal"),
        visit("pin", 13, pin_team="t9"),
        visit("kaifeng", 14, location=KAIFENG),
        visit("outside", 15, location=OUTSIDE),
        visit("heavy", 16, demand=9),
        visit("night", 17, window=window("22:00", "23:00")),
        visit("early", 18, window=window("08:00", "08:50")),
    ]


def base_teams() -> list[Team]:
    return [
        team("t1", break_window=window("11:30", "13:30"), break_s=1800, capacity=5,
             prefectures=frozenset({410100})),
        team("t2", start=EAST_BASE, capacity=5, prefectures=frozenset({410100})),
    ]


@pytest.fixture(scope="module")
def base() -> tuple[Problem, Plan]:
    problem = make(base_visits(), base_teams())
    return problem, solve(problem, BUDGET)


def test_real_plan_passes_and_routes_what_it_may(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    assert violations_of(problem, plan) == []
    routed = {s.visit_id for r in plan.routes for s in r.stops}
    assert {"free1", "free2", "free3", "free4", "win", "consent", "afternoon"} <= routed
    reasons = {u.visit_id: u.reason for u in plan.unassigned}
    assert reasons == {
        "dnv": Reason.DO_NOT_VISIT, "work": Reason.WORKPLACE_WITHOUT_CONSENT,
        "recent": Reason.VISITED_TOO_RECENTLY, "weekly": Reason.VISITED_TOO_RECENTLY,
        "dup2": Reason.SAME_BORROWER_SAME_DAY, "skill": Reason.NO_ELIGIBLE_TEAM,
        "pin": Reason.NO_ELIGIBLE_TEAM, "kaifeng": Reason.NO_ELIGIBLE_TEAM,
        "outside": Reason.INVALID_LOCATION, "heavy": Reason.NO_ELIGIBLE_TEAM,
        "night": Reason.OUTSIDE_LAWFUL_HOURS, "early": Reason.OUTSIDE_COMPANY_WINDOW,
    }
    # the break team has stops, so it has its break
    t1 = plan.route("t1")
    assert t1 is not None
    assert t1.stops
    assert len(t1.breaks) == 1


# -- plan header and accounting ----------------------------------------------------------------


def test_plan_for_another_day_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    assert_only(problem, dataclasses.replace(plan, day=date(2026, 12, 2)), "plan: day")


def test_plan_under_another_policy_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    other = dataclasses.replace(plan, policy=Policy(min_days_between_visits=0))
    assert_only(problem, other, "plan: policy")


def test_missing_visit_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    dropped = dataclasses.replace(plan, unassigned=plan.unassigned[1:])
    gone = plan.unassigned[0].visit_id
    assert assert_only(problem, dropped, "neither routed nor unassigned") == [
        f"visit {gone}: accounting: neither routed nor unassigned"]


def test_unknown_visit_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    ghost = Unassigned("ghost", Reason.OVER_CAPACITY, "不存在", "does not exist")
    assert_only(problem, dataclasses.replace(plan, unassigned=(*plan.unassigned, ghost)),
                "not a visit of the problem")


def test_visit_accounted_twice_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    twice = dataclasses.replace(plan)
    # Plan refuses duplicates in its constructor; a checker must not rely on that
    object.__setattr__(twice, "unassigned", (*plan.unassigned, plan.unassigned[0]))
    assert_only(problem, twice, "appears 2 times")


def test_route_of_unknown_team_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = plan.routes[0]
    ghost = dataclasses.replace(r, team_id="t9", members=("g1", "g2"), stops=(), breaks=(),
                                distance_m=0, driving_s=0)
    assert_only(problem, dataclasses.replace(plan, routes=(*plan.routes, ghost)),
                "not a team of the problem")


def test_two_routes_for_one_team_are_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = plan.routes[0]
    again = dataclasses.replace(r, stops=(), breaks=(), distance_m=0, driving_s=0)
    assert_only(problem, dataclasses.replace(plan, routes=(*plan.routes, again)),
                "2 routes for one team")


# -- rule 3: teams of at least two --------------------------------------------------------------


def test_one_person_route_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = plan.routes[0]
    found = violations_of(problem, replace_route(plan, dataclasses.replace(
        r, members=r.members[:1])))
    assert any("rule 3: 1 collector(s), fewer than 2" in v for v in found), found
    assert all("rule 3" in v for v in found)


def test_route_members_other_than_the_team_are_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = plan.routes[0]
    other = dataclasses.replace(r, members=(r.members[0], "stranger"))
    assert_only(problem, replace_route(plan, other), "are not the team's")


def test_collector_in_two_routes_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    a, b = plan.routes
    found = violations_of(problem, replace_route(plan, dataclasses.replace(
        b, members=(*b.members[:1], a.members[0]))))
    assert any("in the routes of teams" in v for v in found), found


def test_route_larger_than_policy_max_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = plan.routes[0]
    big = dataclasses.replace(r, members=(*r.members, "x", "y"))
    found = violations_of(problem, replace_route(plan, big))
    assert any("rule 3: 4 collectors, more than the policy's 3" in v for v in found), found


# -- rules 1 and 2, the visit's window and service time ------------------------------------------


def shifted(plan: Plan, visit_id: str, start: int) -> Plan:
    """The stop moved to start at `start` (arrival moved along), service length kept."""
    s = next(s for r in plan.routes for s in r.stops if s.visit_id == visit_id)
    return replace_stop(plan, visit_id, arrival=min(s.arrival, start), start=start,
                        departure=start + s.service_s)


def test_service_before_08_without_consent_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    found = violations_of(problem, shifted(plan, "afternoon", hm("07:30")))
    assert any("rule 1 (lawful hours): service 07:30–08:30 lies outside 08:00–22:00" in v
               for v in found), found


def test_service_running_past_22_is_reported() -> None:
    late = Policy(company_window_hard=False)
    problem = make([visit("v", 0)], [team("t", shift=window("08:00", "23:59"))], late)
    plan = solve(problem, BUDGET)
    assert violations_of(problem, plan) == []
    found = violations_of(problem, shifted(plan, "v", hm("21:50")))
    assert any("rule 1 (lawful hours): service 21:50–22:10" in v for v in found), found
    assert not any("rule 2" in v for v in found), "a soft company window is not a rule-2 breach"


def test_consented_visit_outside_its_window_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    s = next(s for r in plan.routes for s in r.stops if s.visit_id == "consent")
    assert s.start < hm("08:00"), "the consented visit is served before 08:00 in the real plan"
    found = violations_of(problem, shifted(plan, "consent", hm("07:30")))
    assert any("rule 1 (consented window): service 07:30–07:50 lies outside the consented "
               "window 07:00–07:45" in v for v in found), found


def test_service_outside_hard_company_window_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    found = violations_of(problem, shifted(plan, "afternoon", hm("19:30")))
    assert any("rule 2 (company window): service 19:30–20:30 lies outside 09:00–20:00" in v
               for v in found), found
    assert not any("rule 1" in v for v in found)


def test_service_outside_borrower_window_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    found = violations_of(problem, shifted(plan, "win", hm("15:00")))
    assert any("visit window: service 15:00–15:20 lies outside the borrower's window "
               "14:00–15:00" in v for v in found), found


def test_wrong_service_time_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    s = next(s for r in plan.routes for s in r.stops if s.visit_id == "free2")
    found = violations_of(problem, replace_stop(plan, "free2", departure=s.departure - 60))
    assert any("visit free2: service time: " in v and "lasts 19 min 0 s, not 20 min 0 s" in v
               for v in found), found


# -- rules 4-7 on routed visits ------------------------------------------------------------------


@pytest.mark.parametrize(("visit_id", "fragment"), [
    ("dnv", "rule 6 (do not visit)"),
    ("work", "rule 5 (workplace)"),
    ("recent", "rule 7 (frequency): last visit 2026-11-30 is 1 day(s) before 2026-12-01"),
    ("weekly", "rule 7 (frequency): 2 visit(s) in the last 7 days + 1 exceeds the cap 2"),
    ("dup2", "rule 7 (one visit per borrower per day)"),
    ("outside", "location: location (113.8, 34.95) lies outside Henan"),
    ("skill", "eligibility: needs skill 'legal'"),
    ("pin", "eligibility: pinned to team t9"),
    ("kaifeng", "eligibility: prefecture 410200 is not among the team's [410100]"),
    ("heavy", "capacity: demand"),
])
def test_routing_a_forbidden_visit_is_reported(base: tuple[Problem, Plan], visit_id: str,
                                               fragment: str) -> None:
    problem, plan = base
    tampered = append_visit(problem, plan, visit_id, "t2")
    found = violations_of(problem, tampered)
    assert any(fragment in v for v in found), found
    if visit_id == "heavy":  # too heavy for any team: it breaks the eligibility rule too
        assert all("capacity" in v for v in found), found
    elif visit_id == "outside":  # no team serves "outside Henan" either
        assert len(found) == 2, found
        assert "eligibility: prefecture 0" in found[1], found
    else:
        assert len(found) == 1, found


def test_appended_lawful_visit_passes(base: tuple[Problem, Plan]) -> None:
    """The tampering helper itself keeps a plan lawful: an eligible visit appended is clean."""
    problem = make([*base_visits(), visit("spare", 19)], base_teams())
    plan = base[1]
    spare = Unassigned("spare", Reason.OVER_CAPACITY, "备用", "spare")
    plan = dataclasses.replace(plan, unassigned=(*plan.unassigned, spare))
    assert violations_of(problem, plan) == []
    assert violations_of(problem, append_visit(problem, plan, "spare", "t2")) == []


def test_stop_not_at_the_visits_location_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    found = violations_of(problem, replace_stop(plan, "free2", location=KAIFENG))
    assert found == [f"team {route_of(plan, 'free2').team_id} visit free2: location: stop at "
                     f"{KAIFENG}, the visit is at {problem.visit('free2').location}"]


def test_stop_naming_another_borrower_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    assert_only(problem, replace_stop(plan, "free2", borrower_id="someone-else"), "rule 4")


def test_same_day_repeat_with_zero_day_gap_is_reported(base: tuple[Problem, Plan]) -> None:
    """A last visit dated today forbids another today even when the minimum gap is 0 days."""
    policy = Policy(min_days_between_visits=0)
    problem = make([visit("today", 0, last_visit=WORKDAY)], [team("t")], policy)
    plan = Plan(WORKDAY, (), (Unassigned("today", Reason.VISITED_TOO_RECENTLY, "今天已访",
                                         "visited today"),), base[1].kpis, policy)
    assert violations_of(problem, plan) == []
    found = violations_of(problem, append_visit(problem, plan, "today", "t"))
    assert found == ["team t visit today: rule 7 (frequency): last visit 2026-12-01 is 0 day(s) "
                     "before 2026-12-01, fewer than 1"]


# -- caps ------------------------------------------------------------------------------------------


def test_more_stops_than_max_visits_is_reported() -> None:
    problem = make([visit("a", 0, window=MORNING), visit("b", 1, window=MORNING)],
                   [team("t", max_visits=1)])
    plan = solve(problem, BUDGET)
    assert violations_of(problem, plan) == []
    left = plan.unassigned[0]
    assert left.reason is Reason.OVER_CAPACITY
    assert_only(problem, append_visit(problem, plan, left.visit_id, "t", first=True),
                "max visits: 2 stops exceed the cap 1")


def test_policy_cap_below_team_cap_is_the_cap() -> None:
    policy = Policy(max_visits_per_team=1)
    problem = make([visit("a", 0, window=MORNING), visit("b", 1, window=MORNING)],
                   [team("t", max_visits=5)], policy)
    plan = solve(problem, BUDGET)
    assert violations_of(problem, plan) == []
    left = plan.unassigned[0].visit_id
    assert_only(problem, append_visit(problem, plan, left, "t", first=True), "exceed the cap 1")


def test_demand_over_capacity_is_reported() -> None:
    problem = make([visit("a", 0, demand=3, window=MORNING),
                    visit("b", 1, demand=3, window=MORNING)], [team("t", capacity=4)])
    plan = solve(problem, BUDGET)
    assert violations_of(problem, plan) == []
    left = plan.unassigned[0].visit_id
    assert_only(problem, append_visit(problem, plan, left, "t", first=True),
                "capacity: demand 6 exceeds capacity 4")


# -- rule 8: holidays and weekends -----------------------------------------------------------------


def test_holiday_plan_passes_and_routing_on_it_is_reported() -> None:
    problem = make([visit("a", 0), visit("n", 1, do_not_visit=True)], [team("t")],
                   day=NATIONAL_DAY)
    plan = solve(problem, BUDGET)
    assert violations_of(problem, plan) == []
    assert {u.visit_id: u.reason for u in plan.unassigned} == {
        "a": Reason.HOLIDAY, "n": Reason.DO_NOT_VISIT}
    found = assert_only(problem, append_visit(problem, plan, "a", "t"), "rule 8 (holidays)")
    assert "statutory holiday National Day" in found[0]


def test_holiday_is_a_workday_when_the_policy_plans_holidays() -> None:
    problem = make([visit("a", 0)], [team("t")], Policy(skip_holidays=False), day=NATIONAL_DAY)
    plan = solve(problem, BUDGET)
    assert violations_of(problem, plan) == []
    r = plan.route("t")
    assert r is not None
    assert len(r.stops) == 1


def test_weekend_skipped_only_when_the_policy_says_so() -> None:
    visits, teams = [visit("a", 0)], [team("t")]
    off = make(visits, teams, Policy(skip_weekends=True), day=SATURDAY)
    plan = solve(off, BUDGET)
    assert violations_of(off, plan) == []
    assert plan.unassigned[0].reason is Reason.HOLIDAY
    assert_only(off, append_visit(off, plan, "a", "t"), "rule 8 (holidays): routed on "
                "2026-12-05, a rest weekend")
    on = make(visits, teams, Policy(skip_weekends=False), day=SATURDAY)
    on_plan = dataclasses.replace(plan, policy=on.policy)
    assert violations_of(on, append_visit(on, on_plan, "a", "t")) == []


def test_adjusted_workday_is_a_workday_even_when_skipping_weekends() -> None:
    problem = make([visit("a", 0)], [team("t")], Policy(skip_weekends=True), day=ADJUSTED_WORKDAY)
    plan = solve(problem, BUDGET)
    assert violations_of(problem, plan) == []
    assert not plan.unassigned


# -- time consistency, shift and figures -----------------------------------------------------------


def two_stop_route(plan: Plan) -> Route:
    return next(r for r in plan.routes if len(r.stops) >= 2)


def test_service_starting_before_the_team_can_arrive_is_reported(
        base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = two_stop_route(plan)
    first, second = r.stops[0], r.stops[1]
    assume_gap = second.start - first.departure
    assert assume_gap >= 0
    # the second service starts the moment the first ends: no time to drive between them
    found = violations_of(problem, shifted(plan, second.visit_id, first.departure))
    assert any(f"time consistency: visit {first.visit_id} → visit {second.visit_id}" in v
               for v in found), found


def test_arrival_earlier_than_travel_allows_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = two_stop_route(plan)
    first, second = r.stops[0], r.stops[1]
    found = violations_of(problem, replace_stop(plan, second.visit_id, arrival=first.departure))
    assert found
    assert all("time consistency: arrival at visit" in v for v in found), found


def test_leaving_base_before_the_shift_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = plan.routes[0]
    early = dataclasses.replace(r, start_s=r.start_s - 4 * 3600)
    found = assert_only(problem, replace_route(plan, early), "shift: leaves base at")
    assert "before the shift starts at 06:30" in found[0]


def test_returning_after_the_shift_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = plan.routes[0]
    late = dataclasses.replace(r, end_s=hm("20:01"))
    assert_only(problem, replace_route(plan, late), "shift: back at base at 20:01, after the "
                "shift ends at 20:00")


def test_returning_faster_than_travel_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = two_stop_route(plan)
    back = dataclasses.replace(r, end_s=r.stops[-1].departure)
    assert_only(problem, replace_route(plan, back), "returns at")


def test_leaving_base_too_late_for_the_first_stop_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = two_stop_route(plan)
    late = dataclasses.replace(r, start_s=r.stops[0].arrival)
    found = violations_of(problem, replace_route(plan, late))
    assert any(f"base → visit {r.stops[0].visit_id}" in v for v in found), found


def test_wrong_route_figures_are_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = two_stop_route(plan)
    found = assert_only(problem, replace_route(plan, dataclasses.replace(
        r, distance_m=r.distance_m + 1)), "figures: route reports")
    assert f"{r.distance_m + 1} m" in found[0]
    assert_only(problem, replace_stop(plan, r.stops[0].visit_id, travel_s=r.stops[0].travel_s + 1),
                "figures: leg to visit")


def test_route_in_another_mode_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = plan.routes[0]
    assert_only(problem, replace_route(plan, dataclasses.replace(r, mode=Mode.WALK)),
                "route mode walk")


def test_empty_route_with_driving_is_reported() -> None:
    problem = make([visit("n", 0, do_not_visit=True)], [team("t")])
    plan = solve(problem, BUDGET)
    assert violations_of(problem, plan) == []
    tm = problem.team("t")
    idle = Route("t", tm.members, tm.mode, (), (), tm.shift.start, tm.shift.start, 0, 0,
                 tm.start, tm.end_point)
    assert violations_of(problem, replace_route(plan, idle)) == []
    assert_only(problem, replace_route(plan, dataclasses.replace(idle, distance_m=5)),
                "empty route reports")


# -- the break -------------------------------------------------------------------------------------


def break_route(base: tuple[Problem, Plan]) -> Route:
    r = base[1].route("t1")
    assert r is not None
    assert r.stops
    assert len(r.breaks) == 1
    return r


def test_missing_break_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = break_route(base)
    assert_only(problem, replace_route(plan, dataclasses.replace(r, breaks=())),
                "break: 0 breaks on a route with stops")


def test_short_break_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = break_route(base)
    b = r.breaks[0]
    found = violations_of(problem, replace_route(plan, dataclasses.replace(
        r, breaks=(BreakSlot(b.start, b.end - 60),))))
    assert any("lasts 29 min, not 30 min" in v for v in found), found


def test_break_outside_its_window_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = break_route(base)
    moved = replace_route(plan, dataclasses.replace(
        r, breaks=(BreakSlot(hm("13:31"), hm("14:01")),)))
    found = violations_of(problem, moved)
    assert any("starts outside the break window 11:30–13:30" in v for v in found), found


def test_break_overlapping_a_service_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = break_route(base)
    s = next(s for s in r.stops if hm("11:30") <= s.start <= hm("13:30")
             ) if any(hm("11:30") <= s.start <= hm("13:30") for s in r.stops) else None
    if s is None:  # no service starts in the break window: move one there
        s = r.stops[-1]
        plan = shifted(plan, s.visit_id, hm("12:00"))
        moved = plan.route("t1")
        assert moved is not None
        r = moved
        s = next(x for x in r.stops if x.visit_id == s.visit_id)
    clash = replace_route(plan, dataclasses.replace(
        r, breaks=(BreakSlot(s.start, s.start + 1800),)))
    found = violations_of(problem, clash)
    assert any(f"overlaps the service of visit {s.visit_id}" in v for v in found), found


def test_break_squeezed_into_a_gap_with_no_room_is_reported() -> None:
    """The break is taken out of the gap it falls in: the drive must still fit around it."""
    problem = make([visit("a", 0, window=MORNING), visit("b", 4, window=MORNING)],
                   [team("t", break_window=window("09:00", "14:00"), break_s=1800)])
    plan = solve(problem, BUDGET)
    assert violations_of(problem, plan) == []
    r = plan.route("t")
    assert r is not None
    assert len(r.stops) == 2
    first, second = r.stops
    brk = BreakSlot(first.departure, first.departure + 1800)
    t = problem.travel
    node = t.visit_node[problem.visit_index[second.visit_id]]
    assert node is not None
    back = t.duration(Mode.CAR, node, t.end_node[0])

    def second_at(start: int) -> Route:
        moved = dataclasses.replace(second, arrival=start, start=start,
                                    departure=start + second.service_s)
        return dataclasses.replace(r, stops=(first, moved), breaks=(brk,),
                                   end_s=moved.departure + back)

    # the break fills the whole gap: no time left to drive
    found = assert_only(problem, replace_route(plan, second_at(brk.end)), "time consistency")
    assert "needs " in found[0]
    assert "+ 1800 s of break" in found[0]
    # break, then the drive: consistent
    assert violations_of(problem, replace_route(plan, second_at(brk.end + second.travel_s))) == []


def test_break_for_a_team_without_one_is_reported(base: tuple[Problem, Plan]) -> None:
    problem, plan = base
    r = plan.route("t2")
    assert r is not None
    extra = dataclasses.replace(r, breaks=(BreakSlot(hm("12:00"), hm("12:30")),))
    assert_only(problem, replace_route(plan, extra), "break(s) for a team with none")


# -- unassigned reasons ----------------------------------------------------------------------------


@pytest.mark.parametrize(("visit_id", "claimed", "fragment"), [
    ("dnv", Reason.OVER_CAPACITY, "do_not_visit applies first"),
    ("work", Reason.OUTSIDE_LAWFUL_HOURS, "workplace_without_consent applies first"),
    ("recent", Reason.UNREACHABLE, "visited_too_recently applies first"),
    ("outside", Reason.NO_ELIGIBLE_TEAM, "invalid_location applies first"),
    ("night", Reason.OUTSIDE_COMPANY_WINDOW, "outside_lawful_hours applies first"),
    ("early", Reason.UNREACHABLE, "outside_company_window applies first"),
    ("skill", Reason.OVER_CAPACITY, "no_eligible_team applies first"),
    ("dup2", Reason.OVER_CAPACITY, "same_borrower_same_day applies first"),
    ("heavy", Reason.DO_NOT_VISIT, "no_eligible_team applies first"),
])
def test_wrong_unassigned_reason_is_reported(base: tuple[Problem, Plan], visit_id: str,
                                             claimed: Reason, fragment: str) -> None:
    problem, plan = base
    assert_only(problem, replace_unassigned(plan, visit_id, reason=claimed), fragment)


def test_same_borrower_reason_without_a_routed_sibling_is_reported(
        base: tuple[Problem, Plan]) -> None:
    problem = make([visit("a", 0), visit("b", 1)], [team("t", max_visits=1)])
    plan = solve(problem, BUDGET)
    left = plan.unassigned[0].visit_id
    assert violations_of(problem, plan) == []
    found = assert_only(problem, replace_unassigned(plan, left,
                                                    reason=Reason.SAME_BORROWER_SAME_DAY),
                        "over_capacity applies first")
    assert "could serve it alone" in found[0]


def test_unreachable_claimed_for_a_reachable_visit_is_reported() -> None:
    problem = make([visit("a", 0), visit("b", 1)], [team("t", max_visits=1)])
    plan = solve(problem, BUDGET)
    left = plan.unassigned[0].visit_id
    assert_only(problem, replace_unassigned(plan, left, reason=Reason.UNREACHABLE),
                "over_capacity applies first")


def test_over_capacity_claimed_for_an_unreachable_visit_is_reported() -> None:
    far = visit("far", 0, location=(113.30, 34.60), window=window("09:00", "09:30"))
    problem = make([far], [team("t", shift=window("09:00", "12:00"))])
    plan = solve(problem, BUDGET)
    assert plan.unassigned[0].reason is Reason.UNREACHABLE
    assert violations_of(problem, plan) == []
    assert_only(problem, replace_unassigned(plan, "far", reason=Reason.OVER_CAPACITY),
                "unreachable applies first")


def test_on_a_holiday_everything_but_do_not_visit_is_holiday() -> None:
    problem = make([visit("a", 0, place=Place.WORKPLACE), visit("n", 1, do_not_visit=True)],
                   [team("t")], day=NATIONAL_DAY)
    plan = solve(problem, BUDGET)
    found = violations_of(problem, replace_unassigned(
        plan, "a", reason=Reason.WORKPLACE_WITHOUT_CONSENT))
    assert found == ["visit a: reason: unassigned as workplace_without_consent, but holiday "
                     "applies first (2026-10-01 is a statutory holiday National Day)"]
    found = violations_of(problem, replace_unassigned(plan, "n", reason=Reason.HOLIDAY))
    assert found
    assert "do_not_visit applies first" in found[0]


@pytest.mark.parametrize("field", ["detail", "detail_en"])
def test_unassigned_without_explanation_is_reported(base: tuple[Problem, Plan],
                                                    field: str) -> None:
    problem, plan = base
    assert_only(problem, replace_unassigned(plan, "dnv", **{field: "  "}),
                "lacks its explanation")


# -- solver bugs the checker found (fixed; kept as regression tests) ---------------------


def test_visit_pinned_to_one_of_two_teams_is_planned() -> None:
    problem = make([visit("a", 0, pin_team="t2")], [team("t1"), team("t2")])
    plan = solve(problem, BUDGET)
    assert route_of(plan, "a").team_id == "t2"


def test_same_borrower_beats_later_screening_reasons() -> None:
    problem = make([visit("day", 0, borrower_id="b"),
                    visit("night", 1, borrower_id="b", window=window("22:30", "23:00"))],
                   [team("t")])
    plan = solve(problem, BUDGET)
    assert {u.visit_id: u.reason for u in plan.unassigned} == {
        "night": Reason.SAME_BORROWER_SAME_DAY}


def test_borrower_visited_today_is_not_visited_again() -> None:
    problem = make([visit("today", 0, last_visit=WORKDAY)], [team("t")],
                   Policy(min_days_between_visits=0))
    plan = solve(problem, BUDGET)
    assert plan.unassigned[0].reason is Reason.VISITED_TOO_RECENTLY


# -- property: every solved day passes the checker and accounts for every visit -----------------


@st.composite
def days(draw: st.DrawFn) -> Problem:
    """A small random day around Zhengzhou: windows, flags, priorities, repeats, teams, breaks."""
    n_teams = draw(st.integers(1, 3))
    teams = []
    for k in range(n_teams):
        start = draw(st.integers(6 * 60, 10 * 60))
        end = min(24 * 60, start + draw(st.integers(3 * 60, 13 * 60)))
        brk = draw(st.booleans())
        b0 = draw(st.integers(start, max(start, end - 60)))
        teams.append(team(
            f"t{k}", start=(ZHENGZHOU[0] + 0.02 * k, ZHENGZHOU[1]),
            shift=TimeWindow(start * 60, end * 60),
            break_window=TimeWindow(b0 * 60, min(end, b0 + draw(st.integers(0, 90))) * 60)
            if brk else None,
            break_s=draw(st.sampled_from([900, 1800, 2700])) if brk else 0,
            skills=frozenset(draw(st.sets(st.sampled_from(["legal", "senior"]), max_size=2))),
            max_visits=draw(st.one_of(st.none(), st.integers(0, 6))),
            mode=draw(st.sampled_from(list(Mode))),
            capacity=draw(st.one_of(st.none(), st.integers(0, 6))),
        ))
    visits = []
    for i in range(draw(st.integers(1, 10))):
        plain = draw(st.booleans())
        borrower = f"b{draw(st.integers(0, 3))}"
        win = None
        consent = False
        if not plain and draw(st.booleans()):
            a = draw(st.integers(6 * 60, 23 * 60))
            win = TimeWindow(a * 60, min(24 * 60, a + draw(st.integers(10, 300))) * 60)
            consent = draw(st.booleans())
        last = draw(st.one_of(st.none(), st.integers(0, 10)))
        visits.append(Visit(
            f"v{i}", borrower,
            (ZHENGZHOU[0] + draw(st.floats(-0.06, 0.06)),
             ZHENGZHOU[1] + draw(st.floats(-0.05, 0.05))),
            service_s=draw(st.sampled_from([None, 600, 1800, 3600])),
            priority=draw(st.integers(1, 100)), window=win,
            place=Place.HOME if plain else draw(st.sampled_from(list(Place))),
            workplace_consent=draw(st.booleans()), consent_out_of_hours=consent,
            must_visit=draw(st.booleans()), do_not_visit=not plain and draw(st.booleans()),
            skill=None if plain else draw(st.sampled_from([None, None, "legal", "rare"])),
            pin_team=None if plain else draw(st.sampled_from([None, None, "t0", "t1", "gone"])),
            last_visit=None if last is None else WORKDAY - timedelta(days=last),
            visits_last_7d=draw(st.integers(0, 2)), demand=draw(st.integers(0, 3)),
        ))
    policy = Policy(company_window_hard=draw(st.booleans()),
                    min_days_between_visits=draw(st.integers(0, 3)))
    day = draw(st.sampled_from([WORKDAY, NATIONAL_DAY, SATURDAY]))
    return make(visits, teams, policy, day)


def solved_day_is_lawful(problem: Problem) -> None:
    plan = solve(problem, SolveOptions(time_limit_s=1, solution_limit=5))
    assert check(problem, plan) == []
    ids = sorted(plan.visit_ids())
    assert ids == sorted(v.visit_id for v in problem.visits)


@settings(max_examples=40, deadline=None, derandomize=True, report_multiple_bugs=False)
@given(days())
@example(make([visit("a", 0, pin_team="t2")], [team("t1"), team("t2")]))
@example(make([visit("day", 0, borrower_id="b"),
               visit("night", 1, borrower_id="b", window=window("22:30", "23:00"))], [team("t")]))
@example(make([visit("today", 0, last_visit=WORKDAY)], [team("t")],
              Policy(min_days_between_visits=0)))
def test_solved_days_pass_the_checker_and_account_for_every_visit(problem: Problem) -> None:
    solved_day_is_lawful(problem)
