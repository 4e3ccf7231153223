"""Audit findings out: the JSON contract and the Excel sheet a compliance officer opens."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from tests.fieldday import DOORS, moment, moved, planned_day, report

from routeplan.io.audit_exports import XLSX_COLUMNS, audit_to_dict, findings_to_xlsx
from routeplan.rules.audit import Finding, FindingCode, audit_plan


def test_the_json_has_the_contracts_keys_and_local_times() -> None:
    """Findings {code, plan_id, team_id, visit_id, at, detail, detail_en, evidence}, summary."""
    far = report("V1", "arrived", "22:40", position=moved(DOORS["V1"], metres=900),
                 members=("T1-a", "T1-c"))
    doc = audit_to_dict(audit_plan(planned_day(), [far], consent={}, plan_id="P7"))
    json.dumps(doc)  # JSON-ready as it is
    first = doc["findings"][0]
    assert list(first) == ["code", "plan_id", "team_id", "visit_id", "at", "detail",
                           "detail_en", "evidence"]
    assert first["at"] == "2026-12-01T22:40:00+08:00"
    assert first["plan_id"] == "P7"
    assert doc["findings"][1]["evidence"]["members_present"] == ["T1-a", "T1-c"]
    assert doc["summary"]["visits_reported"] == 1
    assert doc["summary"]["findings_by_code"] == {
        "outside_lawful_hours": 1, "far_from_visit": 1, "single_collector": 0,
        "no_position": 0, "clock_skew": 0}


def test_the_sheet_has_chinese_headers_and_one_row_per_finding() -> None:
    f = Finding(FindingCode.FAR_FROM_VISIT, "P1", "T1", "V1", moment("10:02"), "距案件地址 900 米",
                "900 m", {"distance_m": 900, "accuracy_m": 15,
                          "members_present": ("T1-a", "T1-b")})
    ws = load_workbook(io.BytesIO(findings_to_xlsx([f]))).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("代码", "问题", "外访组", "案件编号", "时间")
    assert len(rows[0]) == len(XLSX_COLUMNS)
    assert rows[1] == ("far_from_visit", "远离案件地址", "T1", "V1", "2026-12-01 10:02",
                       "距案件地址 900 米", 900, 15, "T1-a;T1-b", "P1")


def test_ids_that_look_like_formulas_stay_text_in_the_sheet() -> None:
    """A hostile id is shown as written, never evaluated by Excel."""
    evil = '=HYPERLINK("http://example.invalid","x")'
    f = Finding(FindingCode.NO_POSITION, evil, "=1+1", evil, moment("10:02"), "+cmd", "-x")
    ws = load_workbook(io.BytesIO(findings_to_xlsx([f]))).active
    assert ws is not None
    (cells,) = ws.iter_rows(min_row=2, max_row=2)
    assert [c.data_type for c in cells if c.value is not None] == ["s"] * 7
    assert cells[2].value == "=1+1" and cells[3].value == evil
