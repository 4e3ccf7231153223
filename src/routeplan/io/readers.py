"""Read the day's visits and teams from CSV, Excel or JSON into checked domain values.

Every problem of a file is collected, located (file, sheet, row, column or JSON pointer) and
raised together as one `InvalidInput`; a reader never returns part of a file. Coordinates are
converted to WGS-84 here, at the edge, according to each row's `crs`. A file with more rows
than the policy's `limits.max_rows` (visits) or `limits.max_teams` (teams) is refused at the
first row beyond it, before the rest is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

import numpy as np

from routeplan.domain.clock import TimeWindow
from routeplan.domain.days import ALL_WEEKDAYS, CaseDays, TeamDays
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.geo import LonLat
from routeplan.domain.policy import DEFAULT_POLICY
from routeplan.domain.team import LEGAL_MIN_TEAM_SIZE, Mode, Team
from routeplan.domain.visit import MAX_SERVICE_S, LocationQuality, Place, Visit
from routeplan.geo.crs import Crs, to_wgs84
from routeplan.geo.prefectures import prefecture
from routeplan.io import cells
from routeplan.io.cells import CellError
from routeplan.io.columns import (
    CRS_VALUES,
    MODE_VALUES,
    PLACE_VALUES,
    TEAM_COLUMNS,
    VISIT_COLUMNS,
    Column,
)
from routeplan.io.tables import Cell, Row, RowLimit, Table, read_table, records_table

#: Limits of the numeric columns; the domain values check the same bounds.
MAX_PRIORITY = 100
MAX_VISITS_LAST_7D = 7 * 24
MAX_BREAK_MIN = 240
MAX_TEAM_VISITS = 200
MAX_LOAD = 1_000_000


def read_visits(path: str | Path, *, sheet: str | None = None,
                max_rows: int = DEFAULT_POLICY.max_rows) -> list[Visit]:
    """The visits of a `.csv`, `.xlsx` (first sheet or `sheet`) or `.json` file."""
    table = read_table(path, VISIT_COLUMNS, sheet=sheet, limit=_visit_limit(max_rows))
    return _visits(table, native=Path(path).suffix.lower() == ".json")


def read_teams(path: str | Path, *, sheet: str | None = None,
               max_rows: int = DEFAULT_POLICY.max_teams) -> list[Team]:
    """The teams of a `.csv`, `.xlsx` (first sheet or `sheet`) or `.json` file."""
    table = read_table(path, TEAM_COLUMNS, sheet=sheet, limit=_team_limit(max_rows))
    return _teams(table, native=Path(path).suffix.lower() == ".json")


def visits_from_records(records: object, source: str = "visits", *,
                        max_rows: int = DEFAULT_POLICY.max_rows) -> list[Visit]:
    """Visits from JSON records (a list of objects); problems are located `/source/i/field`."""
    return _visits(records_table(records, VISIT_COLUMNS, source, _visit_limit(max_rows)),
                   native=True)


def teams_from_records(records: object, source: str = "teams", *,
                       max_rows: int = DEFAULT_POLICY.max_teams) -> list[Team]:
    """Teams from JSON records (a list of objects); problems are located `/source/i/field`."""
    return _teams(records_table(records, TEAM_COLUMNS, source, _team_limit(max_rows)),
                  native=True)


def _visit_limit(rows: int) -> RowLimit:
    return RowLimit(rows, "limits.max_rows")


def _team_limit(rows: int) -> RowLimit:
    return RowLimit(rows, "limits.max_teams")


# -- per row --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Cells:
    """Typed access to one row's cells, recording a located problem for each bad one."""

    row: Row
    native: bool
    header: frozenset[str]
    problems: list[InputProblem] = field(default_factory=list)
    incomplete: bool = False  # a column this row needs is missing from the file's header
    positions: list[int] = field(default_factory=list)
    _order: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.problems or self.incomplete)

    def __post_init__(self) -> None:
        self.problems.extend(self.row.problems)
        self.positions.extend(-1 for _ in self.row.problems)
        self._order.update({name: i for i, name in enumerate(self.row.headers)})

    def bad(self, column: str | None, message: str) -> None:
        self.problems.append(InputProblem(self.row.where(column), message))
        self.positions.append(-1 if column is None else self._order.get(column, -1))

    def in_column_order(self) -> list[InputProblem]:
        """The row's problems left to right, as the user reads the row."""
        pairs = sorted(zip(self.positions, self.problems, strict=True), key=lambda ip: ip[0])
        return [p for _, p in pairs]

    def raw(self, column: str) -> Cell:
        return self.row.values.get(column)

    def get[T](self, column: str, convert: Callable[[Cell], T]) -> T | None:
        raw = self.row.values.get(column)
        if raw is None:
            return None
        try:
            return convert(raw)
        except CellError as exc:
            self.bad(column, str(exc))
            return None

    def required[T](self, column: str, convert: Callable[[Cell], T]) -> T | None:
        if column not in self.row.values:
            if self.row.pointer:
                self.bad(column, "required, but missing")
            elif column in self.header:
                self.bad(column, "required, but the cell is empty")
            else:  # a column missing from the header is reported once, for the file
                self.incomplete = True
            return None
        return self.get(column, convert)

    def text(self, column: str) -> str | None:
        value = self.get(column, lambda r: cells.as_text(r, native=self.native))
        return value or None

    def ident(self, column: str) -> str | None:
        value = self.get(column, lambda r: cells.as_id(r, native=self.native))
        return value or None

    def flag(self, column: str) -> bool:
        return bool(self.get(column, lambda r: cells.as_bool(r, native=self.native)))

    def integer(self, column: str, lo: int, hi: int) -> int | None:
        return self.get(column, lambda r: cells.as_int(r, lo=lo, hi=hi, native=self.native))

    def minutes(self, column: str, lo: float, hi: float) -> int | None:
        return self.get(column, lambda r: cells.as_minutes(r, lo=lo, hi=hi, native=self.native))

    def items(self, column: str) -> tuple[str, ...] | None:
        return self.get(column, lambda r: cells.as_list(r, native=self.native))

    def idents(self, column: str) -> tuple[str, ...] | None:
        return self.get(column, lambda r: cells.as_id_list(r, native=self.native))

    def point(self, lat_col: str, lon_col: str, *, required: bool) -> LonLat | None:
        """(lon, lat) from two cells; both absent is None; one absent or out of range is bad."""
        has_lat, has_lon = lat_col in self.row.values, lon_col in self.row.values
        if not (has_lat or has_lon):
            if required:
                self.required(lat_col, cells.as_text)
                self.required(lon_col, cells.as_text)
            return None
        if has_lat != has_lon:
            given, missing = (lat_col, lon_col) if has_lat else (lon_col, lat_col)
            if not self.row.pointer and missing not in self.header:
                self.incomplete = True  # the column is missing from the header: see the file
                return None
            self.bad(missing, f"empty, but {given} is given ({self.raw(given)!r}); give both "
                     "or neither")
            return None
        lat = self.get(lat_col, lambda r: cells.as_float(r, native=self.native))
        lon = self.get(lon_col, lambda r: cells.as_float(r, native=self.native))
        if lat is None or lon is None:
            return None
        ok = True
        if not -90.0 <= lat <= 90.0:
            swapped = -90.0 <= lon <= 90.0 and -180.0 <= lat <= 180.0
            hint = (f"; lat and lon look swapped ({lon_col} is {self.raw(lon_col)!r}, which "
                    "is a latitude)" if swapped else "")
            self.bad(lat_col, f"{self.raw(lat_col)!r} is outside -90..90{hint}")
            ok = False
        if not -180.0 <= lon <= 180.0:
            self.bad(lon_col, f"{self.raw(lon_col)!r} is outside -180..180")
            ok = False
        return (lon, lat) if ok else None

    def window(self, start_col: str, end_col: str) -> tuple[TimeWindow | None, bool]:
        """A window from two time cells: (window or None, whether the cells were good)."""
        start, end = self.get(start_col, cells.as_time), self.get(end_col, cells.as_time)
        has_start, has_end = start_col in self.row.values, end_col in self.row.values
        if (has_start and start is None) or (has_end and end is None):
            return None, False
        if start is None and end is None:
            return None, True
        if start is None or end is None:
            given, missing = (start_col, end_col) if has_start else (end_col, start_col)
            self.bad(missing, f"empty, but {given} is given ({_shown(self.raw(given))}); give "
                     "both or neither")
            return None, False
        if end < start:
            self.bad(end_col, f"{_shown(self.raw(end_col))} is before {start_col} "
                     f"{_shown(self.raw(start_col))}")
            return None, False
        return TimeWindow(start, end), True


def _shown(raw: Cell) -> str:
    """A cell as quoted in a message; Excel times as 'HH:MM'."""
    return repr(raw.strftime("%H:%M")) if isinstance(raw, time | datetime) else repr(raw)


@dataclass(slots=True)
class _Draft:
    """A row read into constructor arguments, its points still in their input `crs`."""

    row: Row
    key: str | None
    kwargs: dict[str, Any]
    points: dict[str, LonLat]
    crs: Crs
    ok: bool


def _visit_draft(c: _Cells) -> _Draft:
    visit_id = c.required("visit_id", lambda r: cells.as_id(r, native=c.native))
    borrower_id = c.required("borrower_id", lambda r: cells.as_id(r, native=c.native))
    for column, value in (("visit_id", visit_id), ("borrower_id", borrower_id)):
        if value == "":
            c.bad(column, "required, but blank")
    point = c.point("lat", "lon", required=False)
    address = c.text("address") or ""
    lat_lon_given = "lat" in c.row.values or "lon" in c.row.values
    if point is None and not lat_lon_given and not address:
        if c.row.pointer or c.header & {"lat", "lon", "address"}:
            c.bad("lat", "no coordinates and no address: give lat and lon, or an address")
        else:
            c.incomplete = True  # the header has none of these columns: see the file
    crs = c.get("crs", lambda r: cells.as_choice(r, CRS_VALUES, "coordinate system")) or Crs.WGS84
    window, window_ok = c.window("window_start", "window_end")
    consent_out_of_hours = c.flag("consent_out_of_hours")
    if consent_out_of_hours and window is None and window_ok:
        c.bad("consent_out_of_hours", "true, but no window: the consented window_start and "
              "window_end are required")
    priority = c.integer("priority", 1, MAX_PRIORITY)
    kwargs: dict[str, Any] = {
        "visit_id": visit_id,
        "borrower_id": borrower_id,
        "address": address,
        "service_s": c.minutes("service_min", 1, MAX_SERVICE_S // 60),
        "priority": 10 if priority is None else priority,
        "window": window,
        "place": c.get("place", lambda r: cells.as_choice(r, PLACE_VALUES, "place")) or Place.HOME,
        "workplace_consent": c.flag("workplace_consent"),
        "consent_out_of_hours": consent_out_of_hours,
        "must_visit": c.flag("must_visit"),
        "do_not_visit": c.flag("do_not_visit"),
        "skill": c.ident("skill"),
        "pin_team": c.ident("pin_team"),
        "last_visit": c.get("last_visit", cells.as_date),
        "visits_last_7d": c.integer("visits_last_7d", 0, MAX_VISITS_LAST_7D) or 0,
        "demand": c.integer("demand", 0, MAX_LOAD) or 0,
        "days": _case_days(c),
    }
    if point is None:
        kwargs["location"] = None
        kwargs["location_quality"] = LocationQuality.UNKNOWN
    return _Draft(c.row, visit_id or None, kwargs, {"location": point} if point else {}, crs,
                  c.ok)


def _team_draft(c: _Cells) -> _Draft:
    team_id = c.required("team_id", lambda r: cells.as_id(r, native=c.native))
    members = c.required("members", lambda r: cells.as_id_list(r, native=c.native))
    if members is not None:
        repeated = sorted({m for m in members if members.count(m) > 1})
        if repeated:
            c.bad("members", f"lists collector {repeated[0]!r} twice")
        elif len(members) < LEGAL_MIN_TEAM_SIZE:
            c.bad("members", f"{_shown(c.raw('members'))} is only {len(members)} collector; "
                  f"a field visit needs at least {LEGAL_MIN_TEAM_SIZE} (COMPLIANCE rule 3)")
    start = c.point("start_lat", "start_lon", required=True)
    end = c.point("end_lat", "end_lon", required=False)
    crs = c.get("crs", lambda r: cells.as_choice(r, CRS_VALUES, "coordinate system")) or Crs.WGS84
    shift_start = c.required("shift_start", cells.as_time)
    shift_end = c.required("shift_end", cells.as_time)
    shift = None
    if shift_start is not None and shift_end is not None:
        if shift_end <= shift_start:
            c.bad("shift_end", f"{_shown(c.raw('shift_end'))} is not after shift_start "
                  f"{_shown(c.raw('shift_start'))}")
        else:
            shift = TimeWindow(shift_start, shift_end)
    break_window, break_ok = c.window("break_start", "break_end")
    break_s = c.minutes("break_min", 0, MAX_BREAK_MIN)
    if break_s and break_window is None and break_ok:
        c.bad("break_min", f"{_shown(c.raw('break_min'))}, but no break_start and break_end: "
              "give the window the break starts in")
    if break_window is not None and "break_min" not in c.row.values:
        c.bad("break_min", "empty, but break_start and break_end are given: give the break's "
              "length in minutes")
    prefectures: set[int] = set()
    for item in c.items("prefectures") or ():
        try:
            prefectures.add(prefecture(item).adcode)
        except InvalidInput:
            c.bad("prefectures", f"{item!r} is not one of Henan's 18 prefectures (an adcode "
                  "such as 410100, or a name such as 郑州市)")
    points = {"start": start} if start is not None else {}
    if end is not None:
        points["end"] = end
    kwargs: dict[str, Any] = {
        "team_id": team_id,
        "members": members,
        "shift": shift,
        "break_window": break_window,
        "break_s": break_s or 0,
        "skills": frozenset(c.idents("skills") or ()),
        "max_visits": c.integer("max_visits", 0, MAX_TEAM_VISITS),
        "mode": c.get("mode", lambda r: cells.as_choice(r, MODE_VALUES, "mode")) or Mode.CAR,
        "capacity": c.integer("capacity", 0, MAX_LOAD),
        "prefectures": frozenset(prefectures),
        "days": _team_days(c),
    }
    return _Draft(c.row, team_id or None, kwargs, points, crs, c.ok)


def _case_days(c: _Cells) -> CaseDays:
    """The weekly columns of a visit: 可访日, 最早日期, 最晚日期, 约访日期."""
    weekdays = c.get("days", lambda r: cells.as_weekdays(r, native=c.native))
    earliest = c.get("earliest_date", cells.as_date)
    latest = c.get("latest_date", cells.as_date)
    appointment = c.get("appointment_date", cells.as_date)
    if earliest is not None and latest is not None and latest < earliest:
        c.bad("latest_date", f"{latest} is before earliest_date {earliest}")
        latest = None
    return CaseDays(weekdays or ALL_WEEKDAYS, earliest, latest, appointment)


def _team_days(c: _Cells) -> TeamDays:
    """A team's working days (出勤日): weekdays and/or dates."""
    found = c.get("days", lambda r: cells.as_work_days(r, native=c.native))
    return TeamDays(*found) if found is not None else TeamDays()


# -- per file -------------------------------------------------------------------------------

#: Problems keyed by the index of their row (-1: the file as a whole), reported in that order.
type _Problems = list[tuple[int, InputProblem]]


def _visits(table: Table, *, native: bool) -> list[Visit]:
    problems, drafts = _read_rows(table, VISIT_COLUMNS, _visit_draft, native, "visits")
    _duplicates(drafts, "visit_id", problems)
    return _finish(drafts, problems, Visit)


def _teams(table: Table, *, native: bool) -> list[Team]:
    problems, drafts = _read_rows(table, TEAM_COLUMNS, _team_draft, native, "teams")
    _duplicates(drafts, "team_id", problems)
    owner: dict[str, int] = {}
    for i, d in enumerate(drafts):
        for member in d.kwargs.get("members") or ():
            first = owner.setdefault(member, i)
            if first != i:
                d.ok = False
                problems.append((i, InputProblem(
                    d.row.where("members"), f"collector {member!r} is also in team "
                    f"{drafts[first].key!r} ({_label(drafts[first].row)})")))
    return _finish(drafts, problems, Team)


def _read_rows(table: Table, columns: tuple[Column, ...], draft: Callable[[_Cells], _Draft],
               native: bool, what: str) -> tuple[_Problems, list[_Draft]]:
    problems: _Problems = [(-1, p) for p in table.problems]
    if not table.pointer:
        problems += [(-1, p) for p in _missing_columns(table, columns)]
    if not table.rows:
        problems.append((-1, InputProblem(
            table.source or "/",
            f"no {what} given" if table.pointer else f"the header has no {what} rows under it")))
    drafts = []
    for i, row in enumerate(table.rows):
        c = _Cells(row, native, table.columns)
        if row.refused or (row.problems and not row.values):  # a cell too large, or not a
            # record at all (e.g. a JSON string): its own problems are the row's
            drafts.append(_Draft(row, None, {}, {}, Crs.WGS84, ok=False))
        else:
            drafts.append(draft(c))
        problems += [(i, p) for p in c.in_column_order()]
    return problems, drafts


def _missing_columns(table: Table, columns: tuple[Column, ...]) -> list[InputProblem]:
    """Required columns absent from the header, and coordinate columns without their pair."""
    present, known = table.columns, {c.name for c in columns}
    out = [InputProblem(table.source, f"missing required column {c.name} ({' / '.join(c.zh)})")
           for c in columns if c.required and c.name not in present]
    for lat, lon in (("lat", "lon"), ("end_lat", "end_lon")):
        if lat in known and (lat in present) != (lon in present):
            has, other = (lat, lon) if lat in present else (lon, lat)
            out.append(InputProblem(table.source, f"column {has} without column {other}"))
    if "address" in known and not present & {"lat", "lon", "address"}:
        out.append(InputProblem(table.source, "missing columns: lat and lon (纬度, 经度), or "
                                "address (地址)"))
    return out


def _duplicates(drafts: list[_Draft], column: str, problems: _Problems) -> None:
    first: dict[str, int] = {}
    for i, d in enumerate(drafts):
        if d.key is None:
            continue
        seen = first.setdefault(d.key, i)
        if seen != i:
            d.ok = False
            problems.append((i, InputProblem(
                d.row.where(column),
                f"{d.key!r} repeats the {column} of {_label(drafts[seen].row)}")))


def _label(row: Row) -> str:
    return row.where() if row.pointer else f"row {row.number}"


def _finish[T](drafts: list[_Draft], problems: _Problems, make: Callable[..., T]) -> list[T]:
    """Convert points to WGS-84, build the domain values, and raise every problem at once."""
    converted = _to_wgs84(drafts)
    out: list[T] = []
    for i, (d, points) in enumerate(zip(drafts, converted, strict=True)):
        if not d.ok:
            continue
        try:
            out.append(make(**{**d.kwargs, **points}))
        except InvalidInput as exc:
            problems += [(i, _locate(d.row, p)) for p in exc.problems]
    if problems:
        raise InvalidInput.many(p for _, p in sorted(problems, key=lambda ip: ip[0]))
    return out


_FIELD = re.compile(r"^([a-z_]+)(?:/[a-z_]+)?: (.*)$", re.DOTALL)


def _locate(row: Row, problem: InputProblem) -> InputProblem:
    """A domain value's own error ("field: message") located in the row it came from."""
    m = _FIELD.match(problem.message)
    if m is None:
        return InputProblem(row.where(), problem.message)
    return InputProblem(row.where(m.group(1)), m.group(2))


def _to_wgs84(drafts: list[_Draft]) -> list[dict[str, LonLat]]:
    """Each draft's points in WGS-84, converted in one vectorised call per coordinate system."""
    out = [dict(d.points) for d in drafts]
    for crs in sorted({d.crs for d in drafts if d.points} - {Crs.WGS84}):
        keys = [(i, name) for i, d in enumerate(drafts) if d.crs == crs for name in d.points]
        lons = np.array([drafts[i].points[name][0] for i, name in keys], dtype=np.float64)
        lats = np.array([drafts[i].points[name][1] for i, name in keys], dtype=np.float64)
        new_lons, new_lats = to_wgs84(lons, lats, crs)
        for (i, name), lon, lat in zip(keys, new_lons.tolist(), new_lats.tolist(), strict=True):
            out[i][name] = (lon, lat)
    return out
