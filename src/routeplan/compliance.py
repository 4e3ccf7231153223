"""Independent compliance checker (placeholder until the full checker lands)."""

from __future__ import annotations

from routeplan.errors import ComplianceViolation
from routeplan.model.plan import Plan
from routeplan.model.problem import Problem


def check(problem: Problem, plan: Plan) -> list[str]:
    """Every rule the plan breaks, one line each; empty when the plan is lawful."""
    del problem, plan
    return []


def assert_compliant(problem: Problem, plan: Plan) -> None:
    """Raise ComplianceViolation when `check` finds anything."""
    violations = check(problem, plan)
    if violations:
        raise ComplianceViolation(violations)
