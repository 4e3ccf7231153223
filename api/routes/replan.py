"""/v1/plans/{id}/replan and /stop: a new version for the rest of the day; stopping a solve."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from routeplan.domain.clock import SHANGHAI, parse_hhmm
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.io.field_reports import positions_from_records
from routeplan.workflows.replan import Disruption
from routeplan_api.deps import Caller, Dispatcher, Services, ServicesDep
from routeplan_api.errors import Conflict, NotFound
from routeplan_api.jobs.runner import JobRef
from routeplan_api.persistence import Busy
from routeplan_api.routes import ERRORS
from routeplan_api.schemas.analysis import ReplanIn, VersionAccepted
from routeplan_api.schemas.plans import ErrorBody
from routeplan_api.services.plans import contract_of
from routeplan_api.services.replans import disruption_to_json

router = APIRouter(prefix="/v1/plans", tags=["plans"], responses={
    **ERRORS, 409: {"model": ErrorBody, "description": "A version is still solving"}})


def _now_s(text: str, day: Any) -> int:
    try:
        return parse_hhmm(text, "now")
    except InvalidInput:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput.many([InputProblem(
            "/now", f"{text!r} is neither HH:MM nor an ISO 8601 moment")]) from None
    if moment.tzinfo is None:
        raise InvalidInput.many([InputProblem("/now", f"{text!r} has no UTC offset")])
    local = moment.astimezone(SHANGHAI)
    if local.date() != day:
        raise InvalidInput.many([InputProblem(
            "/now", f"{text!r} is not on the plan's day {day.isoformat()}")])
    return local.hour * 3600 + local.minute * 60 + local.second


def _hhmm_map(values: dict[str, str], name: str, problems: list[InputProblem]) -> dict[str, int]:
    """{id: "HH:MM"} as {id: seconds}; each bad time is one problem at its pointer."""
    out: dict[str, int] = {}
    for key, text in values.items():
        try:
            out[key] = parse_hhmm(text, name)
        except InvalidInput:
            problems.append(InputProblem(f"/{name}/{key}", f"{text[:20]!r} is not HH:MM"))
    return out


def _replan(services: Services, caller: Caller, plan_id: str, body: ReplanIn) -> VersionAccepted:
    state = services.store.plans.get(plan_id)
    if state is None:
        raise NotFound(f"no plan {plan_id!r}")
    found = services.store.plans.latest_done(plan_id)
    if found is None or found[1].plan_json is None:
        raise Conflict("the plan has no finished version to re-plan yet")
    contract = contract_of(plan_id, found[1].version, found[1].plan_json)
    visits = {str(s["visit_id"]) for r in contract.get("routes", []) for s in r.get("stops", [])}
    visits |= {str(u["visit_id"]) for u in contract.get("unassigned", [])}
    teams = {str(r["team_id"]) for r in contract.get("routes", [])}
    problems: list[InputProblem] = []
    for name in ("done", "cancelled"):
        problems += [InputProblem(f"/{name}/{i}", f"visit {v!r} is not in the plan")
                     for i, v in enumerate(getattr(body, name)) if v not in visits]
    for name in ("dropped_teams", "locked_teams"):
        problems += [InputProblem(f"/{name}/{i}", f"team {t!r} is not in the plan")
                     for i, t in enumerate(getattr(body, name)) if t not in teams]
    problems += [InputProblem(f"/positions/{t}", f"team {t!r} is not in the plan")
                 for t in body.positions if t not in teams]
    problems += [InputProblem(f"/teams_available_from/{t}", f"team {t!r} is not in the plan")
                 for t in body.teams_available_from if t not in teams]
    problems += [InputProblem(f"/rescheduled/{v}", f"visit {v!r} is not in the plan")
                 for v in body.rescheduled if v not in visits]
    available_from = _hhmm_map(body.teams_available_from, "teams_available_from", problems)
    rescheduled = _hhmm_map(body.rescheduled, "rescheduled", problems)
    now_s: int | None = None
    try:
        now_s = _now_s(body.now, state.plan.day)
    except InvalidInput as exc:
        problems += exc.problems
    positions: dict[str, tuple[float, float]] = {}
    try:
        positions = positions_from_records(
            {t: p.model_dump() for t, p in body.positions.items()}, source="/positions")
    except InvalidInput as exc:
        problems += exc.problems
    if problems or now_s is None:
        raise InvalidInput.many(problems)
    try:  # the core's own consistency checks (done and cancelled, dropped and locked)
        disruption = Disruption(
            now=now_s, done=frozenset(body.done), cancelled=frozenset(body.cancelled),
            positions=positions, dropped_teams=frozenset(body.dropped_teams),
            locked_teams=frozenset(body.locked_teams), available_from=available_from,
            rescheduled=rescheduled)
    except InvalidInput as exc:
        raise InvalidInput.many(InputProblem("/" + p.location.split("[")[0], p.message)
                                for p in exc.problems) from None
    base = found[1]
    try:
        v = services.store.plans.create_replan(
            plan_id, disruption_to_json(disruption, now_text=body.now),
            time_limit_s=body.time_limit_s if body.time_limit_s is not None else base.time_limit_s,
            seed=body.seed if body.seed is not None else base.seed)
    except Busy:
        raise Conflict("a version of this plan is still solving; stop it or wait") from None
    services.store.plans.log_access(plan_id, caller.actor, f"replan:v{v.version}")
    services.queue.submit(JobRef("plan", plan_id, v.version, 1))
    return VersionAccepted(plan_id=plan_id, version=v.version, status="queued")


@router.post("/{plan_id}/replan", status_code=202, response_model=VersionAccepted,
             summary="Re-plan the rest of the day as a new version")
async def replan_plan(plan_id: str, body: ReplanIn, services: ServicesDep,
                      caller: Dispatcher) -> VersionAccepted:
    """Keeps completed stops as they were, never moves a team into the past, keeps every rule.

    The field outcomes stored so far are taken into account; a late team is given in
    `teams_available_from`, a time agreed with a borrower in `rescheduled`. Teams keep what
    they were told unless a change plans more priority or saves more driving than the
    policy's `[replan]` price. The new version becomes the plan's current one;
    `GET /v1/plans/{id}` shows it with `changes` (per team: what is new since the version it
    re-planned, and why; visits moved, added, dropped with reasons) once done, and
    `?version=N` reads any earlier one. Field links keep working and show the new version as
    soon as it is finished.
    """
    return await run_in_threadpool(_replan, services, caller, plan_id, body)


@router.post("/{plan_id}/stop", status_code=202, response_model=VersionAccepted,
             summary="Stop a running solve early and keep the best plan so far")
def stop_plan(plan_id: str, services: ServicesDep, caller: Dispatcher) -> VersionAccepted:
    """The worker stops at its next check (well under a second while it finds solutions)."""
    state = services.store.plans.get(plan_id)
    if state is None:
        raise NotFound(f"no plan {plan_id!r}")
    v = state.version
    if not services.store.plans.request_stop(plan_id, v.version):
        raise Conflict(f"version {v.version} is not solving (status {v.status})")
    services.store.plans.log_access(plan_id, caller.actor, f"stop:v{v.version}")
    return VersionAccepted(plan_id=plan_id, version=v.version, status="stopping")
