"""Independent compliance checker: re-verifies a finished plan against its problem, rule by rule.

It reads only the `Problem` and the `Plan` (never the solver) and recomputes everything it
needs from first principles: the legal window and the two-collector minimum are restated here
(COMPLIANCE.md rules 1 and 3, hard and not configurable), and the holiday calendar is read from
the official calendar data (`routeplan.rules.calendar`, the problem's own calendar) directly.
Each violation is one line naming the team or visit, the rule and the numbers. Checks, in order:

- the plan header: day and policy are the problem's;
- accounting: every visit exactly once, no unknown ids, one route per known team, members;
- per stop: rules 1-2 and the visit's own window, service time, rules 4-8, location,
  eligibility (skill, pin, prefecture);
- per route: shift, time consistency of every leg (travel from the problem's matrices for the
  team's mode, with the break taken out of the gap it falls in), arrivals, the break, the
  visit cap and capacity, and the distance and driving figures;
- unassigned: a reason that is plausible under the precedence of `Reason` where that is cheap to
  decide, and non-empty explanations.

A re-plan carries its record (`Plan.replan`): `now`, each team's restart point and time, the
committed stops. Nothing is relaxed for it: committed stops are checked as history (every
stop rule, and the legs between them at their recorded times, from base); the leg into the
first stop after them leaves from the restart point at the restart time (a reported position
has no matrix row: its leg's recorded figures must be at least the great-circle distance and
at most 120 km/h), the restart is no earlier than `now`, the shift start or the last committed
departure, and a committed stop that starts after `now` needs a field report. A cancelled
visit is unassigned as `cancelled` and never routed; a rescheduled visit's window is its new
time (to the minute, a consent holding only inside the consented window); a dropped team
takes no new stop. Reachability of the unassigned is judged from each team's restart.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from routeplan.domain.calendar import HolidayCalendar
from routeplan.domain.clock import TimeWindow
from routeplan.domain.errors import ComplianceViolation
from routeplan.domain.plan import BreakSlot, Plan, Reason, Restart, Route, Stop
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.team import Team
from routeplan.domain.visit import Place, Visit
from routeplan.rules.calendar import day_info

#: Rule 1: time with a borrower lies within 08:00-22:00 unless consented. Restated here on
#: purpose, so a change to the model's constant cannot silently widen what the checker allows.
_LEGAL_START = 8 * 3600
_LEGAL_END = 22 * 3600
#: Rule 3: a field visit is made by at least two collectors together.
_LEGAL_MIN_TEAM = 2
#: A leg from a reported position (no matrix row) may not be faster than this, in m/s.
_MAX_SPEED_MS = 120 / 3.6


def check(problem: Problem, plan: Plan, *, repeated: Mapping[str, int] | None = None
          ) -> list[str]:
    """Every rule the plan breaks, one line each; empty when the plan is lawful.

    `repeated`: visit ids a plan document listed more often than the `Plan` holds them (a
    `Plan` cannot hold a visit twice, so its reader left the extra entries out), with the
    number left out; each is a violation of "every visit exactly once".
    """
    return _Checker(problem, plan, repeated or {}).run()


def assert_compliant(problem: Problem, plan: Plan) -> None:
    """Raise ComplianceViolation when `check` finds anything."""
    violations = check(problem, plan)
    if violations:
        raise ComplianceViolation(violations)


# -- small helpers ---------------------------------------------------------------------------


def _t(seconds: int) -> str:
    """A time of day as HH:MM, with :SS when the seconds matter (so 1 s shows)."""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    text = f"{sign}{s // 3600:02d}:{s % 3600 // 60:02d}"
    return f"{text}:{s % 60:02d}" if s % 60 else text


def _span(start: int, end: int) -> str:
    return f"{_t(start)}–{_t(end)}"


def _inside(start: int, end: int, lo: int, hi: int) -> bool:
    return lo <= start and end <= hi


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    """Length of the overlap of [a0, a1) and [b0, b1)."""
    return max(0, min(a1, b1) - max(a0, b0))


def _break_overlap(breaks: Iterable[BreakSlot], start: int, end: int) -> int:
    return sum(_overlap(b.start, b.end, start, end) for b in breaks)


def closed_day(day: date, policy: Policy,
               calendar: HolidayCalendar | None = None) -> str | None:
    """Why the policy plans nothing on `day` (a statutory holiday or a rest weekend), or None.

    Read from the calendar data directly (the problem's, default the shipped one). A year no
    calendar covers is never closed here: planning it at all is the policy's call
    (`calendar.uncovered_year`), made when the problem is built.
    """
    info = day_info(day, calendar)
    if policy.skip_holidays and info.holiday is not None:
        return f"statutory holiday {info.holiday.name_en}"
    if policy.skip_weekends and info.is_rest_weekend:
        return "rest weekend"
    return None


@dataclass(frozen=True, slots=True)
class _Leg:
    """From a point left at `leave` to a point reached (service start or return) at `reach`."""

    origin: int | None
    target: int | None
    leave: int
    reach: int
    label: str


class _Checker:
    """One run of the checks over one problem and plan; collects violation lines."""

    def __init__(self, problem: Problem, plan: Plan, repeated: Mapping[str, int]) -> None:
        self.problem = problem
        self.plan = plan
        self.repeated = repeated
        self.policy = problem.policy
        self.out: list[str] = []
        self.visit_at = {v.visit_id: i for i, v in enumerate(problem.visits)}
        self.team_at = {t.team_id: k for k, t in enumerate(problem.teams)}
        self.closed = closed_day(problem.day, problem.policy, problem.calendar)
        self.record = plan.replan
        self.cancelled = frozenset(self.record.cancelled if self.record else ())
        self.visits = list(problem.visits)
        if self.record is not None:
            for vid, at in self.record.rescheduled.items():
                i = self.visit_at.get(vid)
                if i is not None:
                    self.visits[i] = self._rescheduled(self.visits[i], at)
        self.restarts: dict[str, Restart] = {}
        if self.record is not None:
            for r in self.record.restarts:
                self.restarts.setdefault(r.team_id, r)
        self.routed_by_borrower: dict[str, list[str]] = defaultdict(list)
        for route in plan.routes:
            for stop in route.stops:
                i = self.visit_at.get(stop.visit_id)
                if i is not None:
                    self.routed_by_borrower[self.visits[i].borrower_id].append(stop.visit_id)

    def _rescheduled(self, v: Visit, at: int) -> Visit:
        """A rescheduled visit's window: its new start, to the minute (restated from replan)."""
        end = min(24 * 3600, at + self.service_s(v) + 60)
        consent = v.consent_out_of_hours and v.window is not None and \
            v.window.start <= at and end <= v.window.end
        return replace(v, window=TimeWindow(at, end), consent_out_of_hours=consent)

    def bad(self, line: str) -> None:
        self.out.append(line)

    def run(self) -> list[str]:
        self.header()
        self.accounting()
        self.replan_record()
        for route in self.plan.routes:
            self.route(route)
        for vids in self.routed_by_borrower.values():
            if len(vids) > 1:
                self.bad(f"visits {', '.join(vids)}: rule 7 (one visit per borrower per day): "
                         f"{len(vids)} visits to one borrower are routed")
        self.unassigned()
        return self.out

    # -- facts about visits and teams, recomputed here -----------------------------------------

    def service_s(self, v: Visit) -> int:
        return v.service_s if v.service_s is not None else self.policy.service_min * 60

    def cap(self, team: Team) -> int:
        cap = self.policy.max_visits_per_team
        return min(team.max_visits, cap) if team.max_visits is not None else cap

    def days_since(self, v: Visit) -> int | None:
        return (self.problem.day - v.last_visit).days if v.last_visit is not None else None

    def too_recent(self, v: Visit) -> str | None:
        """Why rule 7's gap or weekly cap forbids a visit today, or None.

        A last visit dated today (or later) always forbids one: at most one visit per borrower
        per day holds even when the policy's minimum gap is 0 days.
        """
        days = self.days_since(v)
        need = max(self.policy.min_days_between_visits, 1)
        if days is not None and days < need:
            return (f"last visit {v.last_visit} is {days} day(s) before {self.problem.day}, "
                    f"fewer than {need}")
        if v.visits_last_7d + 1 > self.policy.max_visits_per_7d:
            return (f"{v.visits_last_7d} visit(s) in the last 7 days + 1 exceeds the cap "
                    f"{self.policy.max_visits_per_7d}")
        return None

    def location_problem(self, i: int, v: Visit) -> str | None:
        travel = self.problem.travel
        node = travel.visit_node[i] if i < len(travel.visit_node) else None
        if v.location is None or node is None:
            return "the visit has no location"
        if self.problem.prefecture[i] == 0:
            return f"location {v.location} lies outside Henan"
        if not travel.snapped(node):
            return f"location {v.location} is not on the road network"
        return None

    def flag_reason(self, i: int, v: Visit) -> tuple[Reason, str] | None:
        """The first of the reasons decided by flags alone, in precedence order."""
        if v.do_not_visit:
            return Reason.DO_NOT_VISIT, "flagged do_not_visit"
        if self.closed is not None:
            return Reason.HOLIDAY, f"{self.problem.day} is a {self.closed}"
        where = self.location_problem(i, v)
        if where is not None:
            return Reason.INVALID_LOCATION, where
        if v.place is Place.WORKPLACE and not v.workplace_consent:
            return Reason.WORKPLACE_WITHOUT_CONSENT, "workplace visit without consent"
        recent = self.too_recent(v)
        if recent is not None:
            return Reason.VISITED_TOO_RECENTLY, recent
        return None

    def lawful_window(self, v: Visit) -> tuple[int, int]:
        """Rule 1 (and the visit's own window): the consented window, or own ∩ 08:00-22:00."""
        if v.consent_out_of_hours and v.window is not None:
            return v.window.start, v.window.end
        lo, hi = _LEGAL_START, _LEGAL_END
        if v.window is not None:
            lo, hi = max(lo, v.window.start), min(hi, v.window.end)
        return lo, hi

    def window_reason(self, v: Visit) -> tuple[Reason, str] | None:
        service = self.service_s(v)
        lo, hi = self.lawful_window(v)
        if hi - lo < service:
            return Reason.OUTSIDE_LAWFUL_HOURS, (
                f"lawful window {_span(lo, max(lo, hi))} cannot hold {service // 60} min")
        if self.policy.company_window_hard and not v.consent_out_of_hours:
            clo, chi = max(lo, self.policy.company_start), min(hi, self.policy.company_end)
            if chi - clo < service:
                return Reason.OUTSIDE_COMPANY_WINDOW, (
                    f"window {_span(lo, hi)} within the company window "
                    f"{_span(self.policy.company_start, self.policy.company_end)} cannot hold "
                    f"{service // 60} min")
        return None

    def ineligible(self, i: int, v: Visit, team: Team, rest: bool = False) -> str | None:
        """Why `team` may not take visit `v` (rule-independent team limits), or None.

        `rest`: for the rest of a re-planned day, what the team has left after its committed
        stops: a dropped team, or one whose cap or capacity they used up, takes nothing more.
        """
        if v.pin_team is not None and v.pin_team != team.team_id:
            return f"pinned to team {v.pin_team}"
        if v.skill and v.skill not in team.skills:
            return f"needs skill {v.skill!r}, team has {sorted(team.skills)}"
        code = self.problem.prefecture[i]
        if team.prefectures and code not in team.prefectures:
            return f"prefecture {code} is not among the team's {sorted(team.prefectures)}"
        if self.cap(team) <= 0:
            return "the team takes no visits today"
        if team.capacity is not None and v.demand > team.capacity:
            return f"demand {v.demand} exceeds the team's capacity {team.capacity}"
        restart = self.restarts.get(team.team_id) if rest else None
        if restart is not None:
            if restart.dropped:
                return "the team is off for the rest of the day"
            committed = [self.visit_at[c] for c in restart.committed if c in self.visit_at]
            if self.cap(team) - len(committed) <= 0:
                return "its committed stops used the team's cap"
            used = sum(self.visits[c].demand for c in committed)
            if team.capacity is not None and v.demand > team.capacity - used:
                return f"demand {v.demand} exceeds what its committed stops left of capacity"
        return None

    def reachable_alone(self, i: int, v: Visit, k: int, team: Team) -> bool:
        """True when `team` can leave at shift start, serve only `v` in its window and get back.

        Ignores the break, so it is optimistic for a team with a break. In a re-plan the team
        leaves from its restart point at its restart time (from a reported position, with no
        travel: optimistic again).
        """
        travel = self.problem.travel
        node = travel.visit_node[i]
        if node is None:
            return False
        lo, hi = self.lawful_window(v)
        if self.policy.company_window_hard and not v.consent_out_of_hours:
            lo, hi = max(lo, self.policy.company_start), min(hi, self.policy.company_end)
        leave = team.shift.start
        origin: int | None = travel.start_node[k]
        restart = self.restarts.get(team.team_id)
        if restart is not None:
            leave = max(leave, restart.at)
            origin = self.restart_node(restart, k)
        go = travel.duration(team.mode, origin, node) if origin is not None else 0
        back = travel.duration(team.mode, node, travel.end_node[k])
        start = max(leave + go, lo)
        departure = start + self.service_s(v)
        return departure <= hi and departure + back <= team.shift.end

    # -- the plan as a whole --------------------------------------------------------------------

    def header(self) -> None:
        if self.plan.day != self.problem.day:
            self.bad(f"plan: day {self.plan.day} is not the problem's day {self.problem.day}")
        if self.plan.policy != self.problem.policy:
            self.bad(f"plan: policy {self.plan.policy.name!r} differs from the problem's policy "
                     f"{self.problem.policy.name!r}")
        if not (_LEGAL_START <= self.policy.company_start <= self.policy.company_end
                <= _LEGAL_END):
            self.bad(f"policy: rule 2: company window "
                     f"{_span(self.policy.company_start, self.policy.company_end)} is wider "
                     f"than the legal {_span(_LEGAL_START, _LEGAL_END)}")

    def accounting(self) -> None:
        seen: Counter[str] = Counter(self.plan.visit_ids())
        seen.update(self.repeated)
        for vid, n in seen.items():
            if vid not in self.visit_at:
                self.bad(f"visit {vid}: accounting: not a visit of the problem")
            elif n > 1:
                self.bad(f"visit {vid}: accounting: appears {n} times in the plan")
        for v in self.problem.visits:
            if v.visit_id not in seen:
                self.bad(f"visit {v.visit_id}: accounting: neither routed nor unassigned")
        routes_of: Counter[str] = Counter(r.team_id for r in self.plan.routes)
        for tid, n in routes_of.items():
            if tid not in self.team_at:
                self.bad(f"team {tid}: accounting: not a team of the problem")
            elif n > 1:
                self.bad(f"team {tid}: accounting: {n} routes for one team")
        owner: dict[str, str] = {}
        for r in self.plan.routes:
            for m in r.members:
                if m in owner and owner[m] != r.team_id:
                    self.bad(f"collector {m}: rule 3: in the routes of teams {owner[m]} and "
                             f"{r.team_id}")
                owner.setdefault(m, r.team_id)

    def restart_node(self, restart: Restart, k: int) -> int | None:
        """The matrix row a team goes on from in a re-plan; None for a reported position."""
        travel = self.problem.travel
        if restart.origin == "base":
            return travel.start_node[k]
        if restart.origin == "stop" and restart.committed:
            i = self.visit_at.get(restart.committed[-1])
            return travel.visit_node[i] if i is not None else None
        return None

    def replan_record(self) -> None:
        """A re-plan's record names the day's teams once each, and visits of the problem."""
        record = self.record
        if record is None:
            return
        if not 0 <= record.now <= 24 * 3600:
            self.bad(f"re-plan: now {record.now} s is not a time of day")
        seen: Counter[str] = Counter(r.team_id for r in record.restarts)
        for tid, n in seen.items():
            if tid not in self.team_at:
                self.bad(f"team {tid}: re-plan: a restart for a team not in the problem")
            elif n > 1:
                self.bad(f"team {tid}: re-plan: {n} restarts")
        for t in self.problem.teams:
            if t.team_id not in seen:
                self.bad(f"team {t.team_id}: re-plan: no restart point and time recorded")
        for field_name, ids in (("cancelled", record.cancelled),
                                ("rescheduled", tuple(record.rescheduled)),
                                ("reported", record.reported)):
            for vid in ids:
                if vid not in self.visit_at:
                    self.bad(f"visit {vid}: re-plan: {field_name}, but not a visit of the "
                             "problem")
        for route in self.plan.routes:
            for stop in route.stops:
                if stop.visit_id in self.cancelled:
                    self.bad(f"team {route.team_id} visit {stop.visit_id}: re-plan: "
                             "cancelled, yet routed")

    # -- one route ------------------------------------------------------------------------------

    def route(self, route: Route) -> None:
        k = self.team_at.get(route.team_id)
        if k is None:
            return  # reported by accounting; nothing to check it against
        team = self.problem.teams[k]
        tag = f"team {team.team_id}"
        self.members(route, team, tag)
        if route.mode != team.mode:
            self.bad(f"{tag}: route mode {route.mode} is not the team's mode {team.mode}")
        if route.start_location != team.start or route.end_location != team.end_point:
            self.bad(f"{tag}: route starts/ends at {route.start_location}/"
                     f"{route.end_location}, not the team's {team.start}/{team.end_point}")
        shift = team.shift
        if route.start_s < shift.start:
            self.bad(f"{tag}: shift: leaves base at {_t(route.start_s)}, before the shift "
                     f"starts at {_t(shift.start)}")
        if route.end_s > shift.end:
            self.bad(f"{tag}: shift: back at base at {_t(route.end_s)}, after the shift ends "
                     f"at {_t(shift.end)}")
        if route.end_s < route.start_s:
            self.bad(f"{tag}: shift: returns at {_t(route.end_s)} before leaving at "
                     f"{_t(route.start_s)}")
        if len(route.stops) > self.cap(team):
            self.bad(f"{tag}: max visits: {len(route.stops)} stops exceed the cap "
                     f"{self.cap(team)}")
        for stop in route.stops:
            self.stop(team, stop)
        if team.capacity is not None:
            load = sum(self.visits[self.visit_at[s.visit_id]].demand
                       for s in route.stops if s.visit_id in self.visit_at)
            if load > team.capacity:
                self.bad(f"{tag}: capacity: demand {load} exceeds capacity {team.capacity}")
        self.breaks(route, team, tag)
        self.timeline(route, team, k, tag)

    def members(self, route: Route, team: Team, tag: str) -> None:
        size = len(route.members)
        if sorted(route.members) != sorted(team.members):
            self.bad(f"{tag}: rule 3: route members {list(route.members)} are not the team's "
                     f"{list(team.members)}")
        if len(set(route.members)) != size:
            self.bad(f"{tag}: rule 3: a collector is listed twice in {list(route.members)}")
        least = max(self.policy.min_team_size, _LEGAL_MIN_TEAM)
        if size < least:
            self.bad(f"{tag}: rule 3: {size} collector(s), fewer than {least}")
        if size > self.policy.max_team_size:
            self.bad(f"{tag}: rule 3: {size} collectors, more than the policy's "
                     f"{self.policy.max_team_size}")

    def stop(self, team: Team, stop: Stop) -> None:
        i = self.visit_at.get(stop.visit_id)
        if i is None:
            return  # reported by accounting
        v = self.visits[i]
        tag = f"team {team.team_id} visit {v.visit_id}"
        s, d = stop.start, stop.departure
        service = self.service_s(v)
        if d - s != service:
            self.bad(f"{tag}: service time: {_span(s, d)} lasts {(d - s) // 60} min "
                     f"{(d - s) % 60} s, not {service // 60} min {service % 60} s")
        # rule 1, rule 2 and the visit's own window bound [start, departure]
        if v.consent_out_of_hours and v.window is not None:
            if not _inside(s, d, v.window.start, v.window.end):
                self.bad(f"{tag}: rule 1 (consented window): service {_span(s, d)} lies "
                         f"outside the consented window {_span(v.window.start, v.window.end)}")
        else:
            if not _inside(s, d, _LEGAL_START, _LEGAL_END):
                self.bad(f"{tag}: rule 1 (lawful hours): service {_span(s, d)} lies outside "
                         f"{_span(_LEGAL_START, _LEGAL_END)} without consent")
            if self.policy.company_window_hard and not _inside(
                    s, d, self.policy.company_start, self.policy.company_end):
                self.bad(f"{tag}: rule 2 (company window): service {_span(s, d)} lies outside "
                         f"{_span(self.policy.company_start, self.policy.company_end)}")
            if v.window is not None and not _inside(s, d, v.window.start, v.window.end):
                self.bad(f"{tag}: visit window: service {_span(s, d)} lies outside the "
                         f"borrower's window {_span(v.window.start, v.window.end)}")
        # rules 4-8
        if v.do_not_visit:
            self.bad(f"{tag}: rule 6 (do not visit): a do_not_visit case is routed")
        if v.place is Place.WORKPLACE and not v.workplace_consent:
            self.bad(f"{tag}: rule 5 (workplace): workplace visit routed without consent")
        recent = self.too_recent(v)
        if recent is not None:
            self.bad(f"{tag}: rule 7 (frequency): {recent}")
        if self.closed is not None:
            self.bad(f"{tag}: rule 8 (holidays): routed on {self.problem.day}, a {self.closed}")
        if stop.borrower_id != v.borrower_id:
            self.bad(f"{tag}: rule 4 (borrower only): stop names borrower {stop.borrower_id}, "
                     f"the case is borrower {v.borrower_id}")
        # location
        where = self.location_problem(i, v)
        if where is not None:
            self.bad(f"{tag}: location: {where}")
        if stop.location != v.location:
            self.bad(f"{tag}: location: stop at {stop.location}, the visit is at {v.location}")
        # eligibility
        why = self.ineligible(i, v, team)
        if why is not None:
            self.bad(f"{tag}: eligibility: {why}")

    def breaks(self, route: Route, team: Team, tag: str) -> None:
        restart = self.restarts.get(team.team_id)
        bw = team.break_window
        missed = (restart is not None and bw is not None and restart.at > bw.end
                  and not route.breaks)  # off the plan through its whole break window
        if route.stops and team.has_break and len(route.breaks) != 1 and not missed:
            self.bad(f"{tag}: break: {len(route.breaks)} breaks on a route with stops; the "
                     f"team needs exactly one of {team.break_s // 60} min")
        if route.breaks and not team.has_break:
            self.bad(f"{tag}: break: {len(route.breaks)} break(s) for a team with none")
            return
        for b in route.breaks:
            where = f"{tag}: break {_span(b.start, b.end)}"
            if b.end - b.start != team.break_s:
                self.bad(f"{where}: lasts {(b.end - b.start) // 60} min, not "
                         f"{team.break_s // 60} min")
            bw = team.break_window
            if bw is not None and not bw.start <= b.start <= bw.end:
                self.bad(f"{where}: starts outside the break window {_span(bw.start, bw.end)}")
            if not _inside(b.start, b.end, team.shift.start, team.shift.end):
                self.bad(f"{where}: lies outside the shift "
                         f"{_span(team.shift.start, team.shift.end)}")
            for s in route.stops:
                if _overlap(b.start, b.end, s.start, s.departure):
                    self.bad(f"{where}: overlaps the service of visit {s.visit_id} "
                             f"{_span(s.start, s.departure)}")

    def timeline(self, route: Route, team: Team, k: int, tag: str) -> None:
        """Every leg leaves time to drive (the break taken out of its gap), and the sums match."""
        if not route.stops:
            if route.distance_m or route.driving_s:
                self.bad(f"{tag}: figures: an empty route reports {route.distance_m} m and "
                         f"{route.driving_s} s of driving")
            return
        travel = self.problem.travel
        mode = team.mode
        nodes: list[int | None] = [travel.start_node[k]]
        for s in route.stops:
            i = self.visit_at.get(s.visit_id)
            nodes.append(travel.visit_node[i] if i is not None else None)
        nodes.append(travel.end_node[k])
        times = [route.start_s]
        for s in route.stops:
            times += [s.start, s.departure]
        times.append(route.end_s)
        labels = ["base"] + [f"visit {s.visit_id}" for s in route.stops] + ["base"]
        legs = [_Leg(nodes[j], nodes[j + 1], times[2 * j], times[2 * j + 1],
                     f"{labels[j]} → {labels[j + 1]}") for j in range(len(nodes) - 1)]
        if route.start_s > route.stops[0].arrival:
            self.bad(f"{tag}: time consistency: leaves base at {_t(route.start_s)}, after "
                     f"arriving at its first stop {route.stops[0].visit_id} at "
                     f"{_t(route.stops[0].arrival)}")
        restart = self.restarts.get(team.team_id)
        resumed: int | None = None  # the leg that leaves from the restart point
        if restart is not None:
            resumed = self.restart(route, team, restart, tag)
            if resumed is not None:
                at = legs[resumed]
                leave = restart.at if resumed > 0 else max(restart.at, route.start_s)
                legs[resumed] = _Leg(self.restart_node(restart, k), at.target, leave, at.reach,
                                     f"restart ({restart.origin}) → "
                                     f"visit {route.stops[resumed].visit_id}")
        distance = driving = 0
        known = True
        for j, leg in enumerate(legs):
            if j == resumed and leg.origin is None:
                stop = route.stops[j]
                need, dist = stop.travel_s, stop.travel_m
                assert restart is not None
                self.position_leg(restart, stop, tag)
            elif leg.origin is None or leg.target is None:
                known = False
                continue
            else:
                need = travel.duration(mode, leg.origin, leg.target)
                dist = travel.distance(mode, leg.origin, leg.target)
            distance += dist
            driving += need
            on_break = _break_overlap(route.breaks, leg.leave, leg.reach)
            if leg.reach - leg.leave < need + on_break:
                self.bad(f"{tag}: time consistency: {leg.label} leaves {_t(leg.leave)} and "
                         f"{'starts service' if j < len(route.stops) else 'returns'} at "
                         f"{_t(leg.reach)}, but needs {need} s of travel"
                         + (f" + {on_break} s of break" if on_break else ""))
                continue
            if j < len(route.stops):
                stop = route.stops[j]
                arrival_break = _break_overlap(route.breaks, leg.leave, stop.arrival)
                if stop.arrival - leg.leave < need + arrival_break:
                    self.bad(f"{tag}: time consistency: arrival at visit {stop.visit_id} at "
                             f"{_t(stop.arrival)} is earlier than leaving {_t(leg.leave)} + "
                             f"{need} s of travel"
                             + (f" + {arrival_break} s of break" if arrival_break else ""))
                if stop.travel_s != need or stop.travel_m != dist:
                    self.bad(f"{tag}: figures: leg to visit {stop.visit_id} reports "
                             f"{stop.travel_s} s/{stop.travel_m} m, the matrices give "
                             f"{need} s/{dist} m")
        if known and (route.distance_m != distance or route.driving_s != driving):
            self.bad(f"{tag}: figures: route reports {route.distance_m} m/{route.driving_s} s "
                     f"of driving, its legs sum to {distance} m/{driving} s")

    def restart(self, route: Route, team: Team, restart: Restart, tag: str) -> int | None:
        """Check a re-planned route's history and restart; the index of its first new stop.

        None when the route has no stop after its committed ones.
        """
        record = self.record
        assert record is not None
        n = len(restart.committed)
        head = [s.visit_id for s in route.stops[:n]]
        if head != list(restart.committed):
            self.bad(f"{tag}: re-plan: the route's first stops {head} are not its committed "
                     f"stops {list(restart.committed)}")
            n = 0
        reported = set(record.reported)
        for s in route.stops[:n]:
            if s.start > record.now and s.visit_id not in reported:
                self.bad(f"{tag} visit {s.visit_id}: re-plan: committed, but starts at "
                         f"{_t(s.start)}, after now {_t(record.now)}, with no field report")
        where = f"{tag}: re-plan: restart at {_t(restart.at)}"
        if restart.at < record.now:
            self.bad(f"{where} is before now {_t(record.now)}")
        if restart.at < team.shift.start:
            self.bad(f"{where} is before the shift starts at {_t(team.shift.start)}")
        if n and restart.at < route.stops[n - 1].departure:
            self.bad(f"{where} is before leaving committed visit "
                     f"{route.stops[n - 1].visit_id} at {_t(route.stops[n - 1].departure)}")
        if restart.origin == "base" and (n or restart.point != team.start):
            self.bad(f"{where}: from base, but " + (
                "after committed stops" if n else f"at {restart.point}, not {team.start}"))
        if restart.origin == "stop" and (not n or restart.point != route.stops[n - 1].location):
            self.bad(f"{where}: from its last committed stop, which it "
                     + ("does not have" if not n else "is not at"))
        if n == len(route.stops):
            return None
        if restart.dropped:
            self.bad(f"{tag}: re-plan: the team is dropped, yet has "
                     f"{len(route.stops) - n} new stop(s)")
        return n

    def position_leg(self, restart: Restart, stop: Stop, tag: str) -> None:
        """A leg from a reported position: at least the great-circle way, at most 120 km/h."""
        lon1, lat1 = map(math.radians, restart.point)
        lon2, lat2 = map(math.radians, stop.location)
        h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
            (lon2 - lon1) / 2) ** 2
        straight = 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))
        if stop.travel_m + 1 < 0.99 * straight:
            self.bad(f"{tag}: figures: leg from the reported position to visit "
                     f"{stop.visit_id} reports {stop.travel_m} m, less than the "
                     f"{straight:.0f} m straight line")
        if stop.travel_s * _MAX_SPEED_MS + 1 < stop.travel_m:
            self.bad(f"{tag}: figures: leg from the reported position to visit "
                     f"{stop.visit_id} reports {stop.travel_m} m in {stop.travel_s} s, faster "
                     "than 120 km/h")

    # -- unassigned -----------------------------------------------------------------------------

    def unassigned(self) -> None:
        for u in self.plan.unassigned:
            i = self.visit_at.get(u.visit_id)
            tag = f"visit {u.visit_id}"
            if not u.detail.strip() or not u.detail_en.strip():
                self.bad(f"{tag}: unassigned reason {u.reason.value} lacks its explanation "
                         "(detail and detail_en must both be given)")
            if i is None:
                continue
            v = self.visits[i]
            if u.reason is Reason.CANCELLED and v.visit_id not in self.cancelled:
                self.bad(f"{tag}: reason: unassigned as cancelled, but no re-plan record "
                         "cancels it")
                continue
            expected = self.expected_reason(i, v)
            if isinstance(expected, tuple):
                reason, why = expected
                if u.reason is not reason:
                    self.bad(f"{tag}: reason: unassigned as {u.reason.value}, but "
                             f"{reason.value} applies first ({why})")
            elif u.reason not in expected:
                allowed = ", ".join(r.value for r in sorted(expected, key=_rank))
                self.bad(f"{tag}: reason: unassigned as {u.reason.value}, which does not apply; "
                         f"plausible: {allowed}")

    def expected_reason(self, i: int, v: Visit) -> tuple[Reason, str] | frozenset[Reason]:
        """The reason that must be given, or the set of reasons that are plausible."""
        if v.do_not_visit:
            return Reason.DO_NOT_VISIT, "flagged do_not_visit"
        if v.visit_id in self.cancelled:
            return Reason.CANCELLED, "the re-plan's record cancels it"
        first = self.flag_reason(i, v)
        if first is not None:
            return first
        others = [vid for vid in self.routed_by_borrower.get(v.borrower_id, ())
                  if vid != v.visit_id]
        if others:
            return Reason.SAME_BORROWER_SAME_DAY, f"visit {others[0]} of the borrower is routed"
        window = self.window_reason(v)
        if window is not None:
            return window
        eligible = [(k, t) for k, t in enumerate(self.problem.teams)
                    if self.ineligible(i, v, t, rest=True) is None]
        if not eligible:
            return Reason.NO_ELIGIBLE_TEAM, "no team passes pin, skill, prefecture and caps"
        alone = [t for k, t in eligible if self.reachable_alone(i, v, k, t)]
        # exact only for a team without a break that goes on from a row of the matrices
        free = [t for t in alone if not t.has_break and (
            t.team_id not in self.restarts or self.restarts[t.team_id].origin != "position")]
        if free:
            # a team without a break can do it alone, exactly: it is not unreachable
            return Reason.OVER_CAPACITY, f"team {free[0].team_id} could serve it alone"
        if not alone:
            return Reason.UNREACHABLE, "no eligible team can serve it alone within its shift"
        return frozenset({Reason.UNREACHABLE, Reason.OVER_CAPACITY})


def _rank(reason: Reason) -> int:
    return list(Reason).index(reason)
