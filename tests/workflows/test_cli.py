"""`routeplan compare` and `routeplan replan` through the real entry point, writing their files."""

from __future__ import annotations

import json
from pathlib import Path

from routeplan.cli import main

VISITS = """visit_id,borrower_id,lat,lon,priority,window_start,window_end,must_visit
V1,B1,34.7466,113.6500,50,,,true
V2,B2,34.7566,113.6400,20,09:00,12:00,
V3,B3,34.7366,113.6100,10,,,
V4,B4,34.7666,113.6000,30,14:00,18:00,
V5,B5,34.7266,113.6600,10,,,
V6,B6,34.7500,113.5900,40,,,
V7,B6,34.7510,113.5910,40,,,
"""
TEAMS = """team_id,members,start_lat,start_lon,shift_start,shift_end,break_start,break_end,break_min
T1,a1;a2,34.7466,113.6254,08:30,18:00,11:30,13:30,60
T2,b1;b2,34.7466,113.6254,09:00,19:00,11:30,13:30,60
"""
BUDGET = ["--time-limit", "2", "--solution-limit", "30", "--seed", "1"]
PLAN_BUDGET = ["--time-limit", "1", "--seed", "1"]  # `plan` has no solution limit


def _day(tmp_path: Path) -> tuple[Path, Path]:
    visits, teams = tmp_path / "visits.csv", tmp_path / "teams.csv"
    visits.write_text(VISITS, encoding="utf-8")
    teams.write_text(TEAMS, encoding="utf-8")
    return visits, teams


def test_compare_writes_table_files_charts_and_report(tmp_path: Path) -> None:
    visits, teams = _day(tmp_path)
    tight = tmp_path / "tight.toml"
    tight.write_text('name = "tight"\n[teams]\nmax_visits = 2\n', encoding="utf-8")
    out = tmp_path / "out"
    code = main(["compare", "--visits", str(visits), "--teams", str(teams), "--date",
                 "2026-12-01", "--policy", str(tight), *BUDGET, "--out", str(out), "--quiet"])
    assert code == 0
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in doc["scenarios"]] == ["tight"]
    assert doc["scenarios"][0]["kpis"]["visits_planned"] <= 4
    assert (out / "comparison.csv").read_text(encoding="utf-8-sig").startswith("scenario,")
    for name in ("unassigned_by_reason.png", "workload_per_team.png", "priority_vs_km.png"):
        assert (out / name).stat().st_size > 10_000
    assert "data:image/png;base64," in (out / "report.html").read_text(encoding="utf-8")


def test_compare_bad_policy_is_exit_2(tmp_path: Path) -> None:
    visits, teams = _day(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('[window]\ncompany_start = "06:00"\n', encoding="utf-8")
    assert main(["compare", "--visits", str(visits), "--teams", str(teams), "--date",
                 "2026-12-01", "--policy", str(bad), *BUDGET, "--quiet"]) == 2


def test_replan_keeps_what_was_done_and_writes_changes(tmp_path: Path) -> None:
    visits, teams = _day(tmp_path)
    day = tmp_path / "day"
    assert main(["plan", "--visits", str(visits), "--teams", str(teams), "--date", "2026-12-01",
                 *PLAN_BUDGET, "--out", str(day), "--quiet"]) == 0
    before = json.loads((day / "plan.json").read_text(encoding="utf-8"))
    first = next(r for r in before["routes"] if r["stops"])["stops"][0]
    outcomes = tmp_path / "outcomes.json"
    outcomes.write_text(json.dumps([{"visit_id": first["visit_id"], "team_id": "T1",
                                     "status": "not_at_home",
                                     "at": "2026-12-01T10:00:00+08:00"}]), encoding="utf-8")
    positions = tmp_path / "positions.csv"
    positions.write_text("team_id,lat,lon,crs\nT2,34.76,113.64,gcj02\n", encoding="utf-8")
    out = tmp_path / "re"
    code = main(["replan", "--visits", str(visits), "--teams", str(teams), "--plan",
                 str(day / "plan.json"), "--now", "10:30", "--outcomes", str(outcomes),
                 "--cancelled", "V4", "--positions", str(positions), *BUDGET, "--out", str(out),
                 "--quiet"])
    assert code == 0
    after = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    changes = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    assert first["visit_id"] in changes["completed"] and changes["cancelled"] == ["V4"]
    kept = {s["visit_id"]: s for r in after["routes"] for s in r["stops"]}
    assert kept[first["visit_id"]] == first
    # a cancelled visit stays in the plan once, as unassigned `cancelled`, never as a stop
    assert "V4" not in kept
    assert [u["reason"] for u in after["unassigned"] if u["visit_id"] == "V4"] == ["cancelled"]


def test_replan_unknown_visit_is_exit_2(tmp_path: Path) -> None:
    visits, teams = _day(tmp_path)
    day = tmp_path / "day"
    main(["plan", "--visits", str(visits), "--teams", str(teams), "--date", "2026-12-01",
          *PLAN_BUDGET, "--out", str(day), "--quiet"])
    assert main(["replan", "--visits", str(visits), "--teams", str(teams), "--plan",
                 str(day / "plan.json"), "--now", "10:30", "--done", "V99", *BUDGET,
                 "--out", str(tmp_path / "re"), "--quiet"]) == 2
