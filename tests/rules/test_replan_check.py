"""The checker checks a re-plan from its record alone, and catches each way a record can lie."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from routeplan.domain.plan import Plan, Reason, ReplanRecord, Route
from routeplan.rules.compliance import check
from routeplan.workflows.replan import Disruption, replan
from tests.days import ZZ
from tests.workflows.fixtures import BUDGET, day_plan, day_problem

H = 3600


@cache
def _replanned() -> tuple[Plan, Disruption]:
    """10:30: one stop done, one cancelled, a team that reported a position."""
    plan = day_plan()
    now = 10 * H + 1800
    busy = sorted((r for r in plan.routes if r.stops),
                  key=lambda r: -sum(s.start > now for s in r.stops))
    later = [s for r in busy for s in r.stops if s.start > 11 * H]
    d = Disruption(now=now, cancelled=frozenset({later[-1].visit_id}),
                   positions={busy[0].team_id: (ZZ[0] + 0.02, ZZ[1] + 0.01)})
    return replan(day_problem(), plan, d, BUDGET)[0], d


def _record(plan: Plan) -> ReplanRecord:
    assert plan.replan is not None
    return plan.replan


def _with_route(plan: Plan, route: Route) -> Plan:
    return replace(plan, routes=tuple(route if r.team_id == route.team_id else r
                                      for r in plan.routes))


def _with_restart(plan: Plan, team_id: str, **kw: object) -> Plan:
    record = _record(plan)
    restarts = tuple(replace(r, **kw) if r.team_id == team_id else r  # type: ignore[arg-type]
                     for r in record.restarts)
    return replace(plan, replan=replace(record, restarts=restarts))


def test_a_replan_passes_from_its_record() -> None:
    """The re-plan as written is compliant, its cancelled visit unassigned as `cancelled`."""
    plan, d = _replanned()
    assert check(day_problem(), plan) == []
    assert {u.visit_id for u in plan.unassigned if u.reason is Reason.CANCELLED} == d.cancelled


def test_cancelled_without_a_record_or_routed_is_a_violation() -> None:
    """`cancelled` needs the record that cancels it; a cancelled visit may not be routed."""
    plan, _d = _replanned()
    lines = check(day_problem(), replace(plan, replan=None))
    assert any("no re-plan record cancels it" in x for x in lines)
    routed = next(s.visit_id for r in plan.routes for s in r.stops)
    lying = replace(plan, replan=replace(_record(plan), cancelled=(routed,)))
    assert any(f"visit {routed}: re-plan: cancelled, yet routed" in x
               for x in check(day_problem(), lying))


def test_a_restart_before_now_or_a_late_start_is_a_violation() -> None:
    """A team may not go on before `now`; a route may not leave base after its first arrival
    (issue 18: 'start 13:19:23 while its first stop starts at 12:54:55')."""
    plan, d = _replanned()
    route = next(r for r in plan.routes if r.stops)
    early = _with_restart(plan, route.team_id, at=d.now - 600)
    assert any("is before now" in x for x in check(day_problem(), early))
    late = _with_route(plan, replace(route, start_s=route.stops[0].arrival + 60))
    assert any("after arriving at its first stop" in x for x in check(day_problem(), late))


def test_a_new_stop_too_soon_after_the_restart_is_a_violation() -> None:
    """The leg into the first new stop leaves from the restart point at the restart time."""
    plan, _d = _replanned()
    record = _record(plan)
    route, restart = next((r, x) for r in plan.routes for x in record.restarts
                          if x.team_id == r.team_id and len(r.stops) > len(x.committed))
    first = route.stops[len(restart.committed)]
    moved = _with_restart(plan, route.team_id, at=first.start - 1)
    assert any("time consistency" in x and "restart" in x for x in check(day_problem(), moved))


def test_committed_stops_are_history_that_must_be_reported_or_past() -> None:
    """A committed stop after `now` needs a field report; committed stops open the route."""
    plan, d = _replanned()
    record = _record(plan)
    route, restart = next((r, x) for r in plan.routes for x in record.restarts
                          if x.team_id == r.team_id and len(r.stops) > len(x.committed))
    future = route.stops[len(restart.committed)].visit_id
    claimed = _with_restart(plan, route.team_id,
                            committed=(*restart.committed, future), origin="stop",
                            point=route.stops[len(restart.committed)].location)
    assert any("with no field report" in x for x in check(day_problem(), claimed))
    wrong = _with_restart(plan, route.team_id, committed=("V10",))
    assert any("are not its committed stops" in x for x in check(day_problem(), wrong))
    assert d.now == record.now


def test_a_leg_from_a_position_may_not_beat_the_straight_line_or_120_kmh() -> None:
    """No matrix row exists for a reported position: its leg's figures are bounded instead."""
    plan, _d = _replanned()
    record = _record(plan)
    route, restart = next((r, x) for r in plan.routes for x in record.restarts
                          if x.team_id == r.team_id and x.origin == "position"
                          and len(r.stops) > len(x.committed))
    n = len(restart.committed)
    stop = route.stops[n]
    short = replace(stop, travel_m=1, travel_s=1)
    fast = replace(stop, travel_s=max(1, stop.travel_m // 100))
    for bad, words in ((short, "straight line"), (fast, "faster than 120 km/h")):
        stops = (*route.stops[:n], bad, *route.stops[n + 1:])
        lines = check(day_problem(), _with_route(plan, replace(route, stops=stops)))
        assert any(words in x for x in lines), lines


def test_a_dropped_team_takes_no_new_stop() -> None:
    """A team recorded as dropped with a stop after its committed ones is a violation."""
    plan, _d = _replanned()
    record = _record(plan)
    team = next(x.team_id for r in plan.routes for x in record.restarts
                if x.team_id == r.team_id and len(r.stops) > len(x.committed))
    lines = check(day_problem(), _with_restart(plan, team, dropped=True))
    assert any("the team is dropped, yet has" in x for x in lines)
