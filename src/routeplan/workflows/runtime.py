"""What the runtime configuration makes: the calendar, the travel source and the geocoder.

The entry points read `RuntimeConfig` once and hand it here; the sources a plan was made
with are rebuilt from the plan's own record (`travel_of_plan`), so a check, a re-plan or
a comparison of a plan sees exactly the travel data it was planned on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from routeplan.config import RuntimeConfig
from routeplan.domain.calendar import HolidayCalendar
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.geo.geocode import Geocoder
from routeplan.travel.matrix import TravelMatrix
from routeplan.workflows.build import RegionLocator, build_problem, default_geocoder


def calendar_of(config: RuntimeConfig) -> HolidayCalendar:
    """The shipped holiday calendar, with ROUTEPLAN_CALENDAR's years added or replacing."""
    from routeplan.rules.calendar import default_calendar, load_calendar

    return load_calendar(config.calendar_path) if config.calendar_path else default_calendar()


def geocoder_of(config: RuntimeConfig) -> Geocoder:
    """Offline geocoding, AMap first when the configuration has a key."""
    return default_geocoder(config.amap_key, config.data_dir)


def travel_of(config: RuntimeConfig, policy: Policy,
              roads: Path | None = None) -> TravelMatrix | None:
    """The configured travel source (`roads` is a `--roads` flag); None: straight lines."""
    from routeplan.travel.provider import make_travel

    roads = roads or config.roads_dir
    if roads is None and not config.osrm_url:
        return None
    return make_travel(policy, roads_dir=roads, osrm_url=config.osrm_url or None)


def travel_of_plan(plan: Plan, config: RuntimeConfig, roads: Path | None = None,
                   policy: Policy | None = None) -> TravelMatrix:
    """The travel source `plan` records, rebuilt (InvalidInput when it cannot be had)."""
    from routeplan.travel.provider import travel_from_record

    dirs: list[Path] = [d for d in (roads, config.roads_dir) if d is not None]
    return travel_from_record(plan.travel, policy or plan.policy, roads_dirs=dirs,
                              recorded_name=plan.kpis.travel_source)


def build_day(day: date, visits: Sequence[Visit], teams: Sequence[Team], policy: Policy,
              config: RuntimeConfig, *, travel: TravelMatrix | None = None,
              locator: RegionLocator | None = None,
              calendar: HolidayCalendar | None = None) -> Problem:
    """`build_problem` with everything the configuration says (calendar, geocoder, travel)."""
    return build_problem(day, visits, teams, policy, travel=travel, locator=locator,
                         geocoder=geocoder_of(config),
                         calendar=calendar if calendar is not None else calendar_of(config))
