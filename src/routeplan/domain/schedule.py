"""A weekly schedule as values: the horizon of days, each day's plan, the cases not visited.

A schedule says, for `Horizon.days` consecutive dates, which cases each day's plan routes and
which cases are not visited at all (`Unscheduled`, with a reason code and its explanation in
Chinese and English). Every case of the input is accounted for once: a stop on one day, or
unscheduled. `rules.schedule_check` checks a schedule; `workflows.week` makes one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from routeplan.domain.clock import TimeWindow
from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit

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


@dataclass(frozen=True, slots=True)
class Spread:
    """How a figure spreads over team-days: mean, standard deviation, least and most."""

    mean: float = 0.0
    std: float = 0.0
    low: float = 0.0
    high: float = 0.0

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            return cls()
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / len(values)
        return cls(round(mean, 3), round(math.sqrt(var), 3), round(min(values), 3),
                   round(max(values), 3))


@dataclass(frozen=True, slots=True)
class WorkSpread:
    """The work of one day or of the week over its team-days: visits and hours out.

    A team-day is a team on a day it works that the policy plans; one without a route counts
    with 0 visits and 0 hours.
    """

    team_days: int = 0
    team_days_used: int = 0
    visits: Spread = field(default_factory=Spread)
    hours: Spread = field(default_factory=Spread)


@dataclass(frozen=True, slots=True)
class WeekKpis:
    """Headline figures of a weekly schedule (seconds and metres), and where the time went."""

    cases: int
    visits_planned: int
    unscheduled: int
    priority_planned: int
    priority_total: int
    must_visits_planned: int
    must_visits_total: int
    distance_m: int
    driving_s: int
    waiting_s: int
    service_s: int
    days_planned: int
    days_skipped: int
    work: WorkSpread
    unscheduled_by_reason: Mapping[str, int]
    moved: int = 0  # cases moved to another day after their first day could not route them
    warnings: tuple[str, ...] = ()
    travel_source: str = "haversine"
    solve_s: float = 0.0
    phases: Mapping[str, float] = field(default_factory=dict)

    @property
    def priority_share(self) -> float:
        return self.priority_planned / self.priority_total if self.priority_total else 1.0


@dataclass(frozen=True, slots=True)
class WeekPlan:
    """A checked weekly schedule and what it was made from.

    `visits` are the cases as planned (addresses placed); `skipped` names, per day the policy
    does not plan or no team works, why (Chinese, English). `day_work` spreads each planned
    day's work over its team-days.
    """

    horizon: Horizon
    schedule: Schedule
    kpis: WeekKpis
    day_work: Mapping[date, WorkSpread]
    skipped: Mapping[date, tuple[str, str]]
    visits: tuple[Visit, ...]
    teams: tuple[Team, ...]
    policy: Policy
    seed: int = 0
    time_limit_s: float = 0.0
