"""A plan made on roads records its graph; check, replan and compare rebuild exactly that."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.travel.test_plan_on_roads import _day
from tests.travel.testnet import GridNetwork

from routeplan.cli import main
from routeplan.io.day_writers import write_day_csv


@pytest.fixture
def road_plan(grid: GridNetwork, roads_dir: Path, tmp_path: Path) -> Path:
    """`routeplan plan --roads` of the river day; returns the output folder."""
    visits, teams = _day(grid)
    write_day_csv(visits, teams, tmp_path)
    code = main(["plan", "--visits", str(tmp_path / "visits.csv"), "--teams",
                 str(tmp_path / "teams.csv"), "--date", "2026-12-01", "--out",
                 str(tmp_path / "out"), "--roads", str(roads_dir), "--time-limit", "1",
                 "--quiet"])
    assert code == 0
    return tmp_path


def _check(folder: Path, *extra: str) -> int:
    return main(["check", "--visits", str(folder / "visits.csv"), "--teams",
                 str(folder / "teams.csv"), "--plan", str(folder / "out" / "plan.json"),
                 *extra])


def test_the_plan_records_its_road_graph(road_plan: Path) -> None:
    """plan.json names the provider, profile and graph identity of the car matrices."""
    doc = json.loads((road_plan / "out" / "plan.json").read_text(encoding="utf-8"))
    car = doc["travel"]["car"]
    assert car["provider"] == "osrm-embedded"
    assert car["profile"] == "car"
    assert car["graph"].startswith("sha256:")
    assert doc["routes"][[r["team_id"] for r in doc["routes"]].index("north")]["stops"]


def test_check_on_a_road_plan_passes_with_its_graph(road_plan: Path, roads_dir: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """With --roads (or ROUTEPLAN_ROADS) the checker sees the planner's road times: exit 0."""
    assert _check(road_plan, "--roads", str(roads_dir)) == 0
    assert "compliant" in capsys.readouterr().out


def test_check_finds_the_graph_through_the_environment(
        road_plan: Path, roads_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ROUTEPLAN_ROADS is the same configuration as --roads."""
    monkeypatch.setenv("ROUTEPLAN_ROADS", str(roads_dir))
    assert _check(road_plan) == 0


def test_check_without_the_graph_refuses_instead_of_guessing(
        road_plan: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No straight-line stand-in and no false violations: exit 2 naming the missing graph."""
    monkeypatch.delenv("ROUTEPLAN_ROADS", raising=False)
    assert _check(road_plan) == 2
    err = capsys.readouterr().err
    assert "road graph sha256:" in err and "violation" not in err


def test_check_refuses_another_graph_behind_the_same_flag(
        road_plan: Path, roads_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A folder whose car graph differs (rebuilt, other data) is not taken for the plan's."""
    other = tmp_path / "other-roads"
    shutil.copytree(roads_dir, other)
    props = next((other / "car").glob("roads.osrm.properties"))
    props.write_bytes(props.read_bytes() + b" ")
    assert _check(road_plan, "--roads", str(other)) == 2
    assert "is not in" in capsys.readouterr().err


def test_replan_keeps_the_road_source(road_plan: Path, roads_dir: Path) -> None:
    """A re-plan of a road plan is on the same graph and passes check on it."""
    out = road_plan / "re"
    code = main(["replan", "--visits", str(road_plan / "visits.csv"), "--teams",
                 str(road_plan / "teams.csv"), "--plan", str(road_plan / "out" / "plan.json"),
                 "--now", "09:00", "--out", str(out), "--roads", str(roads_dir),
                 "--time-limit", "1", "--quiet"])
    assert code == 0
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    first = json.loads((road_plan / "out" / "plan.json").read_text(encoding="utf-8"))
    assert doc["travel"] == first["travel"]


def test_compare_plans_on_roads_when_given_them(road_plan: Path, roads_dir: Path) -> None:
    """compare --roads: the scenario's plan crosses the river by road like the plan did."""
    out = road_plan / "cmp"
    code = main(["compare", "--visits", str(road_plan / "visits.csv"), "--teams",
                 str(road_plan / "teams.csv"), "--date", "2026-12-01", "--roads",
                 str(roads_dir), "--time-limit", "1", "--out", str(out), "--quiet"])
    assert code == 0
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert doc["scenarios"][0]["kpis"]["travel_source"] != "haversine"
