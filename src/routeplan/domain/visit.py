"""A visit: one borrower at one place on the planned day, with its window and flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from routeplan.domain.clock import TimeWindow
from routeplan.domain.days import CaseDays
from routeplan.domain.errors import InvalidInput
from routeplan.domain.geo import LonLat, check_lonlat

MAX_SERVICE_S = 8 * 3600


class Place(StrEnum):
    """Where the borrower is met; a workplace visit needs the case's opt-in (rule 5)."""

    HOME = "home"
    WORKPLACE = "workplace"


class LocationQuality(StrEnum):
    """How well the coordinates are known: as given, or approximated from an address."""

    EXACT = "exact"
    GEOCODED = "geocoded"
    DISTRICT = "district"
    CITY = "city"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Visit:
    """A case to visit. Coordinates are WGS-84 (lon, lat); times are seconds since midnight.

    `location` is None only when the address could not be placed: such a visit is never
    routed and is reported as `invalid_location`. `days` says on which days of a week the
    case may be visited (weekdays, earliest and latest date, an appointment date); a
    one-day plan does not read it.
    """

    visit_id: str
    borrower_id: str
    location: LonLat | None
    address: str = ""
    service_s: int | None = None
    priority: int = 10
    window: TimeWindow | None = None
    place: Place = Place.HOME
    workplace_consent: bool = False
    consent_out_of_hours: bool = False
    must_visit: bool = False
    do_not_visit: bool = False
    skill: str | None = None
    pin_team: str | None = None
    last_visit: date | None = None
    visits_last_7d: int = 0
    demand: int = 0
    location_quality: LocationQuality = LocationQuality.EXACT
    location_note: str = ""
    days: CaseDays = field(default_factory=CaseDays)

    def __post_init__(self) -> None:
        if not self.visit_id or not str(self.visit_id).strip():
            raise InvalidInput("visit_id: must not be empty")
        if not self.borrower_id or not str(self.borrower_id).strip():
            raise InvalidInput(f"borrower_id: must not be empty (visit {self.visit_id!r})")
        if self.location is not None:
            check_lonlat(self.location, "lat/lon")
        if self.service_s is not None and not 0 < self.service_s <= MAX_SERVICE_S:
            raise InvalidInput(
                f"service_min: {self.service_s / 60:g} is not between 1 and {MAX_SERVICE_S // 60}"
            )
        if not 1 <= self.priority <= 100:
            raise InvalidInput(f"priority: {self.priority} is not between 1 and 100")
        if not 0 <= self.visits_last_7d <= 7 * 24:
            raise InvalidInput(f"visits_last_7d: {self.visits_last_7d} is not a count of visits")
        if self.demand < 0:
            raise InvalidInput(f"demand: {self.demand} is negative")
        if self.consent_out_of_hours and self.window is None:
            raise InvalidInput(
                "window_start: consent_out_of_hours needs the consented window "
                "(window_start and window_end)"
            )
