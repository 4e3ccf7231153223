"""A stop asked for during a long solve, and the visit count a solve reports as it goes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from routeplan.domain.plan import Plan
from routeplan.domain.problem import Problem
from routeplan.solver import Progress, SolveOptions, solve
from routeplan.workflows.synth import synth_day


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


def test_a_stop_late_in_ruin_and_recreate_gives_a_plan_with_every_break_set(
        make_problem: Callable[..., Problem]) -> None:
    """The loop leaves break starts open in the plans it returns (reading one aborted the
    process); a stop after several slices still gives a checked plan, breaks included."""
    day = synth_day(visits=120, teams=6, seed=5)
    problem = make_problem(list(day.visits), list(day.teams))
    reports: list[Progress] = []
    # stop after a given amount of search work, several slices in
    plan = solve(problem, SolveOptions(time_limit_s=120, workers=1), progress=reports.append,
                 should_stop=lambda: bool(reports) and reports[-1].solutions >= 1500)
    assert plan.kpis.solve_s < 60
    used = [r for r in plan.routes if r.stops]
    assert used and all(len(r.breaks) == 1 for r in used)


@pytest.mark.parametrize(("options", "stoppable"), [
    (SolveOptions(time_limit_s=60, solution_limit=100, strategy="gls"), False),
    (SolveOptions(time_limit_s=4, workers=1), False),
    (SolveOptions(time_limit_s=4, workers=1), True),
], ids=["gls", "ruin-recreate", "ruin-recreate-in-slices"])
def test_progress_counts_the_visits_planned_in_the_best_plan_so_far(
        make_problem: Callable[..., Problem], options: SolveOptions, stoppable: bool) -> None:
    """Every report carries the count, read at each new best in every phase (the loop's
    route variables are bound when it calls back); the last is the finished plan's."""
    problem = _problem(make_problem)
    reports: list[Progress] = []
    plan = solve(problem, options, progress=reports.append,
                 should_stop=(lambda: False) if stoppable else None)
    counts = [r.planned for r in reports]
    assert len(counts) > 1 and None not in counts
    assert all(0 < c <= len(problem.visits) for c in counts if c is not None)
    assert counts[-1] == plan.kpis.visits_planned == _stops(plan)
