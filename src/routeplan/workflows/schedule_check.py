"""Check a written weekly schedule against its input files: read everything, then check.

`check_schedule_files` reads the visits and teams with the project's readers, the schedule
and its day plans with `io.schedule_json`, and runs `rules.schedule_check.check_schedule`,
rebuilding each day's problem with `build_problem` (the same travel source and locator as
the planner when given).

Interim: the readers do not yet read the weekly columns of issue 15 (visits `days` 可访日,
`earliest_date` 最早日期, `latest_date` 最晚日期, `appointment_date` 约访日期; teams `days`
出勤日), so `read_case_days` and `read_team_days` read them here from the same files. Once
`routeplan.io.columns` and the domain carry them, these two give way to the domain fields.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.policy import Policy
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.io import cells
from routeplan.io.cells import CellError
from routeplan.io.columns import TEAM_COLUMNS, VISIT_COLUMNS, Column
from routeplan.io.readers import read_teams, read_visits
from routeplan.io.schedule_json import ScheduleDocument, read_schedule
from routeplan.io.tables import Cell, Row, read_table
from routeplan.rules.schedule_check import CaseDays, Horizon, TeamDays, check_schedule
from routeplan.workflows.build import (
    RegionLocator,
    build_problem,
    default_geocoder,
    default_locator,
    place_visits,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from routeplan.geo.geocode import Geocoder
    from routeplan.travel.matrix import TravelMatrix

#: Accepted spellings of a weekday (case-insensitive) -> `date.weekday()`.
WEEKDAY_VALUES: Mapping[str, int] = {
    spelling: day
    for day, spellings in enumerate((
        ("mon", "monday", "周一", "星期一"),
        ("tue", "tuesday", "周二", "星期二"),
        ("wed", "wednesday", "周三", "星期三"),
        ("thu", "thursday", "周四", "星期四"),
        ("fri", "friday", "周五", "星期五"),
        ("sat", "saturday", "周六", "星期六"),
        ("sun", "sunday", "周日", "周天", "星期日", "星期天"),
    ))
    for spelling in spellings
}

CASE_DAY_COLUMNS: tuple[Column, ...] = (
    Column("days", ("可访日",), "Weekdays the borrower can be found (`mon`..`sun`, "
           "`周一`..`周日`; default every day)."),
    Column("earliest_date", ("最早日期",), "No visit before this date (YYYY-MM-DD)."),
    Column("latest_date", ("最晚日期",), "No visit after this date (YYYY-MM-DD)."),
    Column("appointment_date", ("约访日期",), "The appointment's date: only then; "
           "window_start/window_end are the appointment's time."),
)
TEAM_DAY_COLUMNS: tuple[Column, ...] = (
    Column("days", ("出勤日",), "Weekdays or dates the team works (default every planned day)."),
)


def check_schedule_files(
    visits_path: str | Path,
    teams_path: str | Path,
    schedule_path: str | Path,
    policy: Policy | None = None,
    *,
    days: int | None = None,
    travel: TravelMatrix | None = None,
    locator: RegionLocator | None = None,
    geocoder: Geocoder | None = None,
) -> list[str]:
    """Every rule the written schedule breaks, one line each; raise InvalidInput if unreadable.

    `policy` defaults to the one the first day plan records. The horizon runs `days` days
    from the schedule's start; without `days`, to the last day the schedule lists.
    """
    problems: list[InputProblem] = []

    def attempt[T](read: Callable[[], T]) -> T | None:
        try:
            return read()
        except InvalidInput as exc:
            problems.extend(exc.problems)
            return None

    visits = attempt(lambda: read_visits(visits_path))
    teams = attempt(lambda: read_teams(teams_path))
    case_days = attempt(lambda: read_case_days(visits_path)) if visits is not None else None
    team_days = attempt(lambda: read_team_days(teams_path)) if teams is not None else None
    doc = attempt(lambda: read_schedule(schedule_path))
    if (problems or visits is None or teams is None or case_days is None or team_days is None
            or doc is None):
        raise InvalidInput.many(problems)
    return _check(visits, teams, case_days, team_days, doc, policy, days=days, travel=travel,
                  locator=locator, geocoder=geocoder)


def _check(visits: list[Visit], teams: list[Team], case_days: Mapping[str, CaseDays],
           team_days: Mapping[str, TeamDays], doc: ScheduleDocument, policy: Policy | None, *,
           days: int | None, travel: TravelMatrix | None, locator: RegionLocator | None,
           geocoder: Geocoder | None) -> list[str]:
    plans = [doc.schedule.days[d] for d in sorted(doc.schedule.days)]
    if policy is None:
        policy = plans[0].policy if plans else Policy()
    horizon = Horizon(doc.start, days if days is not None
                      else max(1, (doc.last_day - doc.start).days + 1))
    if any(v.location is None and v.address.strip() for v in visits):
        visits = place_visits(visits, geocoder or default_geocoder())  # once, not per day
    build = partial(build_problem, travel=travel,
                    locator=locator if locator is not None else default_locator())
    return check_schedule(visits, teams, policy, horizon, doc.schedule, build,
                          case_days=case_days, team_days=team_days)


# -- the weekly columns (interim, see the module docstring) ---------------------------------


def read_case_days(path: str | Path, *, sheet: str | None = None) -> dict[str, CaseDays]:
    """Each visit's days from the visits file's optional weekly columns, by visit id."""
    table = read_table(path, VISIT_COLUMNS + CASE_DAY_COLUMNS, sheet=sheet)
    native = Path(path).suffix.lower() == ".json"
    out: dict[str, CaseDays] = {}
    problems: list[InputProblem] = []
    for row in table.rows:
        vid = _id(row, "visit_id", native)
        if vid is None or not any(c.name in row.values for c in CASE_DAY_COLUMNS):
            continue
        weekdays = _weekdays(row, problems, native)
        earliest, latest, appointment = (_date(row, c, problems) for c in
                                         ("earliest_date", "latest_date", "appointment_date"))
        try:
            out[vid] = CaseDays(weekdays if weekdays is not None else frozenset(range(7)),
                                earliest, latest, appointment)
        except InvalidInput as exc:
            problems.extend(InputProblem(row.where("latest_date"), p.message)
                            for p in exc.problems)
    if problems:
        raise InvalidInput.many(problems)
    return out


def read_team_days(path: str | Path, *, sheet: str | None = None) -> dict[str, TeamDays]:
    """Each team's working days from the teams file's optional `days` column, by team id."""
    table = read_table(path, TEAM_COLUMNS + TEAM_DAY_COLUMNS, sheet=sheet)
    native = Path(path).suffix.lower() == ".json"
    out: dict[str, TeamDays] = {}
    problems: list[InputProblem] = []
    for row in table.rows:
        tid = _id(row, "team_id", native)
        raw = row.values.get("days")
        if tid is None or raw is None:
            continue
        weekdays: set[int] = set()
        dates: set[date] = set()
        for item in _items(raw, native):
            if isinstance(item, str) and item.strip().lower() in WEEKDAY_VALUES:
                weekdays.add(WEEKDAY_VALUES[item.strip().lower()])
                continue
            try:
                dates.add(cells.as_date(item))
            except CellError:
                problems.append(InputProblem(row.where("days"), f"{item!r} is neither a weekday "
                                             "(mon..sun, 周一..周日) nor a date (YYYY-MM-DD)"))
        out[tid] = TeamDays(frozenset(weekdays), frozenset(dates))
    if problems:
        raise InvalidInput.many(problems)
    return out


def _id(row: Row, column: str, native: bool) -> str | None:
    raw = row.values.get(column)
    if raw is None:
        return None
    try:
        return cells.as_text(raw, native=native) or None
    except CellError:
        return None  # the readers report it


def _items(raw: Cell, native: bool) -> list[Cell]:
    """A list cell's items; an Excel date cell is one item, kept a date."""
    if isinstance(raw, datetime | date):
        return [raw]
    try:
        return list(cells.as_list(raw, native=native))
    except CellError:
        return [raw]


def _weekdays(row: Row, problems: list[InputProblem], native: bool) -> frozenset[int] | None:
    raw = row.values.get("days")
    if raw is None:
        return None
    out: set[int] = set()
    for item in _items(raw, native):
        key = item.strip().lower() if isinstance(item, str) else None
        if key is None or key not in WEEKDAY_VALUES:
            problems.append(InputProblem(row.where("days"), f"{item!r} is not a weekday (mon.."
                                         "sun, 周一..周日)"))
            continue
        out.add(WEEKDAY_VALUES[key])
    return frozenset(out)


def _date(row: Row, column: str, problems: list[InputProblem]) -> date | None:
    raw = row.values.get(column)
    if raw is None:
        return None
    try:
        return cells.as_date(raw)
    except CellError as exc:
        problems.append(InputProblem(row.where(column), str(exc)))
        return None
