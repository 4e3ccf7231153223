"""Mid-day re-planning: the rest of the day after what happened so far, changing only what it must.

`replan(problem, plan, disruption)` keeps every committed stop exactly as it was and plans the
rest of the day from `now`, starting from what each team was told:

- A stop is *committed* when it is reported done, has a final field outcome (done, not at home,
  refused, rescheduled without a new time), its planned departure is at or before `now`, or
  the team is at it (an `arrived` outcome, or service planned to have begun by `now`): a team
  is never pulled away from a door it stands at. Committed stops keep their times, to the
  second. A `not_at_home` is such an outcome: the visit is over for today (another slot of
  the same afternoon would be a second call at the door on one day, rule 7).
- A team goes on at max(now, shift start, its last committed departure, the end of a break
  it has taken, the time a late team gives in `available_from`), from its reported position,
  else its last committed stop, else its base. A break that started by then is taken and is
  not repeated; otherwise it is still owed inside what is left of its window. The cap on
  visits shrinks by the committed stops.
- Cancelled visits leave the day: they are unassigned with reason `cancelled`. A
  `rescheduled` visit with a new time today is planned to start at that time.
  Dropped teams keep only their committed stops. Locked teams keep their remaining stops in
  the same order, re-timed from their new start; a stop that no longer fits goes back to the
  pool for the other teams.
- Every other team starts from its remaining stops in the order it was told, as far as they
  still fit, and the search changes that only where it plans more priority or saves more
  driving than the change costs: the policy's `[replan]` prices, per visit taken from its
  team (or left out after being planned) and per minute a visit starts beyond `retime_min`
  of its planned time (`solver.anchored`). With both prices 0 the rest of the day is solved
  afresh (a full re-optimisation).
- At most one visit per borrower per day holds across committed and new stops.

The merged plan carries a `ReplanRecord` (now, each team's restart point and time, the
committed stops, the cancelled and rescheduled visits), so `routeplan check` re-checks it from
the files alone; it passes the same checker as any plan before it is returned. `Changes` says
per team what changed and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from routeplan.domain.clock import DAY_S, TimeWindow, format_hhmm, to_iso
from routeplan.domain.errors import InputProblem, InternalError, InvalidInput
from routeplan.domain.geo import LonLat, check_lonlat
from routeplan.domain.kpis import compute_kpis
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import (
    BreakSlot,
    Plan,
    Reason,
    ReplanRecord,
    Restart,
    Route,
    Stop,
    Unassigned,
)
from routeplan.domain.problem import Problem
from routeplan.domain.team import Mode, Team
from routeplan.domain.travel import Matrices, TravelData
from routeplan.domain.visit import Visit
from routeplan.rules import reasons as explain
from routeplan.rules.compliance import assert_compliant
from routeplan.solver import SolveOptions, solve
from routeplan.solver.anchored import Anchor, ChangePrice, solve_anchored
from routeplan.solver.screen import screen, visit_windows
from routeplan.solver.solve import Progress
from routeplan.travel.matrix import TravelMatrix
from routeplan.workflows.build import default_travel


@dataclass(frozen=True, slots=True)
class Disruption:
    """What happened so far today, as reported by dispatchers and field teams.

    `now` is seconds since local midnight. `positions` maps a team id to its current WGS-84
    (lon, lat); `available_from` a late team to the time (seconds) it can go on;
    `rescheduled` a visit to the start of service agreed with the borrower for later today.
    A team may not be both dropped and locked; a visit may not be both done and cancelled.
    """

    now: int
    done: frozenset[str] = frozenset()
    cancelled: frozenset[str] = frozenset()
    positions: Mapping[str, LonLat] = field(default_factory=dict)
    dropped_teams: frozenset[str] = frozenset()
    locked_teams: frozenset[str] = frozenset()
    outcomes: tuple[Outcome, ...] = ()
    available_from: Mapping[str, int] = field(default_factory=dict)
    rescheduled: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems: list[InputProblem] = []
        if not 0 <= self.now <= DAY_S:
            problems.append(InputProblem("now", f"{self.now} s is not a time of day"))
        for vid in sorted(self.done & self.cancelled):
            problems.append(InputProblem("cancelled", f"visit {vid!r} is also reported done"))
        for tid in sorted(self.dropped_teams & self.locked_teams):
            problems.append(InputProblem("locked_teams", f"team {tid!r} is also dropped"))
        for tid, point in self.positions.items():
            try:
                check_lonlat(point, f"positions[{tid}]")
            except InvalidInput as exc:
                problems.extend(exc.problems)
        for tid, at in sorted(self.available_from.items()):
            if not 0 <= at <= DAY_S:
                problems.append(InputProblem(f"available_from[{tid}]",
                                             f"{at} s is not a time of day"))
        for vid, at in sorted(self.rescheduled.items()):
            if not self.now <= at < DAY_S:
                problems.append(InputProblem(
                    f"rescheduled[{vid}]", f"{format_hhmm(at) if 0 <= at < DAY_S else at} is "
                    f"not between now ({format_hhmm(self.now)}) and midnight"))
            if vid in self.cancelled or vid in self.done:
                problems.append(InputProblem(f"rescheduled[{vid}]",
                                             f"visit {vid!r} is also cancelled or done"))
        if problems:
            raise InvalidInput.many(problems)

    @property
    def final_outcomes(self) -> frozenset[str]:
        """Visits whose field outcome closes them for today (a rescheduled time reopens one)."""
        return frozenset(o.visit_id for o in self.outcomes
                         if o.status.final) - set(self.rescheduled)

    @property
    def arrived(self) -> frozenset[str]:
        """Visits where a team reported arriving (and nothing final yet)."""
        return frozenset(o.visit_id for o in self.outcomes
                         if o.status is OutcomeStatus.ARRIVED) - self.final_outcomes \
            - set(self.rescheduled)


class Why:
    """Why a visit changed, as `Changes` and the field page say it."""

    CANCELLED = "cancelled"  # a dispatcher cancelled it
    OUTCOME = "outcome"  # a field report (rescheduled to a new time, closed early)
    TEAM_DROPPED = "team_dropped"  # its team is off for the rest of the day
    TEAM_LATE = "team_late"  # its team goes on later (or elsewhere) than planned
    NEW_VISIT = "new_visit"  # not in the plan before
    BETTER_COVERAGE = "better_coverage"  # the search plans more priority or less driving

    ZH: Mapping[str, str] = {
        "cancelled": "调度取消", "outcome": "外访结果上报", "team_dropped": "外访组停止作业",
        "team_late": "外访组延误", "new_visit": "新增案件", "better_coverage": "优化覆盖",
    }


@dataclass(frozen=True, slots=True)
class TeamChange:
    """One change on one team's afternoon: what it is, why, and the times before and after.

    `change`: "added" (new to the plan or planned from the unassigned), "moved_in" (from
    `other_team`), "moved_out" (to `other_team`), "removed" (left out, or cancelled),
    "reordered" (same team, another place in its order), "retimed" (same team, service
    starting more than the policy's `retime_min` from before).
    """

    visit_id: str
    change: str
    reason: str
    other_team: str | None = None
    was: int | None = None
    now: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"visit_id": self.visit_id, "change": self.change,
                               "reason": self.reason, "reason_zh": Why.ZH[self.reason]}
        if self.other_team is not None:
            key = "from_team" if self.change == "moved_in" else "to_team"
            out[key] = self.other_team
        if self.was is not None:
            out["was"] = format_hhmm(self.was)
        if self.now is not None:
            out["now"] = format_hhmm(self.now)
        return out


@dataclass(frozen=True, slots=True)
class Move:
    """A visit that changed team."""

    visit_id: str
    from_team: str
    to_team: str


@dataclass(frozen=True, slots=True)
class Added:
    """A visit unassigned before (or new) and routed now."""

    visit_id: str
    team_id: str


@dataclass(frozen=True, slots=True)
class Changes:
    """What the new version changes, for dispatchers, the field pages and the audit trail.

    `changed` are the visits a team was told of (not committed, not cancelled) whose team,
    place in the order, start (beyond the tolerance) or planning changed; `required` those of
    them the disruption itself forced (their team dropped, late past them, a rescheduled
    time), so `changed - required` is what the search chose to change. `teams` says per team
    what is new in this version and why.
    """

    now: int
    completed: tuple[str, ...]
    cancelled: tuple[str, ...]
    moved: tuple[Move, ...]
    added: tuple[Added, ...]
    dropped: tuple[Unassigned, ...]
    reordered: tuple[str, ...] = ()
    retimed: tuple[str, ...] = ()
    changed: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    teams: Mapping[str, tuple[TeamChange, ...]] = field(default_factory=dict)
    base_version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: `now` as HH:MM, dropped visits with reason and both explanations."""
        return {
            "now": format_hhmm(self.now),
            "since_version": self.base_version,
            "completed": list(self.completed),
            "cancelled": list(self.cancelled),
            "moved": [{"visit_id": m.visit_id, "from_team": m.from_team, "to_team": m.to_team}
                      for m in self.moved],
            "added": [{"visit_id": a.visit_id, "team_id": a.team_id} for a in self.added],
            "dropped": [{"visit_id": u.visit_id, "reason": u.reason.value, "detail": u.detail,
                         "detail_en": u.detail_en} for u in self.dropped],
            "reordered": list(self.reordered),
            "retimed": list(self.retimed),
            "counts": {"changed": len(self.changed), "required": len(self.required),
                       "chosen": len(self.changed - self.required),
                       "moved": len(self.moved), "added": len(self.added),
                       "dropped": len(self.dropped), "reordered": len(self.reordered),
                       "retimed": len(self.retimed)},
            "teams": {t: [c.to_dict() for c in cs] for t, cs in self.teams.items()},
        }


@dataclass(frozen=True, slots=True)
class Replanned:
    """The new plan, what changed, and the checked parts it was assembled from."""

    plan: Plan
    changes: Changes
    parts: tuple[tuple[Problem, Plan], ...]


def replan(problem: Problem, plan: Plan, disruption: Disruption,
           options: SolveOptions | None = None, *,
           travel: TravelMatrix | None = None,
           progress: Callable[[Progress], None] | None = None,
           should_stop: Callable[[], bool] | None = None,
           base_version: int | None = None) -> tuple[Plan, Changes]:
    """The plan for the rest of the day and what changed (see the module docstring).

    `problem` is the day's problem (visits not in `plan` are new and join the pool);
    `travel` times legs from reported positions (default: the policy's straight-line
    estimate). Raises InvalidInput for ids that are not the day's, ComplianceViolation if
    the re-plan breaks a rule (a bug).
    """
    result = replan_detail(problem, plan, disruption, options, travel=travel,
                           progress=progress, should_stop=should_stop,
                           base_version=base_version)
    return result.plan, result.changes


def replan_detail(problem: Problem, plan: Plan, disruption: Disruption,
                  options: SolveOptions | None = None, *,
                  travel: TravelMatrix | None = None,
                  progress: Callable[[Progress], None] | None = None,
                  should_stop: Callable[[], bool] | None = None,
                  base_version: int | None = None) -> Replanned:
    """As `replan`, also returning each checked part (problem, plan) of the rest of the day.

    `progress` and `should_stop` reach the search of the free part, as for a whole day.
    """
    problem = problem.dense()  # a re-plan splices the day's matrices (a large day's, once)
    _validate(problem, plan, disruption)
    d = disruption
    options = options or SolveOptions()
    gone = frozenset(d.cancelled)
    states = [_team_state(problem, plan.route(t.team_id), k, d)
              for k, t in enumerate(problem.teams)]

    # the rest-of-day problem: every visit not committed and not cancelled, every team with
    # time left; a rescheduled visit's window is its new time
    committed_ids = {s.visit_id for st in states for s in st.committed}
    rest_visits = [i for i, v in enumerate(problem.visits)
                   if v.visit_id not in committed_ids and v.visit_id not in gone]
    available = [st for st in states if st.rest_team is not None
                 and st.team.team_id not in d.dropped_teams]
    rest = _rest_problem(problem, rest_visits, available, travel, d.rescheduled)
    rest_team_at = {st.team.team_id: j for j, st in enumerate(available)}
    rest_visit_at = {problem.visits[i].visit_id: j for j, i in enumerate(rest_visits)}
    old_stop = {s.visit_id: (r.team_id, s) for r in plan.routes for s in r.stops}

    # borrowers met today (committed) are not visited again
    taken: dict[str, str] = {}
    for st in states:
        for s in st.committed:
            taken.setdefault(s.borrower_id, s.visit_id)

    # the start each visit was told (a rescheduled one: its new time); a team kept in its
    # order never serves a stop earlier than that, it waits
    told_at = {vid: stop.start for vid, (_t, stop) in old_stop.items()}
    told_at.update(d.rescheduled)

    # locked teams first: their remaining stops, in order, re-timed
    parts: list[tuple[Problem, Plan]] = []
    new_routes: dict[str, Route] = {}
    kept_by_locked: set[str] = set()
    for st in available:
        if st.team.team_id not in d.locked_teams:
            continue
        order = [rest_visit_at[v] for v in _told_order(st, d, old_stop)
                 if v in rest_visit_at and problem.visit(v).borrower_id not in taken]
        sub = rest.restrict(order, [rest_team_at[st.team.team_id]])
        route = _timed_in_order(sub, list(range(len(order))), told_at)
        kept = [s.visit_id for s in route.stops]
        sub = sub.restrict([sub.visit_index[v] for v in kept], [0])
        part = Plan(sub.day, (route,), (), compute_kpis(sub, (route,), ()), sub.policy,
                    {"part": f"locked {st.team.team_id}"})
        assert_compliant(sub, part)
        parts.append((sub, part))
        new_routes[st.team.team_id] = route
        kept_by_locked.update(kept)
        for vid in kept:
            taken.setdefault(problem.visit(vid).borrower_id, vid)

    # the pool: every other remaining visit, except borrowers already met or kept today
    old_unassigned = {u.visit_id: u for u in plan.unassigned}
    settled: list[Unassigned] = []
    pool: list[int] = []
    for j, i in enumerate(rest_visits):
        v = problem.visits[i]
        if v.visit_id in kept_by_locked:
            continue
        other = taken.get(v.borrower_id)
        if other is None:
            pool.append(j)
            continue
        before = old_unassigned.get(v.visit_id)
        if before is not None and _rank(before.reason) <= _rank(Reason.SAME_BORROWER_SAME_DAY):
            settled.append(before)
        else:
            e = explain.same_borrower(other)
            settled.append(Unassigned(v.visit_id, e.reason, e.detail, e.detail_en))
    free_states = [st for st in available if st.team.team_id not in d.locked_teams]
    free = [rest_team_at[st.team.team_id] for st in free_states]
    free_problem = rest.restrict(pool, free)

    # where each free team starts from: what it was told, as far as it still fits
    told: dict[str, list[str]] = {}
    fits: dict[str, dict[str, int]] = {}  # team -> visit -> start when kept in order
    for k, st in enumerate(free_states):
        ids = [v for v in _told_order(st, d, old_stop) if v in free_problem.visit_index]
        sub = free_problem.restrict([free_problem.visit_index[v] for v in ids], [k])
        route = _timed_in_order(sub, list(range(len(ids))), told_at)
        told[st.team.team_id] = ids
        fits[st.team.team_id] = {s.visit_id: s.start for s in route.stops}
    policy = problem.policy
    if policy.replan_free:
        free_plan = solve(free_problem, options, progress=progress, should_stop=should_stop)
    else:
        team_at = {st.team.team_id: k for k, st in enumerate(free_states)}
        anchors: list[Anchor | None] = []
        for v in free_problem.visits:
            was = old_stop.get(v.visit_id)
            if was is None or was[0] not in team_at:
                anchors.append(None)
                continue
            planned = d.rescheduled.get(v.visit_id, was[1].start)
            kept_at = fits[was[0]].get(v.visit_id)
            # lateness the disruption forces on a team costs nothing
            anchors.append(Anchor(team_at[was[0]], max(planned, kept_at or planned)))
        start = [[free_problem.visit_index[v] for v in told[st.team.team_id]
                  if v in fits[st.team.team_id]] for st in free_states]
        price = ChangePrice(policy.replan_move_cost, policy.replan_retime_min * 60,
                            max(1, policy.replan_retime_cost_per_min // 60)
                            if policy.replan_retime_cost_per_min else 0)
        free_plan = solve_anchored(free_problem, anchors, start, price, options,
                                   progress=progress, should_stop=should_stop)
    assert_compliant(free_problem, free_plan)
    parts.append((free_problem, free_plan))
    free_plan = _explained_among_all(rest, pool, free_plan)
    for r in free_plan.routes:
        if r.stops:
            new_routes[r.team_id] = r

    record = ReplanRecord(
        d.now, tuple(Restart(st.team.team_id, st.ready, st.origin, st.start_point,
                             tuple(s.visit_id for s in st.committed),
                             st.team.team_id in d.dropped_teams) for st in states),
        tuple(v.visit_id for v in problem.visits if v.visit_id in gone),
        tuple(sorted((d.done | d.final_outcomes | d.arrived) & committed_ids)),
        dict(sorted(d.rescheduled.items())), base_version)
    merged = _merge(problem, plan, states, new_routes, settled, free_plan, gone, record)
    assert_compliant(problem, merged)
    # what the disruption itself forces: visits of teams that cannot go on with them (dropped,
    # shift over, a locked team's stops that no longer fit), stops that no longer fit the
    # order a team was told, lateness past the tolerance, rescheduled times, borrowers met
    tolerance = policy.replan_retime_min * 60
    free_ids = {st.team.team_id for st in free_states}
    required = {v for t, order in told.items() for v in order if v not in fits[t]}
    late = {v for t, starts in fits.items() for v, at in starts.items()
            if v in old_stop and at - old_stop[v][1].start > tolerance}
    # a locked team's stops run late only because the team does (it keeps its order)
    late.update(s.visit_id for t in d.locked_teams if t in new_routes
                for s in new_routes[t].stops
                if s.visit_id in old_stop and s.start - old_stop[s.visit_id][1].start > tolerance)
    for st in states:
        if st.team.team_id not in free_ids:
            required.update(s.visit_id for s in st.remaining if s.visit_id not in kept_by_locked)
    required.update(d.rescheduled)
    required.update(u.visit_id for u in settled)
    changes = _changes(problem, plan, merged, states, d, frozenset(required | late),
                       frozenset(late), base_version)
    return Replanned(merged, changes, tuple(parts))


def _explained_among_all(rest: Problem, pool: Sequence[int], free_plan: Plan) -> Plan:
    """The free part's unassigned visits, explained among every team that goes on.

    The free part leaves locked teams out, so a visit only a locked team could take reads
    there as having no eligible team (or as unreachable). Among all the teams it has one:
    that team is full with the stops it was told, so the visit is over capacity.
    """
    among_free = {u.visit_id for u in free_plan.unassigned
                  if u.reason in (Reason.NO_ELIGIBLE_TEAM, Reason.UNREACHABLE)}
    if not among_free:
        return free_plan
    whole = rest.restrict(list(pool), list(range(len(rest.teams))))
    screened = screen(whole)
    rejected = {whole.visits[i].visit_id: e for i, e in screened.rejected.items()}
    out = []
    for u in free_plan.unassigned:
        if u.visit_id not in among_free:
            out.append(u)
            continue
        e = rejected.get(u.visit_id) or explain.over_capacity(whole.visit(u.visit_id).priority)
        out.append(Unassigned(u.visit_id, e.reason, e.detail, e.detail_en))
    return replace(free_plan, unassigned=tuple(out))


def _told_order(st: _TeamState, d: Disruption, old_stop: Mapping[str, tuple[str, Stop]]
                ) -> list[str]:
    """A team's remaining visits in the order it was told, a rescheduled one at its new time."""
    planned = [(s.start, s.visit_id) for s in st.remaining if s.visit_id not in d.rescheduled]
    for vid, at in d.rescheduled.items():
        before = old_stop.get(vid)
        if before is not None and before[0] == st.team.team_id and vid not in {
                s.visit_id for s in st.committed}:
            planned.append((at, vid))
    return [v for _t, v in sorted(planned)]


# -- the state of each team at `now` ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _TeamState:
    team: Team
    index: int  # in the day's problem
    route: Route | None
    committed: tuple[Stop, ...]
    remaining: tuple[Stop, ...]  # not committed and not cancelled, in planned order
    kept_breaks: tuple[BreakSlot, ...]
    rest_team: Team | None  # the team for the rest of the day, None when its shift is over
    start_node: int | None  # row in the day's matrices where it starts, None: a new position
    ready: int  # when it goes on
    origin: str  # where from: "base", "stop" (its last committed stop) or "position"
    start_point: LonLat


def _team_state(problem: Problem, route: Route | None, k: int, d: Disruption) -> _TeamState:
    team = problem.teams[k]
    travel = problem.travel
    stops = route.stops if route is not None else ()
    closed = d.done | d.final_outcomes | d.arrived
    reopened = d.cancelled | set(d.rescheduled)
    committed = tuple(s for s in stops if s.visit_id not in reopened and (
        s.visit_id in closed or s.departure <= d.now or s.start <= d.now))
    committed = _relinked(problem, k, committed)
    done_ids = {s.visit_id for s in committed}
    remaining = tuple(s for s in stops if s.visit_id not in done_ids | d.cancelled)
    ready = max(d.now, team.shift.start, d.available_from.get(team.team_id, 0),
                *(s.departure for s in committed))
    breaks = route.breaks if route is not None else ()
    kept = tuple(b for b in breaks if b.start <= ready)
    ready = max([ready, *(b.end for b in kept)])

    origin: str
    on_road = _on_the_road(stops, committed, kept)
    if team.team_id in d.positions:
        start, node, origin = d.positions[team.team_id], None, "position"
    elif on_road is not None:
        start, node, origin = on_road, None, "position"
    elif committed:
        last = max(committed, key=lambda s: s.departure)
        start = last.location
        node = travel.visit_node[problem.visit_index[last.visit_id]]
        origin = "stop"
    else:
        start, node, origin = team.start, travel.start_node[k], "base"

    rest_team: Team | None = None
    if ready < team.shift.end:
        bw, bs = None, 0
        if team.has_break and not kept and team.break_window is not None \
                and team.break_window.end >= ready:
            # still owed: inside what is left of its window. A window that closed before the
            # team's first work of the day is not owed (it had no route to break from).
            bw = TimeWindow(max(team.break_window.start, ready), team.break_window.end)
            bs = team.break_s
        demand = sum(problem.visit(s.visit_id).demand for s in committed)
        rest_team = replace(
            team, start=start, end=team.end_point, shift=TimeWindow(ready, team.shift.end),
            break_window=bw, break_s=bs,
            max_visits=max(0, problem.max_visits(team) - len(committed)),
            capacity=None if team.capacity is None else max(0, team.capacity - demand))
    return _TeamState(team, k, route, committed, remaining, kept, rest_team, node, ready,
                      origin, start)


def _on_the_road(stops: Sequence[Stop], committed: Sequence[Stop],
                 kept: Sequence[BreakSlot]) -> LonLat | None:
    """Where a team is when its break was planned on the road, else None.

    A break may fall inside a leg (the team left its last committed stop, drove, stopped for
    the break). It then goes on from the point it had reached, the straight-line share of
    the leg driven before the break, not from the stop it left: restarting there would make
    it drive the whole leg again and push its afternoon late.
    """
    if not committed or not kept:
        return None
    last = max(committed, key=lambda s: s.departure)
    at = next((i for i, s in enumerate(stops) if s.visit_id == last.visit_id), None)
    if at is None or at + 1 >= len(stops):
        return None
    nxt = stops[at + 1]
    if nxt.visit_id in {s.visit_id for s in committed}:
        return None
    brk = max(kept, key=lambda b: b.start)
    driven = brk.start - last.departure
    if nxt.travel_s <= 0 or not 0 < driven < nxt.travel_s or nxt.arrival <= brk.start:
        return None
    share = driven / nxt.travel_s
    (x0, y0), (x1, y1) = last.location, nxt.location
    return (round(x0 + (x1 - x0) * share, 6), round(y0 + (y1 - y0) * share, 6))


def _relinked(problem: Problem, k: int, committed: tuple[Stop, ...]) -> tuple[Stop, ...]:
    """Committed stops with each leg's figures from the committed stop before it.

    A stop reported done out of the planned order is committed without the stops planned
    before it, so its recorded leg came from a stop it no longer follows; its times stay.
    """
    travel = problem.travel
    mode = problem.teams[k].mode
    node = travel.start_node[k]
    out = []
    for s in committed:
        here = travel.visit_node[problem.visit_index[s.visit_id]]
        if here is None:
            out.append(s)
            continue
        leg_s, leg_m = travel.duration(mode, node, here), travel.distance(mode, node, here)
        out.append(s if (s.travel_s, s.travel_m) == (leg_s, leg_m)
                   else replace(s, travel_s=leg_s, travel_m=leg_m))
        node = here
    return tuple(out)


def _validate(problem: Problem, plan: Plan, d: Disruption) -> None:
    problems: list[InputProblem] = []
    if plan.day != problem.day:
        problems.append(InputProblem("plan.date", f"{plan.day} is not the day {problem.day}"))
    known = problem.visit_index
    unknown_in_plan = [v for v in plan.visit_ids() if v not in known]
    if unknown_in_plan:
        problems.append(InputProblem("plan", f"visits {', '.join(unknown_in_plan[:5])} are "
                                     "not in the day's visits"))
    routed = {s.visit_id for r in plan.routes for s in r.stops}
    for field_name, ids in (("done", d.done), ("outcomes", {o.visit_id for o in d.outcomes})):
        for vid in sorted(ids):
            if vid not in known:
                problems.append(InputProblem(field_name, f"visit {vid!r} is not in the day"))
            elif vid not in routed:
                problems.append(InputProblem(field_name, f"visit {vid!r} is on no route"))
    for field_name, ids in (("cancelled", d.cancelled), ("rescheduled", set(d.rescheduled))):
        for vid in sorted(ids):
            if vid not in known:
                problems.append(InputProblem(field_name, f"visit {vid!r} is not in the day"))
    for vid in sorted(d.cancelled & d.final_outcomes):
        problems.append(InputProblem("cancelled", f"visit {vid!r} has a final field outcome"))
    committed_before = {s.visit_id for r in plan.routes for s in r.stops
                        if s.departure <= d.now or s.start <= d.now}
    for vid in sorted(set(d.rescheduled) & committed_before - {
            o.visit_id for o in d.outcomes if o.status is OutcomeStatus.RESCHEDULED}):
        problems.append(InputProblem("rescheduled", f"visit {vid!r} was planned before now "
                                     "and has no rescheduled report"))
    teams = problem.team_index
    for field_name, tids in (("positions", set(d.positions)), ("dropped_teams", d.dropped_teams),
                             ("locked_teams", d.locked_teams),
                             ("available_from", set(d.available_from))):
        for tid in sorted(tids):
            if tid not in teams:
                problems.append(InputProblem(field_name, f"team {tid!r} is not in the day"))
    if problems:
        raise InvalidInput.many(problems)


# -- the rest-of-day problem ---------------------------------------------------------------------


def rescheduled_visit(problem: Problem, v: Visit, at: int) -> Visit:
    """The visit with its window replaced by the start agreed with the borrower (to the minute).

    An out-of-hours consent holds only while the new time lies inside the consented window.
    The checker restates the same rule for a plan's `ReplanRecord.rescheduled`.
    """
    window = TimeWindow(at, min(DAY_S, at + problem.service_s(v) + 60))
    consent = v.consent_out_of_hours and v.window is not None and \
        v.window.start <= window.start and window.end <= v.window.end
    return replace(v, window=window, consent_out_of_hours=consent)


def _rest_problem(problem: Problem, visits: Sequence[int], teams: Sequence[_TeamState],
                  travel: TravelMatrix | None, rescheduled: Mapping[str, int]) -> Problem:
    """Remaining visits and rest-of-day teams, with the day's matrices sliced, not recomputed.

    Only a reported position is a new point: its legs come from `travel` (default: the
    policy's straight-line estimate) and are spliced into the day's matrices.
    """
    day_travel = problem.travel
    rows: list[int | None] = []  # row in the day's matrices, None for a new point
    points: list[LonLat] = []
    node: list[int | None] = []
    for i in visits:
        n = day_travel.visit_node[i]
        node.append(None if n is None else len(rows))
        if n is not None:
            rows.append(n)
            points.append(day_travel.points[n])
    starts = []
    for st in teams:
        assert st.rest_team is not None
        starts.append(len(rows))
        rows.append(st.start_node)
        points.append(st.rest_team.start)
    ends = []
    for st in teams:
        ends.append(len(rows))
        rows.append(day_travel.end_node[st.index])
        points.append(day_travel.points[day_travel.end_node[st.index]])
    modes = {st.team.mode for st in teams}
    by_mode = {m: _spliced(day_travel, m, rows, points, problem, travel) for m in sorted(modes)}
    warnings = list(problem.warnings)
    fresh = [r for r in rows if r is None]
    source = day_travel.source
    if fresh and travel is None and source != "haversine":
        warnings.append(f"legs from reported positions are straight-line estimates; the rest "
                        f"of the day uses {source}")
    data = TravelData(tuple(points), tuple(node), tuple(starts), tuple(ends), by_mode, source)
    rest_teams = tuple(st.rest_team for st in teams if st.rest_team is not None)
    rest_visits = tuple(
        rescheduled_visit(problem, v, rescheduled[v.visit_id]) if v.visit_id in rescheduled
        else v for v in (problem.visits[i] for i in visits))
    return Problem(problem.day, rest_visits, rest_teams, problem.policy, data,
                   tuple(problem.prefecture[i] for i in visits), tuple(warnings),
                   problem.calendar)


def _spliced(day: TravelData, mode: Mode, rows: list[int | None], points: list[LonLat],
             problem: Problem, travel: TravelMatrix | None) -> Matrices:
    m = day.by_mode[mode]
    known = [k for k, r in enumerate(rows) if r is not None]
    src = np.asarray([rows[k] for k in known], dtype=np.int64)
    n = len(rows)
    durations = np.zeros((n, n), dtype=np.int64)
    distances = np.zeros((n, n), dtype=np.int64)
    durations[np.ix_(known, known)] = m.durations[np.ix_(src, src)]
    distances[np.ix_(known, known)] = m.distances[np.ix_(src, src)]
    snapped = [m.is_snapped(r) if r is not None else True for r in rows]
    new = [k for k, r in enumerate(rows) if r is None]
    if new:
        source = travel if travel is not None else default_travel(problem.policy)
        fresh = source.matrices(points, mode)
        durations[new, :] = fresh.durations[new, :]
        durations[:, new] = fresh.durations[:, new]
        distances[new, :] = fresh.distances[new, :]
        distances[:, new] = fresh.distances[:, new]
        for k in new:
            snapped[k] = fresh.is_snapped(k)
    return Matrices(durations, distances, tuple(snapped) if m.snapped else (), m.source,
                    m.warnings)


def _timed_in_order(problem: Problem, order: list[int],
                    not_before: Mapping[str, int] | None = None) -> Route:
    """The single team of `problem` serves `order` in that order, as early as it can.

    No stop starts before its time in `not_before` (the time the team was told: it waits
    there rather than knock early). The break is taken at the stop it is at, as late as the
    next service allows: before the first stop whose departure would pass the end of its
    window. A stop that cannot be served in order is left out (it returns to the pool); so is
    the last stop while the team cannot be back by its shift end.
    """
    order = list(order)
    while True:
        outcome = _try_order(problem, order, not_before or {})
        if isinstance(outcome, Route):
            return outcome
        order.remove(outcome)


def _try_order(problem: Problem, order: Sequence[int],
               not_before: Mapping[str, int]) -> Route | int:
    team = problem.teams[0]
    travel = problem.travel
    mode = team.mode
    bw = team.break_window
    owed = team.has_break and bw is not None
    brk: BreakSlot | None = None
    node, t = travel.start_node[0], team.shift.start
    stops: list[Stop] = []
    for i in order:
        v = problem.visits[i]
        vn = travel.visit_node[i]
        hard, _soft, _why = visit_windows(problem, v)
        if vn is None or v.location is None or hard is None:
            return i
        leg, leg_m = travel.duration(mode, node, vn), travel.distance(mode, node, vn)
        service = problem.service_s(v)
        arrival = t + leg
        told = not_before.get(v.visit_id, 0)
        start = max(arrival, hard.start, told)
        if owed and bw is not None and start + service > bw.end:
            b = max(t, bw.start)
            if b > bw.end:
                return i
            brk = BreakSlot(b, b + team.break_s)
            owed = False
            arrival = brk.end + leg
            start = max(arrival, hard.start, told)
        if start + service > hard.end:
            return i
        stops.append(Stop(v.visit_id, v.borrower_id, v.location, arrival, start,
                          start + service, leg, leg_m, v.window, v.location_quality))
        node, t = vn, start + service
    end_node = travel.end_node[0]
    if not stops:
        return Route(team.team_id, team.members, mode, (), (), team.shift.start,
                     team.shift.start, 0, 0, team.start, team.end_point)
    if owed and bw is not None:
        if max(t, bw.start) > bw.end:
            return order[-1]
        brk = BreakSlot(max(t, bw.start), max(t, bw.start) + team.break_s)
        t = brk.end
    end = t + travel.duration(mode, node, end_node)
    if end > team.shift.end:
        return order[-1]
    distance = sum(s.travel_m for s in stops) + travel.distance(mode, node, end_node)
    driving = sum(s.travel_s for s in stops) + travel.duration(mode, node, end_node)
    return Route(team.team_id, team.members, mode, tuple(stops),
                 (brk,) if brk is not None else (), team.shift.start, end, distance, driving,
                 team.start, team.end_point)


# -- merging the kept past with the new rest of the day ----------------------------------------


def _merge(problem: Problem, plan: Plan, states: Sequence[_TeamState],
           new_routes: Mapping[str, Route], settled: Iterable[Unassigned], free_plan: Plan,
           gone: frozenset[str], record: ReplanRecord) -> Plan:
    travel = problem.travel
    routes: list[Route] = []
    order = [r.team_id for r in plan.routes]
    order += [t.team_id for t in problem.teams if t.team_id not in order]
    by_team = {st.team.team_id: st for st in states}
    for tid in order:
        st = by_team[tid]
        team = st.team
        new = new_routes.get(tid)
        stops = st.committed + (new.stops if new is not None else ())
        if not stops:
            routes.append(Route(tid, team.members, team.mode, (), (), team.shift.start,
                                team.shift.start, 0, 0, team.start, team.end_point))
            continue
        # a team with committed stops left base when it was planned to; one without (even
        # if it took its break at base) leaves from where it goes on, when the rest of its
        # day begins
        began = st.route is not None and bool(st.committed)
        start_s = st.route.start_s if began and st.route is not None else (
            new.start_s if new is not None else team.shift.start)
        before_m = sum(s.travel_m for s in st.committed)
        before_s = sum(s.travel_s for s in st.committed)
        if new is not None and new.stops:
            breaks = st.kept_breaks + new.breaks
            end_s, distance, driving = new.end_s, before_m + new.distance_m, \
                before_s + new.driving_s
        else:
            last = st.committed[-1]
            node = travel.visit_node[problem.visit_index[last.visit_id]]
            assert node is not None
            end = travel.end_node[st.index]
            leave = max([last.departure, *(b.end for b in st.kept_breaks)])
            owed, leave = _owed_break(st, leave, travel.duration(team.mode, node, end))
            breaks = st.kept_breaks + owed
            end_s = leave + travel.duration(team.mode, node, end)
            distance = before_m + travel.distance(team.mode, node, end)
            driving = before_s + travel.duration(team.mode, node, end)
        routes.append(Route(tid, team.members, team.mode, stops, breaks, start_s, end_s,
                            distance, driving, team.start, team.end_point))

    unassigned_by_id = {u.visit_id: u for u in (*settled, *free_plan.unassigned)}
    old = {u.visit_id: u for u in plan.unassigned}
    cancelled = explain.cancelled()
    for vid in gone:
        before = old.get(vid)
        unassigned_by_id[vid] = before if before is not None and _rank(before.reason) < _rank(
            Reason.CANCELLED) else Unassigned(vid, cancelled.reason, cancelled.detail,
                                              cancelled.detail_en)
    unassigned = tuple(unassigned_by_id[v.visit_id] for v in problem.visits
                       if v.visit_id in unassigned_by_id)
    day_visits = [i for i, v in enumerate(problem.visits) if v.visit_id not in gone]
    kept_day = problem.restrict(day_visits, list(range(len(problem.teams))))
    warnings = tuple(dict.fromkeys((*plan.kpis.warnings, *free_plan.kpis.warnings)))
    # priority and visit totals are the day's less what was cancelled; the cancelled are
    # counted among the unassigned
    kpis = compute_kpis(kept_day, routes, [u for u in unassigned if u.visit_id not in gone],
                        warnings=warnings, solve_s=free_plan.kpis.solve_s,
                        objective=free_plan.kpis.objective)
    by_reason = dict(kpis.unassigned_by_reason)
    for u in unassigned:
        if u.visit_id in gone:
            by_reason[u.reason.value] = by_reason.get(u.reason.value, 0) + 1
    kpis = replace(kpis, visits_unassigned=len(unassigned), unassigned_by_reason=by_reason)
    meta = {**plan.meta, "replanned_at": to_iso(problem.day, record.now)}
    merged = Plan(problem.day, tuple(routes), unassigned, kpis, problem.policy, meta,
                  problem.travel.record, record)
    accounted = merged.visit_ids()
    every = {v.visit_id for v in problem.visits}
    if len(accounted) != len(every) or set(accounted) != every:
        missing = sorted(every - set(accounted))
        raise InternalError(f"re-planning lost or duplicated visits: missing {missing[:5]}")
    return merged


def _owed_break(st: _TeamState, leave: int, drive: int) -> tuple[tuple[BreakSlot, ...], int]:
    """The break a team with no new stop still owes, and when it then leaves for base.

    Once back at base when its window allows (as the solver does for a route that ends
    before its break window), else before it drives back; none when neither fits.
    """
    rest = st.rest_team
    if rest is None or not rest.has_break or rest.break_window is None:
        return (), leave
    bw, length, end = rest.break_window, rest.break_s, rest.shift.end
    after = max(bw.start, leave + drive)
    if after <= bw.end and after + length <= end:
        return (BreakSlot(after, after + length),), leave
    before = max(bw.start, leave)
    if before <= bw.end and before + length + drive <= end:
        return (BreakSlot(before, before + length),), before + length
    return (), leave


def _changes(problem: Problem, old: Plan, new: Plan, states: Sequence[_TeamState],
             d: Disruption, required: frozenset[str], late: frozenset[str],
             base_version: int | None) -> Changes:
    """What changed per visit and per team, and why (see `Changes` and `TeamChange`)."""
    tolerance = problem.policy.replan_retime_min * 60
    committed = {s.visit_id for st in states for s in st.committed}
    before = {s.visit_id: (r.team_id, s) for r in old.routes for s in r.stops}
    after = {s.visit_id: (r.team_id, s) for r in new.routes for s in r.stops}
    in_old = set(old.visit_ids())
    dropped_teams = d.dropped_teams
    per_team: dict[str, list[TeamChange]] = {t.team_id: [] for t in problem.teams}

    def why(vid: str, team: str) -> str:
        if vid in d.rescheduled:
            return Why.OUTCOME
        if team in dropped_teams:
            return Why.TEAM_DROPPED
        if vid in required or vid in late:
            return Why.TEAM_LATE
        return Why.BETTER_COVERAGE

    moved: list[Move] = []
    reordered: list[str] = []
    retimed: list[str] = []
    changed: set[str] = set()
    kept_order = _kept_in_order(before, after, committed)
    for vid, (team, stop) in before.items():
        if vid in committed:
            continue
        if vid in d.cancelled:
            per_team[team].append(TeamChange(vid, "removed", Why.CANCELLED, was=stop.start))
            continue
        changed_to = after.get(vid)
        reason = why(vid, team)
        if changed_to is None:
            per_team[team].append(TeamChange(vid, "removed", reason, was=stop.start))
            changed.add(vid)
        elif changed_to[0] != team:
            moved.append(Move(vid, team, changed_to[0]))
            per_team[team].append(TeamChange(vid, "moved_out", reason, changed_to[0],
                                             stop.start, changed_to[1].start))
            per_team[changed_to[0]].append(TeamChange(vid, "moved_in", reason, team,
                                                      stop.start, changed_to[1].start))
            changed.add(vid)
        elif vid not in kept_order:
            reordered.append(vid)
            per_team[team].append(TeamChange(vid, "reordered", reason, None, stop.start,
                                             changed_to[1].start))
            changed.add(vid)
        elif abs(changed_to[1].start - stop.start) > tolerance:
            retimed.append(vid)
            per_team[team].append(TeamChange(vid, "retimed", reason, None, stop.start,
                                             changed_to[1].start))
            changed.add(vid)
    added = []
    for vid, (team, stop) in after.items():
        if vid not in before:
            added.append(Added(vid, team))
            per_team[team].append(TeamChange(
                vid, "added", Why.BETTER_COVERAGE if vid in in_old else Why.NEW_VISIT,
                now=stop.start))
    dropped = tuple(u for u in new.unassigned if u.visit_id in before
                    and u.visit_id not in d.cancelled)
    completed = tuple(s.visit_id for st in states for s in st.committed)
    cancelled = tuple(sorted(d.cancelled & in_old))
    return Changes(d.now, completed, cancelled, tuple(moved), tuple(added), dropped,
                   tuple(reordered), tuple(retimed), frozenset(changed),
                   frozenset(required & changed),
                   {t: tuple(cs) for t, cs in per_team.items() if cs}, base_version)


def _kept_in_order(before: Mapping[str, tuple[str, Stop]], after: Mapping[str, tuple[str, Stop]],
                   committed: set[str]) -> set[str]:
    """Per team, the visits that kept their relative order (a longest common subsequence)."""
    out: set[str] = set()
    teams = {t for t, _s in before.values()}
    for team in teams:
        old = [v for v, (t, _s) in before.items() if t == team and v not in committed]
        new_ids = {v for v, (t, _s) in after.items() if t == team}
        old = [v for v in old if v in new_ids]
        new = [v for v, (t, _s) in after.items() if t == team and v in set(old)]
        out.update(_lcs(old, new))
    return out


def _lcs(a: Sequence[str], b: Sequence[str]) -> list[str]:
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(
                table[i + 1][j], table[i][j + 1])
    out, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            out.append(a[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def _rank(reason: Reason) -> int:
    return list(Reason).index(reason)
