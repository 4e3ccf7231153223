"""Response bodies of the compliance audit (`/v1/audit`): findings, evidence, summaries."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from routeplan.rules.audit import FindingCode


class EvidenceOut(BaseModel):
    """What backs a finding: metres from the visit's point, never a coordinate.

    The keys below are always present; a finding adds the figures of its rule (e.g.
    `max_distance_m` and `beyond_m` for far_from_visit, `ahead_s` for clock_skew,
    `present_count` and `team_size` for single_collector, `consent_window`).
    """

    model_config = ConfigDict(extra="allow")
    status: str = Field(description="The report: arrived, done, not_at_home, refused, "
                                    "rescheduled.")
    local_time: str = Field(description="HH:MM:SS, Asia/Shanghai, by the report's `at`.")
    at: str = Field(description="The report's moment as the phone gave it (+08:00).")
    received_at: str | None = Field(description="When the service stored it (+08:00).")
    distance_m: int | None = Field(description="Metres from the visit's point; None without "
                                               "a position.")
    accuracy_m: int | None = Field(description="The phone's accuracy radius in metres.")
    members_present: list[str] | None = Field(
        description="The team's members named present; None when not reported.")


class FindingOut(BaseModel):
    """One rule a field report broke."""

    code: FindingCode
    plan_id: str
    team_id: str
    visit_id: str = Field(description="The case reference (no personal data).")
    at: str = Field(description="ISO 8601 with +08:00.")
    detail: str = Field(description="The finding in Chinese.")
    detail_en: str
    evidence: EvidenceOut


class AuditSummaryOut(BaseModel):
    """Headline figures over the reports kept by the filters (team, prefecture)."""

    visits_reported: int
    reports: int
    findings_by_code: dict[str, int] = Field(
        description="Every code, with 0 when it has none; not narrowed by `code`.")
    plans: int = Field(description="Plans of the day audited (newest finished versions).")
    consent_checked: bool = Field(
        description="False when a plan's inputs could not be read for out-of-hours consent.")


class AuditOut(BaseModel):
    """A day's audit: every finding over the newest version of each plan of that day."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "date": "2026-12-01", "findings": [{
            "code": "far_from_visit", "plan_id": "2b0tV3aQxJ8kR1mZ", "team_id": "T001",
            "visit_id": "V00001", "at": "2026-12-01T10:00:00+08:00",
            "detail": "报告“已到达”时的位置距案件地址 1800 米（定位精度 20 米，上限 300 米）"
                      "：可能不在借款人门前",
            "detail_en": "reported 1800 m from the visit's point (accuracy 20 m, limit 300 m): "
                         "possibly not the borrower's door (COMPLIANCE rule 4)",
            "evidence": {"status": "arrived", "local_time": "10:00:00",
                         "at": "2026-12-01T10:00:00+08:00",
                         "received_at": "2026-12-01T10:00:02+08:00", "distance_m": 1800,
                         "accuracy_m": 20, "members_present": ["C001a", "C001b"],
                         "max_distance_m": 300, "beyond_m": 1480}}],
        "summary": {"visits_reported": 7, "reports": 12, "findings_by_code": {
            "outside_lawful_hours": 0, "far_from_visit": 1, "single_collector": 0,
            "no_position": 0, "clock_skew": 0}, "plans": 1, "consent_checked": True}}]})
    date: date
    findings: list[FindingOut]
    summary: AuditSummaryOut


class WeekRowOut(BaseModel):
    """One team's findings in one week, per code (every code listed)."""

    week_start: date
    team_id: str
    counts: dict[str, int]
    total: int


class AuditWeeksOut(BaseModel):
    """Findings per team per week, for `weeks` weeks from `week_start` (a Monday)."""

    week_start: date
    weeks: int
    rows: list[WeekRowOut]
