"""The project's error hierarchy: input, routing and internal errors, each carrying a class."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class RoutePlanError(Exception):
    """Base of every error routeplan raises on purpose."""


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One input problem: where it is (file, row, column or JSON pointer), the value, why."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class InvalidInput(RoutePlanError, ValueError):
    """Input that cannot be planned: names the field and the value; may carry many problems."""

    def __init__(self, message: str, *, problems: Iterable[InputProblem] = ()) -> None:
        self.problems: tuple[InputProblem, ...] = tuple(problems) or (InputProblem("", message),)
        super().__init__(message)

    @classmethod
    def many(cls, problems: Iterable[InputProblem]) -> InvalidInput:
        """Bundle several located problems into one error (one line each when printed)."""
        items = tuple(problems)
        return cls("\n".join(str(p) for p in items), problems=items)


class RoutingError(RoutePlanError):
    """A travel-time source (road engine, server) failed or could not answer."""


class ComplianceViolation(RoutePlanError):
    """A plan broke a legal or operational rule: always a bug in the planner, never input."""

    def __init__(self, violations: Iterable[str]) -> None:
        self.violations: tuple[str, ...] = tuple(violations)
        super().__init__("plan violates rules:\n" + "\n".join(self.violations))


class InternalError(RoutePlanError):
    """Something that should not happen happened; carries what we knew."""
