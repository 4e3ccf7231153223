"""What a field team reports about a stop: arrived, done, not at home, refused, rescheduled."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from routeplan.domain.errors import InvalidInput
from routeplan.domain.geo import LonLat, check_lonlat

#: A browser reports its accuracy as a radius in metres; beyond this it is not a position.
MAX_ACCURACY_M = 100_000.0
#: At most this many collector ids in one report's `members_present`, each at most so long.
MAX_MEMBERS_PRESENT = 10
MAX_MEMBER_ID = 100


class OutcomeStatus(StrEnum):
    """The buttons on the field page, in the order a visit goes through them."""

    ARRIVED = "arrived"
    DONE = "done"
    NOT_AT_HOME = "not_at_home"
    REFUSED = "refused"
    RESCHEDULED = "rescheduled"

    @property
    def label_zh(self) -> str:
        return _LABELS_ZH[self]

    @property
    def final(self) -> bool:
        """True when the visit is over for today (re-planning treats it as completed)."""
        return self is not OutcomeStatus.ARRIVED


_LABELS_ZH = {
    OutcomeStatus.ARRIVED: "已到达",
    OutcomeStatus.DONE: "已完成",
    OutcomeStatus.NOT_AT_HOME: "无人在家",
    OutcomeStatus.REFUSED: "拒绝沟通",
    OutcomeStatus.RESCHEDULED: "改约",
}


@dataclass(frozen=True, slots=True)
class ReportedPosition:
    """Where the phone was when it reported: WGS-84, with the browser's accuracy radius.

    Whereabouts are personal data (COMPLIANCE rule 9): the coordinates are left out of the
    repr, so a stray log line or traceback never carries them.
    """

    lon: float = field(repr=False)
    lat: float = field(repr=False)
    accuracy_m: float

    def __post_init__(self) -> None:
        check_lonlat((self.lon, self.lat), "position")
        if not (math.isfinite(self.accuracy_m) and 0 <= self.accuracy_m <= MAX_ACCURACY_M):
            raise InvalidInput(f"position.accuracy_m: {self.accuracy_m} is not between 0 and "
                               f"{MAX_ACCURACY_M:g} metres")

    @property
    def point(self) -> LonLat:
        return (self.lon, self.lat)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One report from the field, kept for the audit trail and used by re-planning.

    The audit reads three optional fields: `position` (None: the phone gave none),
    `members_present` (the collector ids at the door; None: not reported) and `received_at`
    (when the service stored the report; None: unknown, e.g. a file typed by hand).
    """

    visit_id: str
    team_id: str
    status: OutcomeStatus
    at: datetime  # timezone-aware
    note: str = ""
    position: ReportedPosition | None = None
    members_present: tuple[str, ...] | None = None
    received_at: datetime | None = None  # timezone-aware

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise InvalidInput(f"at: {self.at.isoformat()} has no time zone offset")
        if len(self.note) > 500:
            raise InvalidInput(f"note: {len(self.note)} characters, at most 500")
        if self.received_at is not None and self.received_at.tzinfo is None:
            raise InvalidInput(
                f"received_at: {self.received_at.isoformat()} has no time zone offset")
        if self.members_present is not None:
            _check_members(self.members_present)


def _check_members(members: tuple[str, ...]) -> None:
    if len(members) > MAX_MEMBERS_PRESENT:
        raise InvalidInput(f"members_present: {len(members)} ids, at most {MAX_MEMBERS_PRESENT}")
    for n, m in enumerate(members):
        if not isinstance(m, str) or not m.strip():
            raise InvalidInput(f"members_present/{n}: expected a collector id")
        if len(m) > MAX_MEMBER_ID:
            raise InvalidInput(
                f"members_present/{n}: {len(m)} characters, at most {MAX_MEMBER_ID}")
