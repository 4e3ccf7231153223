"""Bad input is 422 with one located message per problem (JSON pointer or file:row:column)."""

from __future__ import annotations

import copy
from typing import Any

from tests.api.conftest import Api, plan_body


def _locations(r: Any) -> set[str]:
    assert r.status_code == 422, r.text
    return {p["location"] for p in r.json()["problems"]}


def test_bad_records_name_their_fields(api: Api, small_day: Any) -> None:
    """A swapped coordinate and a one-person team are both reported, by JSON pointer."""
    visits, teams = copy.deepcopy(small_day)
    visits[3]["lat"] = 134.7
    teams[1]["members"] = ["solo"]
    locs = _locations(api.post("/v1/plans", json=plan_body((visits, teams))))
    assert any(loc.startswith("/visits/3") for loc in locs), locs
    assert any(loc.startswith("/teams/1") for loc in locs), locs


def test_request_shape_errors_are_pointers(api: Api, small_day: Any) -> None:
    """Schema-level problems (bad date, extra field) are JSON pointers too."""
    body = plan_body(small_day, date="2026-13-01")
    body["colour"] = "red"
    assert {"/date", "/colour"} <= _locations(api.post("/v1/plans", json=body))


def test_policy_problems(api: Api, small_day: Any) -> None:
    """An unknown policy name and an override that would widen the rules are 422."""
    body = plan_body(small_day, policy={"name": "nope"})
    assert "/policy/name" in _locations(api.post("/v1/plans", json=body))
    body = plan_body(small_day, policy={"overrides": {"teams": {"min_size": 1}}})
    assert any(loc.startswith("/policy/overrides/teams")
               for loc in _locations(api.post("/v1/plans", json=body)))


def test_bad_csv_upload_names_file_row_and_column(api: Api) -> None:
    """A CSV problem is located as file:row:column."""
    visits = b"visit_id,borrower_id,lat,lon\nV1,B1,abc,113.6\n"
    teams = (b"team_id,members,start_lat,start_lon,shift_start,shift_end\n"
             b"T1,a;b,34.7,113.6,08:30,18:00\n")
    r = api.post("/v1/plans", data={"date": "2026-12-01"},
                 files={"visits": ("my visits.csv", visits), "teams": ("teams.csv", teams)})
    locs = _locations(r)
    assert any(loc.startswith("my_visits.csv:2") and "lat" in loc for loc in locs), locs


def test_missing_upload_field(api: Api) -> None:
    """A multipart request without the teams file names the field."""
    r = api.post("/v1/plans", data={"date": "2026-12-01"},
                 files={"visits": ("v.csv", b"visit_id\n")})
    assert "teams" in _locations(r)


def test_policies_put_validates_and_keeps_history(api: Api) -> None:
    """PUT saves versions 1, 2; a bad key is 422 with its pointer."""
    url = "/v1/policies/strict"
    h = api.headers("analyst")
    r1 = api.client.put(url, headers=h, json={"policy": {"teams": {"max_visits": 10}}})
    r2 = api.client.put(url, headers=h, json={"policy": {"teams": {"max_visits": 12}}})
    assert (r1.json()["version"], r2.json()["version"]) == (1, 2)
    assert r2.json()["history"] == [1, 2]
    bad = api.client.put(url, headers=h, json={"policy": {"window": {"company_end": "23:30"}}})
    assert any(loc.startswith("/policy/window") for loc in _locations(bad))
    got = api.get(url, role="analyst").json()
    assert got["version"] == 2
    assert got["policy"]["teams"]["max_visits"] == 12
