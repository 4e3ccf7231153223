"""The day's input records and the plan, as typed models of the one contract.

Visit and team records are generated from `routeplan.io.columns` (the column contract the
readers, the README and the Chinese headers all come from): each field's JSON Schema is the
column's own, so /docs and schemathesis see every field with its type, range and meaning.
The readers still check the values (one place, located messages), so the fields validate as
given and only document. The plan models follow `routeplan.io.plan_json.plan_to_dict`; a
test walks a written plan and fails on any key they do not declare.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from routeplan.domain.plan import Reason
from routeplan.io.columns import TEAM_COLUMNS, VISIT_COLUMNS, Column


def _record(name: str, columns: tuple[Column, ...], doc: str,
            example: dict[str, Any]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        c.name: (Annotated[Any, WithJsonSchema(c.json_schema())], Field(default=None))
        for c in columns}
    required = [c.name for c in columns if c.required]

    def schema_extra(schema: dict[str, Any]) -> None:
        schema["required"] = required
        schema["examples"] = [example]

    model: type[BaseModel] = create_model(
        name, __doc__=doc, __config__=ConfigDict(extra="allow", json_schema_extra=schema_extra),
        **fields)
    return model


VISIT_EXAMPLE: dict[str, Any] = {
    "visit_id": "V00001", "borrower_id": "B-0001", "lat": 34.7466, "lon": 113.6472,
    "service_min": 20, "priority": 10, "window_start": "09:00", "window_end": "12:00"}
TEAM_EXAMPLE: dict[str, Any] = {
    "team_id": "T001", "members": ["C001a", "C001b"], "start_lat": 34.7466,
    "start_lon": 113.6254, "shift_start": "08:30", "shift_end": "18:00"}

if TYPE_CHECKING:  # models made at import time; to the type checker, plain models
    VisitRecord = BaseModel
    TeamRecord = BaseModel
else:
    VisitRecord = _record(
        "VisitRecord", VISIT_COLUMNS,
        "One visit (a case): the columns of the visits file; Chinese headers are accepted as "
        "keys too. Checked by the same readers as the files.", VISIT_EXAMPLE)
    TeamRecord = _record(
        "TeamRecord", TEAM_COLUMNS,
        "One team of two or more collectors and its shift: the columns of the teams file.",
        TEAM_EXAMPLE)


def records(items: Sequence[BaseModel]) -> list[dict[str, Any]]:
    """Records as received (unset fields left out), for the readers."""
    return [r.model_dump(exclude_unset=True) for r in items]


class _Contract(BaseModel):
    model_config = ConfigDict(extra="allow")


class StopContract(_Contract):
    """A visit in a route, in visit order; times are ISO 8601 with +08:00."""

    sequence: int = Field(ge=1)
    visit_id: str
    borrower_id: str
    lat: float
    lon: float
    arrival: datetime
    start: datetime = Field(description="Service starts (the borrower is met).")
    departure: datetime
    window_start: str | None = Field(description="The borrower's window, HH:MM, if any.")
    window_end: str | None
    service_min: float
    travel_s: int = Field(ge=0, description="Driving from the previous point, seconds.")
    travel_m: int = Field(ge=0, description="Driving from the previous point, metres.")
    location_quality: str = Field(examples=["exact", "district"])


class BreakContract(_Contract):
    """The team's break."""

    start: datetime
    end: datetime


class LineString(_Contract):
    """Road geometry of the route (GeoJSON, WGS-84 lon, lat)."""

    type: str = "LineString"
    coordinates: list[list[float]]


class RouteContract(_Contract):
    """One team's day."""

    team_id: str
    members: list[str]
    mode: str = Field(examples=["car"])
    start: datetime
    end: datetime
    start_lat: float
    start_lon: float
    end_lat: float
    end_lon: float
    stops: list[StopContract]
    breaks: list[BreakContract]
    distance_m: int = Field(ge=0)
    duration_s: int = Field(ge=0)
    driving_s: int = Field(ge=0)
    waiting_s: int = Field(ge=0)
    service_s: int = Field(ge=0)
    geometry: LineString | None = None
    field_link: str | None = Field(
        default=None, description="Service only: the absolute signed URL of the team's page.")


class UnassignedContract(_Contract):
    """A visit left out, why (the first reason that applies) and what would make it fit."""

    visit_id: str
    reason: Reason
    detail: str = Field(description="In Simplified Chinese: what would make the visit fit.")
    detail_en: str


class KpisContract(_Contract):
    """Headline figures (seconds and metres)."""

    visits_planned: int
    visits_unassigned: int
    priority_planned: int
    priority_total: int
    priority_share: float = Field(ge=0, le=1)
    must_visits_planned: int
    must_visits_total: int
    distance_m: int
    driving_s: int
    waiting_s: int
    service_s: int
    teams_used: int
    utilisation: dict[str, float]
    warnings: list[str]
    unassigned_by_reason: dict[str, int]
    travel_source: str
    solve_s: float
    objective: int | None


class TravelSourceContract(_Contract):
    """Where one mode's travel times came from (to rebuild them exactly)."""

    provider: str = Field(examples=["haversine", "osrm-embedded", "osrm-server"])
    profile: str | None = None
    graph: str | None = Field(default=None, description="Graph identity, or a server URL.")
    max_snap_m: float | None = None
    detour_factor: float | None = None
    speed_kmh: float | None = None
    fallback: str | None = None


class RestartContract(_Contract):
    """Where and when one team goes on with its day in a re-plan."""

    team_id: str
    restart_at: datetime = Field(description="When the team goes on (after its committed "
                                             "stops, a break taken, a late start).")
    restart_from: Literal["base", "stop", "position"] = Field(
        description="Its base, its last committed stop, or a position it reported.")
    restart_lat: float
    restart_lon: float
    committed: list[str] = Field(description="Visits kept as history (done, reached or "
                                             "before now): the route's first stops, in order.")
    dropped: bool = Field(description="Off for the rest of the day: no new stop.")


class ReplanContract(_Contract):
    """A re-plan's record: what `routeplan check` needs to re-check it from the files alone."""

    now: datetime
    base_version: int | None = Field(description="The version re-planned, when known.")
    cancelled: list[str] = Field(description="Visits a dispatcher took off today (each is "
                                             "unassigned with reason `cancelled`).")
    reported: list[str] = Field(description="Visits closed or reached by a field report.")
    rescheduled: dict[str, datetime] = Field(
        description="A visit's start agreed with the borrower today; replaces its window.")
    teams: list[RestartContract]


class TeamChangeContract(_Contract):
    """One change on one team's day since the version re-planned, and why."""

    visit_id: str
    change: Literal["added", "moved_in", "moved_out", "removed", "reordered", "retimed"]
    reason: Literal["cancelled", "outcome", "team_dropped", "team_late", "new_visit",
                    "better_coverage"]
    reason_zh: str = Field(examples=["调度取消"])
    from_team: str | None = Field(default=None, description="moved_in: the team it was on.")
    to_team: str | None = Field(default=None, description="moved_out: the team it is on now.")
    was: str | None = Field(default=None, description="Planned start before, HH:MM.")
    now: str | None = Field(default=None, description="Planned start now, HH:MM.")


class ChangesContract(_Contract):
    """What a re-planned version changes against `since_version`, overall and per team."""

    now: str = Field(description="The re-plan's time, HH:MM.")
    since_version: int | None = None
    completed: list[str]
    cancelled: list[str]
    moved: list[dict[str, str]] = Field(description="{visit_id, from_team, to_team}.")
    added: list[dict[str, str]] = Field(description="{visit_id, team_id}.")
    dropped: list[dict[str, str]] = Field(description="{visit_id, reason, detail, detail_en}.")
    reordered: list[str] = Field(default_factory=list)
    retimed: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict, description=(
        "changed (visits a team was told of whose team, order, start or planning changed), "
        "required (of them, forced by the disruption), chosen (changed - required), and the "
        "size of each list."))
    teams: dict[str, list[TeamChangeContract]] = Field(
        default_factory=dict, description="Per team id: what is new for that team and why.")


class PlanContract(_Contract):
    """The plan of one day: every input visit once, as a stop or as unassigned."""

    date: date
    timezone: str = Field(examples=["Asia/Shanghai"])
    routes: list[RouteContract]
    unassigned: list[UnassignedContract]
    kpis: KpisContract
    policy: dict[str, Any] = Field(description="The policy profile the plan was made with.")
    meta: dict[str, str]
    travel: dict[str, TravelSourceContract] = Field(default_factory=dict)
    replan: ReplanContract | None = Field(default=None, description="Set on a re-plan only.")
