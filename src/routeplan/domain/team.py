"""A field team: two or more collectors sharing one vehicle and one shift."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from routeplan.domain.clock import TimeWindow
from routeplan.domain.days import TeamDays
from routeplan.domain.errors import InvalidInput
from routeplan.domain.geo import LonLat, check_lonlat

#: Rule 3 of COMPLIANCE.md: a field visit is made by at least two collectors together.
LEGAL_MIN_TEAM_SIZE = 2


class Mode(StrEnum):
    """How a team travels; each mode has its own speed or road profile."""

    CAR = "car"
    EBIKE = "ebike"
    WALK = "walk"


@dataclass(frozen=True, slots=True)
class Team:
    """A team's day: members, where it starts and ends, its shift, break and abilities.

    `days` are the days of a week the team works (出勤日); a one-day plan does not read it.
    """

    team_id: str
    members: tuple[str, ...]
    start: LonLat
    shift: TimeWindow
    end: LonLat | None = None
    break_window: TimeWindow | None = None
    break_s: int = 0
    skills: frozenset[str] = field(default_factory=frozenset)
    max_visits: int | None = None
    mode: Mode = Mode.CAR
    capacity: int | None = None
    prefectures: frozenset[int] = field(default_factory=frozenset)
    days: TeamDays = field(default_factory=TeamDays)

    def __post_init__(self) -> None:
        if not self.team_id or not str(self.team_id).strip():
            raise InvalidInput("team_id: must not be empty")
        if len(self.members) < LEGAL_MIN_TEAM_SIZE:
            raise InvalidInput(
                f"members: team {self.team_id!r} has {len(self.members)} collector(s); a field "
                f"visit needs at least {LEGAL_MIN_TEAM_SIZE}"
            )
        if len(set(self.members)) != len(self.members):
            raise InvalidInput(f"members: team {self.team_id!r} lists a collector twice")
        if any(not m.strip() for m in self.members):
            raise InvalidInput(f"members: team {self.team_id!r} has an empty collector id")
        check_lonlat(self.start, "start_lat/start_lon")
        if self.end is not None:
            check_lonlat(self.end, "end_lat/end_lon")
        if self.shift.length <= 0:
            raise InvalidInput(f"shift_end: shift {self.shift} of team {self.team_id!r} is empty")
        if self.break_s < 0 or self.break_s > 4 * 3600:
            raise InvalidInput(f"break_min: {self.break_s / 60:g} is not between 0 and 240")
        if self.break_s and self.break_window is None:
            raise InvalidInput(
                f"break_start: team {self.team_id!r} has break_min but no break_start/break_end"
            )
        if self.break_s and self.break_window is not None and (
                self.break_window.start < self.shift.start
                or self.break_window.start + self.break_s > self.shift.end):
            raise InvalidInput(
                f"break_start: the break of team {self.team_id!r} ({self.break_window}, "
                f"{self.break_s // 60} min) does not fit inside its shift {self.shift}"
            )
        if self.max_visits is not None and not 0 <= self.max_visits <= 200:
            raise InvalidInput(f"max_visits: {self.max_visits} is not between 0 and 200")
        if self.capacity is not None and self.capacity < 0:
            raise InvalidInput(f"capacity: {self.capacity} is negative")

    @property
    def end_point(self) -> LonLat:
        """Where the day ends: the given end, or the start."""
        return self.end if self.end is not None else self.start

    @property
    def has_break(self) -> bool:
        return self.break_s > 0 and self.break_window is not None
