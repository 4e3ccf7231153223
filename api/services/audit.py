"""The compliance audit of a day in the service: stored plans and reports through rules.audit.

One audit implementation serves the CLI and the service: this module only gathers what
`routeplan.rules.audit.audit_plan` reads (the newest finished version of every plan of the
day, the field reports with their evidence, the visits' consented windows from the plan's
inputs) and filters what comes out. The audit reads; it never edits a plan or a report.

A report is judged against the newest finished version in which its visit is a stop of its
team's route; a visit a re-plan moved to another team is judged against the version the
team had when it reported (never refused, never dropped).
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from routeplan.domain.clock import TimeWindow
from routeplan.domain.errors import InvalidInput
from routeplan.domain.outcome import Outcome
from routeplan.domain.plan import Plan
from routeplan.geo.prefectures import Prefecture
from routeplan.geo.regions import Regions
from routeplan.rules.audit import (
    MAX_SUMMARY_DAYS,
    Finding,
    FindingCode,
    WeeklyRow,
    audit_plan,
    consent_windows,
    weekly_summary,
)
from routeplan_api.persistence import Inputs, Store
from routeplan_api.persistence.tables import PlanVersion
from routeplan_api.services.inputs import parse
from routeplan_api.services.plans import evidence_of, plan_of

_MAX_CONSENT = 64
_consent: OrderedDict[tuple[str, int], dict[str, TimeWindow] | None] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What a reader narrows the audit to: one finding code, one team, one prefecture."""

    code: FindingCode | None = None
    team_id: str | None = None
    prefecture: Prefecture | None = None


@dataclass(frozen=True, slots=True)
class DayAudit:
    """The findings of a day (time order) and its figures, over the reports the filter keeps."""

    day: date
    findings: tuple[Finding, ...]
    visits_reported: int
    reports: int
    findings_by_code: Mapping[str, int]
    plans: int
    teams: tuple[str, ...]
    consent_checked: bool


def audit_day(store: Store, day: date, *, actor: str, what: str = "audit",
              only: AuditFilter = AuditFilter()) -> DayAudit:
    """Audit every live plan of `day`; each plan read is written to its access log.

    The access-log entry is `{what}:{day}` for `actor` (a key id, never anything read).
    """
    findings: list[Finding] = []
    reported: set[tuple[str, str, str]] = set()
    reports = 0
    teams: set[str] = set()
    consent_checked = True
    located: dict[tuple[str, int, str], bool] = {}
    plans = store.plans.done_versions_of_day(day)
    for row, versions in plans:
        store.plans.log_access(row.id, actor, f"{what}:{day.isoformat()}")
        domain = {v.version: plan_of(row.id, v.version, v.plan_json or "") for v in versions}
        newest = domain[versions[0].version]
        teams.update(r.team_id for r in newest.routes
                     if only.team_id is None or r.team_id == only.team_id)
        groups: dict[int, list[Outcome]] = {}
        for e in store.plans.events(row.id):
            if only.team_id is not None and e.team_id != only.team_id:
                continue
            number = _version_for(versions, domain, e.team_id, e.visit_id)
            if number is None:  # cannot happen for a report the service accepted
                continue
            key = (row.id, number, e.visit_id)
            if only.prefecture is not None:
                if key not in located:
                    located[key] = _in_prefecture(domain[number], e.team_id, e.visit_id,
                                                  only.prefecture)
                if not located[key]:
                    continue
            groups.setdefault(number, []).append(evidence_of(e))
        for number, outcomes in sorted(groups.items()):
            version = next(v for v in versions if v.version == number)
            consent = _consent_of(store, row.id, version)
            consent_checked &= consent is not None
            result = audit_plan(domain[number], outcomes, consent=consent, plan_id=row.id)
            findings += result.findings
            reports += len(outcomes)
            reported.update((row.id, o.team_id, o.visit_id) for o in outcomes)
    order = list(FindingCode)
    findings.sort(key=lambda f: (f.at, f.plan_id, f.team_id, f.visit_id, order.index(f.code)))
    by_code = Counter(f.code.value for f in findings)
    shown = tuple(f for f in findings if only.code is None or f.code is only.code)
    return DayAudit(day, shown, len(reported), reports,
                    {c.value: by_code.get(c.value, 0) for c in FindingCode}, len(plans),
                    tuple(sorted(teams)), consent_checked)


def audit_weeks(store: Store, week_start: date, weeks: int, *, actor: str,
                only: AuditFilter = AuditFilter()) -> tuple[WeeklyRow, ...]:
    """Findings per team per week (Monday to Sunday) for `weeks` weeks from a Monday."""
    if week_start.weekday() != 0:
        raise InvalidInput(f"week_start: {week_start.isoformat()} is a "
                           f"{week_start:%A}, not a Monday")
    days = 7 * weeks
    if not weeks >= 1 or days > MAX_SUMMARY_DAYS:
        raise InvalidInput(f"weeks: {weeks} is not between 1 and {MAX_SUMMARY_DAYS // 7}")
    findings: list[Finding] = []
    teams: set[str] = set()
    for n in range(days):
        day = audit_day(store, week_start + timedelta(days=n), actor=actor,
                        what="audit-summary", only=only)
        findings += day.findings
        teams.update(day.teams)
    return weekly_summary(findings, start=week_start,
                          end=week_start + timedelta(days=days - 1), teams=teams)


# -- private ----------------------------------------------------------------------------------


def _version_for(versions: Sequence[PlanVersion], domain: Mapping[int, Plan], team_id: str,
                 visit_id: str) -> int | None:
    """The newest finished version in which the visit is a stop of the team's route."""
    for v in versions:
        route = domain[v.version].route(team_id)
        if route is not None and any(s.visit_id == visit_id for s in route.stops):
            return v.version
    return None


def _in_prefecture(plan: Plan, team_id: str, visit_id: str, where: Prefecture) -> bool:
    route = plan.route(team_id)
    assert route is not None
    stop = next(s for s in route.stops if s.visit_id == visit_id)
    code = Regions.load().locate([stop.location[0]], [stop.location[1]])
    return int(code[0]) == where.adcode


def _consent_of(store: Store, plan_id: str, version: PlanVersion
                ) -> dict[str, TimeWindow] | None:
    """The consented windows of a version's visits (parsed once per process); None: unknown."""
    key = (plan_id, version.version)
    with _lock:
        if key in _consent:
            _consent.move_to_end(key)
            return _consent[key]
    row = store.plans.inputs_of(plan_id, version.version)
    found: dict[str, TimeWindow] | None = None
    if row is not None:
        try:
            visits, _ = parse(Inputs(row.kind, row.visits_name, row.visits_data,
                                     row.teams_name, row.teams_data))
            found = consent_windows(visits)
        except InvalidInput:  # inputs accepted once always parse again; say so if not
            found = None
    with _lock:
        _consent[key] = found
        while len(_consent) > _MAX_CONSENT:
            _consent.popitem(last=False)
    return found
