"""Mid-day re-planning: the rest of the day after what happened so far, and what changed.

`replan(problem, plan, disruption)` keeps every committed stop exactly as it was and plans the
rest of the day from `now`:

- A stop is *committed* when it is reported done, has a final field outcome (done, not at home,
  refused, rescheduled), its planned departure is at or before `now`, or the team is at it
  (an `arrived` outcome, or service planned to have begun by `now`): a team is never pulled
  away from a door it stands at. Committed stops keep their times, to the second.
- A team starts the rest of its day at max(now, shift start, its last committed departure,
  the end of a break it has taken), from its reported position, else its last committed stop,
  else its base. A break that started by then is taken and is not repeated; otherwise the
  break is still owed inside what is left of its window. The cap on visits shrinks by the
  committed stops.
- Cancelled visits leave the day (they are listed in `Changes.cancelled`, not in the plan).
  Dropped teams keep only their committed stops. Locked teams keep their remaining stops in
  the same order: they are re-timed from their new start, not re-solved; a stop that no
  longer fits goes back to the pool for the other teams.
- At most one visit per borrower per day holds across committed and new stops: a borrower
  met today is not visited again (`same_borrower_same_day`).

The rest of the day is solved as its own `Problem` (the free teams and the pool of visits)
plus one small problem per locked team; every part goes through the compliance checker,
and the merged plan accounts for every visit of the day exactly once, cancelled ones aside.
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
from routeplan.domain.plan import BreakSlot, Plan, Reason, Route, Stop, Unassigned
from routeplan.domain.problem import Problem
from routeplan.domain.team import Mode, Team
from routeplan.domain.travel import Matrices, TravelData
from routeplan.rules import reasons as explain
from routeplan.rules.compliance import assert_compliant
from routeplan.solver import SolveOptions, solve
from routeplan.solver.screen import visit_windows
from routeplan.solver.solve import Progress
from routeplan.travel.matrix import TravelMatrix
from routeplan.workflows.build import default_travel


@dataclass(frozen=True, slots=True)
class Disruption:
    """What happened so far today, as reported by dispatchers and field teams.

    `now` is seconds since local midnight. `positions` maps a team id to its current WGS-84
    (lon, lat). A team may not be both dropped and locked; a visit may not be both done and
    cancelled.
    """

    now: int
    done: frozenset[str] = frozenset()
    cancelled: frozenset[str] = frozenset()
    positions: Mapping[str, LonLat] = field(default_factory=dict)
    dropped_teams: frozenset[str] = frozenset()
    locked_teams: frozenset[str] = frozenset()
    outcomes: tuple[Outcome, ...] = ()

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
        if problems:
            raise InvalidInput.many(problems)

    @property
    def final_outcomes(self) -> frozenset[str]:
        """Visits whose field outcome closes them for today."""
        return frozenset(o.visit_id for o in self.outcomes if o.status.final)

    @property
    def arrived(self) -> frozenset[str]:
        """Visits where a team reported arriving (and nothing final yet)."""
        return frozenset(o.visit_id for o in self.outcomes
                         if o.status is OutcomeStatus.ARRIVED) - self.final_outcomes


@dataclass(frozen=True, slots=True)
class Move:
    """A visit that changed team."""

    visit_id: str
    from_team: str
    to_team: str


@dataclass(frozen=True, slots=True)
class Added:
    """A visit unassigned before and routed now."""

    visit_id: str
    team_id: str


@dataclass(frozen=True, slots=True)
class Changes:
    """What the new version changes, for dispatchers and the audit trail."""

    now: int
    completed: tuple[str, ...]
    cancelled: tuple[str, ...]
    moved: tuple[Move, ...]
    added: tuple[Added, ...]
    dropped: tuple[Unassigned, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: `now` as HH:MM, dropped visits with reason and both explanations."""
        return {
            "now": format_hhmm(self.now),
            "completed": list(self.completed),
            "cancelled": list(self.cancelled),
            "moved": [{"visit_id": m.visit_id, "from_team": m.from_team, "to_team": m.to_team}
                      for m in self.moved],
            "added": [{"visit_id": a.visit_id, "team_id": a.team_id} for a in self.added],
            "dropped": [{"visit_id": u.visit_id, "reason": u.reason.value, "detail": u.detail,
                         "detail_en": u.detail_en} for u in self.dropped],
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
           should_stop: Callable[[], bool] | None = None) -> tuple[Plan, Changes]:
    """The plan for the rest of the day and what changed (see the module docstring).

    `problem` is the day's problem the plan was made for; `travel` times legs from reported
    positions (default: the policy's straight-line estimate). Raises InvalidInput for ids
    that are not the day's, ComplianceViolation if a part breaks a rule (a bug).
    """
    result = replan_detail(problem, plan, disruption, options, travel=travel,
                           progress=progress, should_stop=should_stop)
    return result.plan, result.changes


def replan_detail(problem: Problem, plan: Plan, disruption: Disruption,
                  options: SolveOptions | None = None, *,
                  travel: TravelMatrix | None = None,
                  progress: Callable[[Progress], None] | None = None,
                  should_stop: Callable[[], bool] | None = None) -> Replanned:
    """As `replan`, also returning each checked part (problem, plan) of the rest of the day.

    `progress` and `should_stop` reach the solve of the free part, as for a whole day.
    """
    problem = problem.dense()  # a re-plan splices the day's matrices (a large day's, once)
    _validate(problem, plan, disruption)
    now = disruption.now
    in_plan = set(plan.visit_ids())
    gone = frozenset(disruption.cancelled | {v.visit_id for v in problem.visits
                                             if v.visit_id not in in_plan})
    states = [_team_state(problem, plan.route(t.team_id), k, disruption)
              for k, t in enumerate(problem.teams)]

    # the rest-of-day problem: every visit not committed and not gone, every team with time left
    committed_ids = {s.visit_id for st in states for s in st.committed}
    rest_visits = [i for i, v in enumerate(problem.visits)
                   if v.visit_id not in committed_ids and v.visit_id not in gone]
    available = [st for st in states if st.rest_team is not None
                 and st.team.team_id not in disruption.dropped_teams]
    rest = _rest_problem(problem, rest_visits, available, travel)
    rest_team_at = {st.team.team_id: j for j, st in enumerate(available)}
    rest_visit_at = {problem.visits[i].visit_id: j for j, i in enumerate(rest_visits)}

    # locked teams first: their remaining stops, in order, re-timed
    parts: list[tuple[Problem, Plan]] = []
    new_routes: dict[str, Route] = {}
    kept_by_locked: set[str] = set()
    for st in available:
        if st.team.team_id not in disruption.locked_teams:
            continue
        order = [rest_visit_at[s.visit_id] for s in st.remaining if s.visit_id in rest_visit_at]
        sub = rest.restrict(order, [rest_team_at[st.team.team_id]])
        route = _timed_in_order(sub, list(range(len(order))))
        kept = [s.visit_id for s in route.stops]
        sub = sub.restrict([sub.visit_index[v] for v in kept], [0])
        part = Plan(sub.day, (route,), (), compute_kpis(sub, (route,), ()), sub.policy,
                    {"part": f"locked {st.team.team_id}"})
        assert_compliant(sub, part)
        parts.append((sub, part))
        new_routes[st.team.team_id] = route
        kept_by_locked.update(kept)

    # the pool: every other remaining visit, except borrowers already met or kept today
    taken: dict[str, str] = {}
    for st in states:
        for s in st.committed:
            taken.setdefault(s.borrower_id, s.visit_id)
    for vid in kept_by_locked:
        taken.setdefault(problem.visit(vid).borrower_id, vid)
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
    free = [rest_team_at[st.team.team_id] for st in available
            if st.team.team_id not in disruption.locked_teams]
    free_problem = rest.restrict(pool, free)
    free_plan = solve(free_problem, options or SolveOptions(), progress=progress,
                      should_stop=should_stop)
    assert_compliant(free_problem, free_plan)
    parts.append((free_problem, free_plan))
    for r in free_plan.routes:
        if r.stops:
            new_routes[r.team_id] = r

    merged = _merge(problem, plan, states, new_routes, settled, free_plan, gone, now)
    return Replanned(merged, _changes(plan, merged, states, disruption), tuple(parts))


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


def _team_state(problem: Problem, route: Route | None, k: int, d: Disruption) -> _TeamState:
    team = problem.teams[k]
    travel = problem.travel
    stops = route.stops if route is not None else ()
    closed = d.done | d.final_outcomes | d.arrived
    committed = tuple(s for s in stops if s.visit_id not in d.cancelled and (
        s.visit_id in closed or s.departure <= d.now or s.start <= d.now))
    done_ids = {s.visit_id for s in committed}
    remaining = tuple(s for s in stops if s.visit_id not in done_ids | d.cancelled)
    ready = max(d.now, team.shift.start, *(s.departure for s in committed))
    breaks = route.breaks if route is not None else ()
    kept = tuple(b for b in breaks if b.start <= ready)
    ready = max([ready, *(b.end for b in kept)])

    if team.team_id in d.positions:
        start, node = d.positions[team.team_id], None
    elif committed:
        last = max(committed, key=lambda s: s.departure)
        start = last.location
        node = travel.visit_node[problem.visit_index[last.visit_id]]
    else:
        start, node = team.start, travel.start_node[k]

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
    return _TeamState(team, k, route, committed, remaining, kept, rest_team, node)


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
    for vid in sorted(d.cancelled):
        if vid not in known:
            problems.append(InputProblem("cancelled", f"visit {vid!r} is not in the day"))
    for vid in sorted(d.cancelled & d.final_outcomes):
        problems.append(InputProblem("cancelled", f"visit {vid!r} has a final field outcome"))
    teams = problem.team_index
    for field_name, tids in (("positions", set(d.positions)), ("dropped_teams", d.dropped_teams),
                             ("locked_teams", d.locked_teams)):
        for tid in sorted(tids):
            if tid not in teams:
                problems.append(InputProblem(field_name, f"team {tid!r} is not in the day"))
    if problems:
        raise InvalidInput.many(problems)


# -- the rest-of-day problem ---------------------------------------------------------------------


def _rest_problem(problem: Problem, visits: Sequence[int], teams: Sequence[_TeamState],
                  travel: TravelMatrix | None) -> Problem:
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
    return Problem(problem.day, tuple(problem.visits[i] for i in visits), rest_teams,
                   problem.policy, data, tuple(problem.prefecture[i] for i in visits),
                   tuple(warnings))


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


def _timed_in_order(problem: Problem, order: list[int]) -> Route:
    """The single team of `problem` serves `order` in that order, as early as it can.

    The break is taken at the stop it is at, as late as the next service allows: before the
    first stop whose departure would pass the end of its window. A stop that cannot be served
    in order is left out (it returns to the pool); so is the last stop while the team cannot
    be back by its shift end.
    """
    order = list(order)
    while True:
        outcome = _try_order(problem, order)
        if isinstance(outcome, Route):
            return outcome
        order.remove(outcome)


def _try_order(problem: Problem, order: Sequence[int]) -> Route | int:
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
        start = max(arrival, hard.start)
        if owed and bw is not None and start + service > bw.end:
            b = max(t, bw.start)
            if b > bw.end:
                return i
            brk = BreakSlot(b, b + team.break_s)
            owed = False
            arrival = brk.end + leg
            start = max(arrival, hard.start)
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
           gone: frozenset[str], now: int) -> Plan:
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
        began = st.route is not None and bool(st.committed or st.kept_breaks)
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
            breaks = st.kept_breaks
            end_s = leave + travel.duration(team.mode, node, end)
            distance = before_m + travel.distance(team.mode, node, end)
            driving = before_s + travel.duration(team.mode, node, end)
        routes.append(Route(tid, team.members, team.mode, stops, breaks, start_s, end_s,
                            distance, driving, team.start, team.end_point))

    unassigned_by_id = {u.visit_id: u for u in (*settled, *free_plan.unassigned)}
    unassigned = tuple(unassigned_by_id[v.visit_id] for v in problem.visits
                       if v.visit_id in unassigned_by_id)
    day_visits = [i for i, v in enumerate(problem.visits) if v.visit_id not in gone]
    kept_day = problem.restrict(day_visits, list(range(len(problem.teams))))
    warnings = tuple(dict.fromkeys((*plan.kpis.warnings, *free_plan.kpis.warnings)))
    kpis = compute_kpis(kept_day, routes, unassigned, warnings=warnings,
                        solve_s=free_plan.kpis.solve_s, objective=free_plan.kpis.objective)
    meta = {**plan.meta, "replanned_at": to_iso(problem.day, now)}
    merged = Plan(problem.day, tuple(routes), unassigned, kpis, problem.policy, meta,
                  problem.travel.record)
    accounted = set(merged.visit_ids())
    every = {v.visit_id for v in problem.visits}
    if accounted & gone or accounted | gone != every:
        missing = sorted(every - accounted - gone)
        raise InternalError(f"re-planning lost or duplicated visits: missing {missing[:5]}, "
                            f"cancelled yet planned {sorted(accounted & gone)[:5]}")
    return merged


def _changes(old: Plan, new: Plan, states: Sequence[_TeamState], d: Disruption) -> Changes:
    before = {s.visit_id: r.team_id for r in old.routes for s in r.stops}
    after = {s.visit_id: r.team_id for r in new.routes for s in r.stops}
    moved = tuple(Move(v, before[v], t) for v, t in after.items()
                  if v in before and before[v] != t)
    added = tuple(Added(v, t) for v, t in after.items() if v not in before)
    dropped = tuple(u for u in new.unassigned if u.visit_id in before)
    completed = tuple(s.visit_id for st in states for s in st.committed)
    cancelled = tuple(sorted(d.cancelled & set(old.visit_ids())))
    return Changes(d.now, completed, cancelled, moved, added, dropped)


def _rank(reason: Reason) -> int:
    return list(Reason).index(reason)
