"""Local clock times: integer seconds since local midnight (Asia/Shanghai), and HH:MM text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from routeplan.domain.errors import InvalidInput

#: Asia/Shanghai is UTC+08:00 all year (no daylight saving), so a fixed offset is exact.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
TIMEZONE_NAME = "Asia/Shanghai"
DAY_S = 24 * 3600

_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def parse_hhmm(text: str, field: str = "time") -> int:
    """Parse "HH:MM" (or HH:MM:SS) to seconds since midnight; "24:00" is the end of the day."""
    m = _HHMM.match(str(text))
    if not m:
        raise InvalidInput(f"{field}: {text!r} is not a time of day as HH:MM")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if mi > 59 or s > 59 or h > 24 or (h == 24 and (mi or s)):
        raise InvalidInput(f"{field}: {text!r} is not a time of day (00:00 to 24:00)")
    return h * 3600 + mi * 60 + s


def format_hhmm(seconds: int) -> str:
    """Seconds since midnight as 24-hour HH:MM (rounded down to the minute)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def to_iso(day: date, seconds: int) -> str:
    """Seconds since local midnight on `day` as ISO 8601 with the +08:00 offset."""
    moment = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="seconds")


def from_iso(day: date, text: str) -> int:
    """An ISO 8601 moment as seconds since local midnight of `day` (any offset accepted)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"time: {text!r} is not an ISO 8601 date-time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    midnight = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    return int((moment - midnight).total_seconds())


@dataclass(frozen=True, slots=True, order=True)
class TimeWindow:
    """A closed interval of local time [start, end] in seconds since midnight."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= DAY_S and 0 <= self.end <= DAY_S):
            raise InvalidInput(f"time window: {self.start}..{self.end} s is outside the day")
        if self.end < self.start:
            raise InvalidInput(
                f"time window: end {format_hhmm(self.end)} is before start "
                f"{format_hhmm(self.start)}"
            )

    @classmethod
    def parse(cls, start: str, end: str, field: str = "window") -> TimeWindow:
        """Build from two HH:MM strings, naming `field` in any error."""
        s = parse_hhmm(start, f"{field}_start")
        e = parse_hhmm(end, f"{field}_end")
        if e < s:
            raise InvalidInput(f"{field}_end: {end!r} is before {field}_start {start!r}")
        return cls(s, e)

    @property
    def length(self) -> int:
        return self.end - self.start

    def intersect(self, other: TimeWindow) -> TimeWindow | None:
        """The overlap of two windows, or None when they do not meet."""
        s, e = max(self.start, other.start), min(self.end, other.end)
        return TimeWindow(s, e) if s <= e else None

    def contains(self, start: int, end: int) -> bool:
        """True when [start, end] lies inside this window."""
        return self.start <= start and end <= self.end

    def __str__(self) -> str:
        return f"{format_hhmm(self.start)}–{format_hhmm(self.end)}"


#: Rule 1 of COMPLIANCE.md: time with a borrower lies within 08:00–22:00 unless consented.
LEGAL_WINDOW = TimeWindow(8 * 3600, 22 * 3600)
