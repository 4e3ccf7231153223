"""Write the map pages next to a plan on disk: overview, one field page and sheet per team."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from routeplan.domain.clock import SHANGHAI
from routeplan.domain.outcome import Outcome
from routeplan.domain.plan import Plan
from routeplan.domain.visit import Visit
from routeplan.maps.assets import copy_assets
from routeplan.maps.field import field_page_html
from routeplan.maps.overview import overview_html
from routeplan.maps.sheet import route_sheet_html
from routeplan.maps.tiles import AMAP, TileProvider

ASSETS_DIR = "assets"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _slug(team_id: str) -> str:
    return _UNSAFE.sub("_", team_id).strip("._") or "team"


def write_maps(plan: Plan, out_dir: Path, *, visits: Sequence[Visit] = (),
               tiles: TileProvider = AMAP, outcomes: Sequence[Outcome] = (),
               generated_at: datetime | None = None) -> list[Path]:
    """Write the overview, each team's field page and sheet, and the assets into `out_dir`.

    Files: overview.html, field-<team>.html and sheet-<team>.html for each route with stops,
    and assets/; returns the paths written.

    The field pages written here have no outcome buttons (a file cannot report to the
    service) and point at the local sheet; everything loads from the assets folder beside them.
    """
    made = generated_at or datetime.now(SHANGHAI)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = copy_assets(out_dir / ASSETS_DIR)
    assets_url = f"{ASSETS_DIR}/"
    overview = out_dir / "overview.html"
    overview.write_text(overview_html(plan, visits=visits, tiles=tiles, assets_url=assets_url,
                                      outcomes=outcomes), encoding="utf-8")
    written.append(overview)
    used: set[str] = set()
    for route in plan.routes:
        if not route.stops:
            continue
        slug = base = _slug(route.team_id)
        n = 1
        while slug.lower() in used:  # T/1 and T_1 (or T1 and t1) must not share a file
            n += 1
            slug = f"{base}-{n}"
        used.add(slug.lower())
        sheet = out_dir / f"sheet-{slug}.html"
        sheet.write_text(route_sheet_html(plan, route.team_id, outcomes=outcomes,
                                          visits=visits, assets_url=assets_url,
                                          generated_at=made), encoding="utf-8")
        page = out_dir / f"field-{slug}.html"
        page.write_text(field_page_html(plan, route.team_id, tiles=tiles, assets_url=assets_url,
                                        outcomes=outcomes, sheet_url=sheet.name,
                                        visits=visits),
                        encoding="utf-8")
        written += [page, sheet]
    return written
