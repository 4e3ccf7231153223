"""Mid-day re-planning keeps the past, never schedules before now, and passes the checker."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routeplan.domain.clock import SHANGHAI
from routeplan.domain.errors import InvalidInput
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import Plan, Stop
from routeplan.rules.compliance import check
from routeplan.workflows.replan import Disruption, replan, replan_detail
from tests.days import ZZ
from tests.workflows.fixtures import BUDGET, day_plan, day_problem

H = 3600


def _committed(plan: Plan, d: Disruption) -> dict[str, tuple[str, Stop]]:
    """Stops that must survive unchanged, computed here from the rules, not from replan."""
    closed = d.done | {o.visit_id for o in d.outcomes}
    return {s.visit_id: (r.team_id, s) for r in plan.routes for s in r.stops
            if s.visit_id not in d.cancelled
            and (s.visit_id in closed or s.departure <= d.now or s.start <= d.now)}


def _assert_sound(plan: Plan, d: Disruption) -> None:
    result = replan_detail(day_problem(), plan, d, BUDGET)
    new = result.plan
    kept = _committed(plan, d)
    after = {s.visit_id: (r.team_id, s) for r in new.routes for s in r.stops}
    for vid, (team, stop) in kept.items():
        assert after[vid] == (team, stop), f"committed stop {vid} changed"
    old_breaks = {(r.team_id, b) for r in plan.routes for b in r.breaks}
    for r in new.routes:
        for s in r.stops:
            if s.visit_id not in kept:
                assert s.arrival >= d.now and s.start >= d.now, f"{s.visit_id} before now"
        for a, b_ in zip(r.stops, r.stops[1:], strict=False):
            assert a.departure <= b_.arrival, f"{a.visit_id} and {b_.visit_id} overlap"
        assert len(r.breaks) <= 1 and (not r.stops or r.start_s <= r.stops[0].arrival)
        for b in r.breaks:
            assert (r.team_id, b) in old_breaks or b.start >= d.now
        if r.team_id in d.dropped_teams:
            assert {s.visit_id for s in r.stops} <= set(kept)
        if r.team_id in d.locked_teams:
            old = [s.visit_id for s in plan.route(r.team_id).stops]  # type: ignore[union-attr]
            new_ids = [s.visit_id for s in r.stops if s.visit_id not in kept]
            assert new_ids == [v for v in old if v in new_ids], "locked order changed"
    every = {v.visit_id for v in day_problem().visits}
    ids = new.visit_ids()
    assert len(ids) == len(set(ids))
    assert set(ids) | d.cancelled == every and not set(ids) & d.cancelled
    borrowers = [s.borrower_id for r in new.routes for s in r.stops]
    assert len(borrowers) == len(set(borrowers)), "two visits to one borrower"
    for part_problem, part_plan in result.parts:
        assert check(part_problem, part_plan) == []


def test_done_and_cancelled_and_a_dropped_team() -> None:
    plan = day_plan()
    busy = [r for r in plan.routes if r.stops]
    first = busy[0].stops[0].visit_id
    last = busy[-1].stops[-1].visit_id
    d = Disruption(now=12 * H, done=frozenset({first}), cancelled=frozenset({last}),
                   dropped_teams=frozenset({busy[0].team_id}))
    new, changes = replan(day_problem(), plan, d, BUDGET)
    assert first in changes.completed and changes.cancelled == (last,)
    assert last not in new.visit_ids()
    _assert_sound(plan, d)


def test_a_locked_team_keeps_its_order_and_a_position_moves_a_start() -> None:
    plan = day_plan()
    busy = [r.team_id for r in plan.routes if r.stops]
    d = Disruption(now=10 * H, locked_teams=frozenset({busy[-1]}),
                   positions={busy[0]: (ZZ[0] + 0.03, ZZ[1] + 0.01)})
    _assert_sound(plan, d)


def test_a_final_outcome_counts_as_done_even_before_its_time() -> None:
    plan = day_plan()
    stop = next(r for r in plan.routes if r.stops).stops[-1]
    at = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    d = Disruption(now=9 * H, outcomes=(Outcome(stop.visit_id, "T1", OutcomeStatus.REFUSED,
                                                at),))
    _new, changes = replan(day_problem(), plan, d, BUDGET)
    assert stop.visit_id in changes.completed
    _assert_sound(plan, d)


def test_unknown_ids_and_contradictions_are_input_errors() -> None:
    with pytest.raises(InvalidInput, match="nope"):
        replan(day_problem(), day_plan(), Disruption(now=10 * H, done=frozenset({"nope"})),
               BUDGET)
    with pytest.raises(InvalidInput, match="also reported done"):
        Disruption(now=10 * H, done=frozenset({"V1"}), cancelled=frozenset({"V1"}))
    with pytest.raises(InvalidInput, match="not in the day"):
        replan(day_problem(), day_plan(), Disruption(now=10 * H,
                                                     locked_teams=frozenset({"T9"})), BUDGET)


@st.composite
def disruptions(draw: st.DrawFn) -> Disruption:
    plan = day_plan()
    routed = sorted(s.visit_id for r in plan.routes for s in r.stops)
    every = sorted(v.visit_id for v in day_problem().visits)
    teams = sorted(r.team_id for r in plan.routes)
    now = draw(st.integers(7 * H, 20 * H))
    done = draw(st.frozensets(st.sampled_from(routed), max_size=4))
    cancelled = draw(st.frozensets(st.sampled_from(every), max_size=3)) - done
    dropped = draw(st.frozensets(st.sampled_from(teams), max_size=1))
    locked = draw(st.frozensets(st.sampled_from(teams), max_size=2)) - dropped
    moved = draw(st.frozensets(st.sampled_from(teams), max_size=1))
    positions = {t: (ZZ[0] + draw(st.floats(-0.05, 0.05)), ZZ[1] + draw(st.floats(-0.05, 0.05)))
                 for t in moved}
    return Disruption(now=now, done=done, cancelled=cancelled, positions=positions,
                      dropped_teams=dropped, locked_teams=locked)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(disruptions())
def test_replan_never_changes_the_past_or_breaks_a_rule(d: Disruption) -> None:
    _assert_sound(day_plan(), d)
