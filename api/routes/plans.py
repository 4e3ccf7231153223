"""/v1/plans: submit a day, read status and plan, routes, exports, archive; the access log."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.policy import DEFAULT_POLICY, Policy
from routeplan.domain.problem import validate_roster
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.io import plan_from_dict, plan_to_csv, plan_to_geojson
from routeplan.io.plan_exports import plan_to_xlsx
from routeplan.workflows.build import DayWarning, check_plannable_day, day_warnings
from routeplan_api.deps import Admin, Caller, Dispatcher, Services, ServicesDep
from routeplan_api.errors import NotFound
from routeplan_api.jobs.runner import JobRef, region_locator
from routeplan_api.persistence import Inputs, JobStatus, PlanRead, PlanState
from routeplan_api.routes import ERRORS
from routeplan_api.schemas.contract import records
from routeplan_api.schemas.plans import (
    AccessOut,
    DayWarningOut,
    EventOut,
    LinkRevoked,
    PlanAccepted,
    PlanCreate,
    PlanOut,
    PlanPage,
    PlanSummary,
    PolicyUsed,
    ProgressOut,
    RouteOut,
)
from routeplan_api.security import LinkClaims
from routeplan_api.services.inputs import (
    form_request,
    json_body,
    json_inputs,
    parse,
)
from routeplan_api.services.mapping import sign_overview
from routeplan_api.services.plans import contract_of

router = APIRouter(prefix="/v1/plans", tags=["plans"], responses=ERRORS)

_MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["date", "visits", "teams"],
    "properties": {
        "date": {"type": "string", "format": "date", "example": "2026-12-01"},
        "visits": {"type": "string", "format": "binary",
                   "description": "visits file: .csv (UTF-8), .xlsx or .json"},
        "teams": {"type": "string", "format": "binary",
                  "description": "teams file: .csv (UTF-8), .xlsx or .json"},
        "policy": {"type": "string", "default": "default", "description": "policy name"},
        "overrides": {"type": "string", "description": "policy overrides as a JSON object"},
        "time_limit_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
        "seed": {"type": "integer", "minimum": 0},
    },
}
_CREATE_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/PlanCreate"}},
    "multipart/form-data": {"schema": _MULTIPART_SCHEMA}}}}
#: Bodies the routes read themselves (to check size and nesting first), so FastAPI does not
#: see them: `create_app` adds their schemas to the OpenAPI components the `$ref`s above name.
BODY_MODELS: tuple[type[BaseModel], ...] = (PlanCreate,)


@router.post("", status_code=202, response_model=PlanAccepted, openapi_extra=_CREATE_BODY,
             summary="Queue a day for solving (JSON records or uploaded CSV/XLSX files)",
)
async def create_plan(request: Request, services: ServicesDep,
                      caller: Dispatcher) -> PlanAccepted:
    """Validate the day as the CLI does (422 names every problem), store it, queue the solve.

    The body is at most ROUTEPLAN_MAX_REQUEST_BYTES (413 otherwise, chunked or not); it is
    parsed in the thread pool, within the limits of `routeplan.io.limits` and the policy's.
    """
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        body, inputs = await _from_form(request)
    else:
        raw = await request.body()
        body = await run_in_threadpool(json_body, raw, PlanCreate)
        inputs = json_inputs(records(body.visits), records(body.teams))
    state, warnings = await run_in_threadpool(submit, services, caller, body, inputs)
    assert state is not None
    return PlanAccepted(plan_id=state.plan.id, status=JobStatus.QUEUED, warnings=[
        DayWarningOut(code=w.code, message=w.message, message_zh=w.message_zh)  # type: ignore[arg-type]
        for w in warnings])


async def _from_form(request: Request) -> tuple[PlanCreate, Inputs]:
    form = await request.form(max_files=2, max_fields=10)
    return await form_inputs(form)


async def form_inputs(form: Any) -> tuple[PlanCreate, Inputs]:
    """The day of a multipart form (fields as in `_MULTIPART_SCHEMA`); the console's too."""
    return await form_request(form, PlanCreate, ("date", "time_limit_s", "seed"))


def _flatten(overrides: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        if isinstance(value, dict):
            for k2, v2 in value.items():
                flat[f"{key}.{k2}"] = v2
        else:
            flat[key] = value
    return flat


def resolve_policy(services: Services, name: str,
                   overrides: dict[str, Any]) -> tuple[Policy, int]:
    """The stored profile (or the built-in default, version 0) with the plan's overrides."""
    stored = services.store.policies.get(name)
    if stored is None and name != "default":
        raise InvalidInput("unknown policy", problems=[
            InputProblem("/policy/name", f"no stored policy named {name!r}")])
    base = (Policy.from_mapping(json.loads(stored.body), name=name) if stored
            else Policy(name="default"))
    try:
        policy = base.with_overrides(_flatten(overrides)) if overrides else base
    except InvalidInput as exc:
        raise InvalidInput.many(
            InputProblem("/policy/overrides/" + p.location.removeprefix("overrides.")
                         .removeprefix("policy.").replace(".", "/"), p.message)
            for p in exc.problems) from None
    return policy, stored.version if stored else 0


def submit(services: Services, caller: Caller, body: PlanCreate, inputs: Inputs, *,
           hold_if_warned: bool = False) -> tuple[PlanState | None, list[DayWarning]]:
    """Check the day, store it and queue the solve, and say what the dispatcher should know.

    Returns the stored plan and the day's warnings; with `hold_if_warned` (the console, which
    asks before solving) a day with warnings is not stored and the plan is None. InvalidInput
    names every problem of the files, the roster, the policy and the date.
    """
    state = None
    problems, resolved, visits, teams = _check(services, body, inputs)
    if problems or resolved is None:
        raise InvalidInput.many(problems)
    policy, policy_version = resolved
    warnings = day_warnings(body.date, visits, teams, policy, services.calendar,
                            region_locator())
    if not (hold_if_warned and warnings):
        state = _store(services, caller, body, inputs, policy, policy_version)
    return state, warnings


def _check(services: Services, body: PlanCreate, inputs: Inputs) -> tuple[
        list[InputProblem], tuple[Policy, int] | None, list[Visit], list[Team]]:
    problems: list[InputProblem] = []
    policy: Policy | None = None
    policy_version = 0
    visits: list[Visit] = []
    teams: list[Team] = []
    try:
        policy, policy_version = resolve_policy(services, body.policy.name, body.policy.overrides)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    limits = policy or DEFAULT_POLICY  # an unusable policy: still report the files' problems
    try:
        visits, teams = parse(inputs, max_rows=limits.max_rows, max_teams=limits.max_teams)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    else:
        if policy is not None:
            problems.extend(validate_roster(tuple(visits), tuple(teams), policy))
    if policy is not None:
        problems.extend(InputProblem("/date", p.message)
                        for p in check_plannable_day(body.date, policy, services.calendar))
    return problems, (policy, policy_version) if policy else None, visits, teams


def _store(services: Services, caller: Caller, body: PlanCreate, inputs: Inputs,
           policy: Policy, policy_version: int) -> PlanState:
    time_limit = body.time_limit_s if body.time_limit_s is not None else policy.time_limit_s
    state = services.store.plans.create(
        day=body.date, inputs=inputs, policy_name=body.policy.name,
        policy_version=policy_version, policy=policy.to_mapping(), time_limit_s=time_limit,
        seed=body.seed, by=caller.key_id)
    services.queue.submit(JobRef("plan", state.plan.id, 1, 1))
    return state


def _get(services: Services, plan_id: str) -> PlanState:
    state = services.store.plans.get(plan_id)
    if state is None:
        raise NotFound(f"no plan {plan_id!r}")
    return state


def field_link(services: Services, link_id: str, plan_id: str, team_id: str) -> str:
    """The absolute signed URL of a team's field page."""
    token = services.signer.sign(LinkClaims(link_id, plan_id, team_id))
    return f"{services.settings.public_base_url}/m/{token}"


def _read(services: Services, plan_id: str, version: int | None, caller: Caller,
          what: str) -> PlanRead:
    read = services.store.plans.read(plan_id, version, (caller.actor, what))
    if read is None:
        raise NotFound(f"no plan {plan_id!r}")
    if not read.found:
        raise NotFound(f"plan {plan_id!r} has no version {read.version}")
    return read


def _contract(services: Services, read: PlanRead) -> dict[str, Any] | None:
    """The finished version's plan contract (parsed once per process), else None."""
    if read.status != JobStatus.DONE:
        return None
    text = services.store.plans.plan_json(read.plan_id, read.version)
    return None if text is None else contract_of(read.plan_id, read.version, text)


def _plan_body(services: Services, read: PlanRead) -> bytes:
    """The PlanOut JSON of a read, without `overview_link`; finished versions from the cache.

    The key holds everything a reader can see change (see PlanRead), so a hit is current.
    """
    key = ("plan", read.plan_id, read.version, read.last_event, read.versions, read.links)
    if read.status == JobStatus.DONE and (body := services.bodies.get(key)) is not None:
        return body
    contract = _contract(services, read)
    plan: dict[str, Any] | None = None
    links = dict(read.links)
    if contract is not None:
        teams = [str(r["team_id"]) for r in contract.get("routes", [])]
        if any(t not in links for t in teams):  # issue the missing links (access logged)
            links.update((t, row.id) for t, row in services.store.plans.links_for(
                read.plan_id, teams, read.day).items())
            key = (*key[:-1], tuple(sorted(links.items())))
        plan = {**contract, "routes": [
            {**r, "field_link": field_link(services, links[str(r["team_id"])],
                                           read.plan_id, str(r["team_id"]))}
            for r in contract.get("routes", [])]}
    events = [EventOut(visit_id=e.visit_id, team_id=e.team_id, status=e.status,  # type: ignore[arg-type]
                       at=e.at, note=e.note, received_at=e.received_at)
              for e in services.store.plans.events(read.plan_id)]
    control = services.store.plans.control(read.plan_id, read.version)
    out = PlanOut(
        plan_id=read.plan_id, version=read.version, status=read.status,  # type: ignore[arg-type]
        date=read.day,
        progress=ProgressOut(**json.loads(read.progress)) if read.progress else None,
        error=json.loads(read.error) if read.error else None,
        plan=None, events=events,
        policy=PolicyUsed(name=read.policy_name, version=read.policy_version),
        versions=list(read.versions), changes=None)
    # the plan and the changes go out as stored (typed in the schema as PlanContract and
    # ChangesContract, not re-serialised)
    doc = out.model_dump(mode="json", exclude={"overview_link"})
    doc["plan"] = plan
    doc["changes"] = (json.loads(control.changes_json) if control and control.changes_json
                      else None)
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    if contract is not None:
        services.bodies.put(key, body)
    return body


_COUNTS: dict[tuple[str, int], dict[str, Any]] = {}


def plan_counts(state: PlanState) -> dict[str, Any]:
    """Planned, unassigned, teams and km of a finished version (empty while it is not done).

    Read from the stored contract's `kpis` alone (a finished version never changes, so each
    is read once per process): a page of 50 plans does not parse 50 plans.
    """
    v = state.version
    if v.status != JobStatus.DONE or v.plan_json is None:
        return {}
    key = (v.plan_id, v.version)
    if (hit := _COUNTS.get(key)) is not None:
        return hit
    k = json.loads(v.plan_json).get("kpis", {})
    counts = {"planned": k.get("visits_planned"), "unassigned": k.get("visits_unassigned"),
              "teams": k.get("teams_used"),
              "km": round(int(k.get("distance_m", 0)) / 1000, 1)}
    if len(_COUNTS) >= 10_000:
        _COUNTS.clear()
    _COUNTS[key] = counts
    return counts


@router.get("", response_model=PlanPage, summary="List plans, newest first")
def list_plans(services: ServicesDep, caller: Dispatcher,
               date: Annotated[date | None, Query(description="Only plans for this day")] = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 50,
               offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> PlanPage:
    """Plans (not archived), paginated by `offset`/`limit`."""
    rows = services.store.plans.list_page(day=date, limit=limit + 1, offset=offset)
    items = [PlanSummary(plan_id=s.plan.id, version=s.version.version,
                         status=s.version.status,  # type: ignore[arg-type]
                         date=s.plan.day, created_at=s.plan.created_at, **plan_counts(s))
             for s in rows[:limit]]
    return PlanPage(items=items, next_offset=offset + limit if len(rows) > limit else None)


@router.get("/{plan_id}", response_model=PlanOut, summary="Status, progress and the plan")
def get_plan(plan_id: str, services: ServicesDep, caller: Dispatcher,
             version: Annotated[int | None, Query(ge=1, le=100_000, description=(
                 "An earlier version (the audit trail); default: the current one"))] = None,
             ) -> Response:
    """The current version (or `?version=N`): `plan` once done, `progress` while solving.

    Each route carries a signed `field_link`, the response a short-lived `overview_link`.
    Field links always show the newest finished version.
    """
    read = _read(services, plan_id, version, caller, "plan")
    body = _plan_body(services, read)
    if read.status == JobStatus.DONE:
        # the one per-caller part: spliced in rather than re-serialising the whole plan
        token = sign_overview(services.settings, plan_id, caller.key_id, services.clock())
        link = json.dumps(f"{services.settings.public_base_url}/o/{token}")
        body = body[:-1] + f',"overview_link":{link}}}'.encode()
    return Response(body, media_type="application/json")


def _done_contract(state: PlanState) -> dict[str, Any]:
    v = state.version
    if v.status != JobStatus.DONE or v.plan_json is None:
        raise NotFound(f"plan {state.plan.id!r} has no finished version yet (status {v.status})")
    return contract_of(v.plan_id, v.version, v.plan_json)


@router.get("/{plan_id}/routes/{team_id}", response_model=RouteOut,
            summary="One team's route")
def get_route(plan_id: str, team_id: str, services: ServicesDep,
              caller: Dispatcher) -> Response:
    """The route of `team_id` in the plan's current version, with its field link."""
    read = _read(services, plan_id, None, caller, f"route:{team_id}")
    link = dict(read.links).get(team_id)
    key = ("route", plan_id, read.version, team_id, link)
    if read.status == JobStatus.DONE and link is not None and (body := services.bodies.get(key)):
        return Response(body, media_type="application/json")
    contract = _contract(services, read)
    if contract is None:
        raise NotFound(f"plan {plan_id!r} has no finished version yet (status {read.status})")
    route = next((r for r in contract.get("routes", []) if r.get("team_id") == team_id), None)
    if route is None:
        raise NotFound(f"plan {plan_id!r} has no route for team {team_id!r}")
    if link is None:
        link = services.store.plans.links_for(plan_id, [team_id], read.day)[team_id].id
        key = (*key[:-1], link)
    body = json.dumps({"plan_id": plan_id, "version": read.version,
                       "date": read.day.isoformat(),
                       "route": {**route, "field_link": field_link(services, link, plan_id,
                                                                   team_id)}},
                      ensure_ascii=False, separators=(",", ":")).encode()
    services.bodies.put(key, body)
    return Response(body, media_type="application/json")


@router.delete("/{plan_id}/routes/{team_id}/link", response_model=LinkRevoked,
               summary="Revoke a team's field link")
def revoke_link(plan_id: str, team_id: str, services: ServicesDep,
                caller: Dispatcher) -> LinkRevoked:
    """Every live link of the team stops working; the next read of the plan issues a new one."""
    _get(services, plan_id)
    services.store.plans.log_access(plan_id, caller.actor, f"revoke-link:{team_id}")
    return LinkRevoked(revoked=services.store.plans.revoke_links(plan_id, team_id))


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/{plan_id}/export", summary="The plan as CSV, Excel (XLSX) or GeoJSON",
            responses={200: {"content": {"text/csv": {}, _XLSX: {}, "application/geo+json": {}}}})
def export_plan(plan_id: str, services: ServicesDep, caller: Dispatcher,
                format: Annotated[Literal["csv", "xlsx", "geojson"], Query()] = "csv",
                headers: Annotated[Literal["en", "zh"] | None, Query(description=(
                    "CSV header row: column names (en, the default) or Chinese (zh); the "
                    "XLSX sheet has Chinese headers"))] = None) -> Response:
    """Routes as sheet rows (one per stop, then the unassigned) or as GeoJSON features.

    CSV is UTF-8 with a BOM (Excel in Chinese reads it right); in CSV and XLSX a cell from
    input that a spreadsheet would run as a formula is neutralised (a leading quote).
    """
    state = _get(services, plan_id)
    plan = plan_from_dict(_done_contract(state))
    services.store.plans.log_access(plan_id, caller.actor, f"export:{format}")
    name = f"plan-{state.plan.day}.{format}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "csv":
        text = "\ufeff" + plan_to_csv(plan, header=headers or "en")
        return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers=disposition)
    if format == "xlsx":
        return Response(plan_to_xlsx(plan), media_type=_XLSX, headers=disposition)
    return Response(json.dumps(plan_to_geojson(plan), ensure_ascii=False),
                    media_type="application/geo+json", headers=disposition)


@router.delete("/{plan_id}", status_code=204, summary="Archive a plan")
def archive_plan(plan_id: str, services: ServicesDep, caller: Dispatcher) -> Response:
    """Hidden from lists and reads; purged by an admin after the retention period."""
    if not services.store.plans.archive(plan_id):
        raise NotFound(f"no plan {plan_id!r}")
    services.store.plans.log_access(plan_id, caller.actor, "archive")
    return Response(status_code=204)


@router.get("/{plan_id}/access", response_model=list[AccessOut],
            summary="Who read this plan (admin)")
def access_log(plan_id: str, services: ServicesDep, caller: Admin) -> list[AccessOut]:
    """The plan's access log: key or link id, what was read, when."""
    if services.store.plans.get(plan_id, include_archived=True) is None:
        raise NotFound(f"no plan {plan_id!r}")
    return [AccessOut(actor=a.actor, what=a.what, at=a.at)
            for a in services.store.plans.access_log(plan_id)]


admin_router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=ERRORS)


@admin_router.post("/purge", summary="Purge archived plans and plans past their retention")
def purge(services: ServicesDep, caller: Admin) -> dict[str, int]:
    """Deletes archived plans and plans past their retention, with everything kept about them.

    `purged`: archived longer than ROUTEPLAN_RETENTION_DAYS ago; `expired`: the plan's day is
    older than its policy's `audit.retention_days` (field reports and positions with it).
    `routeplan purge` does the latter from cron.
    """
    n = services.store.plans.purge_archived(timedelta(days=services.settings.retention_days))
    return {"purged": n, "expired": len(services.store.plans.purge_expired())}
