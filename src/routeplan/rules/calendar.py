"""Which days are statutory public holidays: the official calendar as data routeplan owns.

One small JSON file per year under `data/calendar/` (shipped in the package), written from
the State Council's notice for that year (holidays with their bridging days, and the
adjusted workdays 调休), or, until a notice is shipped, from the holiday law alone
(`status: statutory`). An administrator adds or replaces years with `ROUTEPLAN_CALENDAR`
(a file or a folder of such files) without a release. `chinese-calendar` and `holidays`
are cross-checks in the tests, not sources: both lag the notices.

File format: `{"year", "status": "official"|"statutory", "source", "source_en", "url",
"holidays": [{"name", "name_en", "from", "to"}], "workdays": ["YYYY-MM-DD", ...]}`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from routeplan.domain.calendar import CalendarYear, DayInfo, Holiday, HolidayCalendar, YearStatus
from routeplan.domain.errors import InputProblem, InvalidInput

#: A calendar file is small; anything larger is not one.
MAX_FILE_BYTES = 64 * 1024


def _parse_date(value: object, where: str, year: int) -> date:
    if not isinstance(value, str):
        raise InvalidInput.many([InputProblem(where, f"{value!r} is not a date as YYYY-MM-DD")])
    try:
        d = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.many([InputProblem(where, f"{value!r} is not a date as YYYY-MM-DD")]
                                ) from None
    if d.year != year:
        raise InvalidInput.many([InputProblem(where, f"{value} is not in {year}")])
    return d


def parse_year(data: object, source: str) -> CalendarYear:
    """One year's calendar from its parsed JSON; every problem located in `source`."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: expected a JSON object with year, status and holidays")
    problems: list[InputProblem] = []

    def text(key: str, *, required: bool = True) -> str:
        value = data.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()) or len(value) > 2000:
            problems.append(InputProblem(f"{source}/{key}", "expected text (at most 2000 "
                                                              "characters)"))
            return ""
        return value

    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise InvalidInput.many([InputProblem(f"{source}/year", f"{year!r} is not a year")])
    try:
        status = YearStatus(str(data.get("status")))
    except ValueError:
        problems.append(InputProblem(f"{source}/status", f"{data.get('status')!r} is not "
                                     "'official' or 'statutory'"))
        status = YearStatus.STATUTORY
    holidays: dict[date, Holiday] = {}
    raw = data.get("holidays")
    if not isinstance(raw, list) or not raw:
        problems.append(InputProblem(f"{source}/holidays", "expected a list of holidays"))
        raw = []
    for i, h in enumerate(raw):
        where = f"{source}/holidays/{i}"
        try:
            if not isinstance(h, dict):
                raise InvalidInput.many([InputProblem(where, "expected an object")])
            name, name_en = h.get("name"), h.get("name_en")
            if not isinstance(name, str) or not name or not isinstance(name_en, str):
                raise InvalidInput.many([InputProblem(where, "name and name_en are required")])
            first = _parse_date(h.get("from"), f"{where}/from", year)
            last = _parse_date(h.get("to"), f"{where}/to", year)
            if last < first or (last - first).days > 14:
                raise InvalidInput.many([InputProblem(where, f"{first}..{last} is not a "
                                                             "holiday of 1 to 15 days")])
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        d = first
        while d <= last:
            if d in holidays:
                problems.append(InputProblem(where, f"{d} is already {holidays[d].name}"))
            holidays[d] = Holiday(name, name_en)
            d += timedelta(days=1)
    workdays: set[date] = set()
    raw_work = data.get("workdays", [])
    if not isinstance(raw_work, list):
        problems.append(InputProblem(f"{source}/workdays", "expected a list of dates"))
        raw_work = []
    for i, w in enumerate(raw_work):
        try:
            d = _parse_date(w, f"{source}/workdays/{i}", year)
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        if d.weekday() < 5:
            problems.append(InputProblem(f"{source}/workdays/{i}", f"{d} is a weekday; "
                                         "adjusted workdays are weekend days"))
        if d in holidays:
            problems.append(InputProblem(f"{source}/workdays/{i}", f"{d} is also a holiday"))
        workdays.add(d)
    if status is YearStatus.STATUTORY and workdays:
        problems.append(InputProblem(f"{source}/workdays", "a statutory-only year has no "
                                     "adjusted workdays (make it 'official')"))
    result = CalendarYear(year, status, text("source"), text("source_en"), holidays,
                          frozenset(workdays), text("url", required=False))
    if problems:
        raise InvalidInput.many(problems)
    return result


def _read(path: Path) -> CalendarYear:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput(f"{path}: {size:,} bytes; a calendar file is at most "
                               f"{MAX_FILE_BYTES:,}")
        data: Any = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidInput(f"{path}: not a JSON calendar file ({type(exc).__name__})") from None
    return parse_year(data, path.name)


@cache
def shipped_years() -> dict[int, CalendarYear]:
    """The years shipped with routeplan (package data `routeplan/data/calendar/*.json`)."""
    out: dict[int, CalendarYear] = {}
    folder = resources.files("routeplan") / "data" / "calendar"
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            data = json.loads(item.read_bytes().decode("utf-8"))
            y = parse_year(data, f"routeplan/data/calendar/{item.name}")
            out[y.year] = y
    return out


def load_calendar(extra: Path | None = None) -> HolidayCalendar:
    """The shipped years, with the years of `extra` (a file or folder) added or replacing them."""
    years = dict(shipped_years())
    if extra is not None:
        paths = sorted(extra.glob("*.json")) if extra.is_dir() else [extra]
        if not paths:
            raise InvalidInput(f"{extra}: no calendar file (*.json) in the folder")
        problems: list[InputProblem] = []
        for p in paths:
            try:
                y = _read(p)
            except InvalidInput as exc:
                problems.extend(exc.problems)
                continue
            years[y.year] = y
        if problems:
            raise InvalidInput.many(problems)
    return HolidayCalendar(years)


@cache
def default_calendar() -> HolidayCalendar:
    """The shipped calendar alone (what a Problem uses when it was given none)."""
    return HolidayCalendar(shipped_years())


def day_info(day: date, calendar: HolidayCalendar | None = None) -> DayInfo:
    """Look `day` up in `calendar` (default: the shipped one)."""
    return (calendar or default_calendar()).day(day)
