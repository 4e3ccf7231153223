"""PyVRP as a portfolio engine: where it applies, its plans pass the checker and repeat."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from benchmarks.vrptw import read_instance, to_problem, verify

from routeplan.domain.plan import Plan
from routeplan.domain.problem import Problem
from routeplan.solver import Progress, SolveOptions, pyvrp_engine, solve
from routeplan.solver.screen import screen
from routeplan.solver.solve import search_settings
from routeplan.workflows.synth import synth_day
from tests.days import team, visit
from tests.solver.test_search import _instance_text

pytestmark = pytest.mark.skipif(not pyvrp_engine.available(), reason="PyVRP not installed")

PYVRP = SolveOptions(time_limit_s=60, solution_limit=30, strategy="pyvrp")


def _routes(plan: Plan) -> list[tuple[str, ...]]:
    return [tuple(s.visit_id for s in r.stops) for r in plan.routes]


@pytest.fixture
def rand30(tmp_path: Path) -> Path:
    path = tmp_path / "RAND30.vrp"
    path.write_text(_instance_text(30, seed=11), encoding="utf-8")
    return path


def test_pyvrp_plans_repeat_for_a_seed_and_budget_and_fit_the_instance(rand30: Path) -> None:
    inst = read_instance(rand30)
    problem = to_problem(inst)
    first, second = solve(problem, PYVRP), solve(problem, PYVRP)
    assert verify(inst, first)[1] == []  # and solve() ran the compliance checker
    assert _routes(first) == _routes(second)
    assert first.kpis.objective == second.kpis.objective


def test_the_portfolio_with_pyvrp_repeats_under_a_solution_budget(rand30: Path) -> None:
    inst = read_instance(rand30)
    problem = to_problem(inst)
    options = SolveOptions(time_limit_s=60, solution_limit=30, workers=2)
    assert [s.strategy.engine for s in search_settings(options, 60, 30, pyvrp=True)] == [
        "pyvrp", "ortools"]
    first, second = solve(problem, options), solve(problem, options)
    assert verify(inst, first)[1] == []
    assert _routes(first) == _routes(second)


def test_pyvrp_applies_only_to_days_it_models(make_problem: Callable[..., Problem],
                                              rand30: Path) -> None:
    """Breaks (every synthetic team has one) keep a day on OR-Tools alone."""
    vrptw = to_problem(read_instance(rand30))
    assert pyvrp_engine.applies(vrptw, screen(vrptw).candidates)
    day = synth_day(visits=40, teams=3, seed=2)
    with_breaks = make_problem(list(day.visits), list(day.teams))
    assert not pyvrp_engine.applies(with_breaks, screen(with_breaks).candidates)


def test_pyvrp_keeps_pins_skills_caps_and_one_visit_per_borrower(
        make_problem: Callable[..., Problem]) -> None:
    visits = [visit("pinned", pin_team="T2", east_km=1), visit("dialect", skill="dialect"),
              visit("home", borrower_id="B-twice", east_km=3, priority=40),
              visit("work", borrower_id="B-twice", east_km=3.5, priority=60),
              *(visit(f"v{i}", east_km=1 + 0.5 * i, north_km=0.3 * i) for i in range(8))]
    teams = [team("T1", max_visits=4), team("T2", members=("x", "y"), max_visits=4,
                                            skills=frozenset({"dialect"}))]
    problem = make_problem(visits, teams)
    assert pyvrp_engine.applies(problem, screen(problem).candidates)
    plan = solve(problem, PYVRP)  # solve() returns only plans the checker passed
    where = {s.visit_id: r.team_id for r in plan.routes for s in r.stops}
    assert where.get("pinned") == "T2" and where.get("dialect") == "T2"
    assert all(len(r.stops) <= 4 for r in plan.routes)
    assert max(Counter(s.borrower_id for r in plan.routes for s in r.stops).values()) == 1
    assert plan.kpis.visits_planned == 8  # two teams of four


def test_a_stop_ends_a_pyvrp_solve(rand30: Path) -> None:
    """The stop is polled between PyVRP's iterations, long before the 120 s budget."""
    problem = to_problem(read_instance(rand30))
    reports: list[Progress] = []
    plan = solve(problem, SolveOptions(time_limit_s=120, strategy="pyvrp"),
                 progress=reports.append, should_stop=lambda: bool(reports))
    assert plan.kpis.visits_planned == 30
    assert plan.kpis.solve_s < 60  # a behavioural bound: without the stop it runs 120 s
