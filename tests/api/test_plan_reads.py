"""Reads of a finished plan are served from a per-process cache: never stale, always logged."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.api.conftest import Api, plan_body


def _path(link: str) -> str:
    return urlsplit(link).path


def _without_overview(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "overview_link"}


def test_repeated_reads_show_every_change_and_are_each_logged(api: Api,
                                                              small_day: Any) -> None:
    """A field report, a revoked link and a route read all show on the very next read."""
    pid = api.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
    first = api.wait(pid)
    assert first["status"] == "done"
    second = api.get(f"/v1/plans/{pid}").json()
    assert _without_overview(second) == _without_overview(first)
    assert second["overview_link"]

    own = first["plan"]["routes"][0]
    stop = own["stops"][0]
    r = api.client.post(_path(own["field_link"]) + "/events", json={
        "visit_id": stop["visit_id"], "status": "not_at_home", "at": "2026-12-01T10:00:00+08:00"})
    assert r.status_code in (200, 201), r.text
    after_event = api.get(f"/v1/plans/{pid}").json()
    assert [(e["visit_id"], e["status"]) for e in after_event["events"]] == [
        (stop["visit_id"], "not_at_home")]

    team = own["team_id"]
    route = api.get(f"/v1/plans/{pid}/routes/{team}").json()["route"]
    assert route["field_link"] == own["field_link"]
    assert api.client.delete(f"/v1/plans/{pid}/routes/{team}/link",
                             headers=api.headers("dispatcher")).status_code == 200
    assert api.client.get(_path(own["field_link"])).status_code in (404, 410)
    fresh = api.get(f"/v1/plans/{pid}").json()["plan"]["routes"][0]["field_link"]
    assert fresh != own["field_link"]
    assert api.client.get(_path(fresh)).status_code == 200
    again = api.get(f"/v1/plans/{pid}/routes/{team}").json()["route"]["field_link"]
    assert again == fresh

    reads = [a["what"] for a in api.get(f"/v1/plans/{pid}/access", role="admin").json()]
    # every read above, cached or not, is in the access log
    assert reads.count("plan") >= 5
    assert reads.count(f"route:{team}") == 2
