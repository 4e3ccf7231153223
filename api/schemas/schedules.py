"""Request and response bodies of /v1/schedules: a week to plan, its status and its days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from routeplan.domain.policy import MAX_ROWS_CEILING, MAX_TEAMS_CEILING
from routeplan.domain.schedule import MAX_HORIZON_DAYS
from routeplan.io.limits import MAX_OUTCOMES
from routeplan_api.schemas.contract import TEAM_EXAMPLE, VISIT_EXAMPLE, TeamRecord, VisitRecord
from routeplan_api.schemas.plans import PolicyRef, ProgressOut, Status


class ScheduleCreate(BaseModel):
    """A week to plan: the plan body with `start` and `days` in place of `date`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "start": "2026-10-05", "days": 7, "visits": [VISIT_EXAMPLE], "teams": [TEAM_EXAMPLE],
        "policy": {"name": "default", "overrides": {}}, "time_limit_s": 60}]})
    start: dt.date
    days: int = Field(ge=1, le=MAX_HORIZON_DAYS, description="Days from `start`, inclusive.")
    visits: list[VisitRecord] = Field(
        max_length=MAX_ROWS_CEILING,
        description="Visit records (with the weekly columns days, earliest_date, latest_date, "
                    "appointment_date); at most the policy's limits.max_rows.")
    teams: list[TeamRecord] = Field(
        max_length=MAX_TEAMS_CEILING,
        description="Team records (with `days`, the days the team works); at most the "
                    "policy's limits.max_teams.")
    policy: PolicyRef = Field(default_factory=PolicyRef)
    time_limit_s: float | None = Field(default=None, gt=0, le=3600,
                                       description="Seconds for the whole week; default: "
                                                   "the policy's week.time_limit_s.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class ScheduleReplan(BaseModel):
    """Re-plan the rest of the week from `today` with what the field reported."""

    model_config = ConfigDict(extra="forbid")
    today: dt.date
    outcomes: list[dict[str, Any]] = Field(
        default_factory=list, max_length=MAX_OUTCOMES,
        description="Outcomes as `routeplan week --replan --outcomes` reads them: visit_id, "
                    "team_id, status, at; a rescheduled one may carry new_date, "
                    "new_window_start and new_window_end.")
    time_limit_s: float | None = Field(default=None, gt=0, le=3600)


class ScheduleAccepted(BaseModel):
    """A schedule (or a re-plan of one) was queued."""

    schedule_id: str
    status: Status


class ScheduleOut(BaseModel):
    """A schedule's status and progress; once done, its days, each a stored plan.

    `result` is schedule.json's content with each day's `plan` replaced by `plan_id`,
    `plan_url` and its routes' signed `field_link`s; `unscheduled` and `kpis` as in the CLI.
    """

    schedule_id: str
    status: Status
    start: dt.date
    days: int
    replan_of: str | None = None
    created_at: dt.datetime
    progress: ProgressOut | None = None
    error: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
