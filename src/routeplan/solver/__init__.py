"""The solver core: screen visits, build the OR-Tools model, solve, explain what was left out."""

from routeplan.solver.entry import solve
from routeplan.solver.solve import Progress, SolveOptions

__all__ = ["Progress", "SolveOptions", "solve"]
