"""A small named day for the analyst tests: nine visits, three teams with breaks, one repeat."""

from __future__ import annotations

from functools import cache

from routeplan.domain.clock import TimeWindow
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.solver import SolveOptions, solve
from routeplan.workflows.build import build_problem, default_locator
from tests.days import WORKDAY, team, visit

#: Small budgets that end by solution count, not by the clock, so runs repeat.
BUDGET = SolveOptions(time_limit_s=2, solution_limit=40, seed=1)


def day_visits() -> list[Visit]:
    return [
        visit("V1", east_km=2, priority=50, must_visit=True),
        visit("V2", east_km=-3, north_km=1, priority=20, window=TimeWindow.parse("09:00", "12:00")),
        visit("V3", east_km=1, north_km=-2, priority=10),
        visit("V4", east_km=-1, north_km=3, priority=30, window=TimeWindow.parse("14:00", "18:00")),
        visit("V5", east_km=4, north_km=2, priority=10, service_s=30 * 60),
        visit("V6", east_km=-4, north_km=-2, priority=40, borrower_id="B-6"),
        visit("V7", east_km=-4.1, north_km=-2, priority=40, borrower_id="B-6"),
        visit("V8", east_km=0.5, north_km=4, priority=15,
              window=TimeWindow.parse("10:00", "16:00")),
        visit("V9", east_km=3, north_km=-3, priority=25),
        visit("V10", east_km=-2, north_km=-4, priority=5, do_not_visit=True),
    ]


def day_teams() -> list[Team]:
    return [
        team("T1", brk=("11:30", "13:30", 60), max_visits=4),
        team("T2", shift=("09:00", "19:00"), brk=("11:30", "13:30", 60), max_visits=3),
        team("T3", shift=("12:00", "20:00")),
    ]


@cache
def day_problem() -> Problem:
    return build_problem(WORKDAY, day_visits(), day_teams(), Policy(), locator=default_locator())


@cache
def day_plan() -> Plan:
    return solve(day_problem(), BUDGET)


#: A medium synthetic Zhengzhou day for re-planning: enough teams that a change can go
#: elsewhere, small enough that a solution-limited search repeats.
MID_BUDGET = SolveOptions(time_limit_s=20, solution_limit=60, seed=1)


@cache
def mid_problem() -> Problem:
    from routeplan.workflows.synth import synth_day

    day = synth_day(visits=70, teams=7, seed=4)
    return build_problem(day.day, day.visits, day.teams, Policy(), locator=default_locator())


@cache
def mid_plan() -> Plan:
    return solve(mid_problem(), MID_BUDGET)
