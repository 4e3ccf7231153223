"""Search strategies: ruin-and-recreate and the portfolio repeat under solution budgets."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from benchmarks.vrptw import read_instance, to_problem, verify

from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Plan
from routeplan.solver.search import PORTFOLIO, RUIN_RECREATE, ruin_parameters
from routeplan.solver.solve import STOP_SLICE_S, SolveOptions, search_settings, solve


def _instance_text(n: int, seed: int) -> str:
    """A small random VRPTW instance in VRPLIB form, wide windows, service 10."""
    rng = random.Random(seed)
    coords = [(50, 50)] + [(rng.randint(0, 100), rng.randint(0, 100)) for _ in range(n)]
    lines = [f"NAME : RAND{n}", "TYPE : CVRPTW", f"DIMENSION : {n + 1}", "VEHICLES : 6",
             "CAPACITY : 100", "SERVICE_TIME : 10", "EDGE_WEIGHT_TYPE : EUC_2D",
             "NODE_COORD_SECTION"]
    lines += [f"{i + 1} {x} {y}" for i, (x, y) in enumerate(coords)]
    lines += ["DEMAND_SECTION"] + [f"{i + 1} {0 if i == 0 else rng.randint(5, 20)}"
                                   for i in range(n + 1)]
    windows = ["1 0 1000"]
    for i in range(1, n + 1):
        ready = rng.randint(0, 600)
        windows.append(f"{i + 1} {ready} {ready + rng.randint(100, 300)}")
    lines += ["TIME_WINDOW_SECTION", *windows, "DEPOT_SECTION", "1", "-1", "EOF"]
    return "\n".join(lines) + "\n"


def _routes(plan: Plan) -> list[tuple[str, ...]]:
    return [tuple(s.visit_id for s in r.stops) for r in plan.routes]


@pytest.fixture
def rand25(tmp_path: Path) -> Path:
    path = tmp_path / "RAND25.vrp"
    path.write_text(_instance_text(25, seed=7), encoding="utf-8")
    return path


def test_ruin_recreate_repeats_with_the_same_seed_and_budget(rand25: Path) -> None:
    problem = to_problem(read_instance(rand25))
    options = SolveOptions(time_limit_s=60, solution_limit=60, seed=3,
                           strategy=RUIN_RECREATE.name)
    first, second = solve(problem, options), solve(problem, options)
    assert _routes(first) == _routes(second)
    assert first.kpis.objective == second.kpis.objective


def test_portfolio_of_two_processes_is_feasible_and_repeats(rand25: Path) -> None:
    inst = read_instance(rand25)
    problem = to_problem(inst)
    options = SolveOptions(time_limit_s=60, solution_limit=40, workers=2)
    first, second = solve(problem, options), solve(problem, options)
    assert verify(inst, first)[1] == []
    assert _routes(first) == _routes(second)


def test_time_budget_uses_both_cores_only_when_worth_it() -> None:
    assert len(search_settings(SolveOptions(), 10.0, 100)) == min(
        len(PORTFOLIO), 2 if (__import__("os").cpu_count() or 1) >= 2 else 1)
    assert len(search_settings(SolveOptions(solution_limit=10), 10.0, 100)) == 1
    assert len(search_settings(SolveOptions(), 1.0, 100)) == 1
    assert len(search_settings(SolveOptions(), 10.0, 5)) == 1
    assert search_settings(SolveOptions(strategy="gls"), 10.0, 100)[0].strategy.name == "gls"


def test_only_a_stoppable_time_limited_solve_runs_ruin_and_recreate_in_slices() -> None:
    """The CLI and solution-limited (repeatable) solves keep one uninterrupted run."""
    assert search_settings(SolveOptions(), 10.0, 100)[0].ruin_slice_s is None
    assert all(s.ruin_slice_s == STOP_SLICE_S
               for s in search_settings(SolveOptions(), 10.0, 100, stoppable=True))
    assert search_settings(SolveOptions(solution_limit=50), 10.0, 100,
                           stoppable=True)[0].ruin_slice_s is None


def test_slices_follow_one_cooling_schedule() -> None:
    """A slice starts at the temperature the previous one ended at; the ends are unchanged."""
    def temps(span: tuple[float, float]) -> tuple[float, float]:
        params = ruin_parameters(RUIN_RECREATE, 1.0, None, 100.0, span=span)
        sa = params.iterated_local_search_parameters.reference_solution_acceptance_strategy
        return (sa.simulated_annealing.initial_temperature,
                sa.simulated_annealing.final_temperature)

    whole = temps((0.0, 1.0))
    assert whole == (RUIN_RECREATE.temperature_start * 100, RUIN_RECREATE.temperature_end * 100)
    first, second = temps((0.0, 0.4)), temps((0.4, 1.0))
    assert first[0] == whole[0] and second[1] == whole[1]
    assert first[1] == pytest.approx(second[0])
    assert whole[0] > first[1] > whole[1]


def test_unknown_strategy_is_an_input_error() -> None:
    with pytest.raises(InvalidInput, match="strategy"):
        SolveOptions(strategy="tabu")


def test_temperatures_follow_the_cost_scale() -> None:
    cheap = ruin_parameters(RUIN_RECREATE, 1.0, None, mean_arc_cost=100.0)
    dear = ruin_parameters(RUIN_RECREATE, 1.0, None, mean_arc_cost=1000.0)
    sa = "reference_solution_acceptance_strategy"
    t_cheap = getattr(cheap.iterated_local_search_parameters, sa).simulated_annealing
    t_dear = getattr(dear.iterated_local_search_parameters, sa).simulated_annealing
    assert t_dear.initial_temperature == pytest.approx(10 * t_cheap.initial_temperature)
    assert cheap.use_iterated_local_search


def test_teams_at_one_depot_share_a_vehicle_class(rand25: Path) -> None:
    from dataclasses import replace as _replace

    from routeplan.solver.routing_model import RoutingModel
    from routeplan.solver.screen import screen

    inst = read_instance(rand25)
    problem = to_problem(inst)
    model = RoutingModel(problem, screen(problem).candidates)
    model.routing.CloseModel()
    assert model.routing.GetVehicleClassesCount() == 1
    assert model.n_nodes == len(screen(problem).candidates) + 1
    # a team with a longer shift is no longer interchangeable with the others
    teams = list(problem.teams)
    longer = _replace(teams[0].shift, end=teams[0].shift.end - 600)
    other = _replace(problem, teams=(_replace(teams[0], shift=longer), *teams[1:]))
    routing = RoutingModel(other, screen(other).candidates).routing
    routing.CloseModel()
    assert routing.GetVehicleClassesCount() == 2
