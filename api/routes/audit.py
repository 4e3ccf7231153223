"""/v1/audit: the compliance audit of a day's field reports, for auditors and admins only.

Every read is written to the access log of each plan it reads; findings carry metres from
the visit's point, never a coordinate (COMPLIANCE rules 9, 10).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.geo.prefectures import prefecture as find_prefecture
from routeplan.io.audit_exports import finding_to_dict, findings_to_xlsx, weekly_to_dict
from routeplan.rules.audit import MAX_SUMMARY_DAYS, FindingCode
from routeplan_api.deps import AuditReader, Caller, Services, ServicesDep
from routeplan_api.errors import Invalid
from routeplan_api.routes import ERRORS
from routeplan_api.schemas.audit import (
    AuditOut,
    AuditSummaryOut,
    AuditWeeksOut,
    FindingOut,
    WeekRowOut,
)
from routeplan_api.services.audit import AuditFilter, DayAudit, audit_day, audit_weeks

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=ERRORS)

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_REFUSED = "the audit cannot be read with these parameters; each problem says why"
_REFUSED_ZH = "稽核查询参数有误，原因见各项问题"

DayQ = Annotated[date, Query(alias="date", description="The plans' day, YYYY-MM-DD")]
CodeQ = Annotated[FindingCode | None, Query(description="Only findings of this code")]
TeamQ = Annotated[str | None, Query(max_length=100, description="Only this team's reports")]
PrefectureQ = Annotated[str | None, Query(
    max_length=40, description="Only visits in this Henan prefecture: adcode (410100), "
                               "Chinese (郑州市, 郑州) or English (Zhengzhou) name")]


def _filter(code: FindingCode | None, team: str | None, prefecture: str | None) -> AuditFilter:
    where = None
    if prefecture is not None:
        try:
            where = find_prefecture(prefecture)
        except InvalidInput as exc:
            raise Invalid(_REFUSED, problems=[InputProblem("prefecture", str(exc))],
                          message_zh=_REFUSED_ZH) from None
    return AuditFilter(code=code, team_id=team, prefecture=where)


def _day(services: Services, caller: Caller, day: date, only: AuditFilter,
         what: str) -> DayAudit:
    return audit_day(services.store, day, actor=caller.actor, what=what, only=only)


def _body(result: DayAudit) -> AuditOut:
    return AuditOut(
        date=result.day,
        findings=[FindingOut.model_validate(finding_to_dict(f)) for f in result.findings],
        summary=AuditSummaryOut(visits_reported=result.visits_reported,
                                reports=result.reports,
                                findings_by_code=dict(result.findings_by_code),
                                plans=result.plans, consent_checked=result.consent_checked))


def _xlsx(result: DayAudit) -> Response:
    name = f"audit-{result.day.isoformat()}.xlsx"
    return Response(findings_to_xlsx(result.findings), media_type=_XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("", response_model=AuditOut, summary="A day's compliance audit (auditor, admin)",
            responses={200: {"content": {_XLSX: {}}}})
async def read_audit(services: ServicesDep, caller: AuditReader, day: DayQ,
                     code: CodeQ = None, team: TeamQ = None, prefecture: PrefectureQ = None,
                     format: Annotated[Literal["json", "xlsx"], Query(
                         description="json (default) or xlsx, as /v1/audit.xlsx")] = "json",
                     ) -> AuditOut | Response:
    """Findings over the newest finished version of every plan of `date`, in time order.

    Codes: outside_lawful_hours (rule 1), far_from_visit (rule 4), single_collector (rule 3),
    no_position, clock_skew. Evidence gives metres from the visit's point, the phone's
    accuracy, the members present, `at` and `received_at`; never a coordinate.
    """
    only = _filter(code, team, prefecture)
    what = "audit.xlsx" if format == "xlsx" else "audit"
    result = await run_in_threadpool(_day, services, caller, day, only, what)
    return _xlsx(result) if format == "xlsx" else _body(result)


@router.get(".xlsx", summary="A day's compliance audit as an Excel sheet (auditor, admin)",
            response_class=Response, responses={200: {"content": {_XLSX: {}}}})
async def read_audit_xlsx(services: ServicesDep, caller: AuditReader, day: DayQ,
                          code: CodeQ = None, team: TeamQ = None,
                          prefecture: PrefectureQ = None) -> Response:
    """The findings of `GET /v1/audit`, one row each, no cell ever a formula.

    Chinese headers: 代码, 问题, 外访组, 案件编号, 时间, 说明, 距离（米）, 定位精度（米）,
    在场人员, 计划.
    """
    only = _filter(code, team, prefecture)
    return _xlsx(await run_in_threadpool(_day, services, caller, day, only, "audit.xlsx"))


@router.get("/summary", response_model=AuditWeeksOut,
            summary="Findings per team per week (auditor, admin)")
async def read_audit_summary(
        services: ServicesDep, caller: AuditReader,
        week_start: Annotated[date, Query(description="A Monday, YYYY-MM-DD")],
        weeks: Annotated[int, Query(ge=1, le=MAX_SUMMARY_DAYS // 7,
                                    description="How many weeks from week_start")] = 1,
        code: CodeQ = None, team: TeamQ = None,
        prefecture: PrefectureQ = None) -> AuditWeeksOut:
    """One row per team and week (Monday to Sunday) with its findings per code and total.

    Every team with a route in a plan of the range gets a row, so a clean week shows as
    zeros rather than as nothing.
    """
    only = _filter(code, team, prefecture)

    def run() -> AuditWeeksOut:
        try:
            rows = audit_weeks(services.store, week_start, weeks, actor=caller.actor,
                               only=only)
        except InvalidInput as exc:
            raise Invalid(_REFUSED, problems=[InputProblem("week_start", str(exc))],
                          message_zh=_REFUSED_ZH) from None
        return AuditWeeksOut(week_start=week_start, weeks=weeks,
                             rows=[WeekRowOut.model_validate(r) for r in weekly_to_dict(rows)])

    return await run_in_threadpool(run)
