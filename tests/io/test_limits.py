"""Malformed and oversized files get one located message naming the limit, never a crash."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from tests.io.bombs import many_strings, row_jump, shared_strings_bomb, sheet_bomb

from conftest import problems_of
from routeplan.io.field_reports import read_outcomes, read_positions
from routeplan.io.limits import json_too_deep, loads
from routeplan.io.readers import read_teams, read_visits, visits_from_records

type Write = Callable[[str, str | bytes], Path]

TEAMS = "team_id,members,start_lat,start_lon,shift_start,shift_end\n"


def _visits_csv(n: int) -> str:
    return "visit_id,borrower_id,lat,lon\n" + "".join(
        f"V{i},B{i},34.7,113.6\n" for i in range(1, n + 1))


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


# -- the files that crashed the readers --------------------------------------------------


def test_a_csv_of_blank_cells_is_an_empty_file(write: Write) -> None:
    """`,,,` lines only (once an IndexError) name the file: there is no header."""
    lines = problems_of(lambda: read_visits(write("visits.csv", ",,,\n,,\n")))
    assert lines == ["visits.csv: every row of the file is blank; expected a header row "
                     "(visit_id, borrower_id) and one row per record"]


def test_a_cell_beyond_the_csv_field_limit_names_row_column_and_limit(write: Write) -> None:
    """A 140,000-character cell (once a _csv.Error) is located at its row and column."""
    path = write("visits.csv", "visit_id,borrower_id,address,lat,lon\nV1,B1,ok,34.7,113.6\n"
                 f'V2,B2,"{"x" * 140_000}",34.7,113.6\n')
    assert problems_of(lambda: read_visits(path)) == [
        "visits.csv:3:address: a cell of more than 131,072 characters; a cell may hold at "
        "most 2,000"]


def test_a_long_cell_is_one_problem_of_its_cell(write: Write) -> None:
    """A 3,000-character address is refused alone: no follow-on 'no address' message."""
    path = write("visits.csv", f"visit_id,borrower_id,address\nV1,B1,{'路' * 3000}\n")
    assert problems_of(lambda: read_visits(path)) == [
        "visits.csv:2:address: 3,000 characters; a cell may hold at most 2,000"]


def test_ids_are_at_most_100_characters(write: Write) -> None:
    path = write("visits.csv", f"visit_id,borrower_id,lat,lon\n{'V' * 101},B1,34.7,113.6\n")
    assert problems_of(lambda: read_visits(path)) == [
        "visits.csv:2:visit_id: an id of 101 characters; an id may hold at most 100"]
    teams = write("teams.csv", TEAMS + f"T1,a;{'b' * 101},34.7,113.6,08:30,18:00\n")
    assert problems_of(lambda: read_teams(teams)) == [
        "teams.csv:2:members: an item of 101 characters; an id may hold at most 100"]


def test_json_nested_100000_deep_is_refused_before_parsing(write: Write) -> None:
    """Once a RecursionError: now the line and the limit of 32 levels."""
    path = write("visits.json", "[" * 100_000 + "]" * 100_000)
    assert problems_of(lambda: read_visits(path)) == [
        "visits.json:1: JSON nested deeper than 32 levels (the limit)"]


def test_depth_counts_structure_not_brackets_in_strings() -> None:
    at_limit = "[" * 32 + "]" * 32
    assert json_too_deep(at_limit.encode()) is None
    assert json_too_deep(("\n" + "[" * 33 + "]" * 33).encode()) == 2
    quoted = json.dumps({"note": "[" * 1000 + '\\"{' * 100}).encode()
    assert json_too_deep(quoted) is None
    assert loads(quoted, "x") == {"note": "[" * 1000 + '\\"{' * 100}


def test_json_that_cannot_be_written_back_is_refused() -> None:
    """A lone surrogate escape and a 5,000-digit integer are input errors, located."""
    assert problems_of(lambda: loads(b'[{"visit_id": "\\ud800"}]', "visits.json")) == [
        "visits.json: a string holds a lone surrogate escape (\\ud800-\\udfff), not text"]
    assert problems_of(lambda: loads(b"[" + b"7" * 5000 + b"]", "visits.json"))[0].startswith(
        "visits.json: not readable JSON")


def test_a_workbook_without_a_worksheet(tmp_path: Path) -> None:
    """Once an IndexError: now the file and what a workbook must hold."""
    buf = io.BytesIO()
    Workbook().save(buf)
    path = tmp_path / "visits.xlsx"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            if info.filename.startswith("xl/worksheets/"):
                continue
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data)
            out.writestr(info, data)
    assert problems_of(lambda: read_visits(path)) == [
        "visits.xlsx: the workbook has no worksheet; expected a sheet with a header row "
        "(visit_id, borrower_id)"]


# -- rows per file ------------------------------------------------------------------------


def test_the_row_limit_is_the_policy_key(write: Write, tmp_path: Path) -> None:
    """50 rows pass limits.max_rows = 50; the 51st row is named, in CSV, XLSX and JSON."""
    assert len(read_visits(write("visits.csv", _visits_csv(50)), max_rows=50)) == 50
    assert problems_of(lambda: read_visits(write("visits.csv", _visits_csv(51)), max_rows=50)
                       ) == ["visits.csv:52: more than 50 rows; limits.max_rows allows at most "
                             "50 (split the day, or raise limits.max_rows in the policy)"]
    rows: list[list[object]] = [["visit_id", "borrower_id", "lat", "lon"]]
    rows += [[f"V{i}", f"B{i}", 34.7, 113.6] for i in range(51)]
    book = _workbook(tmp_path / "visits.xlsx", rows)
    assert problems_of(lambda: read_visits(book, max_rows=50))[0].startswith(
        "visits.xlsx[Sheet]:52: more than 50 rows; limits.max_rows allows at most 50")
    records = [{"visit_id": f"V{i}", "borrower_id": "B", "lat": 34.7, "lon": 113.6}
               for i in range(51)]
    assert problems_of(lambda: visits_from_records(records, max_rows=50))[0].startswith(
        "/visits/50: more than 50 rows; limits.max_rows allows at most 50")
    teams = write("teams.csv", TEAMS + "".join(
        f"T{i},a{i};b{i},34.7,113.6,08:30,18:00\n" for i in range(3)))
    assert problems_of(lambda: read_teams(teams, max_rows=2))[0].startswith(
        "teams.csv:4: more than 2 rows; limits.max_teams allows at most 2")


def test_a_day_of_20000_visits_is_read_by_default(write: Write, tmp_path: Path) -> None:
    """The default limit holds a Henan-wide day, CSV and XLSX alike; one more row does not."""
    assert len(read_visits(write("visits.csv", _visits_csv(20_000)))) == 20_000
    rows: list[list[object]] = [["visit_id", "borrower_id", "lat", "lon"]]
    rows += [[f"V{i}", f"B{i}", 34.7, 113.6] for i in range(20_001)]
    book = _workbook(tmp_path / "visits.xlsx", rows)
    assert problems_of(lambda: read_visits(book))[0].startswith(
        "visits.xlsx[Sheet]:20002: more than 20,000 rows")


def test_200000_rows_are_refused_at_the_first_row_beyond(write: Write) -> None:
    lines = problems_of(lambda: read_visits(write("visits.csv", _visits_csv(200_000))))
    assert lines == ["visits.csv:20002: more than 20,000 rows; limits.max_rows allows at most "
                     "20,000 (split the day, or raise limits.max_rows in the policy)"]


# -- workbooks that would not fit -----------------------------------------------------------


def test_a_sheet_bomb_is_refused_from_the_zip_directory(tmp_path: Path) -> None:
    """A sheet inflating to 300 MB is refused by its declared size, before openpyxl."""
    path = sheet_bomb(tmp_path / "visits.xlsx", inflated=300_000_000)
    (line,) = problems_of(lambda: read_visits(path))
    assert line.startswith("visits.xlsx[xl/worksheets/sheet1.xml]: inflates to 300,")
    assert line.endswith("a sheet may inflate to at most 57,737,216 bytes (55 MiB) when "
                         "limits.max_rows is 20,000")


def test_a_shared_strings_bomb_is_refused(tmp_path: Path) -> None:
    path = shared_strings_bomb(tmp_path / "visits.xlsx", inflated=300_000_000)
    (line,) = problems_of(lambda: read_visits(path))
    assert line.startswith("visits.xlsx[xl/sharedStrings.xml]: inflates to 300,")
    assert line.endswith("the shared strings may inflate to at most 67,108,864 bytes (64 MiB)")


def test_too_many_shared_strings_are_counted_while_streaming(tmp_path: Path) -> None:
    path = many_strings(tmp_path / "visits.xlsx", count=1_100_000)
    assert problems_of(lambda: read_visits(path)) == [
        "visits.xlsx[xl/sharedStrings.xml]: more than 1,000,000 shared strings; a workbook "
        "may hold at most 1,000,000"]


def test_a_part_inflating_over_200_times_is_refused(tmp_path: Path) -> None:
    path = shared_strings_bomb(tmp_path / "visits.xlsx", inflated=20_000_000, length=1)
    (line,) = problems_of(lambda: read_visits(path))
    assert line.startswith("visits.xlsx[xl/sharedStrings.xml]: inflates ")
    assert line.endswith("a part may inflate at most 200 times")


def test_rows_past_excels_last_row_are_refused(tmp_path: Path) -> None:
    """A row numbered 999,999,999 (openpyxl would yield the gap) stops at Excel's last row."""
    path = row_jump(tmp_path / "visits.xlsx")
    assert problems_of(lambda: read_visits(path)) == [
        "visits.xlsx[Sheet]:1048577: beyond row 1,048,576, the last row of a sheet; at most "
        "1,048,576 rows are read"]


def test_a_cell_beyond_column_1000(tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    ws.append(["visit_id", "borrower_id", "lat", "lon"])
    ws.append(["V1", "B1", 34.7, 113.6])
    ws.cell(row=2, column=1001, value="far")
    book.save(tmp_path / "visits.xlsx")
    assert problems_of(lambda: read_visits(tmp_path / "visits.xlsx")) == [
        "visits.xlsx[Sheet]:2:column 1001: a cell beyond column 1,000; at most 1,000 columns "
        "are read"]


def test_a_zip_of_many_parts_is_refused_from_its_end_record(tmp_path: Path) -> None:
    path = tmp_path / "visits.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(1001):
            z.writestr(f"x/{i}.xml", b"")
    assert problems_of(lambda: read_visits(path)) == [
        "visits.xlsx: the workbook has 1,001 parts; at most 1,000 are read"]


def test_files_that_are_not_workbooks(write: Write) -> None:
    assert problems_of(lambda: read_visits(write("visits.xlsx", b"visit_id,borrower_id\n")))[
        0].startswith("visits.xlsx: not a readable .xlsx workbook (not a zip archive")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types>")
    assert problems_of(lambda: read_visits(write("v.xlsx", broken.getvalue())))[0].startswith(
        "v.xlsx: not a readable .xlsx workbook")


def test_an_entity_bomb_in_a_sheet_is_refused(tmp_path: Path) -> None:
    """A sheet declaring entities (billion laughs) is refused by defusedxml, not expanded."""
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi",
                                                                  strict=True))
    laughs = (f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row>'
              "</sheetData></worksheet>")
    base = _workbook(tmp_path / "base.xlsx", [["visit_id", "borrower_id"]])
    path = tmp_path / "visits.xlsx"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            sheet = info.filename == "xl/worksheets/sheet1.xml"
            out.writestr(info, laughs.encode() if sheet else src.read(info))
    (line,) = problems_of(lambda: read_visits(path))
    assert line.startswith("visits.xlsx: not a readable .xlsx workbook (EntitiesForbidden")


def test_a_file_over_64_mib_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    with path.open("wb") as f:
        f.truncate(64 * 1024 * 1024 + 1)  # sparse: no 64 MiB written
    assert problems_of(lambda: read_visits(path)) == [
        "visits.csv: the file is 67,108,865 bytes (64 MiB); an input file may be at most "
        "67,108,864 bytes (64 MiB)"]


# -- field reports ----------------------------------------------------------------------------


def test_field_reports_hold_the_same_limits(write: Write) -> None:
    deep = write("outcomes.json", "[" * 50_000 + "]" * 50_000)
    assert problems_of(lambda: read_outcomes(deep)) == [
        "outcomes.json:1: JSON nested deeper than 32 levels (the limit)"]
    long_cell = write("positions.csv", f'team_id,lat,lon\nT1,"{"9" * 140_000}",113.6\n')
    assert problems_of(lambda: read_positions(long_cell)) == [
        "positions.csv:2: a cell of more than 131,072 characters; a cell may hold at most "
        "2,000"]
    many = write("positions.csv", "team_id,lat,lon\n" + "".join(
        f"T{i},34.7,113.6\n" for i in range(4)))
    assert problems_of(lambda: read_positions(many, max_rows=3)) == [
        "positions.csv:5: more than 3 rows; limits.max_teams allows at most 3 (split the day, "
        "or raise limits.max_teams in the policy)"]
    big_number = write("positions.json", '[{"team_id": "T1", "lat": 1' + "0" * 400
                       + ', "lon": 113.6}]')
    assert problems_of(lambda: read_positions(big_number))[0].startswith("positions.json/0: ")


@pytest.mark.parametrize("name", ["visits.csv", "visits.xlsx", "visits.json"])
def test_a_folder_named_like_a_file(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    assert problems_of(lambda: read_visits(tmp_path / name)) == [f"{tmp_path / name}: no such "
                                                                 "file"]


def test_the_readme_states_every_limit() -> None:
    """The Limits table carries the numbers the code enforces."""
    from routeplan.domain.policy import MAX_ROWS_CEILING, MAX_TEAMS_CEILING, Policy
    from routeplan.io import limits as lim

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Limits", 1)[1].split("\n## ", 1)[0]
    mib = 1024 * 1024
    for fact in (f"{Policy().max_rows:,} (a profile may set 1 to {MAX_ROWS_CEILING:,})",
                 f"{Policy().max_teams} (1 to {MAX_TEAMS_CEILING:,})",
                 f"{lim.MAX_FILE_BYTES // mib} MiB", f"{lim.MAX_CELL_CHARS:,} characters",
                 f"an id (visit, borrower, team, collector, skill, `pin_team`) {lim.MAX_ID_CHARS}",
                 f"{lim.MAX_LIST_ITEMS} items", f"{lim.MAX_COLUMNS:,}",
                 f"{lim.MAX_JSON_DEPTH} levels", f"{lim.MAX_SHEET_ROWS:,}",
                 f"{lim.MAX_ZIP_ENTRIES:,} parts", f"{lim.MAX_WORKBOOK_BYTES // mib} MiB together",
                 f"{lim.SHEET_BASE_BYTES // mib} MiB + {lim.SHEET_BYTES_PER_ROW // 1024} KiB per",
                 f"({lim.max_sheet_bytes(Policy().max_rows) // mib} MiB by default)",
                 f"{lim.MAX_SHARED_STRINGS_BYTES // mib} MiB and {lim.MAX_SHARED_STRINGS:,} "
                 "strings", f"any other XML part to {lim.MAX_PART_BYTES // mib} MiB",
                 f"at most {lim.MAX_RATIO} times", f"{lim.MAX_OUTCOMES:,} outcomes"):
        assert fact in section, fact
