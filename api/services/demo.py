"""`routeplan serve --demo`: a solved synthetic Zhengzhou day, a fresh key and one field link."""

from __future__ import annotations

from datetime import date
from typing import Any

from routeplan.domain.policy import Policy
from routeplan.io import plan_to_dict
from routeplan.io.day_writers import team_record, visit_record
from routeplan.solver import SolveOptions, solve
from routeplan.workflows.build import default_locator
from routeplan.workflows.runtime import build_day, travel_of
from routeplan.workflows.synth import synth_day
from routeplan_api.config import Settings
from routeplan_api.persistence import Store
from routeplan_api.security import LinkClaims, LinkSigner, Role
from routeplan_api.services.inputs import json_inputs, parse

DEMO_DAY = date(2026, 12, 1)


def synthetic_records(*, visits: int, teams: int, seed: int = 1,
                      day: date = DEMO_DAY) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A synthetic Zhengzhou day as the JSON records `POST /v1/plans` takes."""
    synth = synth_day(prefectures=["410100"], visits=visits, teams=teams, seed=seed, day=day,
                      locator=default_locator())
    return [visit_record(v) for v in synth.visits], [team_record(t) for t in synth.teams]


def prepare_demo(settings: Settings, *, visits: int = 60, teams: int = 5,
                 time_limit_s: float = 5.0) -> list[str]:
    """Store a solved demo plan and a new dispatcher key; lines to print for the user."""
    store = Store(settings.resolved_database_url)
    inputs = json_inputs(*synthetic_records(visits=visits, teams=teams))
    day_visits, day_teams = parse(inputs)  # what is stored is exactly what is solved
    policy = Policy()
    problem = build_day(DEMO_DAY, day_visits, day_teams, policy, settings.runtime,
                        travel=travel_of(settings.runtime, policy), locator=default_locator())
    plan = solve(problem, SolveOptions(time_limit_s=time_limit_s, seed=1))
    _, key = store.keys.create(Role.DISPATCHER, label="demo")
    state = store.plans.create(day=DEMO_DAY, inputs=inputs, policy_name="default",
                              policy_version=0, policy=policy.to_mapping(),
                              time_limit_s=time_limit_s, seed=1, by="demo")
    pid = state.plan.id
    store.plans.claim(pid, 1, 1, "demo")
    store.plans.finish(pid, 1, 1, plan_to_dict(plan), {"elapsed_s": plan.kpis.solve_s,
                                                 "objective": plan.kpis.objective,
                                                 "solutions": 0})
    route = next((r for r in plan.routes if r.stops), None)
    base = settings.public_base_url
    lines = [f"demo day {DEMO_DAY}: {plan.kpis.visits_planned} of {len(day_visits)} visits "
             f"planned for {len(day_teams)} teams in 郑州市",
             f"dispatcher API:  {base}/docs   (plan: GET {base}/v1/plans/{pid})"]
    if route is not None:
        link = store.plans.links_for(pid, [route.team_id], DEMO_DAY)[route.team_id]
        token = LinkSigner(settings.resolved_link_secret()).sign(
            LinkClaims(link.id, pid, route.team_id))
        lines.append(f"field link ({route.team_id}): {base}/m/{token}")
    lines += ["dispatcher key (shown once; send as 'Authorization: Bearer <key>'):", key]
    store.close()
    return lines
