"""POST /m/{token}/events with the audit's evidence: a position and the team's members present."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from routeplan.geo.crs import wgs84_to_gcj02
from tests.api.conftest import Api, plan_body


@pytest.fixture
def route(api: Api, small_day: Any) -> tuple[str, str, dict[str, Any]]:
    """The plan id, the events URL of the first team's link, and its route."""
    pid = api.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
    body = api.wait(pid)
    assert body["status"] == "done"
    own = body["plan"]["routes"][0]
    return pid, urlsplit(own["field_link"]).path + "/events", own


def _arrived(own: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"visit_id": own["stops"][0]["visit_id"], "status": "arrived",
            "at": "2026-12-01T10:00:00+08:00", **kw}


def test_position_and_members_are_stored_with_the_services_received_at(
        api: Api, route: tuple[str, str, dict[str, Any]]) -> None:
    pid, path, own = route
    lon, lat = own["stops"][0]["lon"], own["stops"][0]["lat"]
    r = api.client.post(path, json=_arrived(
        own, position={"lat": lat, "lon": lon, "accuracy_m": 12.5},
        members_present=own["members"][:2]))
    assert r.status_code == 201, r.text
    assert "position" not in r.json() and str(lat) not in r.text  # never echoed
    [row] = api.store.plans.events(pid)
    assert (row.position_lon, row.position_lat, row.accuracy_m) == (lon, lat, 12.5)
    assert json.loads(row.members_present or "null") == own["members"][:2]
    assert row.received_at == api.store.clock()


def test_a_gcj02_position_is_stored_in_wgs84(api: Api,
                                             route: tuple[str, str, dict[str, Any]]) -> None:
    """A phone on AMap reports GCJ-02 (~500 m off in Henan); the store holds WGS-84."""
    pid, path, own = route
    lon, lat = own["stops"][0]["lon"], own["stops"][0]["lat"]
    glon, glat = (float(v[0]) for v in wgs84_to_gcj02([lon], [lat]))
    r = api.client.post(path, json=_arrived(
        own, position={"lat": glat, "lon": glon, "accuracy_m": 5, "crs": "gcj02"}))
    assert r.status_code == 201, r.text
    [row] = api.store.plans.events(pid)
    assert row.position_lon == pytest.approx(lon, abs=1e-7)
    assert row.position_lat == pytest.approx(lat, abs=1e-7)


def test_without_evidence_a_report_is_stored_as_before(
        api: Api, route: tuple[str, str, dict[str, Any]]) -> None:
    pid, path, own = route
    assert api.client.post(path, json=_arrived(own)).status_code == 201
    [row] = api.store.plans.events(pid)
    assert row.position_lon is None and row.members_present is None


def test_a_position_a_hundred_km_vague_is_dropped_and_the_report_kept(
        api: Api, route: tuple[str, str, dict[str, Any]]) -> None:
    """A desktop browser guessing from the network: the outcome counts, the position does not."""
    pid, path, own = route
    r = api.client.post(path, json=_arrived(
        own, position={"lat": 34.7, "lon": 113.6, "accuracy_m": 150_000}))
    assert r.status_code == 201, r.text
    [row] = api.store.plans.events(pid)
    assert row.position_lon is None and row.accuracy_m is None


def test_a_member_not_of_the_team_is_refused_naming_the_field(
        api: Api, route: tuple[str, str, dict[str, Any]]) -> None:
    pid, path, own = route
    first = own["members"][0]
    r = api.client.post(path, json=_arrived(own, members_present=[first, "C-STRANGER", first]))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["problems"] == [
        {"location": "/members_present/1", "message": "'C-STRANGER' is not a member of this team"},
        {"location": "/members_present/2", "message": f"{first!r} is given twice"}]
    assert body["message_zh"]
    assert api.store.plans.events(pid) == []


@pytest.mark.parametrize("position", [
    {"lat": 134.7, "lon": 34.7, "accuracy_m": 10},
    {"lat": 34.7, "lon": 113.6, "accuracy_m": -1},
    {"lat": 34.7, "lon": 113.6, "accuracy_m": 10, "crs": "mars"},
    {"lat": 34.7, "lon": 113.6},
    {"lat": 34.7, "lon": 113.6, "accuracy_m": 10, "alt": 3},
])
def test_a_malformed_position_is_refused_under_position(
        api: Api, route: tuple[str, str, dict[str, Any]], position: dict[str, Any]) -> None:
    pid, path, own = route
    r = api.client.post(path, json=_arrived(own, position=position))
    assert r.status_code == 422, r.text
    assert all(p["location"].startswith("/position") for p in r.json()["problems"]), r.text
    assert api.store.plans.events(pid) == []


def test_dispatchers_never_see_a_reported_position(
        api: Api, route: tuple[str, str, dict[str, Any]]) -> None:
    """Plan reads, routes, exports and the overview carry outcomes, never coordinates."""
    pid, path, own = route
    # a position no plan holds: 9 decimals the stops never have
    lon, lat = 113.612345678, 34.765432198
    assert api.client.post(path, json=_arrived(
        own, position={"lat": lat, "lon": lon, "accuracy_m": 7})).status_code == 201
    for url in (f"/v1/plans/{pid}", f"/v1/plans/{pid}/routes/{own['team_id']}",
                f"/v1/plans/{pid}/map", f"/v1/plans/{pid}/export?format=geojson"):
        for role in ("dispatcher", "analyst", "admin"):
            r = api.get(url, role)
            assert r.status_code == 200, (url, role, r.text)
            assert "612345678" not in r.text and "765432198" not in r.text, (url, role)
    assert api.get(f"/v1/plans/{pid}").json()["events"][0]["status"] == "arrived"
