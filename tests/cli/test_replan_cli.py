"""`routeplan replan` end to end: its written plan passes `routeplan check` from the files alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replan-day")
    done = run("synth", "--prefecture", "郑州市", "--visits", "60", "--teams", "5",
               "--seed", "3", "--out", out)
    assert done.returncode == 0, done.stderr
    done = run("plan", "--visits", out / "visits.csv", "--teams", out / "teams.csv",
               "--date", "2026-12-01", "--out", out / "v1", "--time-limit", "3", "--quiet")
    assert done.returncode == 0, done.stderr
    return out


def test_a_cli_replan_passes_check_from_its_files(planned: Path, tmp_path: Path) -> None:
    """Done stops, one cancellation, a late team and a rescheduled visit at 12:30: the new
    plan.json records the re-plan, `check` passes on it, the cancelled visit is unassigned
    once with reason `cancelled`, and changes.json says so for its team."""
    v1 = json.loads((planned / "v1" / "plan.json").read_text(encoding="utf-8"))
    routes = [r for r in v1["routes"] if r["stops"]]
    assert len(routes) >= 3
    done = [s["visit_id"] for r in routes for s in r["stops"] if s["start"][11:16] <= "12:30"]
    ahead = [(r["team_id"], s) for r in routes for s in r["stops"]
             if s["start"][11:16] > "12:30"]
    cancelled_team, cancelled = ahead[0][0], ahead[0][1]["visit_id"]
    late = next(t for t, _s in ahead if t != cancelled_team)
    out = tmp_path / "v2"
    result = run("replan", "--visits", planned / "visits.csv", "--teams",
                 planned / "teams.csv", "--plan", planned / "v1" / "plan.json",
                 "--now", "12:30", "--done", ",".join(done), "--cancelled", cancelled,
                 "--available-from", f"{late}=13:30", "--time-limit", "3", "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    v2 = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    record = v2["replan"]
    assert record["now"][11:16] == "12:30" and record["cancelled"] == [cancelled]
    restart = next(t for t in record["teams"] if t["team_id"] == late)
    assert restart["restart_at"][11:16] >= "13:30"
    assert [u["reason"] for u in v2["unassigned"] if u["visit_id"] == cancelled] == [
        "cancelled"]
    check = run("check", "--visits", planned / "visits.csv", "--teams",
                planned / "teams.csv", "--plan", out / "plan.json")
    assert check.returncode == 0, check.stdout + check.stderr
    changes = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    assert {"visit_id": cancelled, "change": "removed", "reason": "cancelled",
            "reason_zh": "调度取消"}.items() <= next(
        c for c in changes["teams"][cancelled_team] if c["visit_id"] == cancelled).items()
    kept = {s["visit_id"]: s for r in v2["routes"] for s in r["stops"]}
    before = {s["visit_id"]: s for r in routes for s in r["stops"]}
    for vid in done:  # what was done is history, to the second
        assert kept[vid] == before[vid] or (
            kept[vid]["start"], kept[vid]["departure"]) == (
                before[vid]["start"], before[vid]["departure"])

    # the record is what check re-checks from: a restart moved before now is caught
    team = record["teams"][0]
    team["restart_at"] = team["restart_at"][:11] + "10:00:00+08:00"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(v2), encoding="utf-8")
    check = run("check", "--visits", planned / "visits.csv", "--teams",
                planned / "teams.csv", "--plan", bad)
    assert check.returncode == 1, check.stdout + check.stderr
