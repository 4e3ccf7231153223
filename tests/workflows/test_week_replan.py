"""Re-planning the rest of a week from the field's outcomes: past kept, the rules still hold."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from routeplan.domain.clock import SHANGHAI, TimeWindow
from routeplan.domain.errors import InvalidInput
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.policy import Policy
from routeplan.domain.schedule import Horizon, Reschedule, WeekPlan
from routeplan.domain.visit import Visit
from routeplan.rules.schedule_check import check_schedule
from routeplan.workflows.week import plan_week
from routeplan.workflows.week_replan import NOON, prepare_week_replan
from tests.rules.schedules import BUILD, Locator, case, team
from tests.workflows.test_week import FAST, MON, routed_on

TUE, FRI = MON + timedelta(days=1), MON + timedelta(days=4)
LATE_AFTERNOON = TimeWindow(15 * 3600, 16 * 3600 + 1800)
CASES = [case(f"v{i}", i, priority=10 + i) for i in range(12)]
TEAMS = [team("t1", max_visits=4)]


@pytest.fixture(scope="module")
def planned() -> WeekPlan:
    return plan_week(CASES, TEAMS, Policy(), Horizon(MON, 5), build=BUILD, locator=Locator(),
                     options=FAST)


def _monday(planned: WeekPlan) -> list[tuple[str, int]]:
    """Monday's stops in route order: (visit id, service start)."""
    stops = [(s.visit_id, s.start) for r in planned.schedule.days[MON].routes for s in r.stops]
    assert len(stops) >= 3, "the fixture needs three stops on Monday"
    return stops


def _report(vid: str, status: OutcomeStatus, at: int, day: date = MON) -> Outcome:
    moment = datetime(day.year, day.month, day.day, at // 3600, at % 3600 // 60,
                      tzinfo=SHANGHAI)
    return Outcome(vid, "t1", status, moment)


def _replan(planned: WeekPlan, outcomes: list[Outcome],
            reschedules: tuple[Reschedule, ...] = ()) -> tuple[WeekPlan, list[Visit]]:
    prepared = prepare_week_replan(CASES, planned.schedule.days, FRI, TUE, outcomes,
                                   reschedules, Policy())
    result = plan_week(prepared.visits, TEAMS, Policy(), prepared.horizon, build=BUILD,
                       locator=Locator(), options=FAST)
    assert check_schedule(prepared.visits, TEAMS, Policy(), prepared.horizon, result.schedule,
                          BUILD) == []
    assert set(prepared.kept) == {MON}
    return result, list(prepared.visits)


def test_done_stops_stay_in_the_past_and_the_rest_is_planned_once(planned: WeekPlan) -> None:
    """Monday's cases (reported or not) are finished; every other case once from Tuesday."""
    monday = {vid for vid, _ in _monday(planned)}
    result, visits = _replan(planned, [_report(vid, OutcomeStatus.DONE, 10 * 3600)
                                       for vid in sorted(monday)[:1]])
    assert {v.visit_id for v in visits} == {v.visit_id for v in CASES} - monday
    on = routed_on(result)
    assert all(d >= TUE for d in on.values())
    left = {u.visit_id for u in result.schedule.unscheduled}
    assert sorted([*on, *left]) == sorted(v.visit_id for v in visits)


def test_not_at_home_is_tried_another_day_at_another_time(planned: WeekPlan) -> None:
    """Missed on Monday: again no sooner than the gap allows (Thursday), the other half-day."""
    vid, start = _monday(planned)[0]
    result, _ = _replan(planned, [_report(vid, OutcomeStatus.NOT_AT_HOME, start)])
    day = routed_on(result)[vid]
    assert day >= MON + timedelta(days=3)
    stop = next(s for r in result.schedule.days[day].routes for s in r.stops
                if s.visit_id == vid)
    if start < NOON:
        assert stop.start >= NOON
    else:
        assert stop.departure <= NOON


def test_refused_is_not_tried_again_this_week(planned: WeekPlan) -> None:
    vid, start = _monday(planned)[1]
    result, _ = _replan(planned, [_report(vid, OutcomeStatus.REFUSED, start)])
    assert vid not in routed_on(result)
    u = next(u for u in result.schedule.unscheduled if u.visit_id == vid)
    assert u.reason == "do_not_visit"


def test_rescheduled_goes_to_its_new_date_and_time(planned: WeekPlan) -> None:
    """改约 to Friday 15:00-16:30."""
    vid, start = _monday(planned)[2]
    result, _ = _replan(planned, [_report(vid, OutcomeStatus.RESCHEDULED, start)],
                        (Reschedule(vid, FRI, LATE_AFTERNOON),))
    assert routed_on(result)[vid] == FRI
    stop = next(s for r in result.schedule.days[FRI].routes for s in r.stops
                if s.visit_id == vid)
    assert LATE_AFTERNOON.start <= stop.start and stop.departure <= LATE_AFTERNOON.end


def test_a_reschedule_inside_the_gap_is_no_lawful_day(planned: WeekPlan) -> None:
    """Visited Monday, 改约 to Tuesday: the 3-day gap closes it, and the detail says so."""
    vid, start = _monday(planned)[2]
    result, _ = _replan(planned, [_report(vid, OutcomeStatus.RESCHEDULED, start)],
                        (Reschedule(vid, TUE, LATE_AFTERNOON),))
    u = next(u for u in result.schedule.unscheduled if u.visit_id == vid)
    assert u.reason == "no_lawful_day"


def test_a_case_done_off_the_plan_is_finished_and_counts(planned: WeekPlan) -> None:
    """Reported done on Monday though planned for later: not planned again, and the visit
    counts for its borrower (a second case of that borrower keeps the gap from Monday)."""
    later = next(vid for vid, d in routed_on(planned).items() if d > TUE)
    owner = next(v for v in CASES if v.visit_id == later).borrower_id
    prepared = prepare_week_replan(
        [*CASES, case("sibling", 20, borrower_id=owner)], planned.schedule.days, FRI, TUE,
        [_report(later, OutcomeStatus.DONE, 11 * 3600)], (), Policy())
    assert later in prepared.finished
    assert later not in {v.visit_id for v in prepared.visits}
    sibling = next(v for v in prepared.visits if v.visit_id == "sibling")
    assert sibling.last_visit == MON and sibling.visits_last_7d == 1


def test_an_outcome_for_a_case_the_week_does_not_hold_is_refused(planned: WeekPlan) -> None:
    with pytest.raises(InvalidInput) as caught:
        prepare_week_replan(CASES, planned.schedule.days, FRI, TUE,
                            [_report("nobody", OutcomeStatus.DONE, 10 * 3600)], (), Policy())
    assert "outcomes/0" in str(caught.value) and "'nobody'" in str(caught.value)
