"""Maps served by the API: versioned assets, the service worker, the dispatcher's overview.

`GET /v1/plans/{id}/map` needs a dispatcher key; `GET /o/{token}` opens the same page from a
signed, short-lived overview link (issued in `GET /v1/plans/{id}` as `overview_link`), so a
browser can open it without a header. The overview may be framed by pages of this same
origin (the console embeds it); nothing else may frame it. The field pages themselves live in
`routes.field`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse, HTMLResponse, Response

from routeplan.maps import asset_files, assets_version, overview_html
from routeplan_api.deps import Dispatcher, Services, ServicesDep
from routeplan_api.errors import Gone, NotFound
from routeplan_api.routes import ERRORS
from routeplan_api.schemas.plans import ErrorBody
from routeplan_api.security import Role
from routeplan_api.services import mapping
from routeplan_api.services.plans import outcomes_of, plan_of

assets_router = APIRouter(tags=["field"], include_in_schema=False)
router = APIRouter(prefix="/v1/plans", tags=["plans"], responses=ERRORS)
link_router = APIRouter(tags=["plans"])

_TYPES = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
          "png": "image/png", "txt": "text/plain; charset=utf-8"}


@assets_router.get(f"{mapping.ASSETS_PREFIX}/{{version}}/{{name:path}}")
def asset(version: str, name: str) -> Response:
    """Leaflet and routeplan's own JS/CSS, cached for a year under their content version."""
    path = asset_files().get(name)
    if version != assets_version() or path is None:
        raise NotFound("no such asset")
    return FileResponse(path, media_type=_TYPES.get(name.rsplit(".", 1)[-1], "text/plain"),
                        headers={"Cache-Control": mapping.IMMUTABLE})


@assets_router.get(mapping.SERVICE_WORKER_PATH)
def service_worker(services: ServicesDep) -> Response:
    """The field pages' service worker, served from /m/ so its scope covers them."""
    return FileResponse(asset_files()["routeplan-sw.js"],
                        media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "no-cache",
                                 "Content-Security-Policy": mapping.page_csp(services.settings),
                                 "Service-Worker-Allowed": "/m/"})


def _overview(services: Services, plan_id: str, actor: str) -> HTMLResponse:
    found = services.store.plans.latest_done(plan_id)
    if found is None:
        raise NotFound(f"plan {plan_id!r} has no finished version")
    plan_row, v = found
    assert v.plan_json is not None
    plan = plan_of(plan_id, v.version, v.plan_json)
    visits = mapping.visits_of(services.store, plan_id, v.version)
    services.store.plans.log_access(plan_id, actor, f"map:v{v.version}")
    html = overview_html(plan, visits=visits, regions_geojson=None,
                         tiles=mapping.tile_provider(services.settings),
                         assets_url=mapping.assets_url(),
                         outcomes=outcomes_of(services.store.plans.events(plan_id)),
                         title=f"外访计划总览 {plan_row.day.isoformat()} · 第 {v.version} 版")
    return mapping.map_response(html, services.settings, framed=True)


@router.get("/{plan_id}/map", response_class=HTMLResponse,
            summary="The dispatcher's overview map of a plan",
            responses={200: {"content": {"text/html": {}}}})
def plan_map(plan_id: str, services: ServicesDep, caller: Dispatcher) -> HTMLResponse:
    """Every route of the newest finished version, in Simplified Chinese.

    With prefecture boundaries, unassigned visits and their reasons, KPIs and the outcomes
    reported from the field.
    """
    return _overview(services, plan_id, caller.actor)


@link_router.get("/o/{token}", response_class=HTMLResponse,
                 summary="The overview map from a signed, short-lived overview link",
                 responses={200: {"content": {"text/html": {}}},
                            404: {"model": ErrorBody, "description": "Not a valid link"},
                            410: {"model": ErrorBody,
                                  "description": "The link expired, or its key was revoked"}})
def overview_link(token: Annotated[str, Path(max_length=400)],
                  services: ServicesDep) -> HTMLResponse:
    """No header needed: the link names the plan and the dispatcher key that asked for it."""
    claims = mapping.verify_overview(services.settings, token)
    if claims is None:
        raise NotFound("not a valid link")
    now = services.clock()
    key = services.store.keys.by_id(claims.key_id)
    if (claims.expires_at <= now or key is None or key.revoked_at is not None
            or (key.expires_at is not None and key.expires_at <= now)
            or Role.parse(key.role) < Role.DISPATCHER):
        raise Gone("this overview link has expired; open the plan again for a new one")
    return _overview(services, claims.plan_id, f"overview-link:{claims.key_id}")
