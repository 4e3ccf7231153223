"""Weekly schedules through the service: a week queued, its days stored plans, its re-plan."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from tests.api.conftest import Api

START = "2026-11-02"  # Monday


def _finished(api: Api, sid: str, deadline_s: float = 180) -> dict[str, Any]:
    """Poll the schedule until it is done or failed (a deadline, not a timing assert)."""
    end = time.monotonic() + deadline_s
    out: dict[str, Any] = {}
    while time.monotonic() < end:
        out = api.get(f"/v1/schedules/{sid}").json()
        if out["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    return out


def _week(small_day: Any, **kw: Any) -> dict[str, Any]:
    visits = [dict(v) for v in small_day[0]]
    visits[0]["days"] = ["周三"]
    body: dict[str, Any] = {"start": START, "days": 3, "visits": visits,
                            "teams": small_day[1], "time_limit_s": 4, "seed": 1}
    body.update(kw)
    return body


def test_a_week_is_planned_and_each_day_is_a_plan(api: Api, small_day: Any) -> None:
    """202, then done: every case once (a stop on one day or unscheduled); each day a stored
    plan with nothing unassigned and its routes' field links; reading it is logged."""
    assert api.client.post("/v1/schedules", json=_week(small_day)).status_code == 401
    r = api.post("/v1/schedules", json=_week(small_day))
    assert r.status_code == 202, r.text
    out = _finished(api, r.json()["schedule_id"])
    assert out["status"] == "done", out
    result = out["result"]
    assert result["start"] == START
    seen: Counter[str] = Counter(u["visit_id"] for u in result["unscheduled"])
    on: dict[str, str] = {}
    for day in result["days"]:
        if "plan_id" not in day:
            continue
        assert all(x["field_link"].startswith("https://routes.example.test/m/")
                   for x in day["routes"])
        plan = api.get(f"/v1/plans/{day['plan_id']}").json()
        assert plan["status"] == "done" and plan["date"] == day["date"]
        assert plan["plan"]["unassigned"] == []
        # a link for every route with stops, none for a team without
        assert sorted(x["team_id"] for x in day["routes"]) == sorted(
            r["team_id"] for r in plan["plan"]["routes"] if r["stops"])
        for route in plan["plan"]["routes"]:
            for stop in route["stops"]:
                seen[stop["visit_id"]] += 1
                on[stop["visit_id"]] = day["date"]
    assert seen == Counter(v["visit_id"] for v in small_day[0])
    assert on, "twelve cases, two teams, three days: something is routed"
    if small_day[0][0]["visit_id"] in on:
        assert on[small_day[0][0]["visit_id"]] == "2026-11-04", "周三 only"
    first = next(d for d in result["days"] if "plan_id" in d)
    log = api.get(f"/v1/plans/{first['plan_id']}/access", role="admin").json()
    assert any(e["what"] == "schedule" for e in log)


def test_bad_weeks_are_refused_with_located_problems(api: Api, small_day: Any) -> None:
    """A weekday that is not one, and a year no holiday calendar covers: 422, nothing queued."""
    body = _week(small_day)
    body["visits"][1]["days"] = ["funday"]
    r = api.post("/v1/schedules", json=body)
    assert r.status_code == 422
    assert any("/visits/1" in p["location"] or "visits:2" in p["location"]
               for p in r.json()["problems"]), r.text
    r = api.post("/v1/schedules", json=_week(small_day, start="2031-03-03"))
    assert r.status_code == 422
    assert "2031" in r.text
    assert api.get("/v1/schedules/nope").status_code == 404
    deep = '{"today": "2026-11-03", "outcomes": [' + "[" * 5000 + "]" * 5000 + "]}"
    r = api.client.post("/v1/schedules/nope/replan", content=deep,
                        headers={**api.headers(), "content-type": "application/json"})
    assert r.status_code == 422 and "nest" in r.text.lower(), r.text


def test_the_rest_of_the_week_is_replanned(api: Api, small_day: Any) -> None:
    """From Tuesday: Monday kept (same plan), Monday's refused case not tried again."""
    r = api.post("/v1/schedules", json=_week(small_day))
    sid = r.json()["schedule_id"]
    out = _finished(api, sid)
    assert out["status"] == "done", out
    monday = next(d for d in out["result"]["days"] if d["date"] == START)
    plan = api.get(f"/v1/plans/{monday['plan_id']}").json()["plan"]
    stop = next(s for rt in plan["routes"] for s in rt["stops"])
    outcomes = [{"visit_id": stop["visit_id"], "team_id": plan["routes"][0]["team_id"],
                 "status": "refused", "at": stop["start"]}]
    bad = api.post(f"/v1/schedules/{sid}/replan", json={"today": "2026-12-01",
                                                        "outcomes": outcomes})
    assert bad.status_code == 422 and "/today" in bad.text
    r = api.post(f"/v1/schedules/{sid}/replan", json={"today": "2026-11-03",
                                                      "outcomes": outcomes, "time_limit_s": 3})
    assert r.status_code == 202, r.text
    again = _finished(api, r.json()["schedule_id"])
    assert again["status"] == "done", again
    assert again["replan_of"] == sid and again["start"] == "2026-11-03"
    assert [p["plan_id"] for p in again["result"]["past"]] == [monday["plan_id"]]
    refused = {u["visit_id"]: u["reason"] for u in again["result"]["unscheduled"]}
    assert refused[stop["visit_id"]] == "do_not_visit"
