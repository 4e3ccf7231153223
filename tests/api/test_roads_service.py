"""The service plans on road times when configured, records them, and re-plans on the same."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from routeplan.cli import main
from routeplan.io.day_writers import team_record, visit_record, write_day_csv
from routeplan_api.config import Settings
from tests.api.conftest import Api
from tests.travel.test_plan_on_roads import _day
from tests.travel.testnet import GridNetwork


def _records(grid: GridNetwork) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    visits, teams = _day(grid)
    return [visit_record(v) for v in visits], [team_record(t) for t in teams]


def test_service_plans_across_the_river_on_roads_and_the_plan_checks(
        make_api: Callable[..., Api], settings: Settings, roads_dir: Path, grid: GridNetwork,
        tmp_path: Path) -> None:
    """ROUTEPLAN_ROADS reaches the service's workers; `routeplan check` passes on the plan."""
    runtime = replace(settings.runtime, roads_dir=roads_dir)
    api = make_api(settings.model_copy(update={"runtime": runtime}))
    visits, teams = _records(grid)
    r = api.post("/v1/plans", json={"date": "2026-12-01", "visits": visits, "teams": teams,
                                    "time_limit_s": 1, "seed": 1})
    assert r.status_code == 202, r.text
    body = api.wait(r.json()["plan_id"])
    assert body["status"] == "done", body
    plan = body["plan"]
    routed = {rt["team_id"] for rt in plan["routes"] if rt["stops"]}
    assert routed == {"north"}  # by road the south team would go round by the bridge
    assert plan["travel"]["car"]["provider"] == "osrm-embedded"

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    write_day_csv(*_day(grid), tmp_path)
    assert main(["check", "--visits", str(tmp_path / "visits.csv"), "--teams",
                 str(tmp_path / "teams.csv"), "--plan", str(tmp_path / "out" / "plan.json"),
                 "--roads", str(roads_dir)]) == 0

    again = api.post(f"/v1/plans/{body['plan_id']}/replan", json={"now": "09:00"})
    assert again.status_code == 202, again.text
    replanned = api.wait(body["plan_id"])
    assert replanned["status"] == "done", replanned
    assert replanned["version"] == 2
    assert replanned["plan"]["travel"] == plan["travel"]
