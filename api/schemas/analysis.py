"""Request and response bodies for analysts and re-planning: comparisons, replan, stop."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from routeplan.domain.policy import MAX_ROWS_CEILING, MAX_TEAMS_CEILING
from routeplan_api.persistence.tables import JobStatus
from routeplan_api.schemas.contract import TEAM_EXAMPLE, VISIT_EXAMPLE, TeamRecord, VisitRecord
from routeplan_api.schemas.plans import ErrorBody, PolicyRef

ComparisonStatus = JobStatus


class ScenarioIn(BaseModel):
    """One way of running the day: a stored policy (with overrides), optionally a roster."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=60)
    policy: PolicyRef = Field(default_factory=PolicyRef)
    teams: list[TeamRecord] | None = Field(default=None, max_length=MAX_TEAMS_CEILING,
                                    description="Another roster for this scenario (records).")


class ComparisonCreate(BaseModel):
    """The same day under each scenario, with one seed and one time budget."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "date": "2026-12-01", "visits": [VISIT_EXAMPLE], "teams": [TEAM_EXAMPLE],
        "scenarios": [{"name": "now", "policy": {"name": "default"}},
                      {"name": "late", "policy": {"name": "default", "overrides": {
                          "window": {"company_end": "19:00"}}}}],
        "time_limit_s": 5, "seed": 0}]})
    date: date
    visits: list[VisitRecord] = Field(
        max_length=MAX_ROWS_CEILING,
        description="Visit records; at most the policy's limits.max_rows (default 20000).")
    teams: list[TeamRecord] = Field(
        max_length=MAX_TEAMS_CEILING,
        description="Team records; at most the policy's limits.max_teams (default 500).")
    scenarios: list[ScenarioIn] = Field(min_length=1, max_length=8)
    time_limit_s: float | None = Field(default=None, gt=0, le=600,
                                       description="Per scenario; default: the first policy's.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class ComparisonAccepted(BaseModel):
    """A comparison was queued."""

    comparison_id: str
    status: ComparisonStatus


class ComparisonOut(BaseModel):
    """A comparison's status; once done, its result document and the report's URL.

    `result` = `{"date", "scenarios": [{"name", "policy", "kpis", "teams", "policy_ref"}]}`.
    """

    comparison_id: str
    status: ComparisonStatus
    date: date
    created_at: datetime
    error: ErrorBody | None
    result: dict[str, Any] | None
    report_url: str | None


class PositionIn(BaseModel):
    """Where a team is now; phones on AMap report GCJ-02."""

    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    crs: Literal["wgs84", "gcj02", "bd09"] = "wgs84"


class ReplanIn(BaseModel):
    """What happened so far today; the field outcomes stored by the service are added."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "now": "13:30", "done": ["V00001"], "cancelled": ["V00007"],
        "positions": {"T001": {"lat": 34.75, "lon": 113.63, "crs": "gcj02"}},
        "dropped_teams": [], "locked_teams": ["T002"],
        "teams_available_from": {"T003": "14:15"}, "rescheduled": {"V00012": "16:00"}}]})
    now: str = Field(max_length=40, description="HH:MM local time, or an ISO 8601 moment "
                                                "with offset on the plan's day.")
    done: list[str] = Field(default_factory=list, max_length=5000)
    cancelled: list[str] = Field(default_factory=list, max_length=5000)
    positions: dict[str, PositionIn] = Field(default_factory=dict, max_length=500)
    dropped_teams: list[str] = Field(default_factory=list, max_length=500)
    locked_teams: list[str] = Field(default_factory=list, max_length=500)
    teams_available_from: dict[str, str] = Field(
        default_factory=dict, max_length=500,
        description="A late team and the time (HH:MM) it can go on; it restarts then.")
    rescheduled: dict[str, str] = Field(
        default_factory=dict, max_length=5000,
        description="A visit and the start (HH:MM) agreed with the borrower for later today; "
                    "it is planned at that time.")
    time_limit_s: float | None = Field(default=None, gt=0, le=3600,
                                       description="Default: the plan's.")
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class VersionAccepted(BaseModel):
    """A new version of a plan was queued (re-plan), or a solve was asked to stop."""

    plan_id: str
    version: int
    status: Literal["queued", "stopping"]
