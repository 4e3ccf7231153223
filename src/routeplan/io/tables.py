"""Read a table of rows from CSV, Excel or JSON records, each cell located as its user sees it.

A `Table` holds rows of raw cell values keyed by canonical column name (see `columns`), and
the problems of the file as a whole (missing or misspelt columns). CSV cells are strings;
Excel cells keep their native types (numbers, dates, times); JSON values stay as parsed.
Locations read `visits.csv:7:window_start`, `visits.xlsx[Sheet1]:7:可访开始 (window_start)` or
`/visits/6/window_start`: the row is the one shown by Excel or a CSV viewer (header = 1).

Rows are read one at a time and counted as they come (see `limits`): a file with more rows
than its limit is refused at the first row beyond it, a cell longer than MAX_CELL_CHARS is an
error of that cell, and a workbook is checked part by part before openpyxl opens it.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.policy import DEFAULT_POLICY
from routeplan.io import limits
from routeplan.io.columns import Column, header_lookup, normalise_header
from routeplan.io.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_LIST_ITEMS, MAX_SHEET_ROWS, refuse

#: A raw cell: text from CSV; native values from Excel and JSON; None when blank.
type Cell = str | int | float | bool | date | datetime | time | list[Any] | dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: non-blank cells by canonical column, and how to name a place in it.

    `problems` are those found while reading the row itself (cells beyond the header, a
    misspelt JSON key), reported with the row's other problems. `refused`: a cell was too
    large to read, so the row is reported with that problem alone.
    """

    values: Mapping[str, Cell]
    source: str
    number: int
    headers: Mapping[str, str] = field(default_factory=dict)
    pointer: bool = False
    problems: tuple[InputProblem, ...] = ()
    refused: bool = False

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
class RowLimit:
    """The most data rows a file may hold, and the policy key that says so."""

    rows: int
    key: str = "limits.max_rows"


#: The default for visits files (the default policy's `limits.max_rows`).
DEFAULT_ROW_LIMIT = RowLimit(DEFAULT_POLICY.max_rows)


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of one file (or JSON array) and the problems of its header."""

    source: str
    columns: frozenset[str]
    rows: tuple[Row, ...]
    problems: tuple[InputProblem, ...] = ()
    pointer: bool = False


def read_table(path: str | Path, columns: tuple[Column, ...], *,
               sheet: str | None = None, limit: RowLimit = DEFAULT_ROW_LIMIT) -> Table:
    """Read `.csv`, `.xlsx` or `.json` into a Table; raise InvalidInput if it cannot be read.

    Problems of single cells are left to the caller; this raises only for a file that is
    missing, empty, too large, not UTF-8, not a workbook, lacks the named sheet, has no
    header or more rows than `limit`.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if sheet is not None and suffix != ".xlsx":
        raise refuse(p.name, f"a sheet ({sheet!r}) can only be chosen in an .xlsx file")
    if not p.is_file():
        raise refuse(str(p), "no such file")
    if suffix == ".csv":
        return _read_csv(p, columns, limit)
    if suffix == ".xlsx":
        return _read_xlsx(p, columns, sheet, limit)
    if suffix == ".json":
        return _read_json(p, columns, limit)
    if suffix in (".xls", ".et", ".numbers", ".ods"):
        raise refuse(p.name, f"{suffix} files are not read; save it as .xlsx or as CSV "
                     "UTF-8")
    raise refuse(p.name, f"unknown file type {suffix or '(none)'!r}; give .csv, .xlsx "
                 "or .json")


def records_table(records: object, columns: tuple[Column, ...], source: str,
                  limit: RowLimit = DEFAULT_ROW_LIMIT) -> Table:
    """JSON records (a list of objects) as a Table located by JSON pointers `/source/i/key`."""
    base = "/" + source.strip("/") if source else ""
    if not isinstance(records, list):
        raise refuse(base or "/", f"expected an array of objects, got "
                     f"{type(records).__name__}")
    if len(records) > limit.rows:
        raise limits.too_many_rows(f"{base}/{limit.rows}", limit.rows, limit.key)
    lookup = header_lookup(columns)
    rows: list[Row] = []
    seen: set[str] = set()
    for i, record in enumerate(records):
        problems: list[InputProblem] = []
        refused = False
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
            too_big = _oversized(value)
            if too_big is not None:
                problems.append(InputProblem(f"{base}/{i}/{key}", too_big))
                refused = True
                continue
            if value is not None and value != "":
                values[name] = value
                seen.add(name)
        rows.append(Row(values, base, i, written, True, tuple(problems), refused))
    return Table(base, frozenset(seen), tuple(rows), pointer=True)


def _oversized(value: object) -> str | None:
    """Why a JSON value is too large for a cell (long text, a long list), or None."""
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return f"{len(value):,} characters; a field may hold at most {MAX_CELL_CHARS:,}"
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            return f"{len(value):,} items; a list may hold at most {MAX_LIST_ITEMS:,}"
        for item in value:
            if isinstance(item, str) and len(item) > MAX_CELL_CHARS:
                return f"an item of {len(item):,} characters; at most {MAX_CELL_CHARS:,}"
    return None


# -- CSV ------------------------------------------------------------------------------------


def _read_csv(path: Path, columns: tuple[Column, ...], limit: RowLimit) -> Table:
    data = limits.read_bytes(path)
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
    del data
    if not text.strip():
        raise refuse(path.name, f"the file is empty; expected a header row "
                     f"({_required(columns)}) and one row per record")
    first_line = text.lstrip("\r\n")[:64 * 1024].split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    return _tabulate(path.name, _csv_records(text, delimiter), columns, limit,
                     empty="every row of the file is blank")


class _RowError(Exception):
    """A record that cannot be read at all, at its row and (when known) its column index."""

    def __init__(self, number: int, index: int | None, message: str) -> None:
        super().__init__(message)
        self.number = number
        self.index = index
        self.message = message


class _Lines:
    """The lines of a text, endings kept (as a file opened with newline=""), one at a time.

    Unlike io.StringIO, no copy of the whole text is made; `at` is where the next line starts.
    """

    _LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

    def __init__(self, text: str) -> None:
        self._matches = self._LINE.finditer(text)
        self.at = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        m = next(self._matches)
        self.at = m.end()
        return m.group()


def _csv_records(text: str, delimiter: str) -> Iterator[list[str]]:
    """CSV records one at a time; a cell over the csv module's field limit is a _RowError."""
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    number, start = 0, 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            fragment = text[start:lines.at]
            cap = csv.field_size_limit()
            if "field limit" in str(exc):
                raise _RowError(number, _long_field(fragment, delimiter, cap),
                                f"a cell of more than {cap:,} characters; a cell may hold at "
                                f"most {MAX_CELL_CHARS:,}") from None
            raise _RowError(number, None, f"not readable as CSV ({exc})") from None
        number += 1
        start = lines.at
        yield record


def _long_field(fragment: str, delimiter: str, cap: int) -> int | None:
    """The index of the first field longer than `cap` in a record's text, if one is found."""
    d = re.escape(delimiter)
    field = re.compile(rf'"(?:[^"]|"")*(?:"|$)[^{d}\r\n]*|[^{d}\r\n"]*')
    at, index = 0, 0
    while at <= len(fragment):
        m = field.match(fragment, at)
        if m is None:  # pragma: no cover - the pattern matches the empty string
            return None
        if m.end() - m.start() > cap:
            return index
        at = m.end()
        if at < len(fragment) and fragment[at] == delimiter:
            at += 1
            index += 1
            continue
        return None
    return None


# -- Excel ----------------------------------------------------------------------------------


def _read_xlsx(path: Path, columns: tuple[Column, ...], sheet: str | None,
               limit: RowLimit) -> Table:
    from openpyxl import load_workbook

    limits.check_xlsx(path, path.name, limit.rows)
    with path.open("rb") as handle:  # ours: closed even when openpyxl fails half-way
        try:
            book = load_workbook(handle, read_only=True, data_only=True)
        except MemoryError:
            raise
        except Exception as exc:  # openpyxl raises many kinds on a hostile file: report all
            raise refuse(path.name, f"not a readable .xlsx workbook ({_reason(exc)})") from None
        try:
            return _read_sheet(book, path.name, columns, sheet, limit)
        finally:
            book.close()


def _read_sheet(book: Any, name: str, columns: tuple[Column, ...], sheet: str | None,
                limit: RowLimit) -> Table:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    if sheet is None:
        if not book.worksheets:
            raise refuse(name, f"the workbook has no worksheet; expected a sheet with a "
                         f"header row ({_required(columns)})")
        ws = book.worksheets[0]
    elif sheet in book.sheetnames:
        ws = book[sheet]
    else:
        names = ", ".join(repr(n) for n in book.sheetnames)
        raise refuse(name, f"no sheet named {sheet!r}; the sheets are {names}")
    source = f"{name}[{ws.title}]"
    if not isinstance(ws, ReadOnlyWorksheet):
        raise refuse(source, "a chart sheet, not a sheet of rows")
    ws.reset_dimensions()  # the stated size may be a lie: read the rows that are there
    records = _xlsx_records(ws)
    try:
        return _tabulate(source, records, columns, limit, empty="the sheet is empty")
    finally:
        records.close()  # closes openpyxl's reader of the sheet at once


def _xlsx_records(ws: Any) -> Generator[Sequence[Cell]]:
    """A sheet's rows as cells, streamed; a read failure is a _RowError at its row."""
    number = 0
    rows = ws.iter_rows(values_only=True)
    try:
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except MemoryError:
                raise
            except Exception as exc:  # a broken row (bad cell reference, bad number, ...)
                raise _RowError(number + 1, None, f"cannot be read ({_reason(exc)})") from None
            number += 1
            if len(values) > MAX_COLUMNS and _filled(values[MAX_COLUMNS:]):
                raise _RowError(number, MAX_COLUMNS,
                                f"a cell beyond column {MAX_COLUMNS:,}; at most "
                                f"{MAX_COLUMNS:,} columns are read")
            yield [_excel_cell(v) for v in values[:MAX_COLUMNS]]
    finally:
        rows.close()


def _reason(exc: BaseException) -> str:
    """What went wrong inside openpyxl: the first cause (e.g. defusedxml's), in one line."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = " ".join(str(exc).split())
    return type(exc).__name__ + (f": {text[:200]}" if text else "")


def _excel_cell(value: object) -> Cell:
    """Excel values as cells: text trimmed, whole floats kept as floats (ids handle them)."""
    if value is None or isinstance(value, str | int | float | bool | date | datetime | time):
        return value.strip() if isinstance(value, str) else value
    return str(value)  # e.g. a timedelta or an error value: shown as text in messages


# -- JSON -----------------------------------------------------------------------------------


def _read_json(path: Path, columns: tuple[Column, ...], limit: RowLimit) -> Table:
    data = limits.read_json(path)
    key = path.stem
    if isinstance(data, dict):
        arrays = [k for k, v in data.items() if isinstance(v, list)]
        if len(arrays) != 1 and key not in data:
            raise refuse(path.name, "expected an array of records, or an object with "
                         "one array of records")
        key = key if key in data else arrays[0]
        data = data[key]
    table = records_table(data, columns, key, limit)
    source = f"{path.name}#{table.source}"
    return Table(source, table.columns, tuple(
        Row(r.values, source, r.number, r.headers, True,
            tuple(InputProblem(f"{path.name}#{p.location}", p.message) for p in r.problems),
            r.refused)
        for r in table.rows), pointer=True)


# -- shared ---------------------------------------------------------------------------------


def _tabulate(source: str, records: Iterable[Sequence[Cell]], columns: tuple[Column, ...],
              limit: RowLimit, *, empty: str) -> Table:
    """Header row (the first non-blank one), then data rows; blank rows are skipped.

    Records are consumed one at a time: the row limit is checked as rows arrive, and only
    the cells of known columns are kept.
    """
    position: dict[str, int] = {}
    written: dict[str, str] = {}
    header: Sequence[Cell] = ()
    try:
        numbered = enumerate(records, start=1)
        header_number = 0
        for number, record in numbered:
            _beyond_sheet(source, number)
            if _filled(record):
                header_number, header = number, record
                break
        if not header_number:
            raise refuse(source, f"{empty}; expected a header row "
                         f"({_required(columns)}) and one row per record")
        problems = _header(source, header_number, header, columns, position, written)
        rows = _data_rows(source, numbered, header, position, written, limit)
    except _RowError as bad:
        where = f"{source}:{bad.number}"
        if bad.index is not None:
            shown = next((t for n, t in written.items() if position.get(n) == bad.index),
                         f"column {bad.index + 1}")
            where += f":{shown}"
        raise InvalidInput.many([InputProblem(where, bad.message)]) from None
    return Table(source, frozenset(position), tuple(rows), tuple(problems))


def _beyond_sheet(source: str, number: int) -> None:
    """Refuse a row numbered past Excel's last row (blank rows count: they cost time too)."""
    if number > MAX_SHEET_ROWS:
        raise InvalidInput.many([InputProblem(
            f"{source}:{number}", f"beyond row {MAX_SHEET_ROWS:,}, the last row of a sheet; at "
            f"most {MAX_SHEET_ROWS:,} rows are read")])


def _header(source: str, number: int, header: Sequence[Cell], columns: tuple[Column, ...],
            position: dict[str, int], written: dict[str, str]) -> list[InputProblem]:
    """Fill `position` and `written` from the header row; return its problems."""
    if len(header) > MAX_COLUMNS and _filled(header[MAX_COLUMNS:]):
        raise _RowError(number, MAX_COLUMNS, f"the header has more than {MAX_COLUMNS:,} "
                        f"cells; at most {MAX_COLUMNS:,} columns are read")
    lookup = header_lookup(columns)
    problems: list[InputProblem] = []
    for index, cell in enumerate(header[:MAX_COLUMNS]):
        text = "" if cell is None else str(cell).replace("\ufeff", "").strip()
        if not text:
            continue
        if len(text) > MAX_CELL_CHARS:
            problems.append(InputProblem(
                f"{source}:{number}:column {index + 1}",
                f"a header of {len(text):,} characters; a cell may hold at most "
                f"{MAX_CELL_CHARS:,}"))
            continue
        name = lookup.get(normalise_header(text))
        where = f"{source}:{number}:{_clip(text)}"
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
    return problems


def _data_rows(source: str, numbered: Iterator[tuple[int, Sequence[Cell]]],
               header: Sequence[Cell], position: Mapping[str, int],
               written: Mapping[str, str], limit: RowLimit) -> list[Row]:
    rows: list[Row] = []
    width = len(header)
    for number, record in numbered:
        _beyond_sheet(source, number)
        if not _filled(record):
            continue
        if len(rows) == limit.rows:
            raise limits.too_many_rows(f"{source}:{number}", limit.rows, limit.key)
        values: dict[str, Cell] = {}
        problems: list[InputProblem] = []
        refused = False
        for name, index in position.items():
            value = record[index] if index < len(record) else None
            if isinstance(value, str):
                value = value.strip()
                if len(value) > MAX_CELL_CHARS:
                    problems.append(InputProblem(
                        Row({}, source, number, written).where(name),
                        f"{len(value):,} characters; a cell may hold at most "
                        f"{MAX_CELL_CHARS:,}"))
                    refused = True
                    continue
            if value is not None and value != "":
                values[name] = value
        tail = record[width:]
        if tail and _filled(tail):
            extra = [c for c in tail if c is not None and (not isinstance(c, str) or c.strip())]
            problems.append(InputProblem(
                f"{source}:{number}",
                f"the row has {width + len(extra)} or more cells, the header only {width}: "
                f"{_clip(extra[0])!r} has no column (an unquoted comma?)"))
        rows.append(Row(values, source, number, written, False, tuple(problems), refused))
    return rows


def _filled(record: Sequence[Cell]) -> bool:
    """Whether a record has a non-blank cell (the common blank cells counted in C first)."""
    blank = record.count(None) + record.count("")
    if blank == len(record):
        return False
    return any(c is not None and (not isinstance(c, str) or c.strip()) for c in record)


def _clip(value: object, n: int = 60) -> str:
    """A cell as shown inside a message: at most `n` characters."""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= n else text[:n] + "…"


def _near_miss(header: str, lookup: Mapping[str, str]) -> str | None:
    """An error for a header that looks like a misspelt known column; None for other columns."""
    match = difflib.get_close_matches(normalise_header(header), list(lookup), n=1, cutoff=0.8)
    if not match:
        return None
    return f"unknown column; did you mean {lookup[match[0]]}?"


def _required(columns: tuple[Column, ...]) -> str:
    return ", ".join(c.name for c in columns if c.required)
