"""Reading what the field reports mid-day: team positions and visit outcomes (JSON or CSV).

Positions: a JSON object `{"T001": {"lat": 34.75, "lon": 113.62, "crs": "gcj02"}}`, a JSON
array of `{"team_id", "lat", "lon", "crs"}`, or a CSV with the header `team_id,lat,lon[,crs]`.
`crs` defaults to `wgs84`; phones on AMap report GCJ-02, which is converted here.
Outcomes: a JSON array (or `{"outcomes": [...]}` / `{"events": [...]}`) of `{"visit_id",
"team_id", "status", "at", "note"}` with `status` one of arrived, done, not_at_home, refused,
rescheduled and `at` an ISO 8601 moment with its offset. For the audit an outcome may also
carry `position` `{"lat", "lon", "accuracy_m", "crs"}` (what the phone's browser reported;
`crs` defaults to `wgs84`, GCJ-02 and BD-09 are converted here), `members_present` (an array of
collector ids) and `received_at` (when the service stored it, ISO 8601 with its offset).
Every problem is reported with its location, as input errors; files are held to the limits
of `routeplan.io.limits` (size, JSON depth, rows, cell length).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.geo import LonLat, check_lonlat
from routeplan.domain.outcome import Outcome, OutcomeStatus, ReportedPosition
from routeplan.domain.policy import MAX_TEAMS_CEILING
from routeplan.geo.crs import Crs, to_wgs84
from routeplan.io import limits
from routeplan.io.limits import MAX_CELL_CHARS, MAX_ID_CHARS, MAX_OUTCOMES, refuse


def read_positions(path: str | Path, *, max_rows: int = MAX_TEAMS_CEILING) -> dict[str, LonLat]:
    """Team positions from a .json or .csv file, as WGS-84 (lon, lat); at most `max_rows`."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        rows = _csv_rows(p, _text(p), max_rows)
        return positions_from_records(rows, source=p.name, first_row=2, max_rows=max_rows)
    return positions_from_records(_json(p), source=p.name, max_rows=max_rows)


def _csv_rows(p: Path, text: str, max_rows: int) -> list[dict[str | Any, str | Any]]:
    """The rows of a CSV file as dicts, counted as they come; bad CSV is InvalidInput."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[dict[str | Any, str | Any]] = []
    try:
        for row in reader:
            if len(rows) == max_rows:
                raise limits.too_many_rows(f"{p.name}:{reader.line_num}", max_rows,
                                           "limits.max_teams")
            rows.append(row)
    except csv.Error as exc:
        cap = csv.field_size_limit()
        reason = (f"a cell of more than {cap:,} characters; a cell may hold at most "
                  f"{MAX_CELL_CHARS:,}" if "field limit" in str(exc) else
                  f"not readable as CSV ({exc})")
        where = f"{p.name}:{reader.reader.line_num}"  # DictReader's own count lags a row
        raise InvalidInput.many([InputProblem(where, reason)]) from None
    return rows


def positions_from_records(records: object, *, source: str = "positions",
                           first_row: int = 0,
                           max_rows: int = MAX_TEAMS_CEILING) -> dict[str, LonLat]:
    """Positions from parsed JSON (object keyed by team, or array) or CSV rows."""
    if isinstance(records, Mapping | list) and len(records) > max_rows:
        raise limits.too_many_rows(source, max_rows, "limits.max_teams")
    items: list[tuple[str, object]]
    if isinstance(records, Mapping):
        items = [(f"{source}/{k}", {**v, "team_id": k} if isinstance(v, Mapping) else v)
                 for k, v in records.items()]
    elif isinstance(records, list):
        items = [(f"{source}:{n + first_row}" if first_row else f"{source}/{n}", r)
                 for n, r in enumerate(records)]
    else:
        raise refuse(source, "expected an object or an array of positions")
    out: dict[str, LonLat] = {}
    problems: list[InputProblem] = []
    for where, rec in items:
        try:
            if not isinstance(rec, Mapping):
                raise InvalidInput("expected an object with team_id, lat and lon")
            tid = _required(rec, "team_id")
            lon, lat = _number(rec, "lon"), _number(rec, "lat")
            crs = _clip(str(rec.get("crs") or "wgs84"))
            point = check_lonlat(to_wgs84(lon, lat, crs), "lat/lon")
            if tid in out:
                raise InvalidInput(f"team {tid!r} is given twice")
            out[tid] = point
        except (InvalidInput, ValueError, OverflowError) as exc:
            problems.append(InputProblem(where, _clip(str(exc), 300)))
    if problems:
        raise InvalidInput.many(problems)
    return out


def read_outcomes(path: str | Path, *, max_rows: int = MAX_OUTCOMES) -> tuple[Outcome, ...]:
    """Field outcomes from a JSON file; at most `max_rows` of them."""
    p = Path(path)
    return outcomes_from_records(_json(p), source=p.name, max_rows=max_rows)


def outcomes_from_records(records: object, *, source: str = "outcomes",
                          max_rows: int = MAX_OUTCOMES) -> tuple[Outcome, ...]:
    """Outcomes from parsed JSON: an array, or an object with an `outcomes` or `events` array."""
    if isinstance(records, Mapping):
        records = records.get("outcomes", records.get("events"))
    if not isinstance(records, list):
        raise refuse(source, "expected an array of outcomes")
    if len(records) > max_rows:
        raise InvalidInput.many([InputProblem(
            f"{source}/{max_rows}", f"more than {max_rows:,} outcomes; a file may hold at most "
            f"{max_rows:,}")])
    out: list[Outcome] = []
    problems: list[InputProblem] = []
    allowed = ", ".join(s.value for s in OutcomeStatus)
    for n, rec in enumerate(records):
        where = f"{source}/{n}"
        try:
            if not isinstance(rec, Mapping):
                raise InvalidInput("expected an object")
            status_text = _clip(str(rec.get("status", "")))
            try:
                status = OutcomeStatus(status_text)
            except ValueError:
                raise InvalidInput(f"status {status_text!r} is not one of {allowed}") from None
            at_text = _clip(str(rec.get("at", "")))
            try:
                at = datetime.fromisoformat(at_text)
            except ValueError:
                raise InvalidInput(f"at {at_text!r} is not an ISO 8601 moment") from None
            note = rec.get("note") or ""
            if not isinstance(note, str) or len(note) > MAX_CELL_CHARS:
                raise InvalidInput(f"note: not text of at most {MAX_CELL_CHARS:,} characters")
            out.append(Outcome(
                _required(rec, "visit_id"), _required(rec, "team_id"), status, at, note,
                position=_position(rec.get("position")),
                members_present=_members(rec.get("members_present")),
                received_at=_moment(rec, "received_at") if rec.get("received_at") else None))
        except InvalidInput as exc:
            problems.append(InputProblem(where, str(exc)))
    if problems:
        raise InvalidInput.many(problems)
    return tuple(out)


def _moment(rec: Mapping[str, Any], key: str) -> datetime:
    value = rec.get(key)
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{key} {value!r} is not an ISO 8601 moment") from None


def _position(value: object) -> ReportedPosition | None:
    """The phone's position, converted to WGS-84; None when the report carries none."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput("position: expected an object with lat, lon and accuracy_m")
    try:
        lon, lat = _number(value, "lon"), _number(value, "lat")
        accuracy = _number(value, "accuracy_m")
    except InvalidInput as exc:
        raise InvalidInput(f"position.{exc}") from None
    check_lonlat((lon, lat), "position")
    crs = Crs.parse(str(value.get("crs") or "wgs84"), "position.crs")
    wlon, wlat = to_wgs84(lon, lat, crs)
    return ReportedPosition(wlon, wlat, accuracy)


def _members(value: object) -> tuple[str, ...] | None:
    """The collector ids at the door; None when the report does not say."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise InvalidInput("members_present: expected an array of collector ids")
    for n, m in enumerate(value):
        if not isinstance(m, str):
            raise InvalidInput(f"members_present/{n}: expected a collector id as a string")
    return tuple(m.strip() for m in value)


def _required(rec: Mapping[str, Any], key: str) -> str:
    """An id field: text of at most MAX_ID_CHARS characters."""
    raw = rec.get(key)
    if isinstance(raw, list | dict):
        raise InvalidInput(f"{key} is not text")
    value = str(raw or "").strip()
    if not value:
        raise InvalidInput(f"{key} is missing")
    if len(value) > MAX_ID_CHARS:
        raise InvalidInput(f"{key}: an id of {len(value):,} characters; at most {MAX_ID_CHARS}")
    return value


def _number(rec: Mapping[str, Any], key: str) -> float:
    value = rec.get(key)
    if isinstance(value, bool) or value is None or value == "":
        raise InvalidInput(f"{key} is missing")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{key} {_clip(repr(value))} is not a number") from None


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _text(p: Path) -> str:
    data = limits.read_bytes(p)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse(p.name, "the file is not UTF-8") from None


def _json(p: Path) -> object:
    return limits.read_json(p)
