"""`routeplan week` through its real entry point: schedule.json, the day folders, exit codes."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import run

#: 5-11 October 2026: National Day 5-7 (a holiday), 8-9 workdays, Saturday 10 an adjusted
#: workday (调休), Sunday 11 a rest day, skipped by the policy below. The calendar is
#: data/calendar/, not this test.
START, DAYS = "2026-10-05", 7
POLICY = "[calendar]\nskip_weekends = true\n"
VISIT_HEADERS = ["案件编号", "客户编号", "纬度", "经度", "优先级", "可访开始", "可访结束", "必访",
                 "可访日", "最早日期", "最晚日期", "约访日期", "上次外访日期", "近7天外访次数"]
TEAM_HEADERS = ["外访组编号", "组员", "出发纬度", "出发经度", "班次开始", "班次结束", "出勤日"]


def _visits() -> list[list[str]]:
    rows = [
        # id, borrower, lat, lon, priority, from, to, must, days, earliest, latest, appt, last, n7
        ["sat-only", "b1", "34.760", "113.640", "20", "", "", "", "周六", "", "", "", "", ""],
        ["holiday-only", "b2", "34.750", "113.660", "20", "", "", "", "", "", "2026-10-07", "",
         "", ""],
        ["appt-fri", "b3", "34.740", "113.650", "20", "14:00", "15:30", "", "", "", "",
         "2026-10-09", "", ""],
        ["late", "b4", "34.770", "113.630", "20", "", "", "", "", "2026-10-09", "", "", "", ""],
        ["gap-a", "b5", "34.745", "113.670", "30", "", "", "是", "", "", "", "", "", ""],
        ["gap-b", "b5", "34.746", "113.671", "30", "", "", "", "", "", "", "", "", ""],
        ["capped", "b6", "34.755", "113.645", "20", "", "", "", "", "", "", "",
         "2026-10-04", "2"],
    ]
    rows += [[f"v{i}", f"bb{i}", f"{34.74 + 0.004 * i:.3f}", f"{113.62 + 0.005 * i:.3f}", "10",
              "", "", "", "", "", "", "", "", ""] for i in range(6)]
    return rows


def _write(path: Path, headers: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([headers, *rows])
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("week-in")
    visits = _write(folder / "visits.csv", VISIT_HEADERS, _visits())
    (folder / "policy.toml").write_text(POLICY, encoding="utf-8")
    teams = _write(folder / "teams.csv", TEAM_HEADERS, [
        ["t1", "c1a;c1b", "34.750", "113.650", "09:00", "18:00", ""],
        ["t2", "c2a;c2b", "34.752", "113.648", "09:00", "18:00", "周五、2026-10-10"],
    ])
    return visits, teams


@pytest.fixture(scope="module")
def written(inputs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("week-out") / "week"
    done = run("week", "--visits", inputs[0], "--teams", inputs[1], "--start", START,
               "--days", str(DAYS), "--out", out, "--time-limit", "8", "--seed", "1",
               "--policy", inputs[0].parent / "policy.toml")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return out, json.loads((out / "schedule.json").read_text(encoding="utf-8"))


def _plans(out: Path, doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["date"]: json.loads((out / d["plan"]).read_text(encoding="utf-8"))
            for d in doc["days"] if "plan" in d}


def _stops(plans: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    on: dict[str, list[str]] = {}
    for day, plan in plans.items():
        for r in plan["routes"]:
            for s in r["stops"]:
                on.setdefault(s["visit_id"], []).append(day)
    return on


def test_schedule_json_has_the_contracts_shape(written: tuple[Path, dict[str, Any]]) -> None:
    """start, days (date, plan path, kpis), unscheduled (visit_id, reason, details), kpis."""
    doc = written[1]
    assert doc["start"] == START
    assert {"start", "days", "unscheduled", "kpis"} <= set(doc)
    for d in doc["days"]:
        assert date.fromisoformat(d["date"])
        if "plan" in d:
            assert d["plan"] == f"{d['date']}/plan.json"
            assert {"visits_planned", "distance_m", "priority_planned"} <= set(d["kpis"])
    for u in doc["unscheduled"]:
        assert set(u) >= {"visit_id", "reason", "detail", "detail_en"}
    assert doc["kpis"]["cases"] == len(_visits())


def test_every_case_appears_exactly_once(written: tuple[Path, dict[str, Any]]) -> None:
    """As a stop on one day or unscheduled; each day's plan leaves nothing unassigned."""
    out, doc = written
    plans = _plans(out, doc)
    seen = Counter([*(vid for vid, days in _stops(plans).items() for _ in days),
                    *(u["visit_id"] for u in doc["unscheduled"])])
    assert seen == Counter(row[0] for row in _visits())
    assert all(plan["unassigned"] == [] for plan in plans.values())


def test_each_planned_day_has_its_plan_pages_sheets_and_overview(
        written: tuple[Path, dict[str, Any]]) -> None:
    out, doc = written
    for day, plan in _plans(out, doc).items():
        folder = out / day
        assert (folder / "overview.html").is_file()
        for r in plan["routes"]:
            if r["stops"]:
                assert (folder / f"field-{r['team_id']}.html").is_file(), (day, r["team_id"])
                assert (folder / f"sheet-{r['team_id']}.html").is_file(), (day, r["team_id"])


def test_the_calendar_and_the_cases_days_decide_the_day(
        written: tuple[Path, dict[str, Any]]) -> None:
    """Holidays 5-7 and the rest Sunday 11 have no routes (both listed as skipped); 周六 goes
    to the 调休 Saturday; the appointment to its date and time; 'late' not before the 9th; the
    gap and the cap hold."""
    out, doc = written
    plans = _plans(out, doc)
    assert set(plans) <= {"2026-10-08", "2026-10-09", "2026-10-10"}
    skipped = {d["date"] for d in doc["days"] if "skipped" in d}
    assert skipped == {"2026-10-05", "2026-10-06", "2026-10-07", "2026-10-11"}
    on = _stops(plans)
    assert on["sat-only"] == ["2026-10-10"]
    assert on["appt-fri"] == ["2026-10-09"]
    stop = next(s for r in plans["2026-10-09"]["routes"] for s in r["stops"]
                if s["visit_id"] == "appt-fri")
    assert stop["start"] >= "2026-10-09T14:00" and stop["departure"] <= "2026-10-09T15:30:00+08:00"
    assert on["late"][0] >= "2026-10-09"
    # b5's two cases are three days apart at least: at most one of them fits 8-10 Oct
    assert len([v for v in ("gap-a", "gap-b") if v in on]) == 1
    assert "gap-a" in on, "the must-visit of the two"
    # two visits counted on 4 Oct, cap 2 in 7 days: no day until the 11th, a rest day
    reasons = {u["visit_id"]: u for u in doc["unscheduled"]}
    assert reasons["capped"]["reason"] == "no_lawful_day"
    assert reasons["holiday-only"]["reason"] == "no_lawful_day"
    assert "10月5-7日为国庆节假期" in reasons["holiday-only"]["detail"]
    assert "National Day" in reasons["holiday-only"]["detail_en"]
    assert reasons["gap-b"]["reason"] == "no_lawful_day"


def test_team_days_hold(written: tuple[Path, dict[str, Any]]) -> None:
    """t2 works Fridays and 10 Oct only."""
    out, doc = written
    for day, plan in _plans(out, doc).items():
        for r in plan["routes"]:
            if r["team_id"] == "t2" and r["stops"]:
                assert day in ("2026-10-09", "2026-10-10")


def test_check_schedule_agrees(inputs: tuple[Path, Path],
                               written: tuple[Path, dict[str, Any]]) -> None:
    """The independent checker, from the files alone, finds nothing (exit 0)."""
    done = run("check", "--visits", inputs[0], "--teams", inputs[1], "--schedule",
               written[0] / "schedule.json", "--days", str(DAYS),
               "--policy", inputs[0].parent / "policy.toml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_bad_cells_exit_2_located_and_nothing_written(inputs: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    """A weekday that is not one, a date that is not one: file, row, column and value."""
    rows = _visits()
    rows[0][VISIT_HEADERS.index("可访日")] = "周八"
    rows[1][VISIT_HEADERS.index("约访日期")] = "2026-02-30"
    visits = _write(tmp_path / "visits.csv", VISIT_HEADERS, rows)
    out = tmp_path / "out"
    done = run("week", "--visits", visits, "--teams", inputs[1], "--start", START, "--days",
               str(DAYS), "--out", out, "--time-limit", "2")
    assert done.returncode == 2
    assert "visits.csv:2:可访日 (days)" in done.stderr and "'周八'" in done.stderr
    assert "visits.csv:3:约访日期 (appointment_date)" in done.stderr
    assert "'2026-02-30'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.parametrize(("args", "message"), [
    (("--days", "7"), "--start: required"),
    (("--start", START, "--days", "7", "--today", START), "--today: only with --replan"),
    (("--start", "2031-03-03", "--days", "5"), "no holiday calendar covers 2031"),
])
def test_bad_arguments_exit_2_with_one_message(inputs: tuple[Path, Path], tmp_path: Path,
                                               args: tuple[str, ...], message: str) -> None:
    done = run("week", "--visits", inputs[0], "--teams", inputs[1], "--out", tmp_path / "o",
               "--time-limit", "2", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


# -- re-planning the rest of the week --------------------------------------------------------


def test_replan_keeps_the_past_and_moves_what_happened(
        inputs: tuple[Path, Path], written: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """From Friday 9 Oct: Thursday kept as it was (copied), its refused case not tried again,
    a 改约 to the rest Sunday unscheduled; the re-plan passes check --schedule."""
    out, doc = written
    thursday = _plans(out, doc)["2026-10-08"]
    stops = [s for r in thursday["routes"] for s in r["stops"]]
    assert len(stops) >= 2
    refused, moved = stops[0]["visit_id"], stops[1]["visit_id"]
    outcomes = tmp_path / "outcomes.json"
    outcomes.write_text(json.dumps([
        {"visit_id": refused, "team_id": "t1", "status": "refused", "at": stops[0]["start"]},
        {"visit_id": moved, "team_id": "t1", "status": "rescheduled", "at": stops[1]["start"],
         "new_date": "2026-10-11", "new_window_start": "10:00", "new_window_end": "11:30"},
    ]), encoding="utf-8")
    again = tmp_path / "again"
    done = run("week", "--replan", out, "--outcomes", outcomes, "--today", "2026-10-09",
               "--out", again, "--time-limit", "6", "--quiet")
    assert done.returncode == 0, done.stderr
    new = json.loads((again / "schedule.json").read_text(encoding="utf-8"))
    assert new["start"] == "2026-10-09"
    assert [p["date"] for p in new["past"]] == ["2026-10-08"]
    assert (again / "2026-10-08" / "plan.json").read_bytes() == (
        out / "2026-10-08" / "plan.json").read_bytes()
    on = _stops(_plans(again, new))
    assert refused not in on
    assert {u["visit_id"]: u["reason"] for u in new["unscheduled"]}[refused] == "do_not_visit"
    # Sunday 11 is a rest day under this policy: the borrower's new date closes the case
    assert moved not in on
    assert {u["visit_id"]: u["reason"] for u in new["unscheduled"]}[moved] == "no_lawful_day"
    done = run("check", "--visits", again / "inputs" / "visits.json", "--teams",
               again / "inputs" / "teams.json", "--schedule", again / "schedule.json",
               "--policy", inputs[0].parent / "policy.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    # once more from Saturday with nothing new: the refusal still holds, two days kept
    nothing = tmp_path / "nothing.json"
    nothing.write_text("[]", encoding="utf-8")
    done = run("week", "--replan", again, "--outcomes", nothing, "--today", "2026-10-10",
               "--time-limit", "4", "--quiet")
    assert done.returncode == 0, done.stderr
    third = json.loads((again / "schedule.json").read_text(encoding="utf-8"))
    assert [p["date"] for p in third["past"]] == ["2026-10-08", "2026-10-09"]
    assert refused not in _stops(_plans(again, third))
    assert refused in {u["visit_id"] for u in third["unscheduled"]}
    assert (again / "2026-10-09" / "plan.json").is_file(), "re-planned in place, Friday kept"


def test_replan_needs_outcomes_and_today(written: tuple[Path, dict[str, Any]],
                                         tmp_path: Path) -> None:
    done = run("week", "--replan", written[0], "--out", tmp_path / "o", "--start", START)
    assert done.returncode == 2
    assert "--outcomes: required with --replan" in done.stderr
    assert "--today: required with --replan" in done.stderr
    assert "--start: not with --replan" in done.stderr
    empty = tmp_path / "none.json"
    empty.write_text("[]", encoding="utf-8")
    for today, message in (("2026-10-04", "before the week's first day"),
                           ("2026-10-12", "after the week's last day")):
        done = run("week", "--replan", written[0], "--outcomes", empty, "--today", today,
                   "--out", tmp_path / "o", "--quiet")
        assert done.returncode == 2 and message in done.stderr, done.stderr


# -- analysts' compare over a week -----------------------------------------------------------


def test_compare_runs_weeks(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    """Two profiles over the same week: the week's KPIs side by side, every case counted."""
    other = tmp_path / "even.toml"
    other.write_text('name = "even"\n' + POLICY + "[week]\nbalance_weight = 5.0\n",
                     encoding="utf-8")
    done = run("compare", "--visits", inputs[0], "--teams", inputs[1], "--start", START,
               "--days", str(DAYS), "--policy", inputs[0].parent / "policy.toml",
               "--policy", other, "--time-limit", "4", "--out", tmp_path / "cmp", "--quiet")
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "cmp" / "comparison.json").read_text(encoding="utf-8"))
    assert doc["start"] == START and doc["days"] == DAYS
    assert [s["name"] for s in doc["scenarios"]] == ["policy", "even"]
    for s in doc["scenarios"]:
        k = s["kpis"]
        assert k["visits_planned"] + k["unscheduled"] == len(_visits())
        assert k["days_planned"] == 3  # 8, 9 and the 调休 Saturday
    assert doc["scenarios"][1]["policy"]["week"]["balance_weight"] == 5.0
    csv_text = (tmp_path / "cmp" / "comparison.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("scenario,visits_planned")
    done = run("compare", "--visits", inputs[0], "--teams", inputs[1], "--start", START,
               "--days", "2", "--date", START)
    assert done.returncode == 2 and "--start and --days" in done.stderr
