"""The solver core: screen visits, build the OR-Tools model, solve, explain what was left out."""

from routeplan.solver.solve import SolveOptions, solve

__all__ = ["SolveOptions", "solve"]
