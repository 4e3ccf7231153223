"""Re-planning as a new plan version, and stopping a long solve early with the best plan."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from routeplan_api.services.demo import synthetic_records
from tests.api.conftest import Api, plan_body
from tests.cli.test_cli import run


def _done(api: Api, day: Any, **kw: Any) -> tuple[str, dict[str, Any]]:
    pid = api.post("/v1/plans", json=plan_body(day, **kw)).json()["plan_id"]
    body = api.wait(pid)
    assert body["status"] == "done"
    return pid, body


def _check_from_files(folder: Path, day: Any, plan: dict[str, Any]) -> str:
    """`routeplan check` on the day's records and a plan as the API returned it: "" when it
    passes, else what it printed."""
    for name, doc in (("visits.json", day[0]), ("teams.json", day[1]), ("plan.json", plan)):
        (folder / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    done = run("check", "--visits", folder / "visits.json", "--teams", folder / "teams.json",
               "--plan", folder / "plan.json")
    return "" if done.returncode == 0 else done.stdout + done.stderr


def _times(stop: dict[str, Any]) -> tuple[Any, ...]:
    return stop["visit_id"], stop["arrival"], stop["start"], stop["departure"]


def test_replan_makes_version_2_keeping_completed_stops(api: Api, small_day: Any,
                                                       tmp_path: Path) -> None:
    """A stop reported done in the field stays exactly as it was in version 2; version 1 stays
    readable; the same field link shows version 2; the response says what changed, per team;
    version 2 as read from the API passes `routeplan check` with the day's inputs alone."""
    pid, v1 = _done(api, small_day)
    route = next(r for r in v1["plan"]["routes"] if len(r["stops"]) >= 2)
    first = route["stops"][0]
    link = urlsplit(route["field_link"]).path
    ev = {"event_id": str(uuid.uuid4()), "visit_id": first["visit_id"], "status": "done",
          "at": first["departure"], "note": ""}
    assert api.client.post(link + "/events", json=ev).status_code == 201
    now = first["departure"][11:16]
    cancelled = next(s["visit_id"] for r in v1["plan"]["routes"] for s in r["stops"]
                     if s["visit_id"] != first["visit_id"])
    r = api.post(f"/v1/plans/{pid}/replan", json={"now": now, "cancelled": [cancelled],
                                                   "time_limit_s": 1})
    assert r.status_code == 202, r.text
    assert r.json()["version"] == 2
    v2 = api.wait(pid)
    assert v2["status"] == "done" and v2["version"] == 2 and v2["versions"] == [1, 2]
    assert v2["changes"]["cancelled"] == [cancelled]
    assert first["visit_id"] in v2["changes"]["completed"]
    kept = next(r2 for r2 in v2["plan"]["routes"] if r2["team_id"] == route["team_id"])
    assert _times(kept["stops"][0]) == _times(first)
    planned = {s["visit_id"] for r2 in v2["plan"]["routes"] for s in r2["stops"]}
    assert cancelled not in planned
    assert [u["reason"] for u in v2["plan"]["unassigned"] if u["visit_id"] == cancelled] == [
        "cancelled"]
    owner = next(r1["team_id"] for r1 in v1["plan"]["routes"]
                 if any(s["visit_id"] == cancelled for s in r1["stops"]))
    assert {"visit_id": cancelled, "change": "removed", "reason": "cancelled",
            "reason_zh": "调度取消", "was": next(
                s["start"][11:16] for r1 in v1["plan"]["routes"] for s in r1["stops"]
                if s["visit_id"] == cancelled)} in v2["changes"]["teams"][owner]
    assert v2["changes"]["since_version"] == 1
    record = v2["plan"]["replan"]
    assert record["now"][11:16] == now and record["cancelled"] == [cancelled]
    assert record["base_version"] == 1
    assert first["visit_id"] in next(t["committed"] for t in record["teams"]
                                     if t["team_id"] == route["team_id"])
    assert _check_from_files(tmp_path, small_day, v2["plan"]) == ""
    tampered = json.loads(json.dumps(v2["plan"]))
    tampered["replan"]["cancelled"] = []  # the cancelled visit then has no reason to be off
    assert cancelled in _check_from_files(tmp_path, small_day, tampered)
    old = api.get(f"/v1/plans/{pid}?version=1").json()
    assert old["version"] == 1 and old["plan"]["routes"] == [
        {**r1, "field_link": old["plan"]["routes"][i]["field_link"]}
        for i, r1 in enumerate(v1["plan"]["routes"])]
    page = api.client.get(link)
    assert page.status_code == 200 and "第 2 版" in page.text
    assert api.get(f"/v1/plans/{pid}?version=9").status_code == 404


def test_a_late_team_and_a_rescheduled_visit(api: Api, small_day: Any) -> None:
    """A team that can go on only at 14:00 restarts then; a visit the borrower moved to
    16:00 starts then (to the minute); both are said per team, with their reasons."""
    pid, v1 = _done(api, small_day)
    routes = [r for r in v1["plan"]["routes"] if r["stops"]]
    late_team = routes[0]["team_id"]
    # a stop still ahead, more than the retime tolerance (30 min) before 16:00: the new time
    # replaces its window
    moved = next(s for r in routes for s in r["stops"] if "11:00" < s["start"][11:16] < "15:00")
    r = api.post(f"/v1/plans/{pid}/replan", json={
        "now": "11:00", "teams_available_from": {late_team: "14:00"},
        "rescheduled": {moved["visit_id"]: "16:00"}, "time_limit_s": 2})
    assert r.status_code == 202, r.text
    v2 = api.wait(pid)
    assert v2["status"] == "done", v2
    restart = next(t for t in v2["plan"]["replan"]["teams"] if t["team_id"] == late_team)
    assert restart["restart_at"][11:16] == "14:00"
    late_route = next(r2 for r2 in v2["plan"]["routes"] if r2["team_id"] == late_team)
    assert all(s["arrival"][11:16] >= "14:00" for s in late_route["stops"]
               if s["start"][11:16] > "11:00")
    placed = next(s for r2 in v2["plan"]["routes"] for s in r2["stops"]
                  if s["visit_id"] == moved["visit_id"])
    assert "16:00:00" <= placed["start"][11:19] <= "16:01:00"  # to the minute
    reasons = {c["visit_id"]: c["reason"] for cs in v2["changes"]["teams"].values() for c in cs}
    assert reasons[moved["visit_id"]] == "outcome"
    assert v2["plan"]["replan"]["rescheduled"][moved["visit_id"]][11:16] == "16:00"


def test_replan_input_is_checked(api: Api, small_day: Any) -> None:
    """Unknown visits and teams, a bad time, and a visit both done and cancelled: 422."""
    pid, _ = _done(api, small_day)
    r = api.post(f"/v1/plans/{pid}/replan", json={
        "now": "25:00", "done": ["NOPE"], "locked_teams": ["T999"]})
    assert r.status_code == 422
    where = {p["location"] for p in r.json()["problems"]}
    assert {"/done/0", "/locked_teams/0"} <= where and any("now" in w for w in where)
    r = api.post(f"/v1/plans/{pid}/replan", json={
        "now": "12:00", "done": ["V00001"], "cancelled": ["V00001"]})
    assert r.status_code == 422
    r = api.post(f"/v1/plans/{pid}/replan", json={
        "now": "12:00", "teams_available_from": {"T999": "13:00"},
        "rescheduled": {"V00001": "25:61"}})
    assert r.status_code == 422
    where = {p["location"] for p in r.json()["problems"]}
    assert {"/teams_available_from/T999", "/rescheduled/V00001"} <= where
    assert api.post("/v1/plans/nope/replan", json={"now": "12:00"}).status_code == 404
    assert api.post(f"/v1/plans/{pid}/stop").status_code == 409


def test_stop_ends_a_long_solve_with_the_best_plan_so_far(api: Api) -> None:
    """A solve given two minutes shows the visits planned so far, is stopped, ends long
    before its budget, and still yields a plan."""
    day = synthetic_records(visits=80, teams=4, seed=5)
    pid = api.post("/v1/plans", json=plan_body(day, time_limit_s=120)).json()["plan_id"]
    end = time.monotonic() + 90
    body: dict[str, Any] = {}
    while time.monotonic() < end:
        body = api.get(f"/v1/plans/{pid}").json()
        if body["status"] == "solving" and (body["progress"] or {}).get("planned") is not None:
            break
        time.sleep(0.1)
    assert body["status"] == "solving"
    assert body["progress"]["elapsed_s"] >= 0 and body["progress"]["objective"] is not None
    assert 0 < body["progress"]["planned"] <= 80
    r = api.post(f"/v1/plans/{pid}/stop")
    assert r.status_code == 202 and r.json()["status"] == "stopping"
    done = api.wait(pid, deadline_s=150)
    assert done["status"] == "done"
    assert done["progress"]["stopped"] is True
    assert done["plan"]["routes"]
    # a behavioural bound, not a benchmark: unstopped, the search runs for all of its 120 s
    assert done["progress"]["elapsed_s"] < 60
    assert done["plan"]["kpis"]["solve_s"] < 60
    stops = sum(len(rt["stops"]) for rt in done["plan"]["routes"])
    assert done["progress"]["planned"] == stops


def test_stop_reaches_a_decomposed_day_solving_in_the_service(api: Api) -> None:
    """A day above one search's size is solved in parts by the service's worker; its
    progress counts planned visits while the parts run, and a stop ends all of them."""
    from routeplan.io.day_writers import team_record, visit_record
    from routeplan.workflows.build import default_locator
    from routeplan.workflows.synth import synth_day

    synth = synth_day(prefectures=["410100", "410200"], visits=640, teams=24, seed=3,
                      locator=default_locator())
    day = ([visit_record(v) for v in synth.visits], [team_record(t) for t in synth.teams])
    pid = api.post("/v1/plans", json=plan_body(day, time_limit_s=120)).json()["plan_id"]
    end = time.monotonic() + 120
    body: dict[str, Any] = {}
    while time.monotonic() < end:
        body = api.get(f"/v1/plans/{pid}").json()
        if body["status"] == "solving" and (body["progress"] or {}).get("planned"):
            break
        time.sleep(0.2)
    assert body["status"] == "solving" and body["progress"]["planned"] > 0
    assert api.post(f"/v1/plans/{pid}/stop").status_code == 202
    done = api.wait(pid, deadline_s=150)
    assert done["status"] == "done" and done["progress"]["stopped"] is True
    assert int(done["plan"]["meta"]["parts"]) >= 2
    # a generous behavioural bound: unstopped, the parts run for ~100 s
    assert done["plan"]["kpis"]["solve_s"] < 60
