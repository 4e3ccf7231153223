"""/v1/schedules: submit a week (JSON or files), read its status and days, re-plan its rest.

Roles, limits and the audit log are the plans': a dispatcher submits and reads; the body is
held to ROUTEPLAN_MAX_REQUEST_BYTES and parsed within the policy's limits; reading a finished
schedule issues its days' field links and logs the access on each day's plan.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.policy import DEFAULT_POLICY, Policy
from routeplan.domain.problem import validate_roster
from routeplan.domain.schedule import Horizon
from routeplan.io.day_writers import team_record, visit_record
from routeplan.io.field_reports import outcomes_from_records
from routeplan.io.reschedules import reschedules_from_records
from routeplan.workflows.build import check_plannable_day
from routeplan_api.deps import Caller, Dispatcher, Services, ServicesDep
from routeplan_api.errors import NotFound
from routeplan_api.jobs.runner import JobRef
from routeplan_api.persistence import Inputs, JobStatus
from routeplan_api.routes import ERRORS
from routeplan_api.routes.plans import field_link, resolve_policy
from routeplan_api.schemas.contract import records
from routeplan_api.schemas.plans import ProgressOut
from routeplan_api.schemas.schedules import (
    ScheduleAccepted,
    ScheduleCreate,
    ScheduleOut,
    ScheduleReplan,
)
from routeplan_api.services.inputs import form_request, json_body, json_inputs, parse
from routeplan_api.services.schedules import with_links

router = APIRouter(prefix="/v1/schedules", tags=["schedules"], responses=ERRORS)

_CREATE_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/ScheduleCreate"}},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["start", "days", "visits", "teams"],
        "properties": {
            "start": {"type": "string", "format": "date"},
            "days": {"type": "integer", "minimum": 1},
            "visits": {"type": "string", "format": "binary"},
            "teams": {"type": "string", "format": "binary"},
            "policy": {"type": "string", "default": "default"},
            "time_limit_s": {"type": "number"}, "seed": {"type": "integer"}}}}}}}


@router.post("", status_code=202, response_model=ScheduleAccepted, openapi_extra=_CREATE_BODY,
             summary="Queue a week for planning (JSON records or uploaded CSV/XLSX files)")
async def create_schedule(request: Request, services: ServicesDep,
                          caller: Dispatcher) -> ScheduleAccepted:
    """Validate the week as `routeplan week` does (422 names every problem), queue it."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        body, inputs = await _from_form(request)
    else:
        body = await run_in_threadpool(json_body, await request.body(), ScheduleCreate)
        inputs = json_inputs(records(body.visits), records(body.teams))
    row_id = await run_in_threadpool(_submit, services, caller, body, inputs)
    return ScheduleAccepted(schedule_id=row_id, status=JobStatus.QUEUED)


async def _from_form(request: Request) -> tuple[ScheduleCreate, Inputs]:
    form = await request.form(max_files=2, max_fields=10)
    return await form_request(form, ScheduleCreate, ("start", "days", "time_limit_s", "seed"))


def _submit(services: Services, caller: Caller, body: ScheduleCreate, inputs: Inputs) -> str:
    problems: list[InputProblem] = []
    policy: Policy | None = None
    version = 0
    try:
        policy, version = resolve_policy(services, body.policy.name, body.policy.overrides)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    limits = policy or DEFAULT_POLICY
    visits: list[Any] = []
    teams: list[Any] = []
    try:
        visits, teams = parse(inputs, max_rows=limits.max_rows, max_teams=limits.max_teams)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    else:
        if policy is not None:
            problems.extend(validate_roster(tuple(visits), tuple(teams), policy))
    if policy is not None:
        horizon = Horizon(body.start, body.days)
        for d in horizon.dates:  # a year no calendar covers, as the CLI refuses it
            found = check_plannable_day(d, policy, services.calendar)
            problems.extend(InputProblem("/start", p.message) for p in found)
            if found:
                break
    if problems or policy is None:
        raise InvalidInput.many(problems)
    time_limit = (body.time_limit_s if body.time_limit_s is not None
                  else policy.week_time_limit_s)
    row = services.store.schedules.create(
        start=body.start, days=body.days, time_limit_s=time_limit, seed=body.seed,
        by=caller.key_id, request={
            "visits": [visit_record(v) for v in visits],
            "teams": [team_record(t) for t in teams],
            "policy": policy.to_mapping(), "policy_name": body.policy.name,
            "policy_version": version})
    services.queue.submit(JobRef("schedule", row.id))
    return row.id


@router.get("/{schedule_id}", response_model=ScheduleOut,
            summary="A schedule's status, progress and, once done, its days")
def get_schedule(schedule_id: str, services: ServicesDep, caller: Dispatcher) -> ScheduleOut:
    """Once done, `result`: schedule.json's content, each day naming its stored plan.

    A day has `plan_id`, `plan_url` and its routes' signed `field_link`s; reading the
    schedule is logged on each day's plan.
    """
    row = services.store.schedules.get(schedule_id)
    if row is None:
        raise NotFound(f"no schedule {schedule_id!r}")
    result = None
    if row.status == JobStatus.DONE and row.result_json:

        def links(plan_id: str, day: date, teams: list[str]) -> dict[str, str]:
            issued = services.store.plans.links_for(plan_id, teams, day,
                                                    access=(caller.actor, "schedule"))
            return {t: field_link(services, issued[t].id, plan_id, t) for t in teams}

        result = with_links(json.loads(row.result_json), links,
                            services.settings.public_base_url)
    return ScheduleOut(
        schedule_id=row.id, status=row.status,  # type: ignore[arg-type]
        start=row.start, days=row.days, replan_of=row.replan_of, created_at=row.created_at,
        progress=ProgressOut(**json.loads(row.progress)) if row.progress else None,
        error=json.loads(row.error) if row.error else None, result=result)


_REPLAN_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/ScheduleReplan"}}}}}
BODY_MODELS = (ScheduleCreate, ScheduleReplan)


@router.post("/{schedule_id}/replan", status_code=202, response_model=ScheduleAccepted,
             openapi_extra=_REPLAN_BODY,
             summary="Re-plan the rest of a finished week from the field's outcomes")
async def replan_schedule(schedule_id: str, request: Request, services: ServicesDep,
                          caller: Dispatcher) -> ScheduleAccepted:
    """A new schedule from `today` to the week's end; the days before `today` are kept.

    Not at home is tried again at another time of day, refused is not tried again, a
    rescheduled case goes to its `new_date` (see the README). The body's nesting is checked
    before it is parsed, as a plan's is.
    """
    body = await run_in_threadpool(json_body, await request.body(), ScheduleReplan)
    return await run_in_threadpool(_replan, services, caller, schedule_id, body)


def _replan(services: Services, caller: Caller, schedule_id: str,
            body: ScheduleReplan) -> ScheduleAccepted:
    row = services.store.schedules.get(schedule_id)
    if row is None:
        raise NotFound(f"no schedule {schedule_id!r}")
    if row.status != JobStatus.DONE:
        raise NotFound(f"schedule {schedule_id!r} is not done (status {row.status})")
    horizon = Horizon(row.start, row.days)
    problems: list[InputProblem] = []
    if not row.start <= body.today <= horizon.end:
        problems.append(InputProblem("/today", f"{body.today} is not a day of the week "
                                               f"{row.start}..{horizon.end}"))
    earlier: list[Any] = json.loads(row.replan_json)["outcomes"] if row.replan_json else []
    try:
        outcomes_from_records(body.outcomes, source="/outcomes")
        reschedules_from_records(body.outcomes, source="/outcomes")
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if problems:
        raise InvalidInput.many(problems)
    time_limit = body.time_limit_s if body.time_limit_s is not None else row.time_limit_s
    new = services.store.schedules.create(
        start=body.today, days=(horizon.end - body.today).days + 1,
        request=json.loads(row.request_json), time_limit_s=time_limit, seed=row.seed,
        by=caller.key_id, replan_of=row.id,
        replan={"today": body.today.isoformat(), "outcomes": [*earlier, *body.outcomes]})
    services.queue.submit(JobRef("schedule", new.id))
    return ScheduleAccepted(schedule_id=new.id, status=JobStatus.QUEUED)
