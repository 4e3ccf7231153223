"""The polish lowers driving for exactly the visits it was given, and repeats for a budget."""

from __future__ import annotations

from collections.abc import Callable

from routeplan.domain.problem import Problem
from routeplan.solver.polish import polish_routes
from routeplan.solver.routing_model import RoutingModel, SearchSettings
from routeplan.solver.screen import screen
from routeplan.solver.search import GUIDED, RUIN_RECREATE
from routeplan.workflows.synth import synth_day


def _start(make_problem: Callable[..., Problem]) -> tuple[Problem, RoutingModel]:
    day = synth_day(visits=90, teams=6, seed=9)  # breaks, windows, skills, e-bikes
    problem = make_problem(list(day.visits), list(day.teams))
    return problem, RoutingModel(problem, screen(problem).candidates)


def test_polish_keeps_the_visits_and_its_objective_is_the_models(
        make_problem: Callable[..., Problem]) -> None:
    problem, model = _start(make_problem)
    rough = model.search(SearchSettings(30, solution_limit=5, strategy=GUIDED))
    assert rough.objective is not None
    chains = tuple(vr.order for vr in rough.routes)
    out = polish_routes(problem, model.candidates, chains, rough.objective, RUIN_RECREATE,
                        time_limit_s=30, solution_limit=20, on_solution=lambda *_: False)
    assert sorted(p for c in out.chains for p in c) == sorted(p for c in chains for p in c)
    assert out.objective <= rough.objective
    assert out.improved > 0  # a five-solution GLS start leaves driving to save
    # the gains it counted are the routing model's own figure for the polished plan
    again = RoutingModel(problem, model.candidates).restore(out.chains)
    assert again.objective == out.objective


def test_polish_repeats_under_a_solution_budget(make_problem: Callable[..., Problem]) -> None:
    problem, model = _start(make_problem)
    rough = model.search(SearchSettings(30, solution_limit=5, strategy=GUIDED))
    assert rough.objective is not None
    chains = tuple(vr.order for vr in rough.routes)
    runs = [polish_routes(problem, model.candidates, chains, rough.objective, RUIN_RECREATE,
                          time_limit_s=30, solution_limit=20, on_solution=lambda *_: False)
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_a_stop_between_sub_problems_ends_the_polish(
        make_problem: Callable[..., Problem]) -> None:
    problem, model = _start(make_problem)
    rough = model.search(SearchSettings(30, solution_limit=5, strategy=GUIDED))
    assert rough.objective is not None
    out = polish_routes(problem, model.candidates, tuple(vr.order for vr in rough.routes),
                        rough.objective, RUIN_RECREATE, time_limit_s=120, solution_limit=None,
                        on_solution=lambda *_: True)
    assert out.solutions <= 1  # asked after the first sub-problem, it stopped there
