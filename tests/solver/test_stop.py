"""A stop asked for during a long solve, and the visit count a solve reports as it goes."""

from __future__ import annotations

from collections.abc import Callable

from routeplan.model.plan import Plan
from routeplan.model.problem import Problem
from routeplan.solver import Progress, SolveOptions, solve
from routeplan.synth import synth_day


def _problem(make_problem: Callable[..., Problem]) -> Problem:
    day = synth_day(visits=60, teams=4, seed=7)  # teams with breaks, skills, soft windows
    return make_problem(list(day.visits), list(day.teams))


def _stops(plan: Plan) -> int:
    return sum(len(r.stops) for r in plan.routes)


def test_a_stop_after_the_first_solution_ends_a_two_minute_solve_with_its_best_plan(
        make_problem: Callable[..., Problem]) -> None:
    """Both processes of the portfolio heed the stop long before the 120 s budget ends."""
    problem = _problem(make_problem)
    reports: list[Progress] = []
    plan = solve(problem, SolveOptions(time_limit_s=120, workers=2), progress=reports.append,
                 should_stop=lambda: bool(reports))
    # solve() returns only plans the compliance checker passed
    assert _stops(plan) > 0
    # a behavioural bound, not a benchmark: without the stop the search runs for 120 s
    assert plan.kpis.solve_s < 60
    assert reports[-1].planned == plan.kpis.visits_planned == _stops(plan)


def test_progress_counts_the_visits_planned_in_the_best_plan_so_far(
        make_problem: Callable[..., Problem]) -> None:
    """GLS reads the count at each new best, and the last report is the finished plan's."""
    problem = _problem(make_problem)
    reports: list[Progress] = []
    plan = solve(problem, SolveOptions(time_limit_s=60, solution_limit=100, strategy="gls"),
                 progress=reports.append)
    counts = [r.planned for r in reports]
    assert None not in counts
    assert all(0 < c <= len(problem.visits) for c in counts if c is not None)
    assert counts[-1] == plan.kpis.visits_planned == _stops(plan)


def test_a_stoppable_solve_reports_its_visit_count_before_it_ends(
        make_problem: Callable[..., Problem]) -> None:
    """The ruin-and-recreate loop cannot be read while it runs; its slices can, in between."""
    problem = _problem(make_problem)
    reports: list[Progress] = []
    plan = solve(problem, SolveOptions(time_limit_s=6, workers=1), progress=reports.append,
                 should_stop=lambda: False)
    during = [r.planned for r in reports[:-1] if r.planned is not None]
    assert during
    assert all(0 < c <= len(problem.visits) for c in during)
    assert reports[-1].planned == _stops(plan)
