"""Independent checker of a weekly schedule: the rules across days, then each day's plan.

A schedule says, for a horizon of days, on which day each case is visited (every day's plan)
and which cases are not visited at all (`unscheduled`, with a reason). This module reads only
the input (visits, teams, their days, the policy), the horizon and the schedule — never the
planner — and returns one line per broken rule. Checks, in order:

- structure: every day lies in the horizon; a day plan leaves nothing `unassigned`;
- accounting: every case once, as a stop on one day or unscheduled; no unknown unscheduled id;
- per stop: the case's days (weekdays, earliest/latest date, appointment) and the team's days;
- rule 7 across the horizon, per borrower: the minimum gap in days, counting `last_visit`, and
  the weekly cap over any 7 consecutive days, counting `visits_last_7d` on `last_visit` (or the
  day before the horizon when no date is given);
- unscheduled: a known reason code that is plausible: `do_not_visit` exactly for flagged cases,
  `no_lawful_day` only when no day is open to the case, and a day reason only if it holds on
  some open day, as the day checker judges the case alone on that day;
- must-visits first: no must-visit is unscheduled while an optional case is routed on a day
  open to the must-visit by a team the day checker says could have served it alone;
- each day: the day's problem is rebuilt (the cases routed that day, the teams working or
  routed that day) and the day checker (`compliance.check`) runs on the day's plan. Day
  problems carry no visit history: rule 7's gap and cap are owned by the horizon checks above,
  so each is reported once and against dates, not against a count that has no date.

A day is *open* to a case when its own days allow it, the policy does not close it (holidays,
weekends; `compliance.closed_day`), some team works it, and a visit then would keep rule 7
with the borrower's history and the visits the schedule routes to the borrower's other cases.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Protocol

from routeplan.domain.calendar import HolidayCalendar
from routeplan.domain.days import ALL_WEEKDAYS, WEEKDAY_NAMES, CaseDays, TeamDays
from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Kpis, Plan, Reason, Unassigned
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.schedule import MAX_HORIZON_DAYS, Horizon, Schedule, Unscheduled
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.rules.compliance import check, closed_day

#: The horizon's own reason: no day of the horizon is open to the case.
NO_LAWFUL_DAY = "no_lawful_day"
#: Every reason code an unscheduled case may carry: the day codes and the horizon's own.
UNSCHEDULED_REASONS: frozenset[str] = frozenset({r.value for r in Reason} | {NO_LAWFUL_DAY})
#: Day reasons that say something about the calendar or rule 7, not about the case on a day.
_TIME_REASONS = frozenset({NO_LAWFUL_DAY, Reason.HOLIDAY.value,
                           Reason.VISITED_TOO_RECENTLY.value,
                           Reason.SAME_BORROWER_SAME_DAY.value})
_WEEK = 7


class DayProblemBuilder(Protocol):
    """Rebuilds one day's problem, with the travel source and locator the planner used.

    `functools.partial(build_problem, travel=..., locator=...)` is one.
    """

    def __call__(self, day: date, visits: Sequence[Visit], teams: Sequence[Team],
                 policy: Policy, /) -> Problem: ...


def check_schedule(
    visits: Sequence[Visit],
    teams: Sequence[Team],
    policy: Policy,
    horizon: Horizon,
    schedule: Schedule,
    build: DayProblemBuilder,
    *,
    case_days: Mapping[str, CaseDays] | None = None,
    team_days: Mapping[str, TeamDays] | None = None,
    calendar: HolidayCalendar | None = None,
) -> list[str]:
    """Every rule the schedule breaks, one line each; empty when it is lawful.

    `case_days` and `team_days` are keyed by visit and team id; a missing key means no limit
    (every day). Without them, each visit's and team's own `days` are used. `build` rebuilds
    a day's problem; an input it refuses is reported as a line. `calendar` is the holiday
    calendar the schedule was planned with (default: the shipped one).
    """
    if case_days is None:
        case_days = {v.visit_id: v.days for v in visits if not v.days.every_day}
    if team_days is None:
        team_days = {t.team_id: t.days for t in teams if not t.days.every_day}
    return _ScheduleChecker(visits, teams, policy, horizon, schedule, build,
                            case_days, team_days, calendar).run()


__all__ = [
    "ALL_WEEKDAYS", "MAX_HORIZON_DAYS", "NO_LAWFUL_DAY", "UNSCHEDULED_REASONS", "WEEKDAY_NAMES",
    "CaseDays", "DayProblemBuilder", "Horizon", "Schedule", "TeamDays", "Unscheduled",
    "check_schedule",
]


# -- the checker ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Seen:
    """One visit to a borrower on a date: routed by the schedule, or known from history."""

    day: date
    label: str
    routed: bool
    count: int = 1
    dated: bool = True  # False for a 7-day count without a last_visit: no gap from it


@dataclass(slots=True)
class _Day:
    """A day's rebuilt problem: every case it needs, and where each sits in it."""

    problem: Problem | None
    index: dict[str, int] = field(default_factory=dict)


def _no_kpis() -> Kpis:
    return Kpis(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, {}, {})


def _without_history(v: Visit) -> Visit:
    """The visit as a day problem holds it: rule 7's history is checked across the horizon."""
    if v.last_visit is None and v.visits_last_7d == 0:
        return v
    return replace(v, last_visit=None, visits_last_7d=0)


class _ScheduleChecker:
    """One run of the checks over one schedule; collects violation lines."""

    def __init__(self, visits: Sequence[Visit], teams: Sequence[Team], policy: Policy,
                 horizon: Horizon, schedule: Schedule, build: DayProblemBuilder,
                 case_days: Mapping[str, CaseDays], team_days: Mapping[str, TeamDays],
                 calendar: HolidayCalendar | None = None) -> None:
        self.policy = policy
        self.calendar = calendar
        self.horizon = horizon
        self.schedule = schedule
        self.build = build
        self.out: list[str] = []
        self.cases: dict[str, Visit] = {}
        for v in visits:
            if v.visit_id in self.cases:
                self.bad(f"visit {v.visit_id}: input: the case is listed twice")
                continue
            self.cases[v.visit_id] = v
        self.teams: dict[str, Team] = {}
        for t in teams:
            if t.team_id in self.teams:
                self.bad(f"team {t.team_id}: input: the team is listed twice")
                continue
            self.teams[t.team_id] = t
        self.case_days = {vid: case_days.get(vid, CaseDays()) for vid in self.cases}
        self.team_days = {tid: team_days.get(tid, TeamDays()) for tid in self.teams}
        self.dates = sorted(schedule.days)
        # where each case is routed: (day, team)
        routed: dict[str, list[tuple[date, str]]] = defaultdict(list)
        for day in self.dates:
            for route in schedule.days[day].routes:
                for stop in route.stops:
                    if stop.visit_id in self.cases:
                        routed[stop.visit_id].append((day, route.team_id))
        self.routed = dict(routed)
        unscheduled: dict[str, list[Unscheduled]] = defaultdict(list)
        for u in schedule.unscheduled:
            unscheduled[u.visit_id].append(u)
        self.unscheduled = dict(unscheduled)
        self.by_borrower: dict[str, list[Visit]] = defaultdict(list)
        for v in self.cases.values():
            self.by_borrower[v.borrower_id].append(v)
        self.need_gap = max(policy.min_days_between_visits, 1)
        self.closed = {d: closed_day(d, policy, calendar) for d in horizon.dates}
        self._open: dict[str, list[date]] = {}
        self._working: dict[date, list[str]] = {}
        self._days: dict[date, _Day] = {}
        self._alone: dict[tuple[date, str, str | None, Reason], list[str] | None] = {}

    def bad(self, line: str) -> None:
        self.out.append(line)

    def run(self) -> list[str]:
        self.structure()
        self.accounting()
        self.stops()
        for borrower in self.by_borrower:
            self.gap(borrower)
            self.weekly_cap(borrower)
        self.reasons()
        self.must_visits()
        for day in self.dates:
            self.day_rules(day)
        return self.out

    # -- facts -----------------------------------------------------------------------------

    def working(self, day: date) -> list[str]:
        """The teams that work `day`, in input order."""
        if day not in self._working:
            self._working[day] = [tid for tid, days in self.team_days.items()
                                  if days.works(day)]
        return list(self._working[day])

    def closed_on(self, day: date) -> str | None:
        return (self.closed[day] if day in self.closed
                else closed_day(day, self.policy, self.calendar))

    def history(self, borrower: str) -> list[_Seen]:
        """The borrower's known past visits: each case's last_visit with its 7-day count.

        `visits_last_7d` without a `last_visit` is counted the day before the horizon, the
        latest it can have been. Cases of one borrower may repeat the same history, so a
        window counts the largest history in it, never the sum.
        """
        out: set[_Seen] = set()
        for v in self.by_borrower[borrower]:
            if v.last_visit is not None:
                out.add(_Seen(v.last_visit, f"the last visit {v.last_visit} (case {v.visit_id})",
                              False, max(v.visits_last_7d, 1)))
            elif v.visits_last_7d:
                before = self.horizon.start - timedelta(days=1)
                out.add(_Seen(before, f"{v.visits_last_7d} visit(s) in the last 7 days (case "
                              f"{v.visit_id}, counted on {before})", False, v.visits_last_7d,
                              dated=False))
        return sorted(out, key=lambda s: (s.day, s.label))

    def routed_of(self, borrower: str, *, but: str | None = None) -> list[_Seen]:
        """The visits the schedule routes to the borrower, optionally leaving one case out."""
        out = [_Seen(day, f"visit {v.visit_id} on {day}", True)
               for v in self.by_borrower[borrower] if v.visit_id != but
               for day, _ in self.routed.get(v.visit_id, ())]
        return sorted(out, key=lambda s: (s.day, s.label))

    def frequency_bars(self, v: Visit, day: date) -> str | None:
        """Why one more visit to `v`'s borrower on `day` would break rule 7, or None."""
        history = self.history(v.borrower_id)
        routed = self.routed_of(v.borrower_id, but=v.visit_id)
        for s in (*history, *routed):
            if not s.dated:
                continue
            k = abs((day - s.day).days)
            if k < self.need_gap:
                return f"{s.label} is {k} day(s) away"
        cap = self.policy.max_visits_per_7d
        for w in range(_WEEK):
            lo = day - timedelta(days=w)
            hi = lo + timedelta(days=_WEEK - 1)
            inside = sum(1 for s in routed if lo <= s.day <= hi)
            past = max((s.count for s in history if lo <= s.day <= hi), default=0)
            if 1 + inside + past > cap:
                return f"{1 + inside + past} visits would fall in {lo}..{hi}, more than {cap}"
        return None

    def open_days(self, vid: str) -> list[date]:
        """The horizon's days open to the case (see the module docstring)."""
        if vid not in self._open:
            v = self.cases[vid]
            days = self.case_days[vid]
            self._open[vid] = [
                d for d in self.horizon.dates
                if not days.why_not(d) and self.closed_on(d) is None and self.working(d)
                and self.frequency_bars(v, d) is None]
        return self._open[vid]

    # -- structure and accounting -------------------------------------------------------------

    def structure(self) -> None:
        span = f"{self.horizon.start}..{self.horizon.end}"
        for day in self.dates:
            plan = self.schedule.days[day]
            if day not in self.horizon:
                self.bad(f"{day}: schedule: the day lies outside the horizon {span}")
            for u in plan.unassigned:
                self.bad(f"{day}: visit {u.visit_id}: schedule: the day plan leaves it unassigned "
                         f"({u.reason.value}); a case not routed belongs in the schedule's "
                         "unscheduled list")

    def accounting(self) -> None:
        for vid, places in self.routed.items():
            if len(places) > 1:
                where = " and ".join(f"{d} (team {t})" for d, t in places)
                self.bad(f"visit {vid}: accounting: routed {len(places)} times, on {where}")
        for vid, entries in self.unscheduled.items():
            if vid not in self.cases:
                self.bad(f"visit {vid}: accounting: unscheduled, but not a case of the input")
                continue
            if len(entries) > 1:
                self.bad(f"visit {vid}: accounting: unscheduled {len(entries)} times")
            if vid in self.routed:
                d, t = self.routed[vid][0]
                self.bad(f"visit {vid}: accounting: routed on {d} (team {t}) and also "
                         f"unscheduled ({entries[0].reason})")
        for vid in self.cases:
            if vid not in self.routed and vid not in self.unscheduled:
                self.bad(f"visit {vid}: accounting: neither routed on any day nor unscheduled")

    # -- per stop: the case's days and the team's days ----------------------------------------

    def stops(self) -> None:
        for day in self.dates:
            for route in self.schedule.days[day].routes:
                tag = f"{day}: team {route.team_id}"
                days = self.team_days.get(route.team_id)
                if route.stops and days is not None and not days.works(day):
                    self.bad(f"{tag}: team days: {len(route.stops)} stop(s) on "
                             f"{day} ({WEEKDAY_NAMES[day.weekday()]}), a day the team does not "
                             f"work (it works {days})")
                for stop in route.stops:
                    if stop.visit_id not in self.cases:
                        continue  # the day checker reports the unknown id
                    for why in self.case_days[stop.visit_id].why_not(day):
                        self.bad(f"{tag} visit {stop.visit_id}: case days: {why}")

    # -- rule 7 across the horizon ------------------------------------------------------------

    def gap(self, borrower: str) -> None:
        """Two visits to one borrower at least `min_days_between` days apart (and not one day).

        Neighbours in date order suffice: any pair too close has a neighbouring pair too close.
        Two routed visits on one day are left to the day checker's one-visit-per-day rule.
        """
        seen: dict[date, _Seen] = {}
        for s in self.history(borrower):
            if s.dated:
                seen.setdefault(s.day, s)
        events = sorted([*seen.values(), *self.routed_of(borrower)],
                        key=lambda s: (s.day, s.routed, s.label))
        for a, b in itertools.pairwise(events):
            if not (a.routed or b.routed):
                continue
            k = (b.day - a.day).days
            if k == 0 and a.routed and b.routed:
                continue
            if k < self.need_gap:
                self.bad(f"borrower {borrower}: rule 7 (gap): {a.label} and {b.label} are "
                         f"{k} day(s) apart, fewer than {self.need_gap} (policy "
                         f"visits.min_days_between = {self.policy.min_days_between_visits})")

    def weekly_cap(self, borrower: str) -> None:
        """At most `max_per_7_days` visits in any 7 consecutive days, history included.

        Windows starting on a visit's date suffice: sliding a window's start forward to its
        first visit keeps every visit in it. Reported once per set of routed visits.
        """
        cap = self.policy.max_visits_per_7d
        history = self.history(borrower)
        routed = self.routed_of(borrower)
        if not routed:
            return
        reported: list[frozenset[str]] = []
        for lo in sorted({s.day for s in (*history, *routed)}):
            hi = lo + timedelta(days=_WEEK - 1)
            inside = [s for s in routed if lo <= s.day <= hi]
            if not inside:
                continue
            past = max((s for s in history if lo <= s.day <= hi), key=lambda s: s.count,
                       default=None)
            total = len(inside) + (past.count if past is not None else 0)
            key = frozenset(s.label for s in inside)
            if total <= cap or any(key <= r for r in reported):
                continue
            reported.append(key)
            also = (f", with {past.count} from {past.label}" if past is not None else "")
            self.bad(f"borrower {borrower}: rule 7 (weekly cap): {total} visits in the 7 days "
                     f"{lo}..{hi} ({', '.join(s.label for s in inside)}{also}), more than "
                     f"{cap} (policy visits.max_per_7_days)")

    # -- unscheduled cases --------------------------------------------------------------------

    def reasons(self) -> None:
        for vid, entries in self.unscheduled.items():
            v = self.cases.get(vid)
            if v is None or vid in self.routed:
                continue  # reported by accounting
            for u in entries[:1]:
                self.reason(v, u)

    def reason(self, v: Visit, u: Unscheduled) -> None:
        tag = f"visit {v.visit_id}: unscheduled"
        if not u.detail.strip() or not u.detail_en.strip():
            self.bad(f"{tag}: reason {u.reason} lacks its explanation (detail and detail_en "
                     "must both be given)")
        if u.reason not in UNSCHEDULED_REASONS:
            self.bad(f"{tag}: {u.reason!r} is not a known reason code "
                     f"({', '.join(sorted(UNSCHEDULED_REASONS))})")
            return
        if v.do_not_visit or u.reason == Reason.DO_NOT_VISIT.value:
            if not v.do_not_visit:
                self.bad(f"{tag}: reason do_not_visit, but the case is not flagged do_not_visit")
            elif u.reason != Reason.DO_NOT_VISIT.value:
                self.bad(f"{tag}: reason {u.reason}, but the case is flagged do_not_visit, "
                         "which applies first")
            return
        if (u.reason == Reason.SAME_BORROWER_SAME_DAY.value
                and not self.routed_of(v.borrower_id, but=v.visit_id)):
            self.bad(f"{tag}: reason same_borrower_same_day, but no other case of borrower "
                     f"{v.borrower_id} is routed")
            return
        open_days = self.open_days(v.visit_id)
        if not open_days:
            if u.reason == Reason.OVER_CAPACITY.value:
                self.bad(f"{tag}: reason over_capacity, but no day of the horizon is open to "
                         f"it (its days, the calendar, the teams' days and rule 7), so the "
                         f"reason is {NO_LAWFUL_DAY}")
            return
        first = open_days[0]
        if u.reason in _TIME_REASONS:
            self.bad(f"{tag}: reason {u.reason}, but {first} is open to it (its days, the "
                     "calendar, a working team and rule 7 allow a visit)")
            return
        claimed = Reason(u.reason)
        holds_on: list[date] = []
        first_refusal = ""
        for d in open_days:
            found = self.alone(d, v.visit_id, None, claimed)
            if found is None:
                continue  # the day's problem could not be rebuilt: reported by day_rules
            if not found:
                holds_on.append(d)
                if claimed is Reason.OVER_CAPACITY:
                    break  # plausible on one open day is enough; no other claim to test
            elif not first_refusal:
                first_refusal = f"on {d}: {found[0]}"
            if claimed is not Reason.OVER_CAPACITY and self.only_capacity(d, v.visit_id):
                self.bad(f"{tag}: reason {claimed.value}, but on {d} a working team could serve "
                         "it alone, so the reason is over_capacity")
                return
        if not holds_on and first_refusal:
            self.bad(f"{tag}: reason {claimed.value} holds on no open day ({first_refusal})")

    def must_visits(self) -> None:
        """No must-visit left out while an optional case is routed where it could have gone."""
        optional: dict[date, list[tuple[str, str]]] = defaultdict(list)
        for day in self.dates:
            for route in self.schedule.days[day].routes:
                if route.team_id not in self.teams:
                    continue
                for stop in route.stops:
                    case = self.cases.get(stop.visit_id)
                    if case is not None and not case.must_visit:
                        optional[day].append((stop.visit_id, route.team_id))
        for vid, entries in self.unscheduled.items():
            m = self.cases.get(vid)
            if m is None or not m.must_visit or m.do_not_visit or vid in self.routed:
                continue
            hit = self.displaced_by(vid, optional)
            if hit is not None:
                day, other, tid = hit
                self.bad(f"visit {vid}: must-visits first: the must-visit is unscheduled "
                         f"({entries[0].reason}) while optional visit {other} is routed on {day} "
                         f"by team {tid}, which could have served it that day")

    def displaced_by(self, vid: str, optional: Mapping[date, Sequence[tuple[str, str]]]
                     ) -> tuple[date, str, str] | None:
        for day in self.open_days(vid):
            if self.alone(day, vid, None, Reason.OVER_CAPACITY) != []:
                continue  # no team of the day could serve it alone, so neither could one team
            built = self.day(day)
            may = self.may_take(day, vid) or []
            allowed = {built.problem.teams[k].team_id for k in may} if built.problem else set()
            asked: set[str] = set()
            for other, tid in optional.get(day, ()):
                if tid in asked or tid not in allowed:
                    continue
                asked.add(tid)
                if self.alone(day, vid, tid, Reason.OVER_CAPACITY) == []:
                    return day, other, tid
        return None

    # -- the day checker on one case alone ----------------------------------------------------

    def alone(self, day: date, vid: str, team_id: str | None, reason: Reason) -> list[str] | None:
        """The day checker's findings on a plan leaving the case, alone, unassigned as `reason`.

        The day's teams (or only `team_id`) are kept. Empty when the reason is plausible for
        the case that day; None when the day's problem could not be rebuilt.
        """
        key = (day, vid, team_id, reason)
        if key not in self._alone:
            found = None
            if team_id is None and reason is Reason.OVER_CAPACITY:
                # The day checker accepts over_capacity for a case left alone exactly when
                # some eligible team could serve it alone: an "exists a team" test, so
                # accepted with a few teams means accepted with all of them. The nearest
                # teams are tried first; any refusal is decided on the whole day.
                near = self._nearest_teams(day, vid)
                if near is not None:
                    found = self._alone_check(day, vid, None, reason, near)
            if found != []:
                found = self._alone_check(day, vid, team_id, reason)
            self._alone[key] = found
        return self._alone[key]

    #: How many of the nearest teams the over_capacity fast path tries first.
    NEAREST_TEAMS = 8

    def may_take(self, day: date, vid: str) -> list[int] | None:
        """The day's teams (indices) not barred from the case by its pin, skill or prefecture.

        The plan contract's team limits: a case pinned to a team goes to no other, a case's
        skill is one the team must have, a team that names prefectures works only there. Barred
        so, it is never an eligible team for the case: leaving it out of a case-alone check
        changes no verdict: it only saves the cost of its travel (a Henan-wide day has 300
        teams; 0.175 s a call on all of them).
        """
        built = self.day(day)
        if built.problem is None or vid not in built.index:
            return None
        problem = built.problem
        i = built.index[vid]
        v, code = problem.visits[i], problem.prefecture[i]
        return [k for k, t in enumerate(problem.teams)
                if (v.pin_team is None or v.pin_team == t.team_id)
                and (not v.skill or v.skill in t.skills)
                and (not t.prefectures or code in t.prefectures)]

    def _nearest_teams(self, day: date, vid: str) -> list[int] | None:
        built = self.day(day)
        candidates = self.may_take(day, vid)
        if built.problem is None or candidates is None:
            return None
        if len(candidates) <= self.NEAREST_TEAMS:
            return None
        travel = built.problem.travel
        node = travel.visit_node[built.index[vid]]
        if node is None:
            return None
        lon, lat = travel.points[node]

        def far(t: int) -> float:
            tlon, tlat = travel.points[travel.start_node[t]]
            return (tlon - lon) ** 2 + (tlat - lat) ** 2

        return sorted(candidates, key=far)[:self.NEAREST_TEAMS]

    def _alone_check(self, day: date, vid: str, team_id: str | None, reason: Reason,
                     among: Sequence[int] | None = None) -> list[str] | None:
        built = self.day(day)
        if built.problem is None or vid not in built.index:
            return None
        problem = built.problem
        if among is None and team_id is None:
            among = self.may_take(day, vid)
        teams = (among if among is not None
                 else [problem.team_index[team_id]] if team_id in problem.team_index else [])
        sub = problem.restrict([built.index[vid]], list(teams))
        plan = Plan(day, (), (Unassigned(vid, reason, "-", "-"),), _no_kpis(), self.policy)
        return check(sub, plan)

    def only_capacity(self, day: date, vid: str) -> bool:
        """True when the day checker allows only over_capacity: a team could serve it alone."""
        return (self.alone(day, vid, None, Reason.OVER_CAPACITY) == []
                and bool(self.alone(day, vid, None, Reason.UNREACHABLE)))

    # -- each day's plan ---------------------------------------------------------------------

    def day(self, day: date) -> _Day:
        """The day's problem, built once: its routed cases and the unscheduled ones open that day.

        Its teams are those working the day, then those routed on it that do not.
        """
        if day in self._days:
            return self._days[day]
        plan = self.schedule.days.get(day)
        wanted: list[str] = []
        team_ids = self.working(day)
        if plan is not None:
            wanted += [s.visit_id for r in plan.routes for s in r.stops]
            wanted += [u.visit_id for u in plan.unassigned]
            team_ids += [r.team_id for r in plan.routes
                         if r.team_id in self.teams and r.team_id not in team_ids]
        wanted += [vid for vid in self.unscheduled
                   if vid in self.cases and vid not in self.routed and day in self.open_days(vid)]
        ids = [vid for vid in dict.fromkeys(wanted) if vid in self.cases]
        visits = [_without_history(self.cases[vid]) for vid in ids]
        try:
            problem: Problem | None = self.build(day, visits, [self.teams[t] for t in team_ids],
                                                 self.policy)
        except InvalidInput as exc:
            problem = None
            for p in exc.problems:
                self.bad(f"{day}: the day's problem cannot be rebuilt: {p}")
        built = _Day(problem, {vid: i for i, vid in enumerate(ids)})
        self._days[day] = built
        return built

    def day_rules(self, day: date) -> None:
        """The day checker on the day's plan, against the day's rebuilt problem."""
        plan = self.schedule.days[day]
        built = self.day(day)
        if built.problem is None:
            return
        mine = {vid for vid in plan.visit_ids() if vid in built.index}
        problem = built.problem
        if len(mine) != len(built.index):
            keep = [i for vid, i in built.index.items() if vid in mine]
            problem = problem.restrict(keep, list(range(len(problem.teams))))
        self.out.extend(f"{day}: {line}" for line in check(problem, plan))

