"""`routeplan audit`: reports against a written plan; exit 0 clean, 1 findings, 2 bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from routeplan.domain.visit import Visit
from routeplan.io.day_writers import write_day_csv
from routeplan.io.plan_json import write_plan
from tests.cli.test_cli import run
from tests.days import team
from tests.fieldday import DOORS, V2_CONSENT, moved, planned_day, record

WIDE = {"COLUMNS": "200"}


@pytest.fixture
def day(tmp_path: Path) -> Path:
    """A plan folder as `routeplan plan` writes it, and the day's visits and teams files."""
    write_plan(planned_day(), tmp_path / "plan")
    visits = [Visit(v, f"B-{v}", DOORS[v]) for v in ("V1", "V3")]
    visits.append(Visit("V2", "B-V2", DOORS["V2"], window=V2_CONSENT, consent_out_of_hours=True))
    write_day_csv(visits, [team("T1", members=("T1-a", "T1-b", "T1-c")), team("T2")],
                  tmp_path / "day")
    return tmp_path


def events(folder: Path, *records: dict[str, Any]) -> Path:
    path = folder / "events.json"
    path.write_text(json.dumps({"events": list(records)}, ensure_ascii=False), encoding="utf-8")
    return path


def test_clean_reports_exit_0_and_write_an_empty_finding_list(day: Path) -> None:
    ev = events(day, record("V1", "arrived", "10:02"), record("V1", "done", "10:20"),
                record("V3", "arrived", "09:31"))
    out = day / "audit.json"
    done = run("audit", "--plan", day / "plan", "--events", ev, "--visits",
               day / "day" / "visits.csv", "--out", out, env=WIDE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 finding(s) in 3 report(s) of 2 visit(s)" in done.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["findings"] == []
    assert doc["summary"]["consent_checked"] is True


def test_findings_exit_1_print_a_table_and_write_json_and_xlsx(day: Path) -> None:
    """A lone collector at 22:30, 2 km from the door: the officer sees it in all three."""
    far = moved(DOORS["V1"], metres=2000)
    ev = events(day, record("V1", "arrived", "22:30", point=far, members_present=["T1-a"]),
                record("V3", "arrived", "09:31"))
    out, xlsx = day / "audit.json", day / "audit.xlsx"
    done = run("audit", "--plan", day / "plan" / "plan.json", "--events", ev, "--visits",
               day / "day" / "visits.csv", "--out", out, "--xlsx", xlsx, env=WIDE)
    assert done.returncode == 1, done.stdout + done.stderr
    for code in ("outside_lawful_hours", "far_from_visit", "single_collector"):
        assert code in done.stdout
    assert "22:30" in done.stdout
    assert f"{far[1]:.4f}" not in done.stdout and f"{far[0]:.4f}" not in done.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [f["code"] for f in doc["findings"]] == [
        "outside_lawful_hours", "far_from_visit", "single_collector"]
    assert {f["plan_id"] for f in doc["findings"]} == {"plan"}
    ws = load_workbook(xlsx).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("代码", "问题", "外访组", "案件编号")
    assert len(rows) == 4


def test_consent_comes_from_the_visits_file(day: Path) -> None:
    """V2 at 07:30 was consented: a finding without --visits (with a note), none with it."""
    ev = events(day, record("V2", "arrived", "07:30"))
    blind = run("audit", "--plan", day / "plan", "--events", ev, env=WIDE)
    assert blind.returncode == 1
    assert "outside_lawful_hours" in blind.stdout
    assert "consent was not checked" in blind.stderr
    seen = run("audit", "--plan", day / "plan", "--events", ev, "--visits",
               day / "day" / "visits.csv", env=WIDE)
    assert seen.returncode == 0, seen.stdout + seen.stderr


@pytest.mark.parametrize(("change", "message"), [
    ({"position": {"lat": 95, "lon": 113.6, "accuracy_m": 5}}, "events.json/0: position: lat"),
    ({"visit_id": "V9"}, "report 0: visit 'V9' is not a stop of team 'T1'"),
    ({"at": "10:02"}, "events.json/0: at '10:02' is not an ISO 8601 moment"),
])
def test_unreadable_reports_exit_2_with_a_located_message(
        day: Path, change: dict[str, Any], message: str) -> None:
    ev = events(day, {**record("V1"), **change})
    done = run("audit", "--plan", day / "plan", "--events", ev)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_plan_and_a_bad_policy_are_both_reported(day: Path) -> None:
    """Every unreadable input is named at once, so one run shows everything to fix."""
    policy = day / "p.toml"
    policy.write_text("[audit]\nretention_days = 30\n", encoding="utf-8")
    done = run("audit", "--plan", day / "nowhere", "--events", events(day, record("V1")),
               "--policy", policy)
    assert done.returncode == 2
    assert "nowhere" in done.stderr and "audit.retention_days" in done.stderr


def test_the_policy_file_sets_the_distance_limit(day: Path) -> None:
    """800 m off: a finding under the plan's 300 m, none under a profile's 1000 m."""
    ev = events(day, record("V1", point=moved(DOORS["V1"], metres=800)))
    assert run("audit", "--plan", day / "plan", "--events", ev).returncode == 1
    policy = day / "wide.toml"
    policy.write_text("[audit]\nmax_distance_m = 1000\n", encoding="utf-8")
    done = run("audit", "--plan", day / "plan", "--events", ev, "--policy", policy)
    assert done.returncode == 0, done.stdout + done.stderr
