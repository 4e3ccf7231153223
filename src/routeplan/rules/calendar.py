"""Which days are statutory public holidays, from the official calendar (chinese-calendar)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import chinese_calendar


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the official calendar says about one date."""

    day: date
    holiday: str | None  # the statutory holiday's name, when the date is one
    weekend: bool
    adjusted_workday: bool  # a weekend day made a workday (调休)
    covered: bool  # False when the calendar has no data for the year

    @property
    def is_rest_weekend(self) -> bool:
        """A Saturday or Sunday that is not an adjusted workday."""
        return self.weekend and not self.adjusted_workday


def day_info(day: date) -> DayInfo:
    """Look `day` up; a year the calendar does not cover is reported as uncovered."""
    weekend = day.weekday() >= 5
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        workday = chinese_calendar.is_workday(day)
    except NotImplementedError:
        return DayInfo(day, None, weekend, adjusted_workday=False, covered=False)
    holiday = str(name) if on_holiday and name else None
    return DayInfo(day, holiday, weekend, adjusted_workday=weekend and workday, covered=True)
