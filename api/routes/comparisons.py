"""/v1/comparisons: what-if runs of one day under several policies or rosters (analyst role)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.policy import DEFAULT_POLICY, Policy
from routeplan.domain.problem import validate_roster
from routeplan.io import teams_from_records
from routeplan_api.deps import Analyst, Caller, Services, ServicesDep
from routeplan_api.errors import NotFound
from routeplan_api.jobs.runner import JobRef
from routeplan_api.persistence import JobStatus
from routeplan_api.routes import ERRORS
from routeplan_api.routes.plans import resolve_policy
from routeplan_api.schemas.analysis import ComparisonAccepted, ComparisonCreate, ComparisonOut
from routeplan_api.schemas.contract import records
from routeplan_api.services.inputs import DepthCheckedRoute, json_inputs, parse

router = APIRouter(prefix="/v1/comparisons", tags=["comparisons"], responses=ERRORS,
                   route_class=DepthCheckedRoute)


def _submit(services: Services, caller: Caller, body: ComparisonCreate) -> ComparisonAccepted:
    problems: list[InputProblem] = []
    names = [s.name for s in body.scenarios]
    resolved: list[tuple[int, Policy, int]] = []
    for i, sc in enumerate(body.scenarios):
        where = f"/scenarios/{i}"
        if names.count(sc.name) > 1:
            problems.append(InputProblem(f"{where}/name", f"{sc.name!r} is given twice"))
        try:
            policy, version = resolve_policy(services, sc.policy.name, sc.policy.overrides)
        except InvalidInput as exc:
            problems += [InputProblem(where + p.location, p.message) for p in exc.problems]
            continue
        resolved.append((i, policy, version))
    # The day is read once, within the largest limits of its scenarios; each is held to its own.
    largest = max((p for _, p, _ in resolved), key=lambda p: p.max_rows, default=DEFAULT_POLICY)
    visits: list[Any] = []
    teams: list[Any] = []
    try:
        visits, teams = parse(json_inputs(records(body.visits), records(body.teams)),
                              max_rows=largest.max_rows,
                              max_teams=max((p.max_teams for _, p, _ in resolved),
                                            default=DEFAULT_POLICY.max_teams))
    except InvalidInput as exc:
        problems += exc.problems
    scenarios: list[dict[str, Any]] = []
    policies: list[Policy] = []
    for i, policy, version in resolved:
        sc = body.scenarios[i]
        where = f"/scenarios/{i}"
        roster = teams
        if sc.teams is not None:
            try:
                roster = teams_from_records(records(sc.teams), f"scenarios/{i}/teams",
                                            max_rows=policy.max_teams)
            except InvalidInput as exc:
                problems += exc.problems
                continue
        for what, n, limit, key in (("visits", len(visits), policy.max_rows, "max_rows"),
                                    ("teams", len(roster), policy.max_teams, "max_teams")):
            if n > limit:
                problems.append(InputProblem(
                    f"{where}/policy", f"the day has {n:,} {what}; this scenario's "
                    f"limits.{key} allows at most {limit:,}"))
        if visits and roster:
            problems += [InputProblem(f"{where}: {p.location}", p.message)
                         for p in validate_roster(tuple(visits), tuple(roster), policy)]
        policies.append(policy)
        scenarios.append({"name": sc.name, "policy": policy.to_mapping(),
                          "policy_name": sc.policy.name, "policy_version": version,
                          "teams": records(sc.teams) if sc.teams is not None else None})
    if problems or not policies:
        raise InvalidInput.many(problems)
    time_limit = body.time_limit_s if body.time_limit_s is not None else policies[0].time_limit_s
    row = services.store.comparisons.create(
        day=body.date, request={"visits": records(body.visits), "teams": records(body.teams),
                                "scenarios": scenarios},
        time_limit_s=time_limit, seed=body.seed, by=caller.key_id)
    services.queue.submit(JobRef("comparison", row.id))
    return ComparisonAccepted(comparison_id=row.id, status=JobStatus.QUEUED)


@router.post("", status_code=202, response_model=ComparisonAccepted,
             summary="Queue a what-if comparison of one day under several scenarios")
async def create_comparison(body: ComparisonCreate, services: ServicesDep,
                            caller: Analyst) -> ComparisonAccepted:
    """Solve each scenario with the same seed and time budget, as a job on the queue.

    A scenario is a stored policy with overrides, optionally with its own roster.
    """
    return await run_in_threadpool(_submit, services, caller, body)


@router.get("/{comparison_id}", response_model=ComparisonOut,
            summary="A comparison's status and, when done, its figures")
def get_comparison(comparison_id: str, services: ServicesDep,
                   caller: Analyst) -> ComparisonOut:
    """`result` = `{"date", "scenarios": [{"name", "policy", "kpis", ...}]}` once done."""
    row = services.store.comparisons.get(comparison_id)
    if row is None:
        raise NotFound(f"no comparison {comparison_id!r}")
    done = row.status == JobStatus.DONE
    return ComparisonOut(
        comparison_id=row.id, status=row.status,  # type: ignore[arg-type]
        date=row.day, created_at=row.created_at,
        error=json.loads(row.error) if row.error else None,
        result=json.loads(row.result_json) if done and row.result_json else None,
        report_url=(f"{services.settings.public_base_url}/v1/comparisons/{row.id}/report"
                    if done else None))


@router.get("/{comparison_id}/report", response_class=HTMLResponse,
            summary="The comparison as an HTML page: table and charts",
            responses={200: {"content": {"text/html": {}}}})
def comparison_report(comparison_id: str, services: ServicesDep,
                      caller: Analyst) -> HTMLResponse:
    """Unassigned by reason, workload per team, priority covered against km; self-contained."""
    row = services.store.comparisons.get(comparison_id)
    if row is None:
        raise NotFound(f"no comparison {comparison_id!r}")
    if row.status != JobStatus.DONE or row.report_html is None:
        raise NotFound(f"comparison {comparison_id!r} is not done (status {row.status})")
    return HTMLResponse(row.report_html)
