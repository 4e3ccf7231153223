"""/m/{token}: what a signed field link reaches, one team's route of one plan, and nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from routeplan.domain.clock import SHANGHAI
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.outcome import MAX_ACCURACY_M, Outcome, ReportedPosition
from routeplan.domain.plan import Plan
from routeplan.domain.visit import Visit
from routeplan.geo.crs import to_wgs84
from routeplan.maps import field_page_html, route_sheet_html
from routeplan_api.deps import Services, ServicesDep
from routeplan_api.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from routeplan_api.persistence import PlanState
from routeplan_api.schemas.plans import ErrorBody, EventIn, EventOut
from routeplan_api.services import mapping
from routeplan_api.services.inputs import DepthCheckedRoute
from routeplan_api.services.plans import contract_of, outcomes_of, plan_of

router = APIRouter(prefix="/m", tags=["field"])

_REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body is not parseable (not JSON)"},
    413: {"model": ErrorBody, "description": "The body is larger than the service accepts"},
    404: {"model": ErrorBody, "description": "Not a valid link"},
    410: {"model": ErrorBody, "description": "The link expired or was revoked"},
}


def _resolve(services: Services, token: str) -> tuple[PlanState, dict[str, Any], str]:
    """The plan (its newest finished version), the team's route and the link id, or 404/410.

    A re-plan makes a new version: the same link shows it as soon as it is finished.
    """
    claims = services.signer.verify(token)
    link = services.store.plans.get_link(claims.link_id) if claims else None
    if (claims is None or link is None or link.plan_id != claims.plan_id
            or link.team_id != claims.team_id):
        raise NotFound("not a valid link")
    if link.revoked_at is not None or link.expires_at <= services.clock():
        raise Gone("this link has expired or was revoked; ask the dispatcher for a new one")
    found = services.store.plans.latest_done(claims.plan_id)
    if found is None or found[1].plan_json is None:
        raise Gone("this plan is no longer available")
    state = PlanState(*found)
    assert state.version.plan_json is not None
    contract = contract_of(state.plan.id, state.version.version, state.version.plan_json)
    route = next((r for r in contract.get("routes", []) if r.get("team_id") == claims.team_id),
                 None)
    if route is None:
        raise Gone("this team has no route in the plan any more")
    return state, {**contract, "routes": [route], "unassigned": []}, link.id


@dataclass(frozen=True, slots=True)
class _LinkView:
    """What a link shows: the plan version, its team, a title, reports and visits."""

    plan: Plan
    team_id: str
    title: str
    outcomes: list[Outcome]
    visits: list[Visit]
    version: int = 1
    changes: list[dict[str, Any]] = field(default_factory=list)


def _view(services: Services, token: str, what: str) -> _LinkView:
    """The plan version a link shows, its team, a title, and the team's reported outcomes.

    Every view through a link is written to the plan's access log (`what` says which page).
    The visits (for the masked address line) are read only when the policy shows addresses.
    """
    state, contract, link_id = _resolve(services, token)
    team_id = str(contract["routes"][0]["team_id"])
    v = state.version
    assert v.plan_json is not None
    services.store.plans.log_access(state.plan.id, f"link:{link_id}",
                                    f"{what}:{team_id}:v{v.version}")
    title = f"{team_id} 今日路线 {state.plan.day.isoformat()} · 第 {v.version} 版"
    plan = plan_of(v.plan_id, v.version, v.plan_json)
    visits = (mapping.visits_of(services.store, v.plan_id, v.version)
              if plan.policy.maps_show_address else [])
    return _LinkView(plan, team_id, title,
                     outcomes_of(services.store.plans.events(state.plan.id), team_id), visits,
                     v.version, _team_changes(services, v.plan_id, v.version, team_id))


def _team_changes(services: Services, plan_id: str, version: int, team_id: str
                  ) -> list[dict[str, Any]]:
    """What the re-plan that made `version` changed on this team's day; empty for a first plan.

    The page shows it once to a phone that last saw an earlier version.
    """
    if version <= 1:
        return []
    control = services.store.plans.control(plan_id, version)
    if control is None or not control.changes_json:
        return []
    teams = json.loads(control.changes_json).get("teams") or {}
    listed = teams.get(team_id) if isinstance(teams, dict) else None
    return [c for c in listed if isinstance(c, dict)] if isinstance(listed, list) else []


@router.get("/{token}", response_class=HTMLResponse, responses=_REFUSED,
            summary="A field team's route page (signed link)")
def field_page(token: str, services: ServicesDep) -> HTMLResponse:
    """The team's day as a phone page; no key needed, the link itself is the credential."""
    view = _view(services, token, "field")
    html = field_page_html(
        view.plan, view.team_id, tiles=mapping.tile_provider(services.settings),
        assets_url=mapping.assets_url(), events_url=f"/m/{token}/events",
        sheet_url=f"/m/{token}/sheet", sw_url=mapping.SERVICE_WORKER_PATH,
        outcomes=view.outcomes, title=view.title, visits=view.visits, presence=True,
        version=view.version, changes=view.changes)
    return mapping.map_response(html, services.settings)


@router.get("/{token}/sheet", response_class=HTMLResponse, responses=_REFUSED,
            summary="The team's printable A4 route sheet (signed link)")
def route_sheet(token: str, services: ServicesDep) -> HTMLResponse:
    """The same day as the page, as a table to print; outcomes reported so far are ticked."""
    view = _view(services, token, "sheet")
    html = route_sheet_html(view.plan, view.team_id, outcomes=view.outcomes,
                            visits=view.visits, assets_url=mapping.assets_url(),
                            generated_at=services.clock())
    return mapping.map_response(html, services.settings)


#: The sentence of every refused field report (never "cannot be planned": it is a report).
REPORT_REFUSED = "the report was not stored; each problem says why"
REPORT_REFUSED_ZH = "上报未保存，原因见各项问题"


class _EventRoute(DepthCheckedRoute):
    """A field report's route: nesting checked first, input errors answered as a refused report.

    A body nested deeper than the limit gets 422 naming it (FastAPI alone answers 400).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def reported(request: Request) -> Response:
            try:
                return await handler(request)
            except InvalidInput as exc:
                raise Invalid(REPORT_REFUSED, problems=exc.problems,
                              message_zh=REPORT_REFUSED_ZH) from None

        return reported


def _report_problems(event: EventIn, day: date, stops: set[str]) -> list[InputProblem]:
    """What is wrong with a report for a route of `day`: its visit, its time."""
    problems = []
    if event.visit_id not in stops:
        problems.append(InputProblem(
            "/visit_id", f"visit {event.visit_id!r} is not on this team's route"))
    lo = datetime.combine(day - timedelta(days=1), time(), SHANGHAI)
    hi = datetime.combine(day + timedelta(days=2), time(), SHANGHAI)
    if not lo <= event.at < hi:  # aware comparisons: no conversion that could overflow
        problems.append(InputProblem(
            "/at", f"{event.at.isoformat()} is not within a day of the plan's day {day}: "
                   f"give a time from {lo:%Y-%m-%d %H:%M} to before {hi:%Y-%m-%d %H:%M} "
                   "(Asia/Shanghai)"))
    return problems


def _evidence(event: EventIn, members: set[str]
              ) -> tuple[ReportedPosition | None, list[InputProblem]]:
    """The report's position in WGS-84, and what is wrong with its evidence.

    Every id in `members_present` must be a member of the route's team, once. Problems never
    repeat a coordinate: whereabouts stay out of responses and logs alike.
    """
    problems: list[InputProblem] = []
    seen: set[str] = set()
    for n, member in enumerate(event.members_present or ()):
        if member not in members:
            problems.append(InputProblem(f"/members_present/{n}",
                                         f"{member!r} is not a member of this team"))
        elif member in seen:
            problems.append(InputProblem(f"/members_present/{n}", f"{member!r} is given twice"))
        seen.add(member)
    p = event.position
    if p is None or p.accuracy_m > MAX_ACCURACY_M:  # a guess from the network, not a fix
        return None, problems
    try:
        lon, lat = to_wgs84(p.lon, p.lat, p.crs)
        return ReportedPosition(lon, lat, p.accuracy_m), problems
    except (InvalidInput, ValueError, OverflowError):
        problems.append(InputProblem("/position", "not a position on Earth after converting "
                                     f"from {p.crs.value} to wgs84"))
        return None, problems


def post_event(token: str, event: EventIn, services: ServicesDep) -> EventOut:
    """Store arrived / done / not at home / refused / rescheduled for a stop of this route.

    The visit must be a stop of the link's route, `at` within a day of the plan's day and
    every id in `members_present` a member of the route's team (422 naming `/visit_id`,
    `/at` or `/members_present/N`). `position` (optional; `crs` wgs84, gcj02 or bd09) is
    stored in WGS-84 with the service's `received_at`, as evidence for the audit; it is never
    echoed back. A position whose accuracy is worse than 100 km is dropped, not refused:
    the outcome still counts, and the audit finds no position. Idempotent by `event_id`: a
    phone retrying a report it could not confirm gets 409, which the page takes as success.
    """
    state, contract, link_id = _resolve(services, token)
    route = contract["routes"][0]
    team_id = str(route["team_id"])
    if event.team_id is not None and event.team_id != team_id:
        raise Forbidden("this link reports for another team")
    problems = _report_problems(event, state.plan.day,
                                {str(s.get("visit_id")) for s in route.get("stops", [])})
    position, more = _evidence(event, {str(m) for m in route.get("members", [])})
    problems += more
    if problems:
        raise Invalid(REPORT_REFUSED, problems=problems, message_zh=REPORT_REFUSED_ZH)
    row = services.store.plans.add_event(
        plan_id=state.plan.id, version=state.version.version, team_id=team_id,
        visit_id=event.visit_id, status=event.status.value, at=event.at, note=event.note,
        link_id=link_id, event_id=event.event_id, position=position,
        members_present=event.members_present)
    if row is None:
        raise Conflict("this event_id is stored already")
    return EventOut(visit_id=row.visit_id, team_id=row.team_id, status=event.status,
                    at=row.at, note=row.note, received_at=row.received_at)


router.add_api_route(
    "/{token}/events", post_event, methods=["POST"], status_code=201, response_model=EventOut,
    route_class_override=_EventRoute, summary="Report the outcome of a stop", responses={
        **_REFUSED, 403: {"model": ErrorBody, "description": "Another team's report"},
        409: {"model": ErrorBody, "description": "This event_id is stored already (a retry)"},
        422: {"model": ErrorBody, "description": (
            "Not a visit of this route, a time not within a day of the plan's day, a member "
            "present who is not of this team, or a body nested deeper than the limit; each "
            "problem located (/visit_id, /at, /members_present/N, /position)")}})
