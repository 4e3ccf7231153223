"""Request and response bodies of the HTTP API (pydantic; the core's dataclasses stay inside)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from routeplan.domain.outcome import (
    MAX_MEMBER_ID,
    MAX_MEMBERS_PRESENT,
    OutcomeStatus,
)
from routeplan.domain.policy import MAX_ROWS_CEILING, MAX_TEAMS_CEILING
from routeplan.geo.crs import Crs
from routeplan_api.persistence.tables import JobStatus
from routeplan_api.schemas.contract import (
    TEAM_EXAMPLE,
    VISIT_EXAMPLE,
    ChangesContract,
    PlanContract,
    RouteContract,
    TeamRecord,
    VisitRecord,
)

Status = JobStatus

class Problem(BaseModel):
    """One input problem: where (JSON pointer or file:row:column) and what is wrong."""

    location: str = Field(examples=["/visits/3/lat"])
    message: str = Field(examples=["lat 134.7 is outside -90..90 (lat and lon swapped?)"])
    message_zh: str | None = Field(
        default=None, examples=["案件第 4 条，字段「lat」（纬度）：纬度 134.7 超出 -90 至 90"],
        description="The location and the problem in Chinese, for a dispatcher.")


class ErrorBody(BaseModel):
    """Every error response: a machine-readable type, a sentence, and located problems.

    `message_zh` is the sentence in Chinese where a dispatcher or a field team reads it;
    `error_id` names an internal error or a storage fault in the service's log (the log holds
    the id and the error's class, nothing of the request).
    """

    error: str = Field(examples=["invalid_input"])
    message: str = Field(examples=["the input cannot be planned"])
    message_zh: str | None = Field(default=None, examples=["数据库暂时不可用，请稍后重试"])
    error_id: str | None = Field(default=None, examples=["3f9c2a7b1d4e5f60"])
    problems: list[Problem] = Field(default_factory=list)


class PolicyRef(BaseModel):
    """Which stored policy profile a plan uses, with per-plan overrides."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="default", min_length=1, max_length=100,
                      pattern=r"^[A-Za-z0-9_.-]+$")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Keys as in a TOML profile: nested or 'section.key'.",
        examples=[{"window": {"company_end": "19:00"}}])


class PlanCreate(BaseModel):
    """A day to plan: visits and teams as records (the columns of the CSV files)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "date": "2026-12-01", "visits": [VISIT_EXAMPLE], "teams": [TEAM_EXAMPLE],
        "policy": {"name": "default", "overrides": {}}, "time_limit_s": 5}]})
    date: date
    visits: list[VisitRecord] = Field(
        max_length=MAX_ROWS_CEILING,
        description="Visit records; at most the policy's limits.max_rows (default 20000).")
    teams: list[TeamRecord] = Field(
        max_length=MAX_TEAMS_CEILING,
        description="Team records; at most the policy's limits.max_teams (default 500).")
    policy: PolicyRef = Field(default_factory=PolicyRef)
    time_limit_s: float | None = Field(default=None, gt=0, le=3600,
                                       description="Solver seconds; default: the policy's.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class DayWarningOut(BaseModel):
    """Something to know before the day is solved; the day was accepted all the same."""

    code: Literal["holiday", "weekend", "empty_roster", "outside_region"]
    message: str
    message_zh: str


class PlanAccepted(BaseModel):
    """A plan was queued for solving, with what would make the day come back empty or short."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"plan_id": "2b0tV3aQxJ8kR1mZ", "status": "queued", "warnings": []}]})
    plan_id: str
    status: Status
    warnings: list[DayWarningOut] = Field(
        default_factory=list, description="A statutory holiday or weekend the policy plans "
        "nothing on (`calendar.rest_day = 'refuse'` turns it into a 422), a roster whose "
        "shifts all miss the company window, visits outside Henan.")


class ProgressOut(BaseModel):
    """How far a solve has got."""

    elapsed_s: float
    objective: int | None = None
    solutions: int = 0
    planned: int | None = Field(
        default=None,
        description="Visits planned in the best plan so far; null until known. Once the "
                    "version is done: the plan's planned visits.")
    stopped: bool = Field(default=False,
                          description="A dispatcher stopped the solve; the best plan was kept.")
    unassigned: int | None = Field(
        default=None, description="Once done: the plan's unassigned visits.")
    teams_used: int | None = Field(default=None, description="Once done: teams with a route.")
    solve_s: float | None = Field(default=None, description="Once done: the solve's seconds.")


class PositionIn(BaseModel):
    """Where the phone was when it reported, as its browser's geolocation gives it.

    Converted to WGS-84 at the edge and kept as audit evidence; whereabouts are personal
    data (COMPLIANCE rule 9): no response but the audit's distance in metres shows them.
    """

    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    accuracy_m: float = Field(ge=0, allow_inf_nan=False, description=(
        "The browser's accuracy radius in metres. Beyond 100 km it says nothing of the door: "
        "the report is stored without a position (the audit finds no_position)."))
    crs: Crs = Field(default=Crs.WGS84, description="wgs84 (a browser's geolocation), gcj02 "
                                                    "(AMap, Tencent) or bd09 (Baidu).")


class EventIn(BaseModel):
    """An outcome reported from the field for one stop, with the audit's evidence."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"visit_id": "V00001", "status": "arrived", "at": "2026-12-01T10:15:00+08:00",
         "note": "", "position": {"lat": 34.7466, "lon": 113.6253, "accuracy_m": 25},
         "members_present": ["C001", "C002"]}]})
    event_id: str | None = Field(
        default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
        description="Unique per report, repeated on retries: a repeat is answered 409.")
    team_id: str | None = Field(default=None, max_length=100,
                                description="When given, must be the link's team.")
    visit_id: str = Field(min_length=1, max_length=100)
    status: OutcomeStatus
    at: AwareDatetime
    note: str = Field(default="", max_length=500)
    position: PositionIn | None = Field(
        default=None, description="The phone's position at the report (optional).")
    members_present: list[Annotated[str, Field(min_length=1, max_length=MAX_MEMBER_ID)]] | None = (
        Field(default=None, max_length=MAX_MEMBERS_PRESENT,
              description="The collector ids of the route's team at the door; each must be a "
                          "member of the team."))


class EventOut(BaseModel):
    """A stored field outcome."""

    visit_id: str
    team_id: str
    status: OutcomeStatus
    at: datetime
    note: str
    received_at: datetime


class PolicyUsed(BaseModel):
    """The stored profile version a plan was made with."""

    name: str
    version: int


class PlanOut(BaseModel):
    """A plan's current version: status, progress, error or the plan contract, field events."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "plan_id": "2b0tV3aQxJ8kR1mZ", "version": 1, "status": "solving", "date": "2026-12-01",
        "progress": {"elapsed_s": 1.2, "objective": 183422, "solutions": 7}, "error": None,
        "plan": None, "events": [], "policy": {"name": "default", "version": 0}}]})
    plan_id: str
    version: int
    status: Status
    date: date
    progress: ProgressOut | None
    error: ErrorBody | None
    plan: PlanContract | None = Field(
        description="The plan contract (routeplan.io.plan_to_dict); each route also carries "
                    "`field_link`, an absolute signed URL for that team.")
    events: list[EventOut]
    policy: PolicyUsed
    versions: list[int] = Field(default_factory=list,
                                description="Every version; read one with `?version=N`.")
    changes: ChangesContract | None = Field(
        default=None, description="For a re-planned version: what changed since the version "
                                  "it re-planned (`since_version`): per team (`teams`) what is "
                                  "new for it and why, and the visits moved, added, dropped "
                                  "(with reasons), completed and cancelled.")
    overview_link: str | None = Field(
        default=None, description="Signed, short-lived URL of the overview map; opens in a "
                                  "browser without a header.")


class PlanSummary(BaseModel):
    """A plan in a list; the counts are the current version's once it is done, else null."""

    plan_id: str
    version: int
    status: Status
    date: date
    created_at: datetime
    planned: int | None = Field(default=None, description="Visits planned.")
    unassigned: int | None = Field(default=None, description="Visits left unassigned.")
    teams: int | None = Field(default=None, description="Teams with a route.")
    km: float | None = Field(default=None, description="Driving distance, km (1 decimal).")


class PlanPage(BaseModel):
    """One page of plans, newest first; pass `next_offset` as `offset` for the next."""

    items: list[PlanSummary]
    next_offset: int | None


class RouteOut(BaseModel):
    """One team's route of a plan's current version."""

    plan_id: str
    version: int
    date: date
    route: RouteContract


class PolicyIn(BaseModel):
    """A policy profile: nested {section: {key: value}} as in the TOML file."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"policy": {"window": {"company_start": "09:00", "company_end": "20:00"},
                    "teams": {"max_visits": 12}}}]})
    policy: dict[str, Any]


class PolicyOut(BaseModel):
    """A stored policy profile version (version 0: the built-in default, never saved)."""

    name: str
    version: int
    policy: dict[str, Any]
    created_at: datetime | None
    history: list[int]


class AccessOut(BaseModel):
    """One entry of a plan's access log."""

    actor: str
    what: str
    at: datetime


class LinkRevoked(BaseModel):
    """How many field links were revoked."""

    revoked: int


class Health(BaseModel):
    """Liveness or readiness."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)
