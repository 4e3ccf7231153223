"""When a case may be visited and when a team works: weekdays, dates and an appointment.

Weekdays are `date.weekday()` numbers (0 = Monday). A case's days (可访日, 最早日期, 最晚日期,
约访日期) and a team's days (出勤日) are read from the optional weekly columns; the defaults
(every day) change nothing, so a one-day plan is as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from routeplan.domain.errors import InvalidInput

#: Weekday numbers as `date.weekday()` gives them, and their short names in messages.
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The same in Chinese, as dispatchers read them.
WEEKDAY_NAMES_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))


def weekdays_text(days: Iterable[int]) -> str:
    """`mon, tue` for messages."""
    return ", ".join(WEEKDAY_NAMES[d] for d in sorted(days))


def weekdays_zh(days: Iterable[int]) -> str:
    """`周一、周二` for dispatchers."""
    return "、".join(WEEKDAY_NAMES_ZH[d] for d in sorted(days))


def _check_weekdays(days: frozenset[int], where: str) -> None:
    bad = sorted(d for d in days if not isinstance(d, int) or not 0 <= d <= 6)
    if bad:
        raise InvalidInput(f"{where}: {bad} are not weekdays 0 (Monday) to 6 (Sunday)")


@dataclass(frozen=True, slots=True)
class CaseDays:
    """When a case may be visited: the borrower's weekdays, a date range, an appointment date.

    `weekdays` default to every day. An appointment (约访日期) allows that date only; the
    visit's window is the appointment's time.
    """

    weekdays: frozenset[int] = ALL_WEEKDAYS
    earliest: date | None = None
    latest: date | None = None
    appointment: date | None = None

    def __post_init__(self) -> None:
        _check_weekdays(self.weekdays, "days")
        if not self.weekdays:
            raise InvalidInput("days: no weekday given (leave the cell empty for every day)")
        if self.earliest is not None and self.latest is not None and self.latest < self.earliest:
            raise InvalidInput(f"latest_date: {self.latest} is before earliest_date "
                               f"{self.earliest}")

    @property
    def every_day(self) -> bool:
        return (self.weekdays == ALL_WEEKDAYS and self.earliest is None and self.latest is None
                and self.appointment is None)

    def allows(self, day: date) -> bool:
        """True when the case's own days allow a visit on `day`."""
        return (day.weekday() in self.weekdays
                and (self.earliest is None or day >= self.earliest)
                and (self.latest is None or day <= self.latest)
                and (self.appointment is None or day == self.appointment))

    def why_not(self, day: date) -> list[str]:
        """Every reason the case's own days forbid `day`; empty when it is allowed."""
        out = []
        if day.weekday() not in self.weekdays:
            out.append(f"{day} is a {WEEKDAY_NAMES[day.weekday()]}, not one of the borrower's "
                       f"days ({weekdays_text(self.weekdays) or 'none'})")
        if self.earliest is not None and day < self.earliest:
            out.append(f"{day} is before its earliest date {self.earliest}")
        if self.latest is not None and day > self.latest:
            out.append(f"{day} is after its latest date {self.latest}")
        if self.appointment is not None and day != self.appointment:
            out.append(f"{day} is not its appointment date {self.appointment}")
        return out


@dataclass(frozen=True, slots=True)
class TeamDays:
    """The days a team works (出勤日): some weekdays and/or some dates; neither = every day."""

    weekdays: frozenset[int] = frozenset()
    dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        _check_weekdays(self.weekdays, "days")

    @property
    def every_day(self) -> bool:
        return not self.weekdays and not self.dates

    def works(self, day: date) -> bool:
        return self.every_day or day.weekday() in self.weekdays or day in self.dates

    def __str__(self) -> str:
        if self.every_day:
            return "every day"
        parts = [weekdays_text(self.weekdays)] if self.weekdays else []
        parts += [d.isoformat() for d in sorted(self.dates)]
        return ", ".join(parts)
