"""HTML pages reached by signed links (placeholders until the maps adapter renders them).

The maps adapter (issue 5) replaces the bodies of these functions with `routeplan.maps`;
only this module needs to change for that.
"""

from __future__ import annotations

import html
from typing import Any


def field_page(plan: dict[str, Any], route: dict[str, Any], *, events_url: str) -> str:
    """The page a field team opens from its link: its own route of one plan, nothing else.

    `plan` and `route` are in the plan contract's shape (routeplan.io.plan_to_dict); labels
    must show case references only (COMPLIANCE.md rule 9). `events_url` is where the page
    POSTs outcomes (`{"visit_id", "status", "at", "note"}`).
    """
    rows = "".join(
        f"<li>{html.escape(str(s.get('arrival', ''))[11:16])} "
        f"{html.escape(str(s.get('visit_id', '')))}</li>"
        for s in route.get("stops", []))
    return (
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"referrer\" content=\"no-referrer\">"
        f"<title>{html.escape(str(plan.get('date', '')))} 外访路线</title></head><body>"
        f"<h1>{html.escape(str(plan.get('date', '')))} · {html.escape(str(route['team_id']))}"
        f"</h1><p>请出示工作证件，征得同意后再进入，并如实记录每次外访。</p><ol>{rows}</ol>"
        f"<p hidden data-events-url=\"{html.escape(events_url)}\"></p></body></html>")


def refused_page(message: str) -> str:
    """What an expired, revoked or foreign link shows."""
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>链接无效</title></head><body><p>{html.escape(message)}</p></body></html>")
