"""What a field team reports about a stop: arrived, done, not at home, refused, rescheduled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from routeplan.domain.errors import InvalidInput


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
class Outcome:
    """One report from the field, kept for the audit trail and used by re-planning."""

    visit_id: str
    team_id: str
    status: OutcomeStatus
    at: datetime  # timezone-aware
    note: str = ""

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise InvalidInput(f"at: {self.at.isoformat()} has no time zone offset")
        if len(self.note) > 500:
            raise InvalidInput(f"note: {len(self.note)} characters, at most 500")
