"""Write a day's visits and teams back out in the input contract (CSV rows or JSON records)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from routeplan.domain.clock import format_hhmm
from routeplan.domain.days import ALL_WEEKDAYS, WEEKDAY_NAMES
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.io.atomic import write_atomic
from routeplan.io.columns import TEAM_COLUMNS, VISIT_COLUMNS


def visit_record(v: Visit) -> dict[str, Any]:
    """A visit as a JSON record of the input contract (WGS-84, native types)."""
    rec: dict[str, Any] = {"visit_id": v.visit_id, "borrower_id": v.borrower_id}
    if v.location is not None:
        rec["lat"], rec["lon"] = v.location[1], v.location[0]
    if v.address:
        rec["address"] = v.address
    if v.service_s is not None:
        rec["service_min"] = v.service_s // 60
    rec["priority"] = v.priority
    if v.window is not None:
        rec["window_start"] = format_hhmm(v.window.start)
        rec["window_end"] = format_hhmm(v.window.end)
    rec["place"] = v.place.value
    for flag in ("workplace_consent", "consent_out_of_hours", "must_visit", "do_not_visit"):
        rec[flag] = getattr(v, flag)
    if v.skill:
        rec["skill"] = v.skill
    if v.pin_team:
        rec["pin_team"] = v.pin_team
    if v.last_visit is not None:
        rec["last_visit"] = v.last_visit.isoformat()
    rec["visits_last_7d"] = v.visits_last_7d
    if v.demand:
        rec["demand"] = v.demand
    days = v.days
    if days.weekdays != ALL_WEEKDAYS:
        rec["days"] = [WEEKDAY_NAMES[d] for d in sorted(days.weekdays)]
    for key, value in (("earliest_date", days.earliest), ("latest_date", days.latest),
                       ("appointment_date", days.appointment)):
        if value is not None:
            rec[key] = value.isoformat()
    return rec


def team_record(t: Team) -> dict[str, Any]:
    """A team as a JSON record of the input contract (WGS-84, native types)."""
    rec: dict[str, Any] = {"team_id": t.team_id, "members": list(t.members),
                           "start_lat": t.start[1], "start_lon": t.start[0]}
    if t.end is not None:
        rec["end_lat"], rec["end_lon"] = t.end[1], t.end[0]
    rec["shift_start"] = format_hhmm(t.shift.start)
    rec["shift_end"] = format_hhmm(t.shift.end)
    if t.break_window is not None and t.break_s:
        rec["break_start"] = format_hhmm(t.break_window.start)
        rec["break_end"] = format_hhmm(t.break_window.end)
        rec["break_min"] = t.break_s // 60
    if t.skills:
        rec["skills"] = sorted(t.skills)
    if t.max_visits is not None:
        rec["max_visits"] = t.max_visits
    rec["mode"] = t.mode.value
    if t.capacity is not None:
        rec["capacity"] = t.capacity
    if t.prefectures:
        rec["prefectures"] = sorted(t.prefectures)
    if not t.days.every_day:
        rec["days"] = ([WEEKDAY_NAMES[d] for d in sorted(t.days.weekdays)]
                       + [d.isoformat() for d in sorted(t.days.dates)])
    return rec


def _csv(records: Sequence[dict[str, Any]], order: Sequence[str]) -> str:
    present = [c for c in order if any(c in r for r in records)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(present)
    for r in records:
        row = []
        for c in present:
            value = r.get(c, "")
            if isinstance(value, list):
                value = ";".join(str(x) for x in value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            row.append(value)
        writer.writerow(row)
    return buf.getvalue()


def write_day_csv(visits: Sequence[Visit], teams: Sequence[Team], out_dir: Path
                  ) -> tuple[Path, Path]:
    """Write visits.csv and teams.csv (UTF-8) atomically; returns their paths."""
    v = write_atomic(out_dir / "visits.csv", _csv([visit_record(x) for x in visits],
                                                  [c.name for c in VISIT_COLUMNS]))
    t = write_atomic(out_dir / "teams.csv", _csv([team_record(x) for x in teams],
                                                 [c.name for c in TEAM_COLUMNS]))
    return v, t
