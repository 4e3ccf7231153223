"""Check a written weekly schedule against its input files: read everything, then check.

`check_schedule_files` reads the visits and teams with the project's readers (their weekly
columns, 可访日/最早日期/最晚日期/约访日期 and 出勤日, land in `Visit.days` and `Team.days`),
the schedule and its day plans with `io.schedule_json`, and runs
`rules.schedule_check.check_schedule`, rebuilding each day's problem with `build_problem`
(the same travel source, locator and holiday calendar as the planner when given).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from routeplan.domain.calendar import HolidayCalendar
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.policy import Policy
from routeplan.domain.schedule import Horizon
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.io.readers import read_teams, read_visits
from routeplan.io.schedule_json import ScheduleDocument, read_schedule
from routeplan.rules.schedule_check import check_schedule
from routeplan.workflows.build import (
    RegionLocator,
    build_problem,
    default_geocoder,
    default_locator,
    place_visits,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from routeplan.geo.geocode import Geocoder
    from routeplan.travel.matrix import TravelMatrix


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
    calendar: HolidayCalendar | None = None,
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
    doc = attempt(lambda: read_schedule(schedule_path))
    if problems or visits is None or teams is None or doc is None:
        raise InvalidInput.many(problems)
    return _check(visits, teams, doc, policy, days=days, travel=travel, locator=locator,
                  geocoder=geocoder, calendar=calendar)


def _check(visits: list[Visit], teams: list[Team], doc: ScheduleDocument, policy: Policy | None,
           *, days: int | None, travel: TravelMatrix | None, locator: RegionLocator | None,
           geocoder: Geocoder | None, calendar: HolidayCalendar | None) -> list[str]:
    plans = [doc.schedule.days[d] for d in sorted(doc.schedule.days)]
    if policy is None:
        policy = plans[0].policy if plans else Policy()
    horizon = Horizon(doc.start, days if days is not None
                      else max(1, (doc.last_day - doc.start).days + 1))
    if any(v.location is None and v.address.strip() for v in visits):
        visits = place_visits(visits, geocoder or default_geocoder())  # once, not per day
    build = partial(build_problem, travel=travel,
                    locator=locator if locator is not None else default_locator(),
                    calendar=calendar)
    return check_schedule(visits, teams, policy, horizon, doc.schedule, build,
                          calendar=calendar)
