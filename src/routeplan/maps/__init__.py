"""Maps for field staff and dispatchers: output adapters over a finished plan (Leaflet).

- `field_page_html`: one team's day on a phone, with navigation links and outcome buttons;
- `route_sheet_html`: the same day as a printable A4 table;
- `overview_html`: every route, boundaries, unassigned visits, KPIs and reported outcomes;
- `write_maps`: all of them as files next to plan.json (the CLI);
- `asset_files`: the JS/CSS the pages load from `assets_url` (served by routeplan, no CDN).

Outcome reports from the field page are POSTed to `events_url` as JSON::

    {"event_id": "<uuid, unique per tap; retried with the same id>",
     "visit_id": "V00017", "team_id": "T001",
     "status": "arrived|done|not_at_home|refused|rescheduled",
     "at": "2026-12-01T10:02:13+08:00", "note": "<the card's note, may be empty>"}

and, on a page made with `presence=True`, `"members_present": ["C001a", ...]` and (arrivals
only, when the phone gives one) `"position": {"lat", "lon", "accuracy_m", "crs": "wgs84"}`.

The service answers 2xx to accept (409 for an event_id it already has), 4xx to refuse (the
page shows it and does not retry), anything else or no answer to have the phone retry later.
"""

from routeplan.maps.assets import asset_files, assets_version, copy_assets
from routeplan.maps.field import field_page_html
from routeplan.maps.navigation import NavLink, nav_links
from routeplan.maps.overview import overview_html
from routeplan.maps.sheet import route_sheet_html
from routeplan.maps.tiles import AMAP, OPENSTREETMAP, TileProvider
from routeplan.maps.write import write_maps

__all__ = [
    "AMAP",
    "OPENSTREETMAP",
    "NavLink",
    "TileProvider",
    "asset_files",
    "assets_version",
    "copy_assets",
    "field_page_html",
    "nav_links",
    "overview_html",
    "route_sheet_html",
    "write_maps",
]
