"""A weekly schedule as values: the horizon of days, each day's plan, the cases not visited.

A schedule says, for `Horizon.days` consecutive dates, which cases each day's plan routes and
which cases are not visited at all (`Unscheduled`, with a reason code and its explanation in
Chinese and English). Every case of the input is accounted for once: a stop on one day, or
unscheduled. `rules.schedule_check` checks a schedule; `workflows.week` makes one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from routeplan.domain.clock import TimeWindow
from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Plan

#: Longest horizon a schedule may span, in days.
MAX_HORIZON_DAYS = 366


@dataclass(frozen=True, slots=True)
class Horizon:
    """The planned days: `days` consecutive dates from `start`."""

    start: date
    days: int

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_HORIZON_DAYS:
            raise InvalidInput(f"days: {self.days} is not between 1 and {MAX_HORIZON_DAYS}")

    @property
    def end(self) -> date:
        """The last planned day."""
        return self.start + timedelta(days=self.days - 1)

    @property
    def dates(self) -> tuple[date, ...]:
        return tuple(self.start + timedelta(days=i) for i in range(self.days))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Unscheduled:
    """A case the schedule does not visit, with its reason code and explanations.

    `reason` is text on purpose: a code outside the known ones is a violation for the checker
    to report, not an input to refuse.
    """

    visit_id: str
    reason: str
    detail: str
    detail_en: str


@dataclass(frozen=True, slots=True)
class Schedule:
    """A weekly schedule: each listed day's plan, and the cases not visited at all."""

    days: Mapping[date, Plan]
    unscheduled: tuple[Unscheduled, ...] = ()


@dataclass(frozen=True, slots=True)
class Reschedule:
    """A visit moved by the borrower (改约): its new date, and its new time when given."""

    visit_id: str
    day: date
    window: TimeWindow | None = None
