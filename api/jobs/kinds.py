"""The kinds of job the runner works: a plan version, a comparison, a weekly schedule.

A plan version is a solve or a re-plan; a schedule is a week or a re-plan of its rest.
"""

from __future__ import annotations

import json
from typing import Any

from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.schedule import WeekPlan
from routeplan.io import plan_to_dict, teams_from_records
from routeplan.report.charts import render_charts, report_html
from routeplan.solver import SolveOptions, solve
from routeplan.workflows.compare import Scenario, compare, comparison_to_dict
from routeplan.workflows.replan import replan
from routeplan.workflows.runtime import build_day, travel_of, travel_of_plan
from routeplan_api.jobs.parts import RqPartRunner
from routeplan_api.jobs.runner import Context, JobKind, JobRef, region_locator, stop_signal
from routeplan_api.persistence import Job, Store
from routeplan_api.persistence.tables import ComparisonRow, ScheduleRow
from routeplan_api.services.inputs import json_inputs, parse
from routeplan_api.services.plans import outcomes_of, plan_of
from routeplan_api.services.replans import disruption_from_json


class PlanJob:
    """One attempt of one plan version: the day's first solve, or a re-plan of an earlier one."""

    def claim(self, store: Store, ref: JobRef, worker: str) -> Job | None:
        return store.plans.claim(ref.id, ref.version, ref.attempt, worker)

    def heartbeat(self, ctx: Context) -> bool:
        ref = ctx.ref
        return ctx.store.plans.heartbeat(ref.id, ref.version, ref.attempt, dict(ctx.latest))

    def compute(self, ctx: Context, claimed: object) -> Plan:
        assert isinstance(claimed, Job)
        job, store = claimed, ctx.store
        policy = Policy.from_mapping(json.loads(job.policy_json), source="policy")
        visits, teams = parse(job.inputs, max_rows=policy.max_rows, max_teams=policy.max_teams)
        options = SolveOptions(time_limit_s=job.time_limit_s, seed=job.seed)
        should_stop = stop_signal(
            ctx, lambda: store.plans.stop_requested(job.plan_id, job.version))
        control = store.plans.control(job.plan_id, job.version)
        cfg = ctx.runtime
        if control is None or control.replan_json is None or control.base_version is None:
            problem = build_day(job.day, visits, teams, policy, cfg,
                                travel=travel_of(cfg, policy), locator=region_locator())
            settings = ctx.settings
            runner = (RqPartRunner(settings.queue_url) if settings and settings.queue_url
                      else None)
            plan = solve(problem, options, progress=ctx.on_progress, should_stop=should_stop,
                         runner=runner)
        else:
            found = store.plans.get_version(job.plan_id, control.base_version)
            if found is None or found[1].plan_json is None:
                raise InvalidInput(f"version {control.base_version} has no plan to re-plan")
            old = plan_of(job.plan_id, control.base_version, found[1].plan_json)
            problem = build_day(job.day, visits, teams, policy, cfg,
                                travel=travel_of_plan(old, cfg), locator=region_locator())
            routed = {s.visit_id for r in old.routes for s in r.stops}
            outcomes = tuple(o for o in outcomes_of(store.plans.events(job.plan_id))
                             if o.visit_id in routed)
            disruption = disruption_from_json(control.replan_json, outcomes)
            plan, changes = replan(problem, old, disruption, options,
                                   progress=ctx.on_progress, should_stop=should_stop,
                                   base_version=control.base_version)
            store.plans.set_changes(job.plan_id, job.version, changes.to_dict())
        # what the solve did, whether or not the search reported progress on the way
        k = plan.kpis
        ctx.latest.update(planned=k.visits_planned, unassigned=k.visits_unassigned,
                          teams_used=k.teams_used, solve_s=round(k.solve_s, 3))
        if k.objective is not None:
            ctx.latest["objective"] = k.objective
            ctx.latest["solutions"] = max(int(ctx.latest.get("solutions") or 0), 1)
        ctx.latest["stopped"] = should_stop() and not ctx.lost
        return plan

    def finish(self, ctx: Context, result: object) -> bool:
        assert isinstance(result, Plan)
        ref = ctx.ref
        return ctx.store.plans.finish(ref.id, ref.version, ref.attempt, plan_to_dict(result),
                                      dict(ctx.latest))

    def fail(self, ctx: Context, error: dict[str, Any]) -> None:
        ref = ctx.ref
        ctx.store.plans.fail(ref.id, ref.version, ref.attempt, error)


class ComparisonJob:
    """A what-if comparison: the same day under several profiles or rosters."""

    def claim(self, store: Store, ref: JobRef, worker: str) -> ComparisonRow | None:
        return store.comparisons.claim(ref.id, worker)

    def heartbeat(self, ctx: Context) -> bool:
        return ctx.store.comparisons.heartbeat(ctx.ref.id, ctx.worker)

    def compute(self, ctx: Context, claimed: object) -> dict[str, Any]:
        assert isinstance(claimed, ComparisonRow)
        row = claimed
        request: dict[str, Any] = json.loads(row.request_json)
        visits, teams = parse(json_inputs(request["visits"], request["teams"]))
        scenarios = []
        for sc in request["scenarios"]:
            roster = (teams_from_records(sc["teams"], f"scenarios/{sc['name']}/teams")
                      if sc.get("teams") is not None else None)
            scenarios.append(Scenario(sc["name"], Policy.from_mapping(
                sc["policy"], source="policy", name=sc["policy_name"]),
                tuple(roster) if roster is not None else None))
        result = compare(row.day, visits, teams, scenarios,
                         SolveOptions(time_limit_s=row.time_limit_s, seed=row.seed),
                         locator=region_locator(), config=ctx.runtime)
        doc = comparison_to_dict(result)
        for out, sc in zip(doc["scenarios"], request["scenarios"], strict=True):
            out["policy_ref"] = {"name": sc["policy_name"], "version": sc["policy_version"]}
        return doc

    def finish(self, ctx: Context, result: object) -> bool:
        assert isinstance(result, dict)
        ctx.store.comparisons.finish(ctx.ref.id, result,
                                     report_html(result, charts=render_charts(result)))
        return True

    def fail(self, ctx: Context, error: dict[str, Any]) -> None:
        if error.get("error") == "invalid_input":
            error = {**error, "message": "the comparison cannot be run"}
        ctx.store.comparisons.fail(ctx.ref.id, error)


class ScheduleJob:
    """A week: plan_week (or a re-plan of the rest of one); each day stored as a plan."""

    def claim(self, store: Store, ref: JobRef, worker: str) -> ScheduleRow | None:
        return store.schedules.claim(ref.id, ref.attempt, worker)

    def heartbeat(self, ctx: Context) -> bool:
        return ctx.store.schedules.heartbeat(ctx.ref.id, ctx.worker, dict(ctx.latest))

    def compute(self, ctx: Context, claimed: object) -> tuple[ScheduleRow, WeekPlan,
                                                              list[dict[str, Any]]]:
        from routeplan_api.services.schedules import compute_week

        assert isinstance(claimed, ScheduleRow)
        settings = ctx.settings
        runner = RqPartRunner(settings.queue_url) if settings and settings.queue_url else None
        week, past = compute_week(ctx.store, claimed, ctx.runtime, region_locator(),
                                  progress=ctx.on_progress, runner=runner)
        ctx.latest["planned"] = week.kpis.visits_planned
        return claimed, week, past

    def finish(self, ctx: Context, result: object) -> bool:
        from routeplan_api.services.schedules import store_week

        assert isinstance(result, tuple)
        row, week, past = result
        return store_week(ctx.store, row, week, past, ctx.worker, dict(ctx.latest))

    def fail(self, ctx: Context, error: dict[str, Any]) -> None:
        if error.get("error") == "invalid_input":
            error = {**error, "message": "the week cannot be planned"}
        ctx.store.schedules.fail(ctx.ref.id, ctx.worker, error)


KINDS: dict[str, JobKind] = {"plan": PlanJob(), "comparison": ComparisonJob(),
                             "schedule": ScheduleJob()}
