"""Read a table of rows from CSV, Excel or JSON records, each cell located as its user sees it.

A `Table` holds rows of raw cell values keyed by canonical column name (see `columns`), and
the problems of the file as a whole (missing or misspelt columns). CSV cells are strings;
Excel cells keep their native types (numbers, dates, times); JSON values stay as parsed.
Locations read `visits.csv:7:window_start`, `visits.xlsx[Sheet1]:7:可访开始 (window_start)` or
`/visits/6/window_start`: the row is the one shown by Excel or a CSV viewer (header = 1).
"""

from __future__ import annotations

import csv
import difflib
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.io.columns import Column, header_lookup, normalise_header

#: A raw cell: text from CSV; native values from Excel and JSON; None when blank.
type Cell = str | int | float | bool | date | datetime | time | list[Any] | dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: non-blank cells by canonical column, and how to name a place in it.

    `problems` are those found while reading the row itself (cells beyond the header, a
    misspelt JSON key), reported with the row's other problems.
    """

    values: Mapping[str, Cell]
    source: str
    number: int
    headers: Mapping[str, str] = field(default_factory=dict)
    pointer: bool = False
    problems: tuple[InputProblem, ...] = ()

    def where(self, column: str | None = None) -> str:
        """The location of the row, or of one of its cells, as a user would look it up."""
        if self.pointer:
            base = f"{self.source}/{self.number}"
            return base if column is None else f"{base}/{self.headers.get(column, column)}"
        base = f"{self.source}:{self.number}"
        if column is None:
            return base
        written = self.headers.get(column, column)
        return f"{base}:{written}" if written == column else f"{base}:{written} ({column})"


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of one file (or JSON array) and the problems of its header."""

    source: str
    columns: frozenset[str]
    rows: tuple[Row, ...]
    problems: tuple[InputProblem, ...] = ()
    pointer: bool = False


def read_table(path: str | Path, columns: tuple[Column, ...], *,
               sheet: str | None = None) -> Table:
    """Read `.csv`, `.xlsx` or `.json` into a Table; raise InvalidInput if it cannot be read.

    Problems of single cells are left to the caller; this raises only for a file that is
    missing, empty, not UTF-8, not a workbook, lacks the named sheet or has no header.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if sheet is not None and suffix != ".xlsx":
        raise InvalidInput(f"{p.name}: a sheet ({sheet!r}) can only be chosen in an .xlsx file")
    if not p.is_file():
        raise InvalidInput(f"{p}: no such file")
    if suffix == ".csv":
        return _read_csv(p, columns)
    if suffix == ".xlsx":
        return _read_xlsx(p, columns, sheet)
    if suffix == ".json":
        return _read_json(p, columns)
    if suffix in (".xls", ".et", ".numbers", ".ods"):
        raise InvalidInput(f"{p.name}: {suffix} files are not read; save it as .xlsx or as CSV "
                           "UTF-8")
    raise InvalidInput(f"{p.name}: unknown file type {suffix or '(none)'!r}; give .csv, .xlsx "
                       "or .json")


def records_table(records: object, columns: tuple[Column, ...], source: str) -> Table:
    """JSON records (a list of objects) as a Table located by JSON pointers `/source/i/key`."""
    base = "/" + source.strip("/") if source else ""
    if not isinstance(records, list):
        raise InvalidInput(f"{base or '/'}: expected an array of objects, got "
                           f"{type(records).__name__}")
    lookup = header_lookup(columns)
    rows: list[Row] = []
    seen: set[str] = set()
    for i, record in enumerate(records):
        problems: list[InputProblem] = []
        if not isinstance(record, dict):
            problems.append(InputProblem(f"{base}/{i}", f"expected an object, got "
                                         f"{type(record).__name__}"))
            rows.append(Row({}, base, i, {}, True, tuple(problems)))
            continue
        values: dict[str, Cell] = {}
        written: dict[str, str] = {}
        for key, value in record.items():
            name = lookup.get(normalise_header(str(key)))
            if name is None:
                hint = _near_miss(str(key), lookup)
                if hint is not None:
                    problems.append(InputProblem(f"{base}/{i}/{key}", hint))
                continue
            if name in values:
                problems.append(InputProblem(f"{base}/{i}/{key}",
                                             f"repeats field {name} (given as {written[name]!r})"))
                continue
            written[name] = str(key)
            if value is not None and value != "":
                values[name] = value
                seen.add(name)
        rows.append(Row(values, base, i, written, True, tuple(problems)))
    return Table(base, frozenset(seen), tuple(rows), pointer=True)


# -- CSV ------------------------------------------------------------------------------------


def _read_csv(path: Path, columns: tuple[Column, ...]) -> Table:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("gb18030")
            hint = " It looks like GBK/GB18030 (Excel's default 'CSV' in Chinese Windows)."
        except UnicodeDecodeError:
            pass
        raise InvalidInput(
            f"{path.name}:{line}: the file is not UTF-8 (byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start}).{hint} Save it as 'CSV UTF-8' or as .xlsx."
        ) from None
    if not text.strip():
        raise InvalidInput(f"{path.name}: the file is empty; expected a header row "
                           f"({_required(columns)}) and one row per record")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return _tabulate(path.name, records, columns, first_row=1)


# -- Excel ----------------------------------------------------------------------------------


def _read_xlsx(path: Path, columns: tuple[Column, ...], sheet: str | None) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InvalidInput(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            names = ", ".join(repr(n) for n in book.sheetnames)
            raise InvalidInput(f"{path.name}: no sheet named {sheet!r}; the sheets are {names}")
        source = f"{path.name}[{ws.title}]"
        records: list[list[Cell]] = [
            [_excel_cell(v) for v in values] for values in ws.iter_rows(values_only=True)
        ]
    finally:
        book.close()
    if not any(_filled(r) for r in records):
        raise InvalidInput(f"{source}: the sheet is empty; expected a header row "
                           f"({_required(columns)}) and one row per record")
    return _tabulate(source, records, columns, first_row=1)


def _excel_cell(value: object) -> Cell:
    """Excel values as cells: text trimmed, whole floats kept as floats (ids handle them)."""
    if value is None or isinstance(value, str | int | float | bool | date | datetime | time):
        return value.strip() if isinstance(value, str) else value
    return str(value)  # e.g. a timedelta or an error value: shown as text in messages


# -- JSON -----------------------------------------------------------------------------------


def _read_json(path: Path, columns: tuple[Column, ...]) -> Table:
    import json

    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name}: the file is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path.name}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    key = path.stem
    if isinstance(data, dict):
        arrays = [k for k, v in data.items() if isinstance(v, list)]
        if len(arrays) != 1 and key not in data:
            raise InvalidInput(f"{path.name}: expected an array of records, or an object with "
                               "one array of records")
        key = key if key in data else arrays[0]
        data = data[key]
    table = records_table(data, columns, key)
    source = f"{path.name}#{table.source}"
    return Table(source, table.columns, tuple(
        Row(r.values, source, r.number, r.headers, True,
            tuple(InputProblem(f"{path.name}#{p.location}", p.message) for p in r.problems))
        for r in table.rows), pointer=True)


# -- shared ---------------------------------------------------------------------------------


def _tabulate(source: str, records: Sequence[Sequence[Cell]], columns: tuple[Column, ...],
              first_row: int) -> Table:
    """Header row (the first non-blank one), then data rows; blank rows are skipped."""
    numbered = [(first_row + i, r) for i, r in enumerate(records)]
    while numbered and not _filled(numbered[0][1]):
        numbered.pop(0)
    header_number, header = numbered[0]
    lookup = header_lookup(columns)
    problems: list[InputProblem] = []
    position: dict[str, int] = {}
    written: dict[str, str] = {}
    for index, cell in enumerate(header):
        text = "" if cell is None else str(cell).replace("\ufeff", "").strip()
        if not text:
            continue
        name = lookup.get(normalise_header(text))
        where = f"{source}:{header_number}:{text}"
        if name is None:
            hint = _near_miss(text, lookup)
            if hint is not None:
                problems.append(InputProblem(where, hint))
            continue
        if name in position:
            problems.append(InputProblem(
                where, f"column {name} appears twice (also as {written[name]!r})"))
            continue
        position[name] = index
        written[name] = text
    rows: list[Row] = []
    for number, record in numbered[1:]:
        if not _filled(record):
            continue
        values: dict[str, Cell] = {}
        for name, index in position.items():
            value = record[index] if index < len(record) else None
            if isinstance(value, str):
                value = value.strip()
            if value is not None and value != "":
                values[name] = value
        extra = [c for c in record[len(header):] if c not in (None, "")]
        overflow = (InputProblem(
            f"{source}:{number}",
            f"the row has {len(header) + len(extra)} or more cells, the header only "
            f"{len(header)}: {extra[0]!r} has no column (an unquoted comma?)"),) if extra else ()
        rows.append(Row(values, source, number, written, False, overflow))
    return Table(source, frozenset(position), tuple(rows), tuple(problems))


def _filled(record: Iterable[Cell]) -> bool:
    return any(c is not None and (not isinstance(c, str) or c.strip()) for c in record)


def _near_miss(header: str, lookup: Mapping[str, str]) -> str | None:
    """An error for a header that looks like a misspelt known column; None for other columns."""
    match = difflib.get_close_matches(normalise_header(header), list(lookup), n=1, cutoff=0.8)
    if not match:
        return None
    return f"unknown column; did you mean {lookup[match[0]]}?"


def _required(columns: tuple[Column, ...]) -> str:
    return ", ".join(c.name for c in columns if c.required)
