"""Reading schedule.json and its day plans: a written schedule reads back, bad ones are located."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.rules.schedules import World, case, team

from routeplan.domain.errors import InvalidInput
from routeplan.io.plan_json import plan_to_json
from routeplan.io.schedule_json import read_schedule
from routeplan.rules.schedule_check import Horizon, Schedule, Unscheduled

MON, TUE = date(2026, 11, 2), date(2026, 11, 3)


def write_schedule(folder: Path, start: date, schedule: Schedule,
                   listed_without_plan: tuple[date, ...] = ()) -> Path:
    """schedule.json and DATE/plan.json per day, as the contract lays them out."""
    days = []
    for day, plan in sorted(schedule.days.items()):
        (folder / day.isoformat()).mkdir(parents=True, exist_ok=True)
        (folder / day.isoformat() / "plan.json").write_text(plan_to_json(plan), encoding="utf-8")
        days.append({"date": day.isoformat(), "plan": f"{day.isoformat()}/plan.json",
                     "kpis": {"visits_planned": len(plan.visit_ids())}})
    days += [{"date": d.isoformat()} for d in listed_without_plan]
    doc = {"start": start.isoformat(), "days": days,
           "unscheduled": [{"visit_id": u.visit_id, "reason": u.reason, "detail": u.detail,
                            "detail_en": u.detail_en} for u in schedule.unscheduled],
           "kpis": {}}
    path = folder / "schedule.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def small() -> tuple[World, Schedule]:
    w = World([case("a", 0), case("b", 1), case("c", 2)], [team("t1")], Horizon(MON, 5))
    return w, w.schedule({MON: {"t1": ["a"]}, TUE: {"t1": ["b"]}}, {"c": "over_capacity"})


def test_written_schedule_reads_back(tmp_path: Path) -> None:
    """Start, listed days (one without a plan), every day's plan and the unscheduled cases."""
    _, schedule = small()
    holiday = date(2026, 11, 4)
    doc = read_schedule(write_schedule(tmp_path, MON, schedule, (holiday,)))
    assert doc.start == MON
    assert doc.listed == (MON, TUE, holiday)
    assert doc.last_day == holiday
    assert dict(doc.schedule.days) == dict(schedule.days)
    assert doc.schedule.unscheduled == (Unscheduled("c", "over_capacity", "说明",
                                                    "explanation"),)


def test_every_problem_is_located(tmp_path: Path) -> None:
    """Missing start, a date twice, paths leaving the folder, a broken plan, a bad entry."""
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps({
        "days": [{"date": "2026-11-02", "plan": "../elsewhere/plan.json"},
                 {"date": "2026-11-02"},
                 {"date": "2026-11-31"},
                 {"date": "2026-11-03", "plan": "/etc/passwd"},
                 {"date": "2026-11-04", "plan": "broken.json"}],
        "unscheduled": [{"visit_id": "c"}, "x"]}), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_schedule(path)
    assert [str(p) for p in caught.value.problems] == [
        "schedule.json#/start: required, but missing",
        "schedule.json#/days/0/plan: '../elsewhere/plan.json' is not a path inside the "
        "schedule's folder",
        "schedule.json#/days/1/date: 2026-11-02 is listed twice (also at /days/0)",
        "schedule.json#/days/2/date: '2026-11-31' is not a date as YYYY-MM-DD",
        "schedule.json#/days/3/plan: '/etc/passwd' is not a path inside the schedule's folder",
        "broken.json:1: not valid JSON (Expecting property name enclosed in double quotes)",
        "schedule.json#/unscheduled/0/reason: required, but missing",
        "schedule.json#/unscheduled/1: expected an object, got the string 'x'",
    ]


def test_not_an_object_and_missing_file(tmp_path: Path) -> None:
    """A JSON array, and a path that is not there, each give one clear message."""
    path = tmp_path / "schedule.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"schedule.json#/: expected an object, got an array"):
        read_schedule(path)
    with pytest.raises(InvalidInput, match="no such file"):
        read_schedule(tmp_path / "nope.json")


def test_bad_day_plan_is_located_by_its_path(tmp_path: Path) -> None:
    """A plan with a bad field is named by its path under the schedule's folder."""
    _, schedule = small()
    path = write_schedule(tmp_path, MON, schedule)
    plan_file = tmp_path / "2026-11-02" / "plan.json"
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    data["routes"][0]["stops"][0]["arrival"] = "soon"
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_schedule(path)
    assert [str(p) for p in caught.value.problems] == [
        "2026-11-02/plan.json#/routes/0/stops/0/arrival: 'soon' is not an ISO 8601 date-time"]
