"""Assemble a Problem: locate visits in Henan, compute travel matrices, check the roster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from routeplan.domain.calendar import HolidayCalendar
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.geo import LonLat
from routeplan.domain.policy import Policy
from routeplan.domain.problem import ONE_SEARCH_MAX_VISITS as DENSE_MAX_VISITS
from routeplan.domain.problem import Problem
from routeplan.domain.team import Mode, Team
from routeplan.domain.travel import Block, LazyPairs, Matrices, ModeSource, TravelData
from routeplan.domain.visit import Visit
from routeplan.travel.haversine import HaversineMatrix
from routeplan.travel.matrix import TravelMatrix
from routeplan.travel.provider import block_of, origin_of

if TYPE_CHECKING:
    from routeplan.geo.geocode import Geocoder


class RegionLocator(Protocol):
    """Finds the prefecture (adcode, 0 = outside Henan) of many points at once."""

    def locate(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.int64]: ...


def default_travel(policy: Policy) -> TravelMatrix:
    """The embedded straight-line source, at the policy's detour factor and speeds."""
    return HaversineMatrix(
        detour_factor=policy.detour_factor,
        speeds_kmh={m: policy.speed_kmh(m) for m in Mode},
    )


def default_locator() -> RegionLocator:
    """Henan's prefecture polygons, loaded once per process."""
    from routeplan.geo.regions import Regions

    return Regions.load()


def default_geocoder(amap_key: str = "", data_dir: Path = Path("var")) -> Geocoder:
    """Offline district-centre geocoding; AMap first when a key is given.

    The entry points pass the runtime configuration's `amap_key` and `data_dir`
    (ROUTEPLAN_AMAP_KEY, ROUTEPLAN_DATA_DIR); AMap answers are cached persistently in
    `data_dir/geocode-cache.sqlite`.
    """
    from routeplan.geo.geocode import AmapGeocoder, FallbackGeocoder, OfflineGeocoder

    offline = OfflineGeocoder()
    if not amap_key:
        return offline
    data_dir.mkdir(parents=True, exist_ok=True)
    return FallbackGeocoder(AmapGeocoder(amap_key, cache_path=data_dir / "geocode-cache.sqlite"),
                            offline)


def place_visits(visits: Sequence[Visit], geocoder: Geocoder) -> list[Visit]:
    """Give visits that have an address but no coordinates a location (or a reason why not)."""
    out = []
    for v in visits:
        if v.location is not None or not v.address.strip():
            out.append(v)
            continue
        found = geocoder.geocode(v.address)
        if found.location is not None:
            out.append(replace(v, location=found.location, location_quality=found.quality,
                               location_note=found.note_en))
        else:
            note = f"{found.note_zh} / {found.note_en}".strip(" /")
            out.append(replace(v, location_note=note or "address not recognised"))
    return out


def build_problem(
    day: date,
    visits: Sequence[Visit],
    teams: Sequence[Team],
    policy: Policy,
    *,
    travel: TravelMatrix | None = None,
    locator: RegionLocator | None = None,
    geocoder: Geocoder | None = None,
    warnings: Sequence[str] = (),
    calendar: HolidayCalendar | None = None,
    dense_max: int = DENSE_MAX_VISITS,
) -> Problem:
    """Turn validated visits and teams into an immutable Problem with its matrices.

    Raises InvalidInput for roster errors, for visits outside Henan when the policy says
    `outside_region = "reject"`, and for a day no holiday calendar covers when the policy says
    `calendar.uncovered_year = "refuse"` (the default). `calendar` defaults to the shipped one.
    Above `dense_max` located visits (with several teams: a day the solver decomposes) the
    travel data is lazy: no whole-day matrix is built, each part gets its own.
    """
    day_problems = check_plannable_day(day, policy, calendar)
    if day_problems:
        raise InvalidInput.many(day_problems)
    if any(v.location is None and v.address.strip() for v in visits):
        visits = place_visits(visits, geocoder or default_geocoder())
    visits_t, teams_t = tuple(visits), tuple(teams)
    roster = _check_roster_early(visits_t, teams_t, policy)
    if roster:
        raise InvalidInput.many(roster)
    locator = locator if locator is not None else default_locator()
    located = [v for v in visits_t if v.location is not None]
    if located:
        codes = locator.locate([v.location[0] for v in located if v.location],
                               [v.location[1] for v in located if v.location])
    else:
        codes = np.zeros(0, dtype=np.int64)
    code_of = {v.visit_id: int(c) for v, c in zip(located, codes, strict=True)}
    prefecture = tuple(code_of.get(v.visit_id, 0) for v in visits_t)
    if policy.outside_region == "reject":
        outside = [InputProblem(f"visits[{v.visit_id}].lat/lon", "point lies outside Henan")
                   for v, c in zip(visits_t, prefecture, strict=True)
                   if v.location is not None and c == 0]
        if outside:
            raise InvalidInput.many(outside)

    points: list[LonLat] = []
    visit_node: list[int | None] = []
    for v in visits_t:
        if v.location is None:
            visit_node.append(None)
        else:
            visit_node.append(len(points))
            points.append(v.location)
    start_node = []
    for t in teams_t:
        start_node.append(len(points))
        points.append(t.start)
    end_node = []
    for t in teams_t:
        end_node.append(len(points))
        points.append(t.end_point)

    source = travel if travel is not None else default_travel(policy)
    notes = list(warnings)
    modes = sorted({t.mode for t in teams_t})
    if len(located) > dense_max and len(teams_t) > 1:
        # a day the solver decomposes: no whole-day matrix, each part gets its own
        origins: dict[Mode, ModeSource] = {}
        for mode in modes:
            origin = origin_of(source, mode)
            origins[mode] = origin if origin is not None else ModeSource(source.name)
            if origin is not None and origin.fallback:
                notes.append(f"{origin.fallback}: {mode.value} travel times are straight-line "
                             f"estimates (x{origin.detour_factor:g} detour at "
                             f"{origin.speed_kmh:g} km/h)")
        lazy = LazyPairs(_Blocks(source), points, start_node + end_node)
        data = TravelData(tuple(points), tuple(visit_node), tuple(start_node),
                          tuple(end_node), {}, source=source.name, lazy=lazy, origins=origins)
        return Problem(day, visits_t, teams_t, policy, data, prefecture, tuple(notes),
                       calendar)
    by_mode: dict[Mode, Matrices] = {}
    for mode in modes:
        m = source.matrices(points, mode)
        by_mode[mode] = m
        notes.extend(w for w in m.warnings if w not in notes)
    data = TravelData(tuple(points), tuple(visit_node), tuple(start_node), tuple(end_node),
                      by_mode, source=source.name)
    return Problem(day, visits_t, teams_t, policy, data, prefecture, tuple(notes), calendar)


class _Blocks:
    """Any travel source as the lazy data's block source."""

    def __init__(self, source: TravelMatrix) -> None:
        self.source = source

    def block(self, origins: Sequence[LonLat], destinations: Sequence[LonLat],
              mode: Mode) -> Block:
        return block_of(self.source, origins, destinations, mode)


def _check_roster_early(visits: tuple[Visit, ...], teams: tuple[Team, ...],
                        policy: Policy) -> list[InputProblem]:
    from routeplan.domain.problem import validate_roster

    return validate_roster(visits, teams, policy)


def check_plannable_day(day: date, policy: Policy,
                        calendar: HolidayCalendar | None = None) -> list[InputProblem]:
    """Why `day` cannot be planned at all under `policy`: a year no calendar covers (refused)."""
    from routeplan.rules.calendar import day_info

    info = day_info(day, calendar)
    if info.covered or policy.uncovered_year == "plan":
        return []
    return [InputProblem("date", f"{day}: no holiday calendar covers {day.year}, so its "
                         "statutory holidays are unknown; add the year's calendar file "
                         "(ROUTEPLAN_CALENDAR) or set calendar.uncovered_year = 'plan' / "
                         f"日历未收录{day.year}年的法定节假日，请补充日历文件")]
