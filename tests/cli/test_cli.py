"""The `routeplan` command through its real entry point: exit codes, messages, files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

EXE = shutil.which("routeplan", path=str(Path(sys.executable).parent)) or "routeplan"


def run(*args: str | Path, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, timeout=300,
                          check=False, env=None if env is None else {**os.environ, **env})


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("day")
    done = run("synth", "--prefecture", "郑州市", "--visits", "40", "--teams", "3",
               "--seed", "2", "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def test_plan_writes_a_checked_plan_and_check_agrees(day: Path, tmp_path: Path) -> None:
    done = run("plan", "--visits", day / "visits.csv", "--teams", day / "teams.csv",
               "--date", "2026-12-01", "--out", tmp_path, "--time-limit", "2")
    assert done.returncode == 0, done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert plan["timezone"] == "Asia/Shanghai"
    ids = [s["visit_id"] for r in plan["routes"] for s in r["stops"]]
    ids += [u["visit_id"] for u in plan["unassigned"]]
    assert sorted(ids) == sorted(f"V{i:05d}" for i in range(1, 41))
    assert "planned" in done.stdout
    check = run("check", "--visits", day / "visits.csv", "--teams", day / "teams.csv",
                "--plan", tmp_path / "plan.json")
    assert check.returncode == 0, check.stdout + check.stderr

    # move a stop to 23:00: the checker must catch it and exit 1
    stop = next(s for r in plan["routes"] for s in r["stops"])
    stop["start"] = stop["start"][:11] + "23:00:00+08:00"
    stop["departure"] = stop["departure"][:11] + "23:20:00+08:00"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(plan), encoding="utf-8")
    check = run("check", "--visits", day / "visits.csv", "--teams", day / "teams.csv",
                "--plan", bad)
    assert check.returncode == 1
    assert stop["visit_id"] in check.stdout


def test_progress_display_counts_the_visits_planned(day: Path, tmp_path: Path) -> None:
    """On a terminal, the progress line ends with the visits the best plan so far plans."""
    terminal = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "240"}
    done = run("plan", "--visits", day / "visits.csv", "--teams", day / "teams.csv",
               "--date", "2026-12-01", "--out", tmp_path, "--time-limit", "2", env=terminal)
    assert done.returncode == 0, done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    stops = sum(len(r["stops"]) for r in plan["routes"])
    assert "best objective" in done.stdout
    assert f"{stops:,} visits planned" in done.stdout


def test_bad_input_exits_2_naming_file_row_column_and_value(day: Path, tmp_path: Path) -> None:
    lines = (day / "visits.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[3].split(",")
    row[header.index("window_start")] = "25:00"
    lines[3] = ",".join(row)
    visits = tmp_path / "visits.csv"
    visits.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run("plan", "--visits", visits, "--teams", day / "teams.csv", "--date", "2026-12-01",
               "--out", tmp_path / "out")
    assert done.returncode == 2
    assert "visits.csv:4:window_start" in done.stderr
    assert "'25:00'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "plan.json").exists()


def test_one_person_team_is_rejected(day: Path, tmp_path: Path) -> None:
    teams = (day / "teams.csv").read_text(encoding="utf-8").replace("C001a;C001b", "C001a")
    (tmp_path / "teams.csv").write_text(teams, encoding="utf-8")
    done = run("plan", "--visits", day / "visits.csv", "--teams", tmp_path / "teams.csv",
               "--date", "2026-12-01", "--out", tmp_path / "out")
    assert done.returncode == 2
    assert "members" in done.stderr
    assert "at least 2" in done.stderr


def test_policy_init_writes_a_profile_that_loads(tmp_path: Path) -> None:
    done = run("policy", "init", tmp_path / "p.toml")
    assert done.returncode == 0
    assert 'company_start = "09:00"' in (tmp_path / "p.toml").read_text(encoding="utf-8")
    again = run("policy", "init", tmp_path / "p.toml")
    assert again.returncode == 2
    assert "exists" in again.stderr


def test_demo_prints_a_summary_and_writes_the_plan(tmp_path: Path) -> None:
    done = run("demo", "--visits", "30", "--teams", "2", "--time-limit", "2",
               "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "priority covered" in done.stdout
    assert (tmp_path / "plan.json").exists()


def test_ids_that_look_like_console_markup_are_printed_as_they_are(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A team id of '[red]T1[/red]' reaches the summary table literally, not as colour."""
    from routeplan.io.day_writers import write_day_csv
    from routeplan.workflows.synth import synth_day

    day = synth_day(visits=6, teams=1, seed=1)
    team = replace(day.teams[0], team_id="[bold red]T1[/bold red]")
    write_day_csv(day.visits, [team], tmp_path)
    from routeplan.cli import main

    code = main(["plan", "--visits", str(tmp_path / "visits.csv"), "--teams",
                 str(tmp_path / "teams.csv"), "--date", "2026-12-01", "--out",
                 str(tmp_path / "out"), "--time-limit", "1"])
    assert code == 0
    assert "[bold red]T1" in capsys.readouterr().out
