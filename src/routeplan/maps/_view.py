"""What the pages show, computed once from a plan: display coordinates, times, outcomes, texts.

Everything a page puts on screen about a stop passes through here, so COMPLIANCE.md rule 9
holds in one place: a stop is named by its case reference (`visit_id`); its address appears
only masked to district and road (`routeplan.maps.address`, policy `maps.show_address`);
borrower ids, amounts and statuses other than the team's own outcome reports never leave the
plan. These are plain values: the templates escape them, the page's script reads them as JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np

from routeplan.domain.clock import SHANGHAI, TimeWindow, format_hhmm
from routeplan.domain.errors import InvalidInput
from routeplan.domain.geo import LonLat
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import Plan, Route, Stop
from routeplan.domain.visit import LocationQuality, Visit
from routeplan.geo.crs import Crs, from_wgs84
from routeplan.maps.address import mask_address
from routeplan.maps.navigation import nav_links
from routeplan.rules.reasons import SHORT_ZH

#: Rule 10 of COMPLIANCE.md, and the consent rule of rule 5, as the team reads them.
REMINDER_ZH = ("上门时请主动出示工作证件并说明来意；未经同意不得进入住所或办公场所；"
               "全程如实记录，每站结束后上报结果。")
REMINDER_SHORT_ZH = ("出示工作证件", "经同意方可进入", "全程记录并上报")

REASON_ZH = SHORT_ZH  # the one table, in rules/reasons.py

#: One colour per team in the overview, distinct on AMap's pale base map and in print.
TEAM_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
                "#e377c2", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd",
                "#e6550d", "#31a354")

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

#: A wait at the door from this long is explained on the page (the team may wait nearby).
LONG_WAIT_MIN: Final = 15
#: Pins placed at a district's or city's seat, not at the door.
_APPROXIMATE = (LocationQuality.DISTRICT, LocationQuality.CITY, LocationQuality.UNKNOWN)


def project(points: Sequence[LonLat], crs: Crs) -> list[tuple[float, float]]:
    """WGS-84 (lon, lat) points as (lat, lon) in the tile provider's system, 6 decimals."""
    if not points:
        return []
    lons, lats = from_wgs84(np.array([p[0] for p in points]), np.array([p[1] for p in points]),
                            crs)
    return [(round(float(y), 6), round(float(x), 6)) for x, y in zip(lons, lats, strict=True)]


def latest_outcomes(outcomes: Iterable[Outcome],
                    team_id: str | None = None) -> dict[str, Outcome]:
    """The last report per visit (by time), optionally only a team's own."""
    latest: dict[str, Outcome] = {}
    for o in outcomes:
        if team_id is not None and o.team_id != team_id:
            continue
        prev = latest.get(o.visit_id)
        if prev is None or o.at >= prev.at:
            latest[o.visit_id] = o
    return latest


def window_text(window: TimeWindow | None) -> str:
    """A borrower's window as HH:MM–HH:MM, or 无约定 (no appointment: company hours apply)."""
    return str(window) if window is not None else "无约定"


def minutes_text(seconds: int) -> str:
    """A duration as 分钟 (minutes), or 小时 and 分钟 past an hour."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} 分钟"
    return f"{minutes // 60} 小时 {minutes % 60} 分钟" if minutes % 60 else f"{minutes // 60} 小时"


def km_text(metres: int) -> str:
    return f"{metres / 1000:.1f} 公里"


@dataclass(frozen=True, slots=True)
class StopView:
    """One stop as the pages show it."""

    n: int
    visit_id: str
    arrival: str
    start: str
    departure: str
    window: str
    service: str
    waiting_min: int
    latlon: tuple[float, float]
    outcome: OutcomeStatus | None
    outcome_at: str
    address: str = ""
    approximate: bool = False

    @property
    def wait_text(self) -> str:
        """提前到达，可在附近等候 N 分钟 for a long wait; the short ones go in the meta line."""
        if self.waiting_min < LONG_WAIT_MIN:
            return ""
        return f"提前到达，可在附近等候 {self.waiting_min} 分钟，{self.start} 开始拜访"


@dataclass(frozen=True, slots=True)
class BreakView:
    """The team's break, placed before the stop numbered `before_n` (None: after the last)."""

    start: str
    end: str
    before_n: int | None


def masked_addresses(plan: Plan, visits: Iterable[Visit]) -> dict[str, str]:
    """visit_id → the masked address of each routed visit, none when the policy says so."""
    if not plan.policy.maps_show_address:
        return {}
    routed = {s.visit_id for r in plan.routes for s in r.stops}
    out: dict[str, str] = {}
    for v in visits:
        if v.visit_id in routed and v.address:
            masked = mask_address(v.address)
            if masked:
                out[v.visit_id] = masked
    return out


def stop_views(route: Route, crs: Crs, outcomes: dict[str, Outcome],
               addresses: Mapping[str, str] | None = None) -> list[StopView]:
    """The route's stops in visit order, numbered from 1, in the provider's coordinates."""
    coords = project([s.location for s in route.stops], crs)
    shown = addresses or {}
    out: list[StopView] = []
    for n, (stop, latlon) in enumerate(zip(route.stops, coords, strict=True), start=1):
        o = outcomes.get(stop.visit_id)
        out.append(_stop_view(n, stop, latlon, o, route, shown.get(stop.visit_id, "")))
    return out


def _waiting_s(stop: Stop, route: Route) -> int:
    """Time at the door before service, not counting a break taken while waiting."""
    on_break = sum(max(0, min(b.end, stop.start) - max(b.start, stop.arrival))
                   for b in route.breaks)
    return max(0, stop.waiting_s - on_break)


def _stop_view(n: int, stop: Stop, latlon: tuple[float, float], o: Outcome | None,
               route: Route, address: str) -> StopView:
    at = ""
    if o is not None:
        at = o.at.astimezone(SHANGHAI).strftime("%H:%M")
    return StopView(n, stop.visit_id, format_hhmm(stop.arrival), format_hhmm(stop.start),
                    format_hhmm(stop.departure), window_text(stop.window),
                    minutes_text(stop.service_s), _waiting_s(stop, route) // 60, latlon,
                    o.status if o is not None else None, at, address,
                    stop.location_quality in _APPROXIMATE)


def next_stop(stops: Sequence[StopView]) -> int | None:
    """The number of the first stop without a final outcome (arrived is not final)."""
    return next((s.n for s in stops if s.outcome is None or not s.outcome.final), None)


def break_views(route: Route) -> list[BreakView]:
    """Each break, placed before the first stop whose service starts at or after its end."""
    out: list[BreakView] = []
    for b in route.breaks:
        before = next((n for n, s in enumerate(route.stops, start=1) if s.start >= b.end), None)
        out.append(BreakView(format_hhmm(b.start), format_hhmm(b.end), before))
    return out


def route_line(route: Route, crs: Crs) -> list[tuple[float, float]]:
    """The line to draw: road geometry when present, else base → stops → base, straight."""
    if route.geometry:
        points = list(route.geometry)
    else:
        points = [route.start_location, *(s.location for s in route.stops), route.end_location]
    return project(points, crs)


def day_text(day: date) -> tuple[str, str]:
    """The date as 2026年12月1日 and its weekday."""
    return f"{day.year}年{day.month}月{day.day}日", WEEKDAYS_ZH[day.weekday()]


def route_of(plan: Plan, team_id: str) -> Route:
    route = plan.route(team_id)
    if route is None:
        known = ", ".join(r.team_id for r in plan.routes) or "none"
        raise InvalidInput(f"team_id: {team_id!r} has no route in this plan (routes: {known})")
    return route


def list_items(stops: Sequence[StopView], breaks: Sequence[BreakView],
           route: Route, *, nav: bool = True) -> list[dict[str, Any]]:
    """Stop cards with their navigation links, breaks slotted in before the right stop."""
    items: list[dict[str, Any]] = []
    by_n = {s.n: s for s in stops}
    for view, stop in zip(stops, route.stops, strict=True):
        items.extend({"kind": "break", "b": b} for b in breaks if b.before_n == view.n)
        items.append({"kind": "stop", "s": by_n[view.n],
                      "nav": nav_links(stop.location, stop.visit_id) if nav else ()})
    items.extend({"kind": "break", "b": b} for b in breaks if b.before_n is None)
    return items
