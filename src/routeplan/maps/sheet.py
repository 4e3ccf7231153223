"""The printable A4 route sheet: the field page's day as a table, with the reminder to sign."""

from __future__ import annotations

from collections.abc import Sequence

from routeplan.domain.clock import format_hhmm
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import Plan
from routeplan.geo.crs import Crs
from routeplan.maps._folium import render
from routeplan.maps._view import (
    REMINDER_ZH,
    break_views,
    day_text,
    km_text,
    latest_outcomes,
    list_items,
    route_of,
    stop_views,
)


def route_sheet_html(plan: Plan, team_id: str, *, outcomes: Sequence[Outcome] = (),
                     title: str | None = None) -> str:
    """One team's day on A4 (portrait, print CSS), in the same order and words as the page.

    Each row has tick boxes for the five outcomes and room for a note; outcomes already
    reported are marked. Like the page, it names each stop by its case reference only.
    """
    route = route_of(plan, team_id)
    latest = latest_outcomes(outcomes, team_id)
    stops = stop_views(route, Crs.WGS84, latest)
    day, weekday = day_text(plan.day)
    generated = plan.meta.get("generated_at", plan.day.isoformat())
    return str(render(
        "sheet.html", title=title or f"{team_id} 路线单 {plan.day.isoformat()}",
        team_id=team_id, day=day, weekday=weekday, members="、".join(route.members),
        start=format_hhmm(route.start_s), end=format_hhmm(route.end_s),
        distance=km_text(route.distance_m), stops=stops, breaks=break_views(route),
        items=list_items(stops, break_views(route), route, nav=False), statuses=list(OutcomeStatus),
        labels={s: s.label_zh for s in OutcomeStatus}, reminder=REMINDER_ZH,
        generated=generated))

