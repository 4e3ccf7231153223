"""The HTTP contract is typed from the one column and plan contract, and cannot drift from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from routeplan.domain.problem import Problem
from routeplan.io import plan_to_dict
from routeplan.io.columns import TEAM_COLUMNS, VISIT_COLUMNS
from routeplan.solver import SolveOptions, solve
from routeplan.workflows.replan import Disruption, replan
from routeplan.workflows.synth import synth_day
from routeplan_api.schemas.contract import ChangesContract, PlanContract, TeamChangeContract
from tests.api.conftest import Api


def _undeclared(model: type[BaseModel], value: Any, at: str = "") -> list[str]:
    """Keys of `value` (recursively) that the model does not declare."""
    if not isinstance(value, dict):
        return []
    out = [f"{at}/{k}" for k in value if k not in model.model_fields]
    for name, field in model.model_fields.items():
        if name not in value:
            continue
        ann = field.annotation
        inner = getattr(ann, "__args__", (ann,))
        for sub in inner:
            target = getattr(sub, "__args__", (sub,))[-1]
            if isinstance(target, type) and issubclass(target, BaseModel):
                items = value[name] if isinstance(value[name], list) else (
                    list(value[name].values()) if isinstance(value[name], dict)
                    and target is not PlanContract and name == "travel" else [value[name]])
                for i, item in enumerate(items):
                    out += _undeclared(target, item, f"{at}/{name}/{i}")
    return out


def test_a_written_plan_validates_against_the_documented_contract(
        make_problem: Callable[..., Problem]) -> None:
    """Every key plan_to_dict writes is declared (with its type) in PlanContract."""
    day = synth_day(visits=30, teams=3, seed=2)  # breaks, windows, unassigned visits
    plan = solve(make_problem(list(day.visits), list(day.teams)),
                 SolveOptions(time_limit_s=2, solution_limit=30))
    doc = plan_to_dict(plan)
    PlanContract.model_validate(doc)
    assert _undeclared(PlanContract, doc) == []


def test_a_replan_and_its_changes_validate_against_the_documented_contract(
        make_problem: Callable[..., Problem]) -> None:
    """A re-plan's record (`replan`) and its `changes`, per team included, are declared in
    PlanContract and ChangesContract, key by key."""
    day = synth_day(visits=30, teams=3, seed=2)
    problem = make_problem(list(day.visits), list(day.teams))
    plan = solve(problem, SolveOptions(time_limit_s=2, solution_limit=30))
    ahead = [s.visit_id for r in plan.routes for s in r.stops if s.start > 12 * 3600]
    done = frozenset(s.visit_id for r in plan.routes for s in r.stops if s.start <= 12 * 3600)
    new, changes = replan(problem, plan, Disruption(
        now=12 * 3600, done=done, cancelled=frozenset(ahead[:1]),
        dropped_teams=frozenset({plan.routes[-1].team_id})),
        SolveOptions(time_limit_s=2, solution_limit=30))
    doc = plan_to_dict(new)
    assert PlanContract.model_validate(doc).replan is not None
    assert _undeclared(PlanContract, doc) == []
    told = changes.to_dict()
    ChangesContract.model_validate(told)
    assert _undeclared(ChangesContract, {**told, "teams": {}}) == []
    entries = [c for cs in told["teams"].values() for c in cs]
    assert entries and {c["reason"] for c in entries} >= {"cancelled", "team_dropped"}
    assert [k for c in entries for k in c if k not in TeamChangeContract.model_fields] == []


def test_openapi_types_every_column_of_the_records(api: Api) -> None:
    """/openapi.json shows each visit and team column with its type and range."""
    spec = api.client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    visit = schemas["VisitRecord"]["properties"]
    team = schemas["TeamRecord"]["properties"]
    assert set(visit) == {c.name for c in VISIT_COLUMNS}
    assert set(team) == {c.name for c in TEAM_COLUMNS}
    assert visit["lat"]["type"] == "number" and visit["lat"]["maximum"] == 90
    assert visit["priority"]["type"] == "integer" and visit["priority"]["minimum"] == 1
    assert visit["must_visit"]["type"] == "boolean"
    assert "案件编号" in visit["visit_id"]["description"]
    assert team["mode"]["enum"] == ["car", "ebike", "walk"]
    assert schemas["VisitRecord"]["required"] == ["visit_id", "borrower_id"]
    plan_out = schemas["PlanOut"]["properties"]["plan"]
    assert "PlanContract" in str(plan_out)
    assert "StopContract" in schemas and "UnassignedContract" in schemas


def test_records_reach_the_readers_as_sent(api: Api) -> None:
    """A typed record with a bad value is still refused by the readers, located as before."""
    visits = [{"visit_id": "V1", "borrower_id": "B1", "lat": 134.7, "lon": 113.6}]
    teams = [{"team_id": "T1", "members": ["a", "b"], "start_lat": 34.7, "start_lon": 113.6,
              "shift_start": "08:30", "shift_end": "18:00"}]
    r = api.post("/v1/plans", json={"date": "2026-12-01", "visits": visits, "teams": teams})
    assert r.status_code == 422
    assert any(p["location"] == "/visits/0/lat" for p in r.json()["problems"])
