"""routeplan: lawful field-visit routes for Henan, from the day's cases and team shifts.

The public surface: read the day (`read_visits`, `read_teams`), assemble it
(`build_problem`), solve it (`solve`, `SolveOptions`), re-check it (`check`) and write it
(`write_plan`, `plan_to_dict`). Names load on first use, so `import routeplan` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "InvalidInput": "routeplan.domain.errors",
    "RoutingError": "routeplan.domain.errors",
    "Plan": "routeplan.domain.plan",
    "Policy": "routeplan.domain.policy",
    "Problem": "routeplan.domain.problem",
    "Team": "routeplan.domain.team",
    "Visit": "routeplan.domain.visit",
    "check": "routeplan.rules.compliance",
    "read_visits": "routeplan.io.readers",
    "read_teams": "routeplan.io.readers",
    "read_plan": "routeplan.io.plan_json",
    "write_plan": "routeplan.io.plan_json",
    "plan_to_dict": "routeplan.io.plan_json",
    "plan_from_dict": "routeplan.io.plan_json",
    "build_problem": "routeplan.workflows.build",
    "solve": "routeplan.solver",
    "SolveOptions": "routeplan.solver",
}

__all__ = [
    "InvalidInput", "Plan", "Policy", "Problem", "RoutingError", "SolveOptions", "Team",
    "Visit", "__version__", "build_problem", "check", "plan_from_dict", "plan_to_dict",
    "read_plan", "read_teams", "read_visits", "solve", "write_plan",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'routeplan' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
