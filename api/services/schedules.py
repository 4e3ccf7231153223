"""Weekly schedules in the service: plan (or re-plan) a stored request, store each day as a plan.

A schedule's request holds the week's visit and team records as accepted, the policy (as a
mapping, with the stored profile's name and version) and the horizon. Once planned, every day
becomes an ordinary stored plan (version 1, done): its field links, maps, stop and re-plan are
the plan endpoints'. The schedule's result is schedule.json's content with each day naming
its `plan_id`. A re-plan of a schedule is a new schedule (`replan_of`), whose request is its
parent's and whose `replan_json` holds `today` and every outcome so far.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any

from routeplan.config import RuntimeConfig
from routeplan.domain.days import CaseDays, TeamDays
from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.schedule import Horizon, WeekPlan
from routeplan.io import plan_to_dict
from routeplan.io.day_writers import team_record, visit_record
from routeplan.io.field_reports import outcomes_from_records
from routeplan.io.reschedules import reschedules_from_records
from routeplan.io.schedule_json import schedule_to_dict
from routeplan.solver.decompose import PartRunner
from routeplan.solver.solve import Progress
from routeplan.workflows.build import RegionLocator
from routeplan.workflows.runtime import build_day, calendar_of, travel_of
from routeplan.workflows.week import WeekOptions, plan_week
from routeplan.workflows.week_replan import prepare_week_replan
from routeplan_api.persistence import Store
from routeplan_api.persistence.tables import JobStatus, ScheduleRow
from routeplan_api.services.inputs import json_inputs, parse
from routeplan_api.services.plans import plan_of


def compute_week(store: Store, row: ScheduleRow, runtime: RuntimeConfig,
                 locator: RegionLocator, *, progress: Callable[[Progress], None] | None = None,
                 runner: PartRunner | None = None) -> tuple[WeekPlan, list[dict[str, Any]]]:
    """The checked week of a stored request, and (a re-plan) the days it keeps."""
    request: dict[str, Any] = json.loads(row.request_json)
    policy = Policy.from_mapping(request["policy"], source="policy",
                                 name=request.get("policy_name"))
    visits, teams = parse(json_inputs(request["visits"], request["teams"]))
    calendar = calendar_of(runtime)
    build = partial(build_day, config=runtime, travel=travel_of(runtime, policy),
                    locator=locator, calendar=calendar)
    options = WeekOptions(time_limit_s=row.time_limit_s, seed=row.seed)
    horizon = Horizon(row.start, row.days)
    if row.replan_of is None or row.replan_json is None:
        week = plan_week(visits, teams, policy, horizon, build=build, locator=locator,
                         calendar=calendar, options=options, runner=runner, progress=progress)
        return week, []
    parent = store.schedules.get(row.replan_of)
    if parent is None or parent.status != JobStatus.DONE or parent.result_json is None:
        raise InvalidInput(f"schedule {row.replan_of!r} has no finished week to re-plan")
    done: dict[str, Any] = json.loads(parent.result_json)
    plans: dict[date, Plan] = {}
    for entry in [*done.get("past", []), *done.get("days", [])]:
        pid = entry.get("plan_id")
        text = store.plans.plan_json(pid, 1) if pid else None
        if text is not None:
            plans[date.fromisoformat(entry["date"])] = plan_of(pid, 1, text)
    asked: dict[str, Any] = json.loads(row.replan_json)
    records = asked["outcomes"]
    prepared = prepare_week_replan(
        visits, plans, horizon.end, date.fromisoformat(asked["today"]),
        outcomes_from_records(records, source="/outcomes"),
        reschedules_from_records(records, source="/outcomes"), policy)
    week = plan_week(prepared.visits, teams, policy, prepared.horizon, build=build,
                     locator=locator, calendar=calendar, options=options, runner=runner,
                     progress=progress)
    week = replace(week, schedule=replace(
        week.schedule, unscheduled=prepared.with_notes(week.schedule.unscheduled)))
    ids = {e["date"]: e.get("plan_id") for e in [*done.get("past", []), *done.get("days", [])]}
    past = [{"date": d.isoformat(), "plan_id": ids.get(d.isoformat()),
             "visits_planned": prepared.kept[d].kpis.visits_planned}
            for d in sorted(prepared.kept)]
    return week, past


def store_week(store: Store, row: ScheduleRow, week: WeekPlan, past: list[dict[str, Any]],
               worker: str, progress: dict[str, Any]) -> bool:
    """Store every day as a finished plan, then the schedule's result; False if superseded."""
    if not store.schedules.heartbeat(row.id, worker):
        return False
    request: dict[str, Any] = json.loads(row.request_json)
    by_id = {v.visit_id: v for v in week.visits}
    plan_ids: dict[date, str] = {}
    for day, plan in sorted(week.schedule.days.items()):
        # the day as a day plan holds it: no history (the week kept rule 7), no weekly days
        mine = [replace(by_id[vid], last_visit=None, visits_last_7d=0, days=CaseDays())
                for vid in plan.visit_ids() if vid in by_id]
        crews = [t for t in week.teams if t.days.works(day)
                 or any(r.team_id == t.team_id for r in plan.routes)]
        state = store.plans.create(
            day=day, inputs=json_inputs([visit_record(v) for v in mine],
                                        [team_record(replace(t, days=TeamDays()))
                                         for t in crews]),
            policy_name=str(request.get("policy_name", "default")),
            policy_version=int(request.get("policy_version", 0)),
            policy=request["policy"], time_limit_s=row.time_limit_s, seed=row.seed,
            by=row.created_by)
        store.plans.claim(state.plan.id, 1, 1, worker)
        store.plans.finish(state.plan.id, 1, 1, plan_to_dict(plan),
                           {"elapsed_s": plan.kpis.solve_s, "objective": plan.kpis.objective,
                            "solutions": 1, "planned": plan.kpis.visits_planned})
        plan_ids[day] = state.plan.id
    doc = schedule_to_dict(week, past=past)
    for entry in doc["days"]:
        if "plan" in entry:
            del entry["plan"]
            day = date.fromisoformat(entry["date"])
            entry["plan_id"] = plan_ids[day]
            entry["teams"] = [r.team_id for r in week.schedule.days[day].routes if r.stops]
    doc.pop("inputs", None)
    return store.schedules.finish(row.id, worker, doc, progress)


def with_links(doc: Mapping[str, Any], links: Callable[[str, date, list[str]],
                                                       dict[str, str]],
               base_url: str) -> dict[str, Any]:
    """The result as the API shows it: each day's plan URL and its routes' field links."""
    days = []
    for entry in doc.get("days", []):
        pid = entry.get("plan_id")
        if pid is None:
            days.append(dict(entry))
            continue
        teams = list(entry.get("teams", []))
        days.append({**entry, "plan_url": f"{base_url}/v1/plans/{pid}",
                     "routes": [{"team_id": t, "field_link": url}
                                for t, url in links(pid, date.fromisoformat(entry["date"]),
                                                    teams).items()]})
    past = [{**e, "plan_url": f"{base_url}/v1/plans/{e['plan_id']}"} if e.get("plan_id")
            else dict(e) for e in doc.get("past", [])]
    return {**doc, "days": days, "past": past}
