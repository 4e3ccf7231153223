"""Audit findings out: the JSON contract, an Excel sheet with Chinese headers, weekly rows.

Times are ISO 8601 with the +08:00 offset; distances are whole metres. No coordinate is ever
written: a finding says how far a report was from the visit's point, not where it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from routeplan.domain.clock import SHANGHAI
from routeplan.io.spreadsheet import Value, table_xlsx
from routeplan.rules.audit import AuditResult, AuditSummary, Finding, WeeklyRow

#: Columns of the findings sheet: (Chinese header, what it holds).
XLSX_COLUMNS: tuple[tuple[str, str], ...] = (
    ("代码", "code"),
    ("问题", "code, in Chinese"),
    ("外访组", "team_id"),
    ("案件编号", "visit_id"),
    ("时间", "local date and time, YYYY-MM-DD HH:MM"),
    ("说明", "detail"),
    ("距离（米）", "evidence.distance_m"),
    ("定位精度（米）", "evidence.accuracy_m"),
    ("在场人员", "evidence.members_present, joined by ;"),
    ("计划", "plan_id"),
)


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """One finding in the contract's shape."""
    return {
        "code": f.code.value,
        "plan_id": f.plan_id,
        "team_id": f.team_id,
        "visit_id": f.visit_id,
        "at": f.at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
        "detail": f.detail,
        "detail_en": f.detail_en,
        "evidence": {k: list(v) if isinstance(v, tuple) else v for k, v in f.evidence.items()},
    }


def summary_to_dict(s: AuditSummary) -> dict[str, Any]:
    """The summary block: every code is listed, with 0 when it has no finding."""
    return {
        "visits_reported": s.visits_reported,
        "reports": s.reports,
        "findings_by_code": dict(s.findings_by_code),
        "max_distance_m": s.max_distance_m,
        "consent_checked": s.consent_checked,
    }


def audit_to_dict(result: AuditResult) -> dict[str, Any]:
    """`{"findings": [...], "summary": {...}}`, findings in time order."""
    return {"findings": [finding_to_dict(f) for f in result.findings],
            "summary": summary_to_dict(result.summary)}


def weekly_to_dict(rows: Iterable[WeeklyRow]) -> list[dict[str, Any]]:
    """Weekly rows as `{"week_start", "team_id", "counts": {code: n}, "total"}`."""
    return [{"week_start": r.week_start.isoformat(), "team_id": r.team_id,
             "counts": dict(r.counts), "total": r.total} for r in rows]


def findings_to_xlsx(findings: Sequence[Finding]) -> bytes:
    """The findings as an .xlsx workbook, one row each under Chinese headers.

    Every cell from input (ids, details) is written as text, never as a formula: a team id
    like `=HYPERLINK(...)` shows as those characters (see `io.spreadsheet`).
    """
    rows: list[list[Value]] = []
    for f in findings:
        members = f.evidence.get("members_present")
        rows.append([
            f.code.value, f.code.label_zh, f.team_id, f.visit_id,
            f.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"), f.detail,
            _number(f.evidence.get("distance_m")), _number(f.evidence.get("accuracy_m")),
            ";".join(members) if isinstance(members, tuple) else "", f.plan_id,
        ])
    return table_xlsx("外访稽核", [h for h, _ in XLSX_COLUMNS], rows,
                      (22, 16, 12, 14, 18, 60, 12, 14, 24, 18))


def _number(value: object) -> Value:
    """Evidence that is a number stays one; anything else is shown as text."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)
