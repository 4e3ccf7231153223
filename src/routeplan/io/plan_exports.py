"""A plan as a dispatcher's sheet (CSV, XLSX) and as GeoJSON for maps and GIS tools.

Sheet cells from input (ids, members, notes) never run as formulas: see `io.spreadsheet`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from routeplan.domain.clock import format_hhmm, to_iso
from routeplan.domain.geo import LonLat
from routeplan.domain.plan import Plan
from routeplan.io.spreadsheet import Value, csv_row, table_xlsx

type Headers = Literal["en", "zh"]

#: Columns of routes.csv: one row per visit of the day, routed stops first, in route order.
CSV_COLUMNS = (
    "team_id", "members", "sequence", "visit_id", "borrower_id", "lat", "lon",
    "arrival", "start", "departure", "window_start", "window_end", "service_min",
    "travel_m", "location_quality", "reason", "detail", "detail_en",
)
#: The same columns under Chinese headers (`?headers=zh`, and the XLSX sheet).
HEADERS_ZH: Mapping[str, str] = {
    "team_id": "外访组", "members": "组员", "sequence": "顺序", "visit_id": "案件编号",
    "borrower_id": "借款人编号", "lat": "纬度", "lon": "经度", "arrival": "到达",
    "start": "开始", "departure": "离开", "window_start": "时段开始", "window_end": "时段结束",
    "service_min": "停留（分钟）", "travel_m": "路程（米）", "location_quality": "定位质量",
    "reason": "未安排原因", "detail": "说明", "detail_en": "说明（英文）",
}
#: Column widths of the XLSX sheet, in Excel's character units (a Chinese character is two).
_WIDTHS = (12, 22, 6, 16, 16, 11, 11, 8, 8, 8, 10, 10, 13, 11, 10, 26, 48, 48)
XLSX_FILE = "routes.xlsx"


def headers(kind: Headers = "en") -> tuple[str, ...]:
    """The sheet's header row: the column names, or their Chinese headers."""
    return CSV_COLUMNS if kind == "en" else tuple(HEADERS_ZH[c] for c in CSV_COLUMNS)


def plan_rows(plan: Plan) -> Iterator[list[Value]]:
    """Every visit once: stops by team and sequence (local HH:MM times), then the unassigned.

    Members are `;`-separated as in the input. Values are raw: text from input is not yet
    made safe for a spreadsheet (the CSV and XLSX writers do that).
    """
    for r in plan.routes:
        for n, s in enumerate(r.stops, start=1):
            yield [
                r.team_id, ";".join(r.members), n, s.visit_id, s.borrower_id,
                s.location[1], s.location[0], format_hhmm(s.arrival), format_hhmm(s.start),
                format_hhmm(s.departure),
                format_hhmm(s.window.start) if s.window else "",
                format_hhmm(s.window.end) if s.window else "",
                round(s.service_s / 60, 2), s.travel_m, s.location_quality.value, "", "", "",
            ]
    for u in plan.unassigned:
        yield ["", "", "", u.visit_id, "", "", "", "", "", "", "", "", "", "", "",
               u.reason.value, u.detail, u.detail_en]


def plan_to_csv(plan: Plan, *, header: Headers = "en") -> str:
    """The plan's rows as CSV text (CRLF), formula-looking text cells quoted away.

    The text has no BOM; `write_plan` and the service's export add one so that Excel reads
    the Chinese details as UTF-8.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers(header))
    writer.writerows(csv_row(row) for row in plan_rows(plan))
    return buffer.getvalue()


def plan_to_xlsx(plan: Plan) -> bytes:
    """The plan's rows as an .xlsx workbook under Chinese headers, input cells as text."""
    return table_xlsx(f"路线 {plan.day.isoformat()}", headers("zh"), plan_rows(plan), _WIDTHS)


def plan_to_geojson(plan: Plan) -> dict[str, Any]:
    """The plan as a GeoJSON FeatureCollection (RFC 7946: WGS-84, [lon, lat]).

    Per route with stops: its line, its base point(s) and its stops, each feature's
    `properties.kind` one of route, base, stop. The line follows the route's road geometry
    when it has one, else straight legs.
    """
    day = plan.day
    features: list[dict[str, Any]] = []
    for r in plan.routes:
        if not r.stops:
            continue
        line = r.geometry or (r.start_location, *(s.location for s in r.stops), r.end_location)
        features.append(_feature("LineString", [_xy(p) for p in line], {
            "kind": "route", "team_id": r.team_id, "members": list(r.members),
            "mode": r.mode.value, "start": to_iso(day, r.start_s), "end": to_iso(day, r.end_s),
            "stops": len(r.stops), "distance_m": r.distance_m, "duration_s": r.duration_s,
        }))
        bases = [("start", r.start_location)]
        if r.end_location != r.start_location:
            bases.append(("end", r.end_location))
        for role, point in bases:
            features.append(_feature("Point", _xy(point), {
                "kind": "base", "team_id": r.team_id, "role": role}))
        for n, s in enumerate(r.stops, start=1):
            features.append(_feature("Point", _xy(s.location), {
                "kind": "stop", "team_id": r.team_id, "sequence": n,
                "visit_id": s.visit_id, "borrower_id": s.borrower_id,
                "arrival": to_iso(day, s.arrival), "start": to_iso(day, s.start),
                "departure": to_iso(day, s.departure),
                "window_start": format_hhmm(s.window.start) if s.window else None,
                "window_end": format_hhmm(s.window.end) if s.window else None,
                "location_quality": s.location_quality.value,
            }))
    return {"type": "FeatureCollection", "features": features}


def _feature(kind: str, coordinates: object, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": kind, "coordinates": coordinates},
            "properties": properties}


def _xy(point: LonLat) -> list[float]:
    return [point[0], point[1]]
