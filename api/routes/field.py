"""/m/{token}: what a signed field link reaches, one team's route of one plan, and nothing else."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from routeplan.errors import InputProblem, InvalidInput
from routeplan_api import pages
from routeplan_api.deps import Services, ServicesDep
from routeplan_api.errors import Gone, NotFound
from routeplan_api.schemas import ErrorBody, EventIn, EventOut
from routeplan_api.store import PlanState

router = APIRouter(prefix="/m", tags=["field"])

_REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body is not parseable (not JSON)"},
    413: {"model": ErrorBody, "description": "The body is larger than the service accepts"},
    404: {"model": ErrorBody, "description": "Not a valid link"},
    410: {"model": ErrorBody, "description": "The link expired or was revoked"},
}


def _resolve(services: Services, token: str) -> tuple[PlanState, dict[str, Any], str]:
    """The plan, the team's route and the link id a token grants, or 404/410."""
    claims = services.signer.verify(token)
    link = services.store.get_link(claims.link_id) if claims else None
    if (claims is None or link is None or link.plan_id != claims.plan_id
            or link.team_id != claims.team_id):
        raise NotFound("not a valid link")
    if link.revoked_at is not None or link.expires_at <= services.clock():
        raise Gone("this link has expired or was revoked; ask the dispatcher for a new one")
    state = services.store.get_plan(claims.plan_id)
    v = state.version if state else None
    if state is None or v is None or v.status != "done" or v.plan_json is None:
        raise Gone("this plan is no longer available")
    contract: dict[str, Any] = json.loads(v.plan_json)
    route = next((r for r in contract.get("routes", []) if r.get("team_id") == claims.team_id),
                 None)
    if route is None:
        raise Gone("this team has no route in the plan any more")
    return state, {**contract, "routes": [route], "unassigned": []}, link.id


@router.get("/{token}", response_class=HTMLResponse, responses=_REFUSED,
            summary="A field team's route page (signed link)")
def field_page(token: str, services: ServicesDep) -> HTMLResponse:
    """The team's day as a phone page; no key needed, the link itself is the credential."""
    state, contract, link_id = _resolve(services, token)
    route = contract["routes"][0]
    services.store.log_access(state.plan.id, f"link:{link_id}", f"field:{route['team_id']}")
    html = pages.field_page(contract, route,
                            events_url=f"{services.settings.public_base_url}/m/{token}/events")
    return HTMLResponse(html)


@router.post("/{token}/events", status_code=201, response_model=EventOut, responses={
    **_REFUSED, 422: {"model": ErrorBody, "description": "Not a visit of this route"}},
    summary="Report the outcome of a stop")
def post_event(token: str, event: EventIn, services: ServicesDep) -> EventOut:
    """Store arrived / done / not at home / refused / rescheduled for a stop of this route."""
    state, contract, link_id = _resolve(services, token)
    route = contract["routes"][0]
    if event.visit_id not in {s.get("visit_id") for s in route.get("stops", [])}:
        raise InvalidInput("unknown visit", problems=[
            InputProblem("/visit_id", "not a stop of this team's route")])
    row = services.store.add_event(plan_id=state.plan.id, version=state.version.version,
                                   team_id=str(route["team_id"]), visit_id=event.visit_id,
                                   status=event.status.value, at=event.at, note=event.note,
                                   link_id=link_id)
    return EventOut(visit_id=row.visit_id, team_id=row.team_id, status=event.status,
                    at=row.at, note=row.note, received_at=row.received_at)
