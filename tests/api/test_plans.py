"""Submitting a day and reading the plan back: statuses, field links, routes, exports, paging."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.api.conftest import Api, plan_body


def test_json_plan_is_accepted_solved_and_carries_field_links(api: Api, small_day: Any) -> None:
    """POST gives 202 and an opaque id; the plan ends done with one absolute link per route."""
    r = api.post("/v1/plans", json=plan_body(small_day))
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    body = api.wait(r.json()["plan_id"])
    assert body["status"] == "done", body
    plan = body["plan"]
    assert plan["date"] == "2026-12-01"
    visit_ids = {v["visit_id"] for v in small_day[0]}
    accounted = {s["visit_id"] for rt in plan["routes"] for s in rt["stops"]} | {
        u["visit_id"] for u in plan["unassigned"]}
    assert accounted == visit_ids
    assert plan["routes"]
    for route in plan["routes"]:
        assert route["field_link"].startswith("https://routes.example.test/m/")
    assert body["progress"]["elapsed_s"] > 0
    assert body["progress"]["planned"] == sum(len(rt["stops"]) for rt in plan["routes"])
    assert body["policy"] == {"name": "default", "version": 0}


def test_route_and_exports_of_a_done_plan(api: Api, small_day: Any) -> None:
    """A team's route, the CSV and the GeoJSON export come from the stored plan."""
    pid = api.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
    plan = api.wait(pid)["plan"]
    team = plan["routes"][0]["team_id"]
    r = api.get(f"/v1/plans/{pid}/routes/{team}")
    assert r.status_code == 200
    assert r.json()["route"]["team_id"] == team
    assert r.json()["route"]["field_link"] == plan["routes"][0]["field_link"]
    c = api.get(f"/v1/plans/{pid}/export", params={"format": "csv"})
    assert c.status_code == 200
    assert c.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert {r["visit_id"] for r in rows} == {v["visit_id"] for v in small_day[0]}
    g = api.get(f"/v1/plans/{pid}/export", params={"format": "geojson"})
    assert g.json()["type"] == "FeatureCollection"


def test_multipart_upload_of_csv_files(api: Api, small_day: Any) -> None:
    """The same day as two uploaded CSV files is accepted and solved."""
    def to_csv(records: list[dict[str, Any]]) -> bytes:
        cols = sorted({k for r in records for k in r})
        out = io.StringIO()
        w = csv.DictWriter(out, cols)
        w.writeheader()
        for r in records:
            w.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in r.items()})
        return out.getvalue().encode()

    r = api.post("/v1/plans", data={"date": "2026-12-01", "time_limit_s": "1"},
                 files={"visits": ("visits.csv", to_csv(small_day[0]), "text/csv"),
                        "teams": ("teams.csv", to_csv(small_day[1]), "text/csv")})
    assert r.status_code == 202, r.text
    assert api.wait(r.json()["plan_id"])["status"] == "done"


def test_list_is_paginated_and_filtered_by_date(api: Api, small_day: Any) -> None:
    """Three plans over two days: paging by two, filtering by date."""
    ids = [api.post("/v1/plans", json=plan_body(small_day, date=d)).json()["plan_id"]
           for d in ("2026-12-01", "2026-12-01", "2026-12-02")]
    page = api.get("/v1/plans", params={"limit": 2}).json()
    assert len(page["items"]) == 2
    assert page["next_offset"] == 2
    rest = api.get("/v1/plans", params={"limit": 2, "offset": 2}).json()
    assert rest["next_offset"] is None
    assert {i["plan_id"] for i in page["items"] + rest["items"]} == set(ids)
    only = api.get("/v1/plans", params={"date": "2026-12-02"}).json()["items"]
    assert [i["plan_id"] for i in only] == [ids[2]]
    for pid in ids:
        api.wait(pid)


def test_archived_plan_is_gone_for_dispatchers(api: Api, small_day: Any) -> None:
    """DELETE archives: the plan reads as 404 afterwards; the admin still sees its access log."""
    pid = api.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
    api.wait(pid)
    assert api.client.delete(f"/v1/plans/{pid}", headers=api.headers()).status_code == 204
    assert api.get(f"/v1/plans/{pid}").status_code == 404
    log = api.get(f"/v1/plans/{pid}/access", role="admin").json()
    assert [e["what"] for e in log][-1] == "archive"
    assert all(e["actor"].startswith("key:") for e in log)


def test_access_log_records_who_read_what(api: Api, small_day: Any) -> None:
    """Reading a plan and a route leaves entries naming the key id, never the key."""
    pid = api.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
    team = api.wait(pid)["plan"]["routes"][0]["team_id"]
    api.get(f"/v1/plans/{pid}/routes/{team}", role="analyst")
    log = api.get(f"/v1/plans/{pid}/access", role="admin").json()
    whats = [e["what"] for e in log]
    assert "plan" in whats
    assert f"route:{team}" in whats
    assert not any(api.keys[r] in e["actor"] for e in log for r in api.keys)
