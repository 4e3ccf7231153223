"""The dispatcher's overview: every route in its own colour and layer, boundaries, the left-out.

One toggleable layer per team (line and numbered stops), the prefecture boundaries, the
unassigned visits with the reason in their own layer, and a panel with the legend, the plan's
KPIs and the field teams' reported outcomes. Simplified Chinese; case references only.

The page is the fixed skeleton of `routeplan.maps._page` plus one JSON block: this module
only computes values; routeplan-maps.js builds the layers, the layer list and the panel from
them with DOM calls.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from routeplan.domain.clock import SHANGHAI, format_hhmm
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import Plan
from routeplan.domain.visit import Visit
from routeplan.geo.crs import Crs, from_wgs84
from routeplan.maps._page import map_page, tiles_data
from routeplan.maps._view import (
    REASON_ZH,
    TEAM_COLOURS,
    day_text,
    km_text,
    latest_outcomes,
    project,
    route_line,
    stop_views,
)
from routeplan.maps.tiles import AMAP, TileProvider

# Boundaries are context at prefecture scale: coverage simplification at 0.01 (shapely's
# Visvalingam-Whyatt tolerance; ~3,500 of the shipped 26,000 vertices remain) on a 1e-4° (~10 m)
# grid turns the shipped 540 KB of polygons into about 70 KB.
_SIMPLIFY_DEG = 0.01
_GRID_DEG = 1e-4
_RECENT = 30


def _boundaries(doc: Mapping[str, Any], crs: Crs) -> dict[str, Any]:
    """Prefecture polygons simplified as one coverage (shared borders stay shared), in `crs`."""
    features = [f for f in doc.get("features", []) if f.get("geometry")]
    if not features:
        return {"type": "FeatureCollection", "features": []}
    geoms = np.asarray([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    simple = shapely.coverage_simplify(geoms, _SIMPLIFY_DEG)

    def to_crs(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = from_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([x, y])

    shifted = shapely.set_precision(shapely.transform(simple, to_crs), _GRID_DEG)
    out = []
    for f, g in zip(features, shifted, strict=True):
        props = f.get("properties", {})
        out.append({"type": "Feature",
                    "properties": {"name": str(props.get("name", "")),
                                   "adcode": props.get("adcode")},
                    "geometry": shapely.geometry.mapping(g)})
    return {"type": "FeatureCollection", "features": out}


@cache
def _shipped_boundaries(crs: Crs) -> dict[str, Any]:
    """The shipped Henan prefectures, simplified and converted once per process."""
    from routeplan.geo.regions import Regions

    return _boundaries(Regions.load().geojson(), crs)


def overview_html(
    plan: Plan,
    *,
    visits: Sequence[Visit] = (),
    regions_geojson: Mapping[str, Any] | None = None,
    tiles: TileProvider = AMAP,
    assets_url: str,
    outcomes: Sequence[Outcome] = (),
    title: str | None = None,
) -> str:
    """All routes of a plan on one map for the dispatcher, in Simplified Chinese.

    `visits` supply coordinates for the unassigned (a plan keeps only their ids and reasons);
    `regions_geojson` is a WGS-84 FeatureCollection of boundaries, None for the shipped Henan
    prefectures, or an empty dict for none; `outcomes` are the reports stored so far.
    """
    crs = tiles.crs
    latest = latest_outcomes(outcomes)
    day, weekday = day_text(plan.day)
    outlines = (copy.deepcopy(_shipped_boundaries(crs)) if regions_geojson is None
                else _boundaries(regions_geojson, crs) if regions_geojson else None)

    teams = []
    for i, route in enumerate(plan.routes):
        colour = TEAM_COLOURS[i % len(TEAM_COLOURS)]
        stops = stop_views(route, crs, latest)
        teams.append({
            "team": route.team_id, "colour": colour,
            "line": route_line(route, crs) if route.stops else [],
            "stops": [{"n": s.n, "id": s.visit_id, "ll": s.latlon, "arr": s.arrival,
                       "dep": s.departure, "win": s.window, "svc": s.service,
                       "state": s.outcome.value if s.outcome else None, "at": s.outcome_at}
                      for s in stops],
            "start": format_hhmm(route.start_s), "end": format_hhmm(route.end_s),
            "distance": km_text(route.distance_m),
            "reported": sum(1 for s in stops if s.outcome is not None),
        })

    by_id = {v.visit_id: v for v in visits}
    placed = [(u, by_id[u.visit_id].location) for u in plan.unassigned
              if u.visit_id in by_id and by_id[u.visit_id].location is not None]
    coords = project([loc for _, loc in placed if loc is not None], crs)
    unassigned = [{"id": u.visit_id, "ll": ll, "reason": REASON_ZH.get(u.reason, u.reason.value),
                   "detail": u.detail} for (u, _), ll in zip(placed, coords, strict=True)]

    k = plan.kpis
    reasons = Counter(u.reason for u in plan.unassigned)
    statuses = Counter(o.status for o in latest.values())
    recent = sorted(latest.values(), key=lambda o: o.at, reverse=True)[:_RECENT]
    data = {
        "tiles": tiles_data(tiles),
        "labels": {s.value: s.label_zh for s in OutcomeStatus},
        "boundaries": outlines,
        "teams": teams,
        "unassigned": unassigned,
        "unassignedTotal": len(plan.unassigned),
        "panel": {
            "day": day, "weekday": weekday,
            "kpis": [[str(k.visits_planned), "已安排"], [str(k.visits_unassigned), "未安排"],
                     [str(k.teams_used), "出勤组"], [km_text(k.distance_m), "总里程"],
                     [f"{k.driving_s / 3600:.1f} 小时", "行驶"],
                     [f"{k.priority_share:.0%}", "优先级覆盖"]],
            "reasons": [[REASON_ZH.get(r, r.value), n] for r, n in reasons.most_common()],
            "unplaced": len(plan.unassigned) - len(placed),
            "reportedTotal": len(latest),
            "byStatus": [[s.label_zh, statuses[s]] for s in OutcomeStatus if statuses[s]],
            "recent": [[o.at.astimezone(SHANGHAI).strftime("%H:%M"), o.team_id, o.visit_id,
                        o.status.label_zh] for o in recent],
            "warnings": list(k.warnings),
        },
    }
    return map_page("overview", title or f"外访计划总览 {plan.day.isoformat()}", assets_url, data)
