"""File-level reading: encodings, empty files, headers, file types; the column doc is current."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import problems_of
from routeplan.io.columns import CHINESE_HEADERS, columns_markdown
from routeplan.io.readers import read_teams, read_visits

type Write = Callable[[str, str | bytes], Path]

ROOT = Path(__file__).resolve().parents[2]


def test_non_utf8_file_is_named_with_a_hint(write: Write) -> None:
    path = write("visits.csv", "visit_id,borrower_id,address\nV1,B1,郑州市金水区\n".encode("gbk"))
    (line,) = problems_of(lambda: read_visits(path))
    assert line.startswith("visits.csv:2: the file is not UTF-8 (byte 0x")
    assert "GBK" in line
    assert "CSV UTF-8" in line


def test_empty_file(write: Write) -> None:
    for content in ("", "\n  \r\n"):
        (line,) = problems_of(lambda c=content: read_visits(write("visits.csv", c)))
        assert line.startswith("visits.csv: the file is empty; expected a header row "
                               "(visit_id, borrower_id)")


def test_misspelt_column_is_an_error_other_extra_columns_are_ignored(write: Write) -> None:
    path = write("visits.csv", "visit_id,borrower_id,lat,lon,windw_start,备注\nV1,B1,34.7,113.6,"
                 "09:00,客户要求上午\n")
    assert problems_of(lambda: read_visits(path)) == [
        "visits.csv:1:windw_start: unknown column; did you mean window_start?"]


def test_same_column_twice(write: Write) -> None:
    path = write("visits.csv", "visit_id,borrower_id,lat,lon,纬度\nV1,B1,34.7,113.6,34.7\n")
    assert problems_of(lambda: read_visits(path)) == [
        "visits.csv:1:纬度: column lat appears twice (also as 'lat')"]


def test_headers_ignore_case_spaces_and_full_width_brackets(write: Write) -> None:
    path = write("visits.csv",
                 " Visit ID ,Borrower_ID,LAT,Lng,服务时长（分钟）\nV1,B1,34.7,113.6,30\n")
    (v,) = read_visits(path)
    assert (v.visit_id, v.location, v.service_s) == ("V1", (113.6, 34.7), 1800)


def test_cells_beyond_the_header_are_named(write: Write) -> None:
    path = write("teams.csv", "team_id,members,start_lat,start_lon,shift_start,shift_end\n"
                 "T1,C1,C2,34.7,113.6,09:00,18:00\n")
    lines = problems_of(lambda: read_teams(path))
    assert lines[0] == ("teams.csv:2: the row has 7 or more cells, the header only 6: '18:00' "
                        "has no column (an unquoted comma?)")


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(write: Write) -> None:
    path = write("visits.csv", "visit_id,borrower_id,lat,lon\nV1,B1,34.7,113.6\n,,,\n\n"
                 "V2,B2,34.7,999\n")
    assert problems_of(lambda: read_visits(path)) == [
        "visits.csv:5:lon: '999' is outside -180..180"]


def test_tab_separated_text_is_read(write: Write) -> None:
    path = write("visits.csv", "visit_id\tborrower_id\tlat\tlon\nV1\tB1\t34.7\t113.6\n")
    assert [v.visit_id for v in read_visits(path)] == ["V1"]


def test_file_types(write: Write, tmp_path: Path) -> None:
    assert problems_of(lambda: read_visits(write("visits.xls", b"\xd0\xcf"))) == [
        "visits.xls: .xls files are not read; save it as .xlsx or as CSV UTF-8"]
    assert problems_of(lambda: read_visits(tmp_path / "nothere.csv")) == [
        f"{tmp_path / 'nothere.csv'}: no such file"]
    path = write("visits.csv", "visit_id,borrower_id,lat,lon\nV1,B1,34.7,113.6\n")
    assert problems_of(lambda: read_visits(path, sheet="外访")) == [
        "visits.csv: a sheet ('外访') can only be chosen in an .xlsx file"]


def test_column_doc_is_current() -> None:
    doc = ROOT / "docs" / "columns.md"
    assert doc.read_text(encoding="utf-8") == columns_markdown(), (
        "regenerate: python -c 'from routeplan.io.columns import columns_markdown as m; "
        "print(m(), end=\"\")' > docs/columns.md")


def test_chinese_mapping_has_the_documented_headers() -> None:
    assert CHINESE_HEADERS["visits"]["案件编号"] == "visit_id"
    assert CHINESE_HEADERS["visits"]["近7天外访次数"] == "visits_last_7d"
    assert CHINESE_HEADERS["teams"]["负责地市"] == "prefectures"
    assert CHINESE_HEADERS["teams"]["休息时长(分钟)"] == "break_min"


def test_public_surface_of_routeplan_io() -> None:
    import routeplan.io

    assert sorted(routeplan.io.__all__) == [
        "CHINESE_HEADERS", "TEAM_COLUMNS", "VISIT_COLUMNS", "columns_markdown",
        "plan_from_dict", "plan_to_csv", "plan_to_dict", "plan_to_geojson", "plan_to_json",
        "read_plan", "read_teams", "read_visits", "teams_from_records", "visits_from_records",
        "write_atomic", "write_plan",
    ]
    assert all(hasattr(routeplan.io, name) for name in routeplan.io.__all__)


def test_readme_carries_the_whole_column_mapping() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- columns:start", 1)[1].split("-->", 1)[1]
    block = block.split("<!-- columns:end -->", 1)[0].strip()
    expected = columns_markdown().split("\n", 1)[1].strip().replace("\n## ", "\n### ")
    assert block == expected
