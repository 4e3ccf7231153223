"""The solver's promises: lawful times, breaks, caps, pins, must-visits and determinism."""

from __future__ import annotations

from collections.abc import Callable

from routeplan.domain.clock import TimeWindow
from routeplan.domain.plan import Reason
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.io.plan_json import plan_to_dict
from routeplan.solver import SolveOptions, solve
from routeplan.workflows.synth import synth_day
from tests.days import team, visit

BUDGET = SolveOptions(time_limit_s=2, solution_limit=200)


def test_same_seed_and_budget_give_the_same_plan(make_problem: Callable[..., Problem],
                                                 locator: object) -> None:
    day = synth_day(visits=60, teams=4, seed=7)
    problem = make_problem(list(day.visits), list(day.teams))
    a = plan_to_dict(solve(problem, SolveOptions(seed=3, solution_limit=150, time_limit_s=60)))
    b = plan_to_dict(solve(problem, SolveOptions(seed=3, solution_limit=150, time_limit_s=60)))
    for d in (a, b):
        d["kpis"].pop("solve_s", None)
    assert a == b


def test_every_stop_lies_inside_company_and_visit_windows(
        make_problem: Callable[..., Problem]) -> None:
    day = synth_day(visits=80, teams=5, seed=11)
    plan = solve(make_problem(list(day.visits), list(day.teams)), BUDGET)
    policy = Policy()
    by_id = {v.visit_id: v for v in day.visits}
    assert plan.kpis.visits_planned > 40
    for r in plan.routes:
        for s in r.stops:
            v = by_id[s.visit_id]
            assert s.arrival <= s.start < s.departure
            if not v.consent_out_of_hours:
                assert policy.company_start <= s.start and s.departure <= policy.company_end
            if v.window is not None:
                assert v.window.start <= s.start and s.departure <= v.window.end


def test_break_is_taken_inside_its_window_and_never_during_a_visit(
        make_problem: Callable[..., Problem]) -> None:
    visits = [visit(f"v{i}", east_km=1 + i, priority=50) for i in range(8)]
    plan = solve(make_problem(visits, [team("T1", brk=("11:30", "13:00", 60))]), BUDGET)
    route = plan.routes[0]
    assert route.stops and len(route.breaks) == 1
    b = route.breaks[0]
    assert 11.5 * 3600 <= b.start <= 13 * 3600 and b.end - b.start == 3600
    for s in route.stops:
        assert s.departure <= b.start or s.start >= b.end


def test_must_visit_wins_over_many_higher_priority_visits(
        make_problem: Callable[..., Problem]) -> None:
    far = visit("must", east_km=25, must_visit=True, priority=1)
    near = [visit(f"n{i}", east_km=1 + 0.2 * i, priority=100) for i in range(4)]
    plan = solve(make_problem([far, *near], [team("T1", max_visits=2)]), BUDGET)
    routed = {s.visit_id for r in plan.routes for s in r.stops}
    assert "must" in routed
    assert plan.kpis.must_visits_planned == plan.kpis.must_visits_total == 1


def test_pinned_and_skilled_visits_go_to_their_team(make_problem: Callable[..., Problem]) -> None:
    visits = [visit("pinned", pin_team="T2"), visit("dialect", skill="dialect", east_km=3),
              visit("any", east_km=4)]
    teams = [team("T1"), team("T2", members=("x", "y"), skills=frozenset({"dialect"}))]
    plan = solve(make_problem(visits, teams), BUDGET)
    where = {s.visit_id: r.team_id for r in plan.routes for s in r.stops}
    assert where["pinned"] == "T2" and where["dialect"] == "T2"
    assert "any" in where


def test_an_impossible_day_still_gives_a_plan(make_problem: Callable[..., Problem]) -> None:
    visits = [visit(f"v{i}", east_km=i, window=TimeWindow.parse("09:00", "09:30"), priority=5)
              for i in range(6)]
    plan = solve(make_problem(visits, [team("T1", shift=("08:30", "10:00"))]), BUDGET)
    assert plan.kpis.visits_planned + plan.kpis.visits_unassigned == 6
    assert plan.kpis.visits_planned >= 1
    assert all(u.reason in (Reason.OVER_CAPACITY, Reason.UNREACHABLE) for u in plan.unassigned)


def test_kpis_add_up_from_the_routes(make_problem: Callable[..., Problem]) -> None:
    day = synth_day(visits=40, teams=3, seed=5)
    plan = solve(make_problem(list(day.visits), list(day.teams)), BUDGET)
    k = plan.kpis
    stops = [s for r in plan.routes for s in r.stops]
    assert k.visits_planned == len(stops)
    assert k.visits_planned + k.visits_unassigned == len(day.visits)
    assert k.distance_m == sum(r.distance_m for r in plan.routes)
    assert k.service_s == sum(s.departure - s.start for s in stops)
    assert sum(k.unassigned_by_reason.values()) == k.visits_unassigned
    assert k.teams_used == sum(1 for r in plan.routes if r.stops)
