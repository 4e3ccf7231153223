"""The field team's page: one route on a phone, with navigation and outcome buttons.

Phone first (390×844 and up): a bar with the day, the map (stops numbered in visit order, the
route line, the base; pins that would cover each other are spread apart), then the stops as
cards with planned arrival, the borrower's window and service time, the masked address, long
waits explained, the next stop highlighted, links into AMap, Baidu and Tencent Maps, a note
and the five outcome buttons. Outcomes are POSTed as JSON to `events_url` (see
`routeplan.maps` for the body) and queued on the phone while offline.

The page is the fixed skeleton of `routeplan.maps._page` plus one JSON block: this module
only computes values; routeplan-maps.js builds the page from them with DOM calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from routeplan.domain.clock import LEGAL_WINDOW, SHANGHAI, format_hhmm
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import Plan
from routeplan.domain.visit import Visit
from routeplan.maps._page import map_page, tiles_data
from routeplan.maps._view import (
    REMINDER_SHORT_ZH,
    REMINDER_ZH,
    break_views,
    day_text,
    latest_outcomes,
    list_items,
    masked_addresses,
    project,
    route_line,
    route_of,
    stop_views,
)
from routeplan.maps.tiles import AMAP, TileProvider

ROUTE_COLOUR = "#1565c0"
#: The page warns when the last visit, at the current pace, would end later than this
#: (seconds since midnight): the lawful day ends at 22:00 and the team needs a few minutes to
#: take its leave.
LATE_WARNING_S = LEGAL_WINDOW.end - 5 * 60
#: An arrival reported farther than this from the stop, beyond the phone's accuracy, is
#: flagged on the page (the audit's default `audit.max_distance_m`).
FAR_FROM_STOP_M = 300


def field_page_html(
    plan: Plan,
    team_id: str,
    *,
    tiles: TileProvider = AMAP,
    assets_url: str,
    events_url: str | None = None,
    outcomes: Sequence[Outcome] = (),
    title: str | None = None,
    sheet_url: str | None = None,
    sw_url: str | None = None,
    visits: Sequence[Visit] = (),
    presence: bool = False,
    version: int = 1,
    changes: Sequence[Mapping[str, Any]] = (),
) -> str:
    """One team's day as a phone page in Simplified Chinese.

    `assets_url` is where `asset_files()` are served; `events_url` receives outcome reports
    (without it the buttons are left out: a page saved to disk cannot report); `outcomes` are
    the reports already stored, shown on the stops (only this team's count); `sheet_url` links
    the printable route sheet; `sw_url` is the service worker (`routeplan-sw.js`) served from
    the pages' folder, which keeps the page usable offline; `visits` give each stop's masked
    address (policy `maps.show_address`). With `presence`, tapping 已到达 asks the phone for its
    position and each card has a tick per team member: the report then carries `position`
    (`{lat, lon, accuracy_m, crs: "wgs84"}`, left out when the collector refuses) and
    `members_present`, and the card warns when the phone is far from the stop; leave it off
    for a service that does not take those fields. `version` is the plan version shown and
    `changes` what the re-plan that made it changed on this team's day (the service's per-team
    `changes`: visit_id, change, reason_zh, was, now, from_team, to_team): a phone that last
    showed an earlier version lists them once, above the stops.
    """
    route = route_of(plan, team_id)
    crs = tiles.crs
    latest = latest_outcomes(outcomes, team_id)
    stops = stop_views(route, crs, latest, masked_addresses(plan, visits))
    breaks = break_views(route)
    day, weekday = day_text(plan.day)
    items: list[dict[str, Any]] = []
    for item in list_items(stops, breaks, route):
        if item["kind"] == "break":
            b = item["b"]
            items.append({"kind": "break", "start": b.start, "end": b.end})
            continue
        s = item["s"]
        stop = route.stops[s.n - 1]
        o = latest.get(s.visit_id)
        items.append({
            "kind": "stop", "n": s.n, "id": s.visit_id, "ll": s.latlon, "arr": s.arrival,
            "start": s.start, "dep": s.departure, "win": s.window, "svc": s.service,
            "wait": s.waiting_min, "waitText": s.wait_text, "addr": s.address,
            "approx": s.approximate, "arrS": stop.arrival, "depS": stop.departure,
            "wgs": (round(stop.location[1], 6), round(stop.location[0], 6)),
            "state": s.outcome.value if s.outcome else None,
            "ts": o.at.astimezone(SHANGHAI).isoformat(timespec="seconds") if o else None,
            "nav": [{"provider": n.provider, "label": n.label_zh, "web": n.web,
                     "ios": n.app_ios, "android": n.app_android} for n in item["nav"]],
        })
    data = {
        "team": team_id,
        "members": list(route.members),
        "day": plan.day.isoformat(),
        "dayText": day,
        "dayShort": f"{plan.day.month}月{plan.day.day}日",
        "weekday": weekday,
        "start": format_hhmm(route.start_s),
        "end": format_hhmm(route.end_s),
        "lateS": LATE_WARNING_S,
        "farM": FAR_FROM_STOP_M,
        "eventsUrl": events_url or "",
        "assetsUrl": assets_url,
        "swUrl": sw_url or "",
        "presence": presence and bool(events_url),
        "sheetUrl": sheet_url or "",
        "labels": {s.value: s.label_zh for s in OutcomeStatus},
        "statuses": [s.value for s in OutcomeStatus],
        "final": [s.value for s in OutcomeStatus if s.final],
        "reminder": REMINDER_ZH,
        "reminderShort": list(REMINDER_SHORT_ZH),
        "tiles": tiles_data(tiles),
        "colour": ROUTE_COLOUR,
        "base": project([route.start_location], crs)[0],
        "line": route_line(route, crs) if route.stops else [],
        "items": items,
        "version": version,
        "changes": [_change_view(c) for c in changes],
    }
    page_title = title or f"{team_id} 今日路线 {plan.day.isoformat()}"
    return map_page("field", page_title, assets_url, data)


_CHANGE_ZH = {"added": "新增", "moved_in": "调入", "moved_out": "调出", "removed": "取消",
              "reordered": "顺序调整", "retimed": "时间调整"}


def _change_view(c: Mapping[str, Any]) -> dict[str, str]:
    """One change as the page lists it: plain strings, shown as text."""
    def text(key: str) -> str:
        value = c.get(key)
        return str(value)[:200] if value is not None else ""

    change = text("change")
    return {"id": text("visit_id"), "what": _CHANGE_ZH.get(change, change),
            "why": text("reason_zh"), "was": text("was"), "now": text("now"),
            "from": text("from_team"), "to": text("to_team")}
