"""The field team's page: one route on a phone, with navigation and outcome buttons.

Phone first (390×844 and up): a bar with the day, the map (stops numbered in visit order, the
route line, the base), then the stops as cards with planned arrival, the borrower's window and
service time, links into AMap, Baidu and Tencent Maps, and the five outcome buttons. Outcomes
are POSTed as JSON to `events_url` (see `routeplan.maps` for the body) and queued on the phone
while offline.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium

from routeplan.domain.clock import SHANGHAI, format_hhmm
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import Plan
from routeplan.maps._folium import Html, Script, make_map, make_page, render
from routeplan.maps._view import (
    REMINDER_SHORT_ZH,
    REMINDER_ZH,
    break_views,
    day_text,
    latest_outcomes,
    list_items,
    project,
    route_line,
    route_of,
    stop_views,
)
from routeplan.maps.tiles import AMAP, TileProvider

ROUTE_COLOUR = "#1565c0"


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
) -> str:
    """One team's day as a phone page in Simplified Chinese.

    `assets_url` is where `asset_files()` are served; `events_url` receives outcome reports
    (without it the buttons are left out: a page saved to disk cannot report); `outcomes` are
    the reports already stored, shown on the stops (only this team's count); `sheet_url` links
    the printable route sheet; `sw_url` is the service worker (`routeplan-sw.js`) served from
    the pages' folder, which keeps the page usable offline.
    """
    route = route_of(plan, team_id)
    crs = tiles.crs
    latest = latest_outcomes(outcomes, team_id)
    stops = stop_views(route, crs, latest)
    breaks = break_views(route)
    day, weekday = day_text(plan.day)
    page_title = title or f"{team_id} 今日路线 {plan.day.isoformat()}"
    page = make_page(page_title, "rp-field",
                     ['<meta name="theme-color" content="#1565c0">',
                      '<meta name="format-detection" content="telephone=no">'])
    start, end = format_hhmm(route.start_s), format_hhmm(route.end_s)
    Html(render("field_bar.html", team_id=team_id, day=day, weekday=weekday, stops=stops,
                day_short=f"{plan.day.month}月{plan.day.day}日", start=start, end=end,
                sheet_url=sheet_url)).add_to(page)

    m = make_map(tiles, assets_url)
    m.add_to(page)
    line = folium.PolyLine(route_line(route, crs), color=ROUTE_COLOUR, weight=5, opacity=0.8,
                           className="rp-route")  # type: ignore[no-untyped-call]
    line.add_to(m)
    base = project([route.start_location], crs)[0]
    data = {
        "team": team_id,
        "day": plan.day.isoformat(),
        "eventsUrl": events_url or "",
        "assetsUrl": assets_url,
        "swUrl": sw_url or "",
        "labels": {s.value: s.label_zh for s in OutcomeStatus},
        "base": base,
        "stops": [{
            "n": s.n, "id": s.visit_id, "ll": s.latlon, "arr": s.arrival, "win": s.window,
            "svc": s.service, "state": s.outcome.value if s.outcome else None,
            "ts": (latest[s.visit_id].at.astimezone(SHANGHAI).isoformat(timespec="seconds")
                   if s.outcome else None),
        } for s in stops],
    }
    Script("field", m, line, data).add_to(page)
    Html(render("field_list.html", stops=stops, items=list_items(stops, breaks, route),
                labels={s: s.label_zh for s in OutcomeStatus}, statuses=list(OutcomeStatus),
                events=bool(events_url), end=end, reminder=REMINDER_ZH,
                reminder_short=REMINDER_SHORT_ZH)).add_to(page)
    return str(page.render())
