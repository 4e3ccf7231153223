"""The printable A4 route sheet: the field page's day as a table, with the reminder to sign.

A fixed template that receives plain values (escaped once by jinja2's autoescape). On paper
and on a desktop it is a table; at phone width each stop becomes a card, so nothing is cut
and no column wraps one character a line. Dates are the plan's day and the moment the sheet
was made, both in the plan's time zone (Asia/Shanghai), whatever the machine's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from routeplan.domain.clock import SHANGHAI, format_hhmm
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import Plan
from routeplan.domain.visit import Visit
from routeplan.geo.crs import Crs
from routeplan.maps._page import asset, render_page
from routeplan.maps._view import (
    REMINDER_ZH,
    break_views,
    day_text,
    km_text,
    latest_outcomes,
    list_items,
    masked_addresses,
    route_of,
    stop_views,
)
from routeplan.maps.assets import SHEET_JS


def route_sheet_html(plan: Plan, team_id: str, *, outcomes: Sequence[Outcome] = (),
                     title: str | None = None, visits: Sequence[Visit] = (),
                     assets_url: str | None = None,
                     generated_at: datetime | None = None) -> str:
    """One team's day on A4 (portrait, print CSS), in the same order and words as the page.

    Each row has tick boxes for the five outcomes and room for a note; outcomes already
    reported are marked. Like the page, it names each stop by its case reference only (and
    its masked address, when `visits` give one and the policy allows). `assets_url` adds the
    print button (a script file; without it, print from the browser's menu);
    `generated_at` (default: now) is shown in Asia/Shanghai.
    """
    route = route_of(plan, team_id)
    latest = latest_outcomes(outcomes, team_id)
    stops = stop_views(route, Crs.WGS84, latest, masked_addresses(plan, visits))
    breaks = break_views(route)
    day, weekday = day_text(plan.day)
    made = generated_at or datetime.now(SHANGHAI)
    if made.tzinfo is None:
        made = made.replace(tzinfo=UTC)
    made = made.astimezone(SHANGHAI)
    return render_page(
        "sheet.html", title=title or f"{team_id} 路线单 {plan.day.isoformat()}",
        team_id=team_id, day=day, weekday=weekday, day_iso=plan.day.isoformat(),
        members="、".join(route.members), start=format_hhmm(route.start_s),
        end=format_hhmm(route.end_s), distance=km_text(route.distance_m), stops=stops,
        breaks=breaks, items=list_items(stops, breaks, route, nav=False),
        statuses=list(OutcomeStatus), labels={s: s.label_zh for s in OutcomeStatus},
        reminder=REMINDER_ZH, generated=made.strftime("%Y-%m-%d %H:%M"),
        script=asset(assets_url, SHEET_JS) if assets_url is not None else None)
