"""A re-plan's search: from the routes teams were given, changing them only where it pays.

`solve_anchored(problem, anchors, start, price)` screens the problem like `solve`, builds the
OR-Tools model with the price of a change in its objective (`routing_model.Anchoring`: a
cost per visit taken from its team or left out, and per minute its start moves beyond a
tolerance), and runs a descent and guided local search that starts from `start` (each
team's visits in the order it was told, as far as they still fit). The start is a plan of
its own: the search keeps it unless it finds one of lower objective, so a change is made
only when it plans more priority or saves more driving than it costs. Deterministic for a
seed and a solution limit; a stop asked for ends the search with the best plan so far.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from routeplan.domain.kpis import compute_kpis
from routeplan.domain.plan import Plan
from routeplan.domain.problem import Problem
from routeplan.rules.compliance import assert_compliant
from routeplan.solver.routing_model import (
    Anchoring,
    RoutingModel,
    SearchSettings,
    VehicleRoute,
)
from routeplan.solver.screen import screen
from routeplan.solver.search import GUIDED
from routeplan.solver.solve import _RESERVE_S, Progress, SolveOptions, _assemble, _explain


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a visit stood in the plan its team was given: the team's index and the start."""

    team: int
    start: int


@dataclass(frozen=True, slots=True)
class ChangePrice:
    """The policy's price of a change, in the objective's units (seconds of driving)."""

    move: int
    retime_after_s: int
    retime_per_s: int


def solve_anchored(problem: Problem, anchors: Sequence[Anchor | None],
                   start: Sequence[Sequence[int]], price: ChangePrice,
                   options: SolveOptions | None = None, *,
                   progress: Callable[[Progress], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> Plan:
    """The plan of lowest objective (driving + left-out priority + changes) found from `start`.

    `anchors[i]` is visit i's place in the plan teams were given (None: a visit no team was
    told of); `start[k]` team k's visits (indices into `problem.visits`) in the order to
    start from. Checked by the compliance checker like every plan.
    """
    options = options or SolveOptions()
    began = time.perf_counter()
    screening = screen(problem)
    candidates = list(screening.candidates)
    if options.seed:
        random.Random(options.seed).shuffle(candidates)
    warnings = list(problem.warnings) + list(screening.warnings)
    limit = options.time_limit_s if options.time_limit_s is not None \
        else problem.policy.time_limit_s
    routes_found: tuple[VehicleRoute, ...] = ()
    objective: int | None = None
    solutions = 0
    if candidates and problem.teams:
        pos_of = {c.visit: p for p, c in enumerate(candidates)}
        anchoring = Anchoring(
            tuple(a.team if (a := anchors[c.visit]) is not None else None for c in candidates),
            tuple(a.start if (a := anchors[c.visit]) is not None else None for c in candidates),
            price.move, price.retime_after_s, price.retime_per_s)
        chains = tuple(tuple(pos_of[i] for i in order
                             if i in pos_of and k in candidates[pos_of[i]].teams)
                       for k, order in enumerate(start))
        chains = chains + ((),) * (len(problem.teams) - len(chains))

        def on_solution(obj: int, n: int, planned: int | None) -> bool:
            if progress is not None:
                progress(Progress(time.perf_counter() - began, obj, n, planned))
            return bool(should_stop and should_stop())

        left = limit - (time.perf_counter() - began) - _RESERVE_S
        budget = max(0.1, left) if options.solution_limit is None else limit
        model = RoutingModel(problem, candidates, anchoring=anchoring)
        outcome = model.search_from(
            SearchSettings(budget, options.solution_limit, strategy=GUIDED), chains, on_solution)
        routes_found, objective, solutions = outcome.routes, outcome.objective, outcome.solutions
        if objective is None:
            warnings.append(f"the solver found no solution within {limit:g} s; "
                            "every visit is left unassigned — allow more time")
    routes = tuple(_assemble(problem, candidates, vr) for vr in routes_found)
    unassigned = _explain(problem, screening.rejected, candidates, routes)
    kpis = compute_kpis(problem, routes, unassigned, warnings=warnings,
                        solve_s=time.perf_counter() - began, objective=objective)
    plan = Plan(problem.day, routes, unassigned, kpis, problem.policy,
                {"seed": str(options.seed), "travel_source": problem.travel.source},
                problem.travel.record)
    assert_compliant(problem, plan)
    if progress is not None and objective is not None:
        progress(Progress(time.perf_counter() - began, objective, solutions,
                          plan.kpis.visits_planned))
    return plan
