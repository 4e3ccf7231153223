"""The solver's front door: one undivided search, or decomposition for large days."""

from __future__ import annotations

from collections.abc import Callable

from routeplan.domain.plan import Plan
from routeplan.domain.problem import ONE_SEARCH_MAX_VISITS, Problem
from routeplan.solver.decompose import PartRunner, solve_decomposed
from routeplan.solver.solve import Progress, SolveOptions
from routeplan.solver.solve import solve as solve_single

#: Above this many visits (and with more than one team) a day is decomposed.
DECOMPOSE_ABOVE = ONE_SEARCH_MAX_VISITS


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    runner: PartRunner | None = None,
    decompose_above: int = DECOMPOSE_ABOVE,
) -> Plan:
    """The best lawful plan within the budget; large days are split and solved in parallel."""
    options = options or SolveOptions()
    if len(problem.visits) > decompose_above and len(problem.teams) > 1:
        return solve_decomposed(problem, options, runner=runner, progress=progress,
                                should_stop=should_stop)
    return solve_single(problem.dense(), options, progress=progress, should_stop=should_stop)
