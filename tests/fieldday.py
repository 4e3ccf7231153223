"""A tiny planned day and field reports about it, for the audit tests (no solver involved)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pyproj import Geod

from routeplan.domain.clock import SHANGHAI, TimeWindow, parse_hhmm
from routeplan.domain.geo import LonLat
from routeplan.domain.outcome import Outcome, OutcomeStatus, ReportedPosition
from routeplan.domain.plan import Kpis, Plan, Route, Stop
from routeplan.domain.policy import Policy
from routeplan.domain.team import Mode
from tests.days import WORKDAY, ZZ

_GEOD = Geod(ellps="WGS84")

#: The doors of the day's three visits: V1 and V2 for team T1, V3 for team T2.
DOORS: dict[str, LonLat] = {
    "V1": (113.6500, 34.7500),
    "V2": (113.6700, 34.7600),
    "V3": (113.6000, 34.7300),
}
MEMBERS = {"T1": ("T1-a", "T1-b", "T1-c"), "T2": ("T2-a", "T2-b")}
TEAM_OF = {"V1": "T1", "V2": "T1", "V3": "T2"}
#: V2's borrower asked for an early visit: 06:30-07:45 (consent_out_of_hours).
V2_CONSENT = TimeWindow.parse("06:30", "07:45")


def moved(point: LonLat, *, metres: float, bearing: float = 90.0) -> LonLat:
    """The point `metres` away from `point` along `bearing` (degrees from north)."""
    lon, lat, _ = _GEOD.fwd(point[0], point[1], bearing, metres)
    return (float(lon), float(lat))


def _stop(vid: str, start: str, window: TimeWindow | None = None) -> Stop:
    s = parse_hhmm(start)
    return Stop(vid, f"B-{vid}", DOORS[vid], arrival=s, start=s, departure=s + 1200,
                window=window)


def planned_day(policy: Policy | None = None, day: date = WORKDAY) -> Plan:
    """The plan of the day: T1 serves V2 at 07:00 (consented) then V1 at 10:00; T2 serves V3."""
    routes = (
        Route("T1", MEMBERS["T1"], Mode.CAR, (_stop("V2", "07:00", V2_CONSENT),
                                              _stop("V1", "10:00")),
              (), parse_hhmm("06:30"), parse_hhmm("11:00"), 9000, 1800, ZZ, ZZ),
        Route("T2", MEMBERS["T2"], Mode.CAR, (_stop("V3", "09:30"),), (),
              parse_hhmm("09:00"), parse_hhmm("10:30"), 4000, 900, ZZ, ZZ),
    )
    kpis = Kpis(visits_planned=3, visits_unassigned=0, priority_planned=30, priority_total=30,
                must_visits_planned=0, must_visits_total=0, distance_m=13000, driving_s=2700,
                waiting_s=0, service_s=3600, teams_used=2, utilisation={"T1": 0.5, "T2": 0.3},
                unassigned_by_reason={})
    return Plan(day, routes, (), kpis, policy or Policy())


def moment(hhmm: str, day: date = WORKDAY) -> datetime:
    """A local moment (Asia/Shanghai) on `day`, from HH:MM or HH:MM:SS."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=SHANGHAI)


def report(vid: str = "V1", status: str = "arrived", at: str | datetime = "10:02", *,
           position: LonLat | str | None = "door", accuracy_m: float = 15.0,
           members: tuple[str, ...] | str | None = "pair", received: datetime | None = None,
           **kw: Any) -> Outcome:
    """A report from the visit's team; by default a clean one: at the door, two members."""
    team = kw.pop("team", TEAM_OF[vid])
    when = moment(at) if isinstance(at, str) else at
    point = DOORS[vid] if position == "door" else position
    pos = ReportedPosition(point[0], point[1], accuracy_m) if isinstance(point, tuple) else None
    present = MEMBERS[team][:2] if members == "pair" else members
    assert not isinstance(present, str)
    return Outcome(vid, team, OutcomeStatus(status), when, kw.pop("note", ""), position=pos,
                   members_present=present, received_at=received)


def record(vid: str = "V1", status: str = "arrived", at: str = "10:02", **kw: Any
           ) -> dict[str, Any]:
    """The same report as JSON, as an events file or the service would hold it."""
    point = kw.pop("point", DOORS[vid])
    rec: dict[str, Any] = {
        "event_id": f"ev-{vid}-{status}-{at.replace(':', '')}", "visit_id": vid,
        "team_id": TEAM_OF[vid], "status": status, "at": moment(at).isoformat(),
        "position": {"lat": point[1], "lon": point[0], "accuracy_m": 15},
        "members_present": list(MEMBERS[TEAM_OF[vid]][:2]),
    }
    rec.update(kw)
    return rec
