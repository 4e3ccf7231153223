"""POST /m/{token}/events: a stop of the route, a time within a day of the plan's day, sane JSON."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import Api, plan_body


@pytest.fixture
def route(api: Api, small_day: Any) -> tuple[str, dict[str, Any]]:
    """The events URL of the first team's link, and its route."""
    pid = api.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
    body = api.wait(pid)
    assert body["status"] == "done"
    own = body["plan"]["routes"][0]
    assert own["stops"]
    return urlsplit(own["field_link"]).path + "/events", own


def _report(visit_id: str, at: str, **kw: Any) -> dict[str, Any]:
    return {"visit_id": visit_id, "status": "done", "at": at, **kw}


def _refused(r: Any) -> dict[str, Any]:
    assert r.status_code == 422, r.text
    body: dict[str, Any] = r.json()
    assert "cannot be planned" not in body["message"]
    return body


@pytest.mark.parametrize("at", [
    "2026-11-29T23:59:59+08:00",   # two days before
    "2026-12-03T00:00:00+08:00",   # the day after next
    "9999-12-31T23:59:59-12:00",   # past any clock (and past what UTC can hold)
    "0001-01-01T00:00:00+14:00",
])
def test_a_time_outside_the_plans_day_and_a_day_either_side_is_refused(
        api: Api, route: tuple[str, Any], at: str) -> None:
    path, own = route
    body = _refused(api.client.post(path, json=_report(own["stops"][0]["visit_id"], at)))
    assert [p["location"] for p in body["problems"]] == ["/at"]
    assert "2026-12-01" in body["problems"][0]["message"]
    assert body["message_zh"]


@pytest.mark.parametrize("at", [
    "2026-11-30T00:00:00+08:00",   # the first moment allowed
    "2026-12-02T23:59:59+08:00",   # the last second allowed
    "2026-12-01T02:15:00Z",        # the same instant in another offset
])
def test_times_within_a_day_of_the_plans_day_are_stored(api: Api, route: tuple[str, Any],
                                                        at: str) -> None:
    path, own = route
    r = api.client.post(path, json=_report(own["stops"][0]["visit_id"], at))
    assert r.status_code == 201, r.text


def test_a_visit_not_on_the_route_is_named(api: Api, route: tuple[str, Any],
                                           small_day: Any) -> None:
    """The message says what is wrong with the report; both problems are reported at once."""
    path, own = route
    foreign = next(v["visit_id"] for v in small_day[0]
                   if v["visit_id"] not in {s["visit_id"] for s in own["stops"]})
    body = _refused(api.client.post(path, json=_report(foreign, "2026-12-01T10:00:00+08:00")))
    assert body["problems"] == [{"location": "/visit_id",
                                 "message": f"visit '{foreign}' is not on this team's route"}]
    both = _refused(api.client.post(path, json=_report("nobody", "9999-12-31T00:00:00+08:00")))
    assert [p["location"] for p in both["problems"]] == ["/visit_id", "/at"]


def test_deep_and_malformed_bodies_are_422_naming_the_problem(api: Api,
                                                             route: tuple[str, Any]) -> None:
    path, own = route
    deep = b'{"visit_id": "V", "note": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    body = _refused(api.client.post(path, content=deep,
                                    headers={"Content-Type": "application/json"}))
    assert "nested deeper than 32 levels (the limit)" in body["problems"][0]["message"]
    broken = _refused(api.client.post(path, content=b'{"visit_id": ',
                                      headers={"Content-Type": "application/json"}))
    assert broken["problems"]
    nothing_stored = api.get(f"/v1/plans/{_plan_id(api, own)}").json()["events"]
    assert nothing_stored == []


def _plan_id(api: Api, own: dict[str, Any]) -> str:
    plans = api.get("/v1/plans").json()["items"]
    assert len(plans) == 1
    return str(plans[0]["plan_id"])
