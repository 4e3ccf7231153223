"""The compliance audit of what happened at the door: field reports checked against the rules.

The planner proves a plan lawful before anyone sees it (rules/compliance.py); this module
checks what the teams then reported from the field, against COMPLIANCE rules 1, 3, 4 and 10
and the policy's `[audit]` section. It is written from the rules, not from the planner, and
reads only the plan (where each visit is, which team has it, who is in the team), the
reports, the policy and the consented windows.

Findings, one per report and rule broken:

- `outside_lawful_hours` (rule 1): a report (arrived or an outcome: each says the team was at
  the door) before 08:00 or after 22:00 Asia/Shanghai by its `at`, and the case has no consent
  covering that moment (its consented window on the plan's day). 08:00 and 22:00 themselves
  are lawful, as the window is closed.
- `far_from_visit` (rule 4): the report's position is farther from the visit's point than
  `audit.max_distance_m` beyond the phone's reported accuracy (distance - accuracy > max): a
  relative's, a neighbour's or a colleague's door, or a report made from elsewhere.
- `single_collector` (rule 3): the report names fewer than two distinct members of the route's
  team as present; or the visit's arrival does not say who was present at all, since a visit
  without evidence of two collectors is not shown to be lawful.
- `no_position`: the visit's arrival carries no position (refused, or the phone had none).
- `clock_skew`: a report's `at` is more than five minutes after the moment the service
  received it. An offline queue delivers late, never early, so a late delivery is no finding;
  an early one means the phone's clock is ahead and its times cannot be trusted.

The arrival of a visit is its `arrived` report; a team that reported an outcome without ever
reporting `arrived` is judged on its first report instead, so skipping the button does not
skip the evidence. Evidence holds metres, never coordinates (COMPLIANCE rule 9).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from pyproj import Geod

from routeplan.domain.clock import LEGAL_WINDOW, SHANGHAI, TimeWindow, format_hhmm
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.geo import LonLat
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import Plan, Route
from routeplan.domain.policy import Policy
from routeplan.domain.team import LEGAL_MIN_TEAM_SIZE
from routeplan.domain.visit import Visit

#: A report may claim a moment at most this long after the service received it (clock_skew).
MAX_CLOCK_AHEAD_S: Final = 300
#: The longest range `weekly_summary` accepts (a little over a year of weeks).
MAX_SUMMARY_DAYS: Final = 371

_GEOD: Final = Geod(ellps="WGS84")

type EvidenceValue = str | int | float | tuple[str, ...] | None


class FindingCode(StrEnum):
    """What a report shows went wrong at the door; declaration order is the display order."""

    OUTSIDE_LAWFUL_HOURS = "outside_lawful_hours"
    FAR_FROM_VISIT = "far_from_visit"
    SINGLE_COLLECTOR = "single_collector"
    NO_POSITION = "no_position"
    CLOCK_SKEW = "clock_skew"

    @property
    def label_zh(self) -> str:
        return _LABELS_ZH[self]


_LABELS_ZH: Final = {
    FindingCode.OUTSIDE_LAWFUL_HOURS: "非法定时段外访",
    FindingCode.FAR_FROM_VISIT: "远离案件地址",
    FindingCode.SINGLE_COLLECTOR: "单人外访",
    FindingCode.NO_POSITION: "未报告位置",
    FindingCode.CLOCK_SKEW: "手机时钟超前",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule a field report broke: which team, which visit (case reference), when, why.

    `evidence` is JSON-ready: the report's status, local time, `at` and `received_at` (ISO
    8601, +08:00; `received_at` None when unknown), its distance from the
    visit's point and accuracy in metres (None without a position), the team's members named
    present (None when not reported), and the figures of the rule broken.
    """

    code: FindingCode
    plan_id: str
    team_id: str
    visit_id: str
    at: datetime
    detail: str
    detail_en: str
    evidence: Mapping[str, EvidenceValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise InvalidInput(f"at: {self.at.isoformat()} has no time zone offset")
        object.__setattr__(self, "evidence", MappingProxyType(dict(self.evidence)))

    @property
    def local_day(self) -> date:
        """The date of the finding in Asia/Shanghai."""
        return self.at.astimezone(SHANGHAI).date()


@dataclass(frozen=True, slots=True)
class AuditSummary:
    """Headline figures: visits and reports looked at, findings per code (every code listed)."""

    visits_reported: int
    reports: int
    findings_by_code: Mapping[str, int]
    max_distance_m: int
    consent_checked: bool


@dataclass(frozen=True, slots=True)
class AuditResult:
    """The findings in time order, and the summary."""

    findings: tuple[Finding, ...]
    summary: AuditSummary


@dataclass(frozen=True, slots=True)
class WeeklyRow:
    """One team's findings in one week (Monday to Sunday), per code (every code listed)."""

    week_start: date
    team_id: str
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def consent_windows(visits: Iterable[Visit]) -> dict[str, TimeWindow]:
    """The consented windows of the visits whose borrower agreed to out-of-hours visits."""
    return {v.visit_id: v.window for v in visits
            if v.consent_out_of_hours and v.window is not None}


def distance_m(a: LonLat, b: LonLat) -> float:
    """Metres between two WGS-84 points along the ellipsoid (geodesic)."""
    _, _, metres = _GEOD.inv(a[0], a[1], b[0], b[1])
    return float(metres)


def audit_plan(plan: Plan, reports: Sequence[Outcome], policy: Policy | None = None, *,
               consent: Mapping[str, TimeWindow] | None = None,
               plan_id: str = "") -> AuditResult:
    """Check every report of `plan` against the rules; the plan's own policy unless given.

    `consent` maps a visit id to its consented out-of-hours window (`consent_windows`); None
    means consent is unknown, so every report outside 08:00-22:00 is a finding (and the
    summary says consent was not checked). Each report must name a stop of its team's route
    in this plan: otherwise nothing could be checked, and all such reports are refused as one
    `InvalidInput`, located by their position in `reports`.
    """
    rules = policy if policy is not None else plan.policy
    routes = {r.team_id: r for r in plan.routes}
    _check_matches(reports, routes)
    door = _door_reports(reports)
    windows = consent or {}
    findings: list[Finding] = []
    for n, report in enumerate(reports):
        route = routes[report.team_id]
        point = next(s.location for s in route.stops if s.visit_id == report.visit_id)
        findings += _Judged(plan, plan_id, route, report, point, rules).findings(
            at_door=n in door, consent=windows.get(report.visit_id))
    findings.sort(key=lambda f: (f.at, f.team_id, f.visit_id, list(FindingCode).index(f.code)))
    by_code = Counter(f.code.value for f in findings)
    summary = AuditSummary(
        visits_reported=len({(r.team_id, r.visit_id) for r in reports}),
        reports=len(reports),
        findings_by_code={c.value: by_code.get(c.value, 0) for c in FindingCode},
        max_distance_m=rules.audit_max_distance_m,
        consent_checked=consent is not None,
    )
    return AuditResult(tuple(findings), summary)


def weekly_summary(findings: Iterable[Finding], *, start: date, end: date,
                   teams: Iterable[str] = ()) -> tuple[WeeklyRow, ...]:
    """Findings per code per team per week, for the local days `start` to `end` (inclusive).

    Weeks start on Monday; the first and last may be cut by the range. A row is given for
    every week of the range and every team in `teams` or with a finding in the range, so a
    clean week shows as zeros rather than as nothing. Findings outside the range are left out.
    """
    if end < start:
        raise InvalidInput(f"end: {end.isoformat()} is before start {start.isoformat()}")
    if (end - start).days >= MAX_SUMMARY_DAYS:
        raise InvalidInput(f"end: {(end - start).days + 1} days, at most {MAX_SUMMARY_DAYS}")
    counts: dict[tuple[date, str], Counter[str]] = {}
    seen = set(teams)
    for f in findings:
        day = f.local_day
        if start <= day <= end:
            seen.add(f.team_id)
            counts.setdefault((_monday(day), f.team_id), Counter())[f.code.value] += 1
    weeks = []
    week = _monday(start)
    while week <= end:
        weeks.append(week)
        week += timedelta(days=7)
    return tuple(
        WeeklyRow(w, t, MappingProxyType({c.value: counts.get((w, t), Counter())[c.value]
                                          for c in FindingCode}))
        for w in weeks for t in sorted(seen))


# -- private ----------------------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _check_matches(reports: Sequence[Outcome], routes: Mapping[str, Route]) -> None:
    problems: list[InputProblem] = []
    for n, r in enumerate(reports):
        route = routes.get(r.team_id)
        if route is None:
            problems.append(InputProblem(f"report {n}", f"team {r.team_id!r} has no route in "
                                         "the plan"))
        elif all(s.visit_id != r.visit_id for s in route.stops):
            problems.append(InputProblem(f"report {n}", f"visit {r.visit_id!r} is not a stop "
                                         f"of team {r.team_id!r}'s route in the plan"))
    if problems:
        raise InvalidInput.many(problems)


def _door_reports(reports: Sequence[Outcome]) -> set[int]:
    """The reports that must carry the evidence: arrivals, else a visit's first report."""
    door: set[int] = set()
    first: dict[tuple[str, str], int] = {}
    arrived: set[tuple[str, str]] = set()
    for n, r in enumerate(reports):
        key = (r.team_id, r.visit_id)
        if r.status is OutcomeStatus.ARRIVED:
            door.add(n)
            arrived.add(key)
        if key not in first or r.at < reports[first[key]].at:
            first[key] = n
    door.update(n for key, n in first.items() if key not in arrived)
    return door


@dataclass(frozen=True, slots=True)
class _Judged:
    """One report in its context: the plan, its team's route, the visit's point, the rules."""

    plan: Plan
    plan_id: str
    route: Route
    report: Outcome
    point: LonLat
    policy: Policy

    def findings(self, *, at_door: bool, consent: TimeWindow | None) -> list[Finding]:
        r = self.report
        out: list[Finding] = []
        base = self._evidence()
        hours = self._outside_hours(consent)
        if hours is not None:
            out.append(self._finding(FindingCode.OUTSIDE_LAWFUL_HOURS, *hours, base))
        far = self._far()
        if far is not None:
            out.append(self._finding(FindingCode.FAR_FROM_VISIT, *far, base))
        if r.members_present is not None or at_door:
            alone = self._alone()
            if alone is not None:
                out.append(self._finding(FindingCode.SINGLE_COLLECTOR, *alone, base))
        if at_door and r.position is None:
            out.append(self._finding(
                FindingCode.NO_POSITION,
                f"{self._what_zh()}时未报告位置，无法核实是否在借款人门前",
                f"{r.status.value} reported without a position: whether the team was at the "
                "borrower's door cannot be checked", {}, base))
        skew = self._skew()
        if skew is not None:
            out.append(self._finding(FindingCode.CLOCK_SKEW, *skew, base))
        return out

    # each check returns (detail, detail_en, extra evidence) or None

    def _outside_hours(self, consent: TimeWindow | None
                       ) -> tuple[str, str, dict[str, EvidenceValue]] | None:
        local = self.report.at.astimezone(SHANGHAI)
        of_day = (local - local.replace(hour=0, minute=0, second=0, microsecond=0))
        seconds = of_day.total_seconds()
        if LEGAL_WINDOW.start <= seconds <= LEGAL_WINDOW.end:
            return None
        plan_midnight = datetime(self.plan.day.year, self.plan.day.month, self.plan.day.day,
                                 tzinfo=SHANGHAI)
        since = (local - plan_midnight).total_seconds()
        if consent is not None and consent.start <= since <= consent.end:
            return None
        hhmm = format_hhmm(int(seconds))
        extra: dict[str, EvidenceValue] = {
            "lawful_window": str(LEGAL_WINDOW),
            "consent_window": str(consent) if consent is not None else None,
        }
        if consent is None:
            why_zh, why_en = "且无借款人同意", "and the case has no consent for that time"
        else:
            why_zh = f"借款人同意的时段 {consent} 不包括此时"
            why_en = f"and the consented window {consent} does not cover it"
        return (f"{hhmm} {self._what_zh()}，在 {LEGAL_WINDOW} 之外，{why_zh}（合规规则 1）",
                f"{self.report.status.value} at {hhmm}, outside {LEGAL_WINDOW}, {why_en} "
                "(COMPLIANCE rule 1)", extra)

    def _far(self) -> tuple[str, str, dict[str, EvidenceValue]] | None:
        pos = self.report.position
        if pos is None:
            return None
        metres = distance_m(pos.point, self.point)
        limit = self.policy.audit_max_distance_m
        if metres - pos.accuracy_m <= limit:
            return None
        shown, acc = round(metres), round(pos.accuracy_m)
        return (f"{self._what_zh()}时的位置距案件地址 {shown} 米（定位精度 {acc} 米，上限 "
                f"{limit} 米）：可能不在借款人门前",
                f"reported {shown} m from the visit's point (accuracy {acc} m, limit "
                f"{limit} m): possibly not the borrower's door (COMPLIANCE rule 4)",
                {"max_distance_m": limit, "beyond_m": round(metres - pos.accuracy_m - limit)})

    def _alone(self) -> tuple[str, str, dict[str, EvidenceValue]] | None:
        members = self.report.members_present
        team = self.route.team_id
        if members is None:
            return (f"{self._what_zh()}时未报告在场人员，无法证明两名外访人员在场",
                    f"{self.report.status.value} reported without members present: no "
                    f"evidence that two collectors of team {team} were at the door",
                    {"present_count": None, "team_size": len(self.route.members)})
        present = self._present()
        if len(present) >= LEGAL_MIN_TEAM_SIZE:
            return None
        return (f"仅 {len(present)} 名本组外访人员在场（至少 {LEGAL_MIN_TEAM_SIZE} 名）",
                f"{len(present)} member(s) of team {team} present; a field visit needs at "
                f"least {LEGAL_MIN_TEAM_SIZE} (COMPLIANCE rule 3)",
                {"present_count": len(present), "team_size": len(self.route.members),
                 "others_present": len(set(members) - set(self.route.members))})

    def _skew(self) -> tuple[str, str, dict[str, EvidenceValue]] | None:
        received = self.report.received_at
        if received is None:
            return None
        ahead = (self.report.at - received).total_seconds()
        if ahead <= MAX_CLOCK_AHEAD_S:
            return None
        minutes = ahead / 60
        return (f"报告时间比服务器收到时间晚 {minutes:.0f} 分钟（上限 "
                f"{MAX_CLOCK_AHEAD_S // 60} 分钟）：手机时钟超前，时间不可信",
                f"the report's time is {minutes:.0f} min after the service received it (limit "
                f"{MAX_CLOCK_AHEAD_S // 60} min): the phone's clock is ahead and its times "
                "cannot be trusted",
                {"received_at": received.astimezone(SHANGHAI).isoformat(timespec="seconds"),
                 "ahead_s": round(ahead), "max_ahead_s": MAX_CLOCK_AHEAD_S})

    # shared parts

    def _present(self) -> tuple[str, ...]:
        members = set(self.report.members_present or ())
        return tuple(m for m in self.route.members if m in members)

    def _what_zh(self) -> str:
        return f"报告“{self.report.status.label_zh}”"

    def _evidence(self) -> dict[str, EvidenceValue]:
        r = self.report
        local = r.at.astimezone(SHANGHAI)
        pos = r.position
        return {
            "status": r.status.value,
            "local_time": local.strftime("%H:%M:%S"),
            "distance_m": round(distance_m(pos.point, self.point)) if pos else None,
            "accuracy_m": round(pos.accuracy_m) if pos else None,
            "members_present": self._present() if r.members_present is not None else None,
            "at": local.isoformat(timespec="seconds"),
            "received_at": (r.received_at.astimezone(SHANGHAI).isoformat(timespec="seconds")
                            if r.received_at is not None else None),
        }

    def _finding(self, code: FindingCode, detail: str, detail_en: str,
                 extra: Mapping[str, EvidenceValue], base: Mapping[str, EvidenceValue]
                 ) -> Finding:
        r = self.report
        return Finding(code, self.plan_id, r.team_id, r.visit_id, r.at, detail, detail_en,
                       {**base, **extra})
