"""The plan contract as JSON: `plan_to_dict` / `plan_from_dict`, and writing a plan's files.

Times are ISO 8601 with the +08:00 offset, coordinates WGS-84 as `lat`/`lon` fields (a route's
optional road `geometry` is a GeoJSON LineString, so [lon, lat]). Everything a `Plan` holds is
written, so `plan_from_dict(plan_to_dict(p)) == p`; figures derived from others
(`duration_s`, `priority_share`, ...) are written for readers and recomputed on reading.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from routeplan.domain.clock import (
    TIMEZONE_NAME,
    TimeWindow,
    format_hhmm,
    from_iso,
    parse_hhmm,
    to_iso,
)
from routeplan.domain.errors import InputProblem, InternalError, InvalidInput
from routeplan.domain.geo import LonLat
from routeplan.domain.plan import (
    RESTART_ORIGINS,
    BreakSlot,
    Kpis,
    Plan,
    Reason,
    ReplanRecord,
    Restart,
    Route,
    Stop,
    Unassigned,
)
from routeplan.domain.policy import Policy
from routeplan.domain.team import Mode
from routeplan.domain.travel import ModeSource
from routeplan.domain.visit import LocationQuality
from routeplan.io.atomic import write_atomic
from routeplan.io.plan_exports import plan_to_csv

PLAN_FILE = "plan.json"
ROUTES_FILE = "routes.csv"


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan in the contract's shape (issue 2), plus extras useful to dispatchers."""
    day = plan.day
    return {
        "date": day.isoformat(),
        "timezone": TIMEZONE_NAME,
        "routes": [_route_to_dict(day, r) for r in plan.routes],
        "unassigned": [
            {"visit_id": u.visit_id, "reason": u.reason.value, "detail": u.detail,
             "detail_en": u.detail_en}
            for u in plan.unassigned
        ],
        "kpis": kpis_to_dict(plan.kpis),
        "policy": plan.policy.to_mapping(),
        "meta": dict(plan.meta),
        "travel": {mode.value: _source_to_dict(s) for mode, s in plan.travel.items()},
        **({"replan": replan_record_to_dict(day, plan.replan)} if plan.replan else {}),
    }


def replan_record_to_dict(day: date, r: ReplanRecord) -> dict[str, Any]:
    """A re-plan's record: `now`, each team's restart, what was committed, cancelled, moved."""
    return {
        "now": to_iso(day, r.now),
        "base_version": r.base_version,
        "cancelled": list(r.cancelled),
        "reported": list(r.reported),
        "rescheduled": {v: to_iso(day, t) for v, t in r.rescheduled.items()},
        "teams": [{"team_id": x.team_id, "restart_at": to_iso(day, x.at),
                   "restart_from": x.origin, "restart_lat": x.point[1],
                   "restart_lon": x.point[0], "committed": list(x.committed),
                   "dropped": x.dropped}
                  for x in r.restarts],
    }


def _source_to_dict(s: ModeSource) -> dict[str, Any]:
    return {k: v for k, v in asdict(s).items() if v not in ("", 0.0)}


def kpis_to_dict(k: Kpis) -> dict[str, Any]:
    """The KPI block: every key of the contract, then the solver's own figures."""
    return {
        "visits_planned": k.visits_planned,
        "visits_unassigned": k.visits_unassigned,
        "priority_planned": k.priority_planned,
        "priority_total": k.priority_total,
        "priority_share": round(k.priority_share, 4),
        "must_visits_planned": k.must_visits_planned,
        "must_visits_total": k.must_visits_total,
        "distance_m": k.distance_m,
        "driving_s": k.driving_s,
        "waiting_s": k.waiting_s,
        "service_s": k.service_s,
        "teams_used": k.teams_used,
        "utilisation": dict(k.utilisation),
        "warnings": list(k.warnings),
        "unassigned_by_reason": dict(k.unassigned_by_reason),
        "travel_source": k.travel_source,
        "solve_s": k.solve_s,
        "objective": k.objective,
    }


def _route_to_dict(day: date, r: Route) -> dict[str, Any]:
    out: dict[str, Any] = {
        "team_id": r.team_id,
        "members": list(r.members),
        "mode": r.mode.value,
        "start": to_iso(day, r.start_s),
        "end": to_iso(day, r.end_s),
        "start_lat": r.start_location[1],
        "start_lon": r.start_location[0],
        "end_lat": r.end_location[1],
        "end_lon": r.end_location[0],
        "stops": [_stop_to_dict(day, n, s) for n, s in enumerate(r.stops, start=1)],
        "breaks": [{"start": to_iso(day, b.start), "end": to_iso(day, b.end)} for b in r.breaks],
        "distance_m": r.distance_m,
        "duration_s": r.duration_s,
        "driving_s": r.driving_s,
        "waiting_s": r.waiting_s,
        "service_s": r.service_s,
    }
    if r.geometry:
        out["geometry"] = {"type": "LineString", "coordinates": [list(p) for p in r.geometry]}
    return out


def _stop_to_dict(day: date, sequence: int, s: Stop) -> dict[str, Any]:
    return {
        "sequence": sequence,
        "visit_id": s.visit_id,
        "borrower_id": s.borrower_id,
        "lat": s.location[1],
        "lon": s.location[0],
        "arrival": to_iso(day, s.arrival),
        "start": to_iso(day, s.start),
        "departure": to_iso(day, s.departure),
        "window_start": format_hhmm(s.window.start) if s.window else None,
        "window_end": format_hhmm(s.window.end) if s.window else None,
        "service_min": _minutes(s.service_s),
        "travel_s": s.travel_s,
        "travel_m": s.travel_m,
        "location_quality": s.location_quality.value,
    }


def _minutes(seconds: int) -> int | float:
    return seconds // 60 if seconds % 60 == 0 else round(seconds / 60, 2)


def plan_to_json(plan: Plan) -> str:
    """The plan as JSON text: UTF-8 Chinese kept readable, two-space indent, final newline."""
    return json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=2) + "\n"


def write_plan(plan: Plan, out_dir: str | Path) -> list[Path]:
    """Write plan.json and routes.csv into `out_dir` (created if missing), each atomically.

    routes.csv goes first and plan.json last, so a present plan.json means a complete set.
    The CSV carries a BOM so Excel opens its Chinese text correctly.
    """
    folder = Path(out_dir)
    routes = write_atomic(folder / ROUTES_FILE, "\ufeff" + plan_to_csv(plan))
    return [routes, write_atomic(folder / PLAN_FILE, plan_to_json(plan))]


def read_plan(path: str | Path) -> Plan:
    """A plan from a plan.json file (for `routeplan check`); problems located by JSON pointer."""
    p = Path(path)
    try:
        data = json.loads(p.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise InvalidInput(f"{p}: no such file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{p.name}: the file is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{p.name}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    return plan_from_dict(data, source=p.name)


# -- reading --------------------------------------------------------------------------------


class _PlanError(Exception):
    """One problem in a plan document, at a JSON pointer."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def plan_from_dict(data: object, *, source: str = "") -> Plan:
    """Read a plan written by `plan_to_dict`; every problem is reported, by JSON pointer."""
    problems: list[InputProblem] = []
    prefix = f"{source}#" if source else ""

    def attempt[T](where: str, build: Callable[[], T]) -> T | None:
        try:
            return build()
        except _PlanError as bad:
            problems.append(InputProblem(prefix + bad.where, bad.message))
        except InvalidInput as exc:
            problems.extend(InputProblem(p.location or prefix + (where or "/"), p.message)
                            for p in exc.problems)
        except InternalError as exc:
            problems.append(InputProblem(prefix + (where or "/"), str(exc)))
        return None

    if not isinstance(data, dict):
        raise InvalidInput.many([InputProblem(prefix + "/", "expected a plan object, got "
                                              f"{_kind(data)}")])
    doc: Mapping[str, Any] = data
    day = attempt("/date", lambda: _date(doc, "/date"))
    if doc.get("timezone", TIMEZONE_NAME) != TIMEZONE_NAME:
        problems.append(InputProblem(f"{prefix}/timezone",
                                     f"{doc['timezone']!r} is not {TIMEZONE_NAME}"))
    policy = attempt("/policy", lambda: _policy(doc.get("policy", {}), f"{prefix}/policy"))
    kpis = attempt("/kpis", lambda: _kpis(_mapping(doc.get("kpis"), "/kpis")))
    routes: list[Route] = []
    unassigned: list[Unassigned] = []
    if day is not None:
        for i, item in enumerate(attempt("/routes", partial(_list, doc, "routes", "")) or []):
            route = attempt(f"/routes/{i}", partial(_route, day, item, f"/routes/{i}"))
            if route is not None:
                routes.append(route)
    for i, item in enumerate(attempt("/unassigned", partial(_list, doc, "unassigned", ""))
                             or []):
        u = attempt(f"/unassigned/{i}", partial(_unassigned, item, f"/unassigned/{i}"))
        if u is not None:
            unassigned.append(u)
    meta = doc.get("meta", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        problems.append(InputProblem(f"{prefix}/meta", "expected an object of strings"))
        meta = {}
    travel = attempt("/travel", lambda: _travel_record(doc.get("travel", {}), "/travel")) or {}
    record = None
    if day is not None and doc.get("replan") is not None:  # absent in a first plan
        record = attempt("/replan", lambda: _replan_record(day, doc["replan"], "/replan"))
    if problems or day is None or policy is None or kpis is None:
        raise InvalidInput.many(problems)
    plan = attempt("", lambda: Plan(day, tuple(routes), tuple(unassigned), kpis, policy, meta,
                                    travel, record))
    if plan is None:
        raise InvalidInput.many(problems)
    return plan


def _replan_record(day: date, value: object, at: str) -> ReplanRecord:
    r = _mapping(value, at)
    restarts = []
    for j, item in enumerate(_list(r, "teams", at)):
        where = f"{at}/teams/{j}"
        t = _mapping(item, where)
        origin = _str(t, "restart_from", where)
        if origin not in RESTART_ORIGINS:
            raise _PlanError(f"{where}/restart_from",
                             f"{origin!r} is not one of {', '.join(RESTART_ORIGINS)}")
        dropped = t.get("dropped", False)
        if not isinstance(dropped, bool):
            raise _PlanError(f"{where}/dropped", f"expected true or false, got {_kind(dropped)}")
        restarts.append(Restart(_str(t, "team_id", where), _time(day, t, "restart_at", where),
                                origin, _point(t, "restart_lat", "restart_lon", where),
                                tuple(_str_list(t, "committed", where)), dropped))
    moved = _mapping(r.get("rescheduled", {}), f"{at}/rescheduled")
    rescheduled = {str(v): _time(day, moved, v, f"{at}/rescheduled") for v in moved}
    base = r.get("base_version")
    if base is not None and (isinstance(base, bool) or not isinstance(base, int)):
        raise _PlanError(f"{at}/base_version", f"{base!r} is not an integer or null")
    return ReplanRecord(_time(day, r, "now", at), tuple(restarts),
                        tuple(_str_list(r, "cancelled", at)), tuple(_str_list(r, "reported", at)),
                        rescheduled, base)


_SOURCE_FIELDS = {"provider": str, "profile": str, "graph": str, "fallback": str,
                  "max_snap_m": float, "detour_factor": float, "speed_kmh": float}


def _travel_record(value: object, at: str) -> dict[Mode, ModeSource]:
    """The plan's record of its travel sources: `{"car": {"provider": ..., ...}, ...}`."""
    record = _mapping(value, at)
    out: dict[Mode, ModeSource] = {}
    for name, item in record.items():
        try:
            mode = Mode(name)
        except ValueError:
            raise _PlanError(f"{at}/{name}", f"{name!r} is not a mode") from None
        fields_ = _mapping(item, f"{at}/{name}")
        values: dict[str, Any] = {}
        for key, raw in fields_.items():
            kind = _SOURCE_FIELDS.get(key)
            if kind is None:
                raise _PlanError(f"{at}/{name}/{key}", "is not a travel-source field")
            if (kind is str and not isinstance(raw, str)) or len(str(raw)) > 500:
                raise _PlanError(f"{at}/{name}/{key}", "expected text")
            if kind is float and (isinstance(raw, bool) or not isinstance(raw, int | float)):
                raise _PlanError(f"{at}/{name}/{key}", "expected a number")
            values[key] = kind(raw)
        if values.get("provider") not in ("haversine", "osrm-embedded", "osrm-server"):
            raise _PlanError(f"{at}/{name}/provider",
                             "expected haversine, osrm-embedded or osrm-server")
        out[mode] = ModeSource(**values)
    return out


def _policy(value: object, where: str) -> Policy:
    mapping = _mapping(value, "/policy")
    name = mapping.get("name", "default")
    return Policy.from_mapping(mapping, source=where, name=str(name))


def _route(day: date, d: object, at: str) -> Route:
    r = _mapping(d, at)
    stops = tuple(_stop(day, s, f"{at}/stops/{j}") for j, s in enumerate(_list(r, "stops", at)))
    breaks = tuple(
        BreakSlot(_time(day, _mapping(b, f"{at}/breaks/{j}"), "start", f"{at}/breaks/{j}"),
                  _time(day, _mapping(b, f"{at}/breaks/{j}"), "end", f"{at}/breaks/{j}"))
        for j, b in enumerate(_list(r, "breaks", at)))
    geometry: tuple[LonLat, ...] = ()
    if r.get("geometry") is not None:
        line = _mapping(r["geometry"], f"{at}/geometry")
        coords = line.get("coordinates")
        if line.get("type") != "LineString" or not isinstance(coords, list):
            raise _PlanError(f"{at}/geometry", "expected a GeoJSON LineString")
        geometry = tuple(_lonlat_pair(c, f"{at}/geometry/coordinates/{k}")
                         for k, c in enumerate(coords))
    return Route(
        team_id=_str(r, "team_id", at),
        members=tuple(_str_list(r, "members", at)),
        mode=_enum(Mode, r, "mode", at),
        stops=stops,
        breaks=breaks,
        start_s=_time(day, r, "start", at),
        end_s=_time(day, r, "end", at),
        distance_m=_int(r, "distance_m", at),
        driving_s=_int(r, "driving_s", at),
        start_location=_point(r, "start_lat", "start_lon", at),
        end_location=_point(r, "end_lat", "end_lon", at),
        geometry=geometry,
    )


def _stop(day: date, d: object, at: str) -> Stop:
    s = _mapping(d, at)
    window = None
    if s.get("window_start") is not None or s.get("window_end") is not None:
        window = TimeWindow(parse_hhmm(_str(s, "window_start", at), "window_start"),
                            parse_hhmm(_str(s, "window_end", at), "window_end"))
    try:
        return Stop(
            visit_id=_str(s, "visit_id", at),
            borrower_id=_str(s, "borrower_id", at),
            location=_point(s, "lat", "lon", at),
            arrival=_time(day, s, "arrival", at),
            start=_time(day, s, "start", at),
            departure=_time(day, s, "departure", at),
            travel_s=_int(s, "travel_s", at, default=0),
            travel_m=_int(s, "travel_m", at, default=0),
            window=window,
            location_quality=_enum(LocationQuality, s, "location_quality", at,
                                   default=LocationQuality.EXACT),
        )
    except InternalError:
        raise _PlanError(at, "arrival <= start < departure does not hold") from None


def _unassigned(d: object, at: str) -> Unassigned:
    u = _mapping(d, at)
    return Unassigned(_str(u, "visit_id", at), _enum(Reason, u, "reason", at),
                      _str(u, "detail", at), _str(u, "detail_en", at))


def _kpis(k: Mapping[str, Any]) -> Kpis:
    at = "/kpis"
    utilisation = _mapping(k.get("utilisation"), f"{at}/utilisation")
    by_reason = _mapping(k.get("unassigned_by_reason", {}), f"{at}/unassigned_by_reason")
    objective = k.get("objective")
    if objective is not None and (isinstance(objective, bool) or not isinstance(objective, int)):
        raise _PlanError(f"{at}/objective", f"{objective!r} is not an integer or null")
    solve_s = k.get("solve_s", 0.0)
    if isinstance(solve_s, bool) or not isinstance(solve_s, int | float):
        raise _PlanError(f"{at}/solve_s", f"{solve_s!r} is not a number")
    return Kpis(
        visits_planned=_int(k, "visits_planned", at),
        visits_unassigned=_int(k, "visits_unassigned", at),
        priority_planned=_int(k, "priority_planned", at),
        priority_total=_int(k, "priority_total", at),
        must_visits_planned=_int(k, "must_visits_planned", at),
        must_visits_total=_int(k, "must_visits_total", at),
        distance_m=_int(k, "distance_m", at),
        driving_s=_int(k, "driving_s", at),
        waiting_s=_int(k, "waiting_s", at),
        service_s=_int(k, "service_s", at),
        teams_used=_int(k, "teams_used", at),
        utilisation={str(t): _number(utilisation, t, f"{at}/utilisation") for t in utilisation},
        unassigned_by_reason={str(r): _int(by_reason, r, f"{at}/unassigned_by_reason")
                              for r in by_reason},
        warnings=tuple(_str_list(k, "warnings", at)),
        travel_source=_str(k, "travel_source", at, default="haversine"),
        solve_s=float(solve_s),
        objective=objective,
    )


# -- typed access to a JSON object ----------------------------------------------------------


def _mapping(value: object, at: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _PlanError(at or "/", f"expected an object, got {_kind(value)}")
    return value


def _list(obj: Mapping[str, Any], key: str, at: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise _PlanError(f"{at}/{key}", f"expected an array, got {_kind(value)}")
    return value


def _get(obj: Mapping[str, Any], key: str, at: str, default: object) -> object:
    if key in obj and obj[key] is not None:
        return obj[key]
    if default is _REQUIRED:
        raise _PlanError(f"{at}/{key}", "required, but missing")
    return default


_REQUIRED = object()


def _str(obj: Mapping[str, Any], key: str, at: str, default: object = _REQUIRED) -> str:
    value = _get(obj, key, at, default)
    if not isinstance(value, str):
        raise _PlanError(f"{at}/{key}", f"expected a string, got {_kind(value)}")
    return value


def _str_list(obj: Mapping[str, Any], key: str, at: str) -> list[str]:
    values = _list(obj, key, at)
    for n, v in enumerate(values):
        if not isinstance(v, str):
            raise _PlanError(f"{at}/{key}/{n}", f"expected a string, got {_kind(v)}")
    return values


def _int(obj: Mapping[str, Any], key: str, at: str, default: object = _REQUIRED) -> int:
    value = _get(obj, key, at, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _PlanError(f"{at}/{key}", f"expected an integer, got {_kind(value)}")
    return value


def _number(obj: Mapping[str, Any], key: str, at: str) -> float:
    value = _get(obj, key, at, _REQUIRED)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _PlanError(f"{at}/{key}", f"expected a number, got {_kind(value)}")
    return float(value)


def _point(obj: Mapping[str, Any], lat: str, lon: str, at: str) -> LonLat:
    return (_number(obj, lon, at), _number(obj, lat, at))


def _lonlat_pair(value: object, at: str) -> LonLat:
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)):
        raise _PlanError(at, "expected [lon, lat]")
    return (float(value[0]), float(value[1]))


def _time(day: date, obj: Mapping[str, Any], key: str, at: str) -> int:
    text = _str(obj, key, at)
    try:
        return from_iso(day, text)
    except InvalidInput:
        raise _PlanError(f"{at}/{key}", f"{text!r} is not an ISO 8601 date-time") from None


def _date(obj: Mapping[str, Any], at: str) -> date:
    text = _str(obj, "date", "")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _PlanError(at, f"{text!r} is not a date as YYYY-MM-DD") from None


def _enum[E: (Mode, Reason, LocationQuality)](
        kind: type[E], obj: Mapping[str, Any], key: str, at: str,
        default: object = _REQUIRED) -> E:
    value = _get(obj, key, at, default)
    if isinstance(value, kind):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise _PlanError(f"{at}/{key}", f"{value!r} is not one of {allowed}") from None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    return "an array" if isinstance(value, list) else type(value).__name__
