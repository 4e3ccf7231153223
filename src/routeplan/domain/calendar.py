"""The official holiday calendar as a value: statutory holidays and adjusted workdays per year.

Loaded from data files by `routeplan.rules.calendar`; a year is `official` (the State
Council's arrangement for it, with bridging days and adjusted workdays 调休) or `statutory`
(only the days the holiday law fixes, while the arrangement is not published or not yet
shipped). A year the calendar does not hold is not covered; the policy decides what then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class YearStatus(StrEnum):
    """How complete a year's calendar is."""

    OFFICIAL = "official"  # the State Council's arrangement for the year
    STATUTORY = "statutory"  # the law's holidays and substitute days only; no adjusted workdays


@dataclass(frozen=True, slots=True)
class Holiday:
    """A named statutory holiday, in Chinese (as dispatchers read it) and English."""

    name: str
    name_en: str


@dataclass(frozen=True, slots=True)
class CalendarYear:
    """One year: where it comes from, its rest days (holidays) and its adjusted workdays."""

    year: int
    status: YearStatus
    source: str
    source_en: str
    holidays: Mapping[date, Holiday]
    workdays: frozenset[date] = frozenset()
    url: str = ""


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the calendar says about one date."""

    day: date
    holiday: Holiday | None  # the statutory holiday the date belongs to, when it is one
    weekend: bool
    adjusted_workday: bool  # a weekend day made a workday (调休)
    covered: bool  # False when no calendar year holds the date
    status: YearStatus | None = None

    @property
    def is_rest_weekend(self) -> bool:
        """A Saturday or Sunday that is not an adjusted workday."""
        return self.weekend and not self.adjusted_workday

    @property
    def provisional(self) -> bool:
        """Covered by the law's days only: the year's adjusted workdays are not known."""
        return self.status is YearStatus.STATUTORY


@dataclass(frozen=True, slots=True, eq=False)
class HolidayCalendar:
    """Years of the official calendar; `day(d)` answers for any date."""

    years: Mapping[int, CalendarYear] = field(default_factory=dict)

    def day(self, d: date) -> DayInfo:
        weekend = d.weekday() >= 5
        year = self.years.get(d.year)
        if year is None:
            return DayInfo(d, None, weekend, adjusted_workday=False, covered=False)
        return DayInfo(d, year.holidays.get(d), weekend,
                       adjusted_workday=weekend and d in year.workdays, covered=True,
                       status=year.status)

    def covers(self, year: int) -> bool:
        return year in self.years

    def describe(self, year: int) -> str:
        """Where a year's calendar comes from, for messages and the plan record."""
        y = self.years.get(year)
        return "not covered" if y is None else f"{y.status.value}: {y.source_en}"
