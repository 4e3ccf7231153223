"""Whatever a file holds, a reader returns its records or raises InvalidInput, nothing else.

Random bytes, random CSV tables (quotes, separators, newlines, NUL, full-width text), random
workbooks (native cells) and damaged ones, random JSON (any shape, nested, huge numbers):
read_visits, read_teams and the field-report readers either give their values or one
InvalidInput with located problems. Any other exception fails the property.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.io.columns import CHINESE_HEADERS, TEAM_COLUMNS, VISIT_COLUMNS
from routeplan.io.field_reports import (
    outcomes_from_records,
    positions_from_records,
    read_outcomes,
    read_positions,
)
from routeplan.io.readers import read_teams, read_visits, teams_from_records, visits_from_records

CHECKS = settings(max_examples=100, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HEADERS = sorted({c.name for c in (*VISIT_COLUMNS, *TEAM_COLUMNS)} | set(CHINESE_HEADERS))
TRICKY = ["", " ", "25:00", "24:00", "09:00", "08:30", "1e999", "nan", "-inf", "0", "1", "-1",
          "34.75", "113.62", "是", "否", "true", "yes", "gcj02", "bd09", "高德", "郑州市",
          "410100", "2026-02-30", "2026/12/01", "a;b", "a；b；c", "C1,C2", '"', '""', ",",
          "\n", "\r\n", "\x00", "\ufeff", "路" * 2001, "9" * 400, "workplace", "walk"]

cell_text = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
header = st.lists(st.one_of(st.sampled_from(HEADERS), cell_text), max_size=10)
table = st.tuples(header, st.lists(st.lists(cell_text, max_size=11), max_size=12))
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), cell_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(HEADERS), cell_text),
                                            inner, max_size=6)),
    max_leaves=30)


def _clean(text: str) -> str:
    """Text a workbook cell can hold (openpyxl refuses control characters)."""
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n")


record = st.dictionaries(st.sampled_from(HEADERS), json_value, max_size=12)
records = st.one_of(st.lists(record, max_size=6), json_value)
excel_cell = st.one_of(
    st.none(), st.booleans(), st.integers(-10**15, 10**15),
    st.floats(allow_nan=False, allow_infinity=False), cell_text.map(_clean),
    st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)),
    st.times().map(lambda t: time(t.hour, t.minute, t.second)))

READERS: dict[str, Callable[[Path], object]] = {"visits": read_visits, "teams": read_teams}


def _holds(read: Callable[[], object]) -> None:
    """`read` returns, or raises InvalidInput whose every problem is a located message."""
    problems: tuple[object, ...] = ()
    try:
        read()
    except InvalidInput as exc:
        problems = exc.problems or (None,)
    assert all(isinstance(p, InputProblem) and p.message for p in problems)


def _each_reader(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        for read in READERS.values():
            _holds(lambda read=read: read(path))  # type: ignore[misc]


@CHECKS
@given(st.binary(max_size=2000), st.sampled_from(["visits.csv", "visits.xlsx", "visits.json"]))
def test_random_bytes(data: bytes, name: str) -> None:
    _each_reader(name, data)


@CHECKS
@given(table, st.sampled_from([",", "\t"]), st.booleans())
def test_random_csv_tables(t: tuple[list[str], list[list[str]]], delimiter: str,
                           quoted: bool) -> None:
    head, rows = t
    if quoted:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter).writerows([head, *rows])
        text = buf.getvalue()
    else:  # as a hand-made file would be: no quoting at all
        text = "\n".join(delimiter.join(r) for r in [head, *rows])
    _each_reader("visits.csv", text.encode("utf-8"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(HEADERS), cell_text.map(_clean)), max_size=8),
       st.lists(st.lists(excel_cell, max_size=9), max_size=8))
def test_random_workbooks(head: list[str], rows: list[list[Any]]) -> None:
    book = Workbook()
    for row in [head, *rows]:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    _each_reader("visits.xlsx", buf.getvalue())


_VALID_XLSX = io.BytesIO()
_book = Workbook()
_book.active.append(["visit_id", "borrower_id", "lat", "lon"])
_book.active.append(["V1", "B1", 34.7, 113.6])
_book.save(_VALID_XLSX)


@CHECKS
@given(st.lists(st.tuples(st.integers(0, len(_VALID_XLSX.getvalue()) - 1),
                          st.integers(0, 255)), min_size=1, max_size=8))
def test_damaged_workbooks(flips: list[tuple[int, int]]) -> None:
    data = bytearray(_VALID_XLSX.getvalue())
    for at, value in flips:
        data[at] = value
    _each_reader("visits.xlsx", bytes(data))


@CHECKS
@given(records)
def test_random_json(value: object) -> None:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except ValueError:  # an integer too long to write: not a file anyone can send
        return
    _each_reader("visits.json", text.encode("utf-8", "surrogatepass"))
    _holds(lambda: visits_from_records(value))
    _holds(lambda: teams_from_records(value))


@CHECKS
@given(records, st.booleans())
def test_field_reports(value: object, keyed: bool) -> None:
    if keyed and isinstance(value, list):
        value = {str(i): v for i, v in enumerate(value)}
    _holds(lambda: positions_from_records(value))
    _holds(lambda: outcomes_from_records(value))
    with tempfile.TemporaryDirectory() as tmp:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except ValueError:
            return
        path = Path(tmp) / "field.json"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        _holds(lambda: read_positions(path))
        _holds(lambda: read_outcomes(path))


@CHECKS
@given(table)
def test_positions_csv(t: tuple[list[str], list[list[str]]]) -> None:
    head, rows = t
    buf = io.StringIO()
    csv.writer(buf).writerows([["team_id", "lat", "lon", "crs", *head], *rows])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "positions.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        _holds(lambda: read_positions(path))


def _rows_or_error(lines: Any) -> object:
    try:
        return list(csv.reader(lines))
    except csv.Error as exc:
        return str(exc)


@CHECKS
@given(st.text(alphabet=st.sampled_from('ab,;"\r\n\t\x0b 路'), max_size=60))
def test_csv_rows_are_read_as_from_a_file(text: str) -> None:
    """Reading lines without copying the text splits them as a file opened with newline=''."""
    from routeplan.io.tables import _Lines

    assert _rows_or_error(_Lines(text)) == _rows_or_error(io.StringIO(text, newline=""))
