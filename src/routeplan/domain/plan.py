"""The plan: routes of stops in order, unassigned visits with a reason, and the day's KPIs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from routeplan.domain.clock import TimeWindow
from routeplan.domain.errors import InternalError
from routeplan.domain.geo import LonLat
from routeplan.domain.policy import Policy
from routeplan.domain.team import Mode
from routeplan.domain.travel import TravelRecord
from routeplan.domain.visit import LocationQuality


class Reason(StrEnum):
    """Why a visit is not routed. Declaration order is precedence: the first that applies wins.

    `cancelled` (a dispatcher took the visit off today's list in a re-plan) comes right after
    `do_not_visit`: the legal flag of COMPLIANCE rule 6 must stay visible whatever else
    happened, while every later reason describes what would make the visit fit today, which
    no longer matters once the dispatcher has cancelled it.
    """

    DO_NOT_VISIT = "do_not_visit"
    CANCELLED = "cancelled"
    HOLIDAY = "holiday"
    INVALID_LOCATION = "invalid_location"
    WORKPLACE_WITHOUT_CONSENT = "workplace_without_consent"
    VISITED_TOO_RECENTLY = "visited_too_recently"
    SAME_BORROWER_SAME_DAY = "same_borrower_same_day"
    OUTSIDE_LAWFUL_HOURS = "outside_lawful_hours"
    OUTSIDE_COMPANY_WINDOW = "outside_company_window"
    NO_ELIGIBLE_TEAM = "no_eligible_team"
    UNREACHABLE = "unreachable"
    OVER_CAPACITY = "over_capacity"


@dataclass(frozen=True, slots=True)
class Stop:
    """A visit in a route. Times are seconds since local midnight; `start` is service start."""

    visit_id: str
    borrower_id: str
    location: LonLat
    arrival: int
    start: int
    departure: int
    travel_s: int = 0
    travel_m: int = 0
    window: TimeWindow | None = None
    location_quality: LocationQuality = LocationQuality.EXACT

    def __post_init__(self) -> None:
        if not self.arrival <= self.start < self.departure:
            raise InternalError(
                f"stop {self.visit_id}: arrival {self.arrival} <= start {self.start} < "
                f"departure {self.departure} does not hold"
            )

    @property
    def service_s(self) -> int:
        return self.departure - self.start

    @property
    def waiting_s(self) -> int:
        return self.start - self.arrival


@dataclass(frozen=True, slots=True)
class BreakSlot:
    """A team's break, [start, end) in seconds since midnight."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Route:
    """One team's day: leave base at `start_s`, serve the stops in order, be back at `end_s`."""

    team_id: str
    members: tuple[str, ...]
    mode: Mode
    stops: tuple[Stop, ...]
    breaks: tuple[BreakSlot, ...]
    start_s: int
    end_s: int
    distance_m: int
    driving_s: int
    start_location: LonLat
    end_location: LonLat
    geometry: tuple[LonLat, ...] = ()

    @property
    def duration_s(self) -> int:
        return self.end_s - self.start_s if self.stops else 0

    @property
    def service_s(self) -> int:
        return sum(s.service_s for s in self.stops)

    @property
    def waiting_s(self) -> int:
        """Time at a door before service, not counting a break taken while waiting."""
        total = 0
        for s in self.stops:
            on_break = sum(max(0, min(b.end, s.start) - max(b.start, s.arrival))
                           for b in self.breaks)
            total += s.waiting_s - on_break
        return total


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A visit left out, with its reason and what would make it fit (Chinese and English)."""

    visit_id: str
    reason: Reason
    detail: str
    detail_en: str


@dataclass(frozen=True, slots=True)
class Restart:
    """Where and when a team goes on with its day in a re-plan, after its committed stops.

    `origin` is "base" (the team's start point), "stop" (its last committed stop) or
    "position" (a position it reported; no matrix row exists for it, so the leg to the next
    stop is the one the stop records). `committed` are the visit ids kept as history: the
    route's first stops, in order, with their recorded times. `dropped`: the team is off for
    the rest of the day (it takes no new stop).
    """

    team_id: str
    at: int
    origin: str
    point: LonLat
    committed: tuple[str, ...] = ()
    dropped: bool = False

    def __post_init__(self) -> None:
        if self.origin not in RESTART_ORIGINS:
            raise InternalError(f"restart of {self.team_id}: origin {self.origin!r} is not one "
                                f"of {', '.join(RESTART_ORIGINS)}")


RESTART_ORIGINS = ("base", "stop", "position")


@dataclass(frozen=True, slots=True)
class ReplanRecord:
    """What a re-plan was made from, so that the plan can be checked from its files alone.

    `now` is the re-plan's time (seconds since midnight); `restarts` one per team of the day;
    `cancelled` the visits a dispatcher took off today; `reported` the visits closed or
    reached by a field report (a committed stop planned after `now` must be one of them);
    `rescheduled` a visit's new start agreed with the borrower today (it replaces the
    visit's own window); `base_version` the plan version re-planned, when known.
    """

    now: int
    restarts: tuple[Restart, ...]
    cancelled: tuple[str, ...] = ()
    reported: tuple[str, ...] = ()
    rescheduled: Mapping[str, int] = field(default_factory=dict)
    base_version: int | None = None

    def restart(self, team_id: str) -> Restart | None:
        return next((r for r in self.restarts if r.team_id == team_id), None)


@dataclass(frozen=True, slots=True)
class Kpis:
    """Headline figures of a plan (seconds and metres)."""

    visits_planned: int
    visits_unassigned: int
    priority_planned: int
    priority_total: int
    must_visits_planned: int
    must_visits_total: int
    distance_m: int
    driving_s: int
    waiting_s: int
    service_s: int
    teams_used: int
    utilisation: Mapping[str, float]
    unassigned_by_reason: Mapping[str, int]
    warnings: tuple[str, ...] = ()
    travel_source: str = "haversine"
    solve_s: float = 0.0
    objective: int | None = None

    @property
    def priority_share(self) -> float:
        return self.priority_planned / self.priority_total if self.priority_total else 1.0


@dataclass(frozen=True, slots=True)
class Plan:
    """A finished, checked plan for one day; `travel` records each mode's travel source.

    `replan` is set on a re-plan: what it was made from (see `ReplanRecord`).
    """

    day: date
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    kpis: Kpis
    policy: Policy
    meta: Mapping[str, str] = field(default_factory=dict)
    travel: TravelRecord = field(default_factory=dict)
    replan: ReplanRecord | None = None

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for vid in self.visit_ids():
            if vid in seen:
                raise InternalError(f"visit {vid} appears twice in the plan")
            seen.add(vid)

    def visit_ids(self) -> list[str]:
        """Every visit id the plan accounts for: routed first, then unassigned."""
        return [s.visit_id for r in self.routes for s in r.stops] + [
            u.visit_id for u in self.unassigned
        ]

    def route(self, team_id: str) -> Route | None:
        return next((r for r in self.routes if r.team_id == team_id), None)
