"""Bad input is 422 with one located message per problem (JSON pointer or file:row:column)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from routeplan_api.config import Settings
from routeplan_api.main import create_app
from routeplan_api.security import Role
from tests.api.conftest import Api, plan_body
from tests.io.bombs import shared_strings_bomb, sheet_bomb


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


# -- malformed and oversized inputs (issue 12) -------------------------------------------------

_TEAMS_CSV = (b"team_id,members,start_lat,start_lon,shift_start,shift_end\n"
              b"T1,a;b,34.7,113.6,08:30,18:00\n")


def _rows_csv(n: int) -> bytes:
    return b"visit_id,borrower_id,lat,lon\n" + b"".join(
        b"V%d,B%d,34.7,113.6\n" % (i, i) for i in range(1, n + 1))


def _no_worksheet() -> bytes:
    import io
    import re
    import zipfile

    from openpyxl import Workbook

    buf, out = io.BytesIO(), io.BytesIO()
    Workbook().save(buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                data = src.read(info)
                if info.filename == "xl/workbook.xml":
                    data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data)
                dst.writestr(info, data)
    return out.getvalue()


UPLOADS = {  # each was a 500 (or a 202 for 200,000 rows): now one located problem
    "blank csv": ("visits.csv", b",,,\n,,\n", None,
                  ("visits.csv", "every row of the file is blank; expected a header row "
                   "(visit_id, borrower_id) and one row per record")),
    "long cell": ("visits.csv", b"visit_id,borrower_id,address\nV1,B1," + b"x" * 140_000
                  + b"\n", None,
                  ("visits.csv:2:address", "a cell of more than 131,072 characters; a cell may "
                   "hold at most 2,000")),
    "nested json": ("visits.json", b"[" * 100_000 + b"]" * 100_000, None,
                    ("visits.json:1", "JSON nested deeper than 32 levels (the limit)")),
    "no worksheet": ("visits.xlsx", _no_worksheet(), None,
                     ("visits.xlsx", "the workbook has no worksheet; expected a sheet with a "
                      "header row (visit_id, borrower_id)")),
    "nested overrides": ("visits.csv", _rows_csv(1), "[" * 50_000,
                         ("overrides:1", "JSON nested deeper than 32 levels (the limit)")),
    "200,000 rows": ("visits.csv", _rows_csv(200_000), None,
                     ("visits.csv:20002", "more than 20,000 rows; limits.max_rows allows at "
                      "most 20,000 (split the day, or raise limits.max_rows in the policy)")),
}


@pytest.mark.parametrize("case", sorted(UPLOADS))
def test_malformed_uploads_are_422_naming_the_place(api: Api, case: str) -> None:
    name, data, overrides, problem = UPLOADS[case]
    form = {"date": "2026-12-01"} | ({"overrides": overrides} if overrides else {})
    r = api.post("/v1/plans", data=form,
                 files={"visits": (name, data), "teams": ("teams.csv", _TEAMS_CSV)})
    assert r.status_code == 422, r.text
    assert [(p["location"], p["message"]) for p in r.json()["problems"]] == [problem]


@pytest.mark.parametrize("bomb", ["sheet", "shared strings"])
def test_workbook_bombs_are_422_before_openpyxl(api: Api, tmp_path: Path, bomb: str) -> None:
    make = sheet_bomb if bomb == "sheet" else shared_strings_bomb
    data = make(tmp_path / "visits.xlsx", inflated=300_000_000).read_bytes()
    r = api.post("/v1/plans", data={"date": "2026-12-01"},
                 files={"visits": ("visits.xlsx", data), "teams": ("teams.csv", _TEAMS_CSV)})
    assert r.status_code == 422, r.text
    (problem,) = r.json()["problems"]
    part = "worksheets/sheet1" if bomb == "sheet" else "sharedStrings"
    assert problem["location"] == f"visits.xlsx[xl/{part}.xml]"
    assert problem["message"].startswith("inflates to 300,")


def test_a_chunked_body_over_the_limit_is_413(api: Api) -> None:
    """50 MB without Content-Length was a 400 on the events route: the edge answers 413."""
    def body() -> Iterator[bytes]:
        for _ in range(50):
            yield b"x" * (1024 * 1024)

    for url in ("/m/not-a-token/events", "/v1/plans"):
        r = api.client.post(url, content=body(), headers={**api.headers(),
                                                          "content-type": "application/json"})
        assert r.status_code == 413, (url, r.status_code, r.text)
        assert r.json()["message"] == ("the request body is larger than 10,485,760 bytes, the "
                                       "most the service accepts (ROUTEPLAN_MAX_REQUEST_BYTES)")


def _english(problems: list[dict[str, str]]) -> list[dict[str, str]]:
    """The problems without their Chinese rendering (each must have one)."""
    assert all(p["message_zh"] for p in problems)
    return [{k: v for k, v in p.items() if k != "message_zh"} for p in problems]


def test_deeply_nested_json_bodies_are_422(api: Api) -> None:
    for url, role in (("/v1/plans", "dispatcher"), ("/v1/comparisons", "analyst")):
        r = api.client.post(url, content=b"[" * 50_000 + b"]" * 50_000,
                            headers={**api.headers(role), "content-type": "application/json"})
        assert r.status_code == 422, (url, r.text)
        assert _english(r.json()["problems"]) == [
            {"location": "/", "message": "line 1: JSON nested deeper than 32 levels (the limit)"}]


def test_json_records_follow_the_policys_row_limit(api: Api, small_day: Any) -> None:
    """The 5,000 cap is gone: limits.max_rows decides, for records as for files."""
    over = plan_body(small_day, policy={"overrides": {"limits": {"max_rows": 11}}})
    r = api.post("/v1/plans", json=over)
    assert r.status_code == 422
    assert _english(r.json()["problems"]) == [{"location": "/visits/11", "message": (
        "more than 11 rows; limits.max_rows allows at most 11 (split the day, or raise "
        "limits.max_rows in the policy)")}]
    exact = plan_body(small_day, policy={"overrides": {"limits": {"max_rows": 12}}})
    assert api.post("/v1/plans", json=exact).status_code == 202


class _NoQueue:
    """Accepts jobs without solving them: what is measured here is the submission."""

    name = "none"

    def submit(self, *_: Any) -> None:
        return None

    def check(self) -> None:
        return None

    def close(self) -> None:
        return None


def test_a_day_of_20000_visits_is_accepted_and_one_more_is_not(settings: Settings) -> None:
    visits = [{"visit_id": f"V{i}", "borrower_id": f"B{i}", "lat": 34.7, "lon": 113.6}
              for i in range(20_001)]
    teams = [{"team_id": "T1", "members": ["a", "b"], "start_lat": 34.7, "start_lon": 113.6,
              "shift_start": "08:30", "shift_end": "18:00"}]
    app = create_app(settings, queue=_NoQueue())
    with TestClient(app) as client:
        _, key = app.state.services.store.keys.create(Role.DISPATCHER)
        headers = {"Authorization": f"Bearer {key}"}
        body = {"date": "2026-12-01", "visits": visits, "teams": teams}
        r = client.post("/v1/plans", headers=headers, json=body)
        assert r.status_code == 422
        assert r.json()["problems"][0]["location"] == "/visits/20000"
        r = client.post("/v1/plans", headers=headers, json={**body, "visits": visits[:20_000]})
        assert r.status_code == 202, r.text
        r = client.post("/v1/plans", headers=headers, data={"date": "2026-12-01"},
                        files={"visits": ("v.csv", _rows_csv(20_000)),
                               "teams": ("t.csv", _TEAMS_CSV)})
        assert r.status_code == 202, r.text
