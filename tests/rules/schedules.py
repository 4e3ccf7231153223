"""Hand-built weekly schedules for tests: a small world of cases and teams, and its day plans.

Day plans are built here from domain values (`Route`, `Stop`, `Plan`), never by the solver: each
route serves its visits in the given order, starting service as soon as the team gets there but
not before 09:00 (or the visit's window), so a plan keeps every single-day rule unless a test
breaks one on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial

import numpy as np
import numpy.typing as npt

from routeplan.domain.clock import TimeWindow
from routeplan.domain.kpis import compute_kpis
from routeplan.domain.plan import Plan, Route, Stop
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.rules.schedule_check import (
    CaseDays,
    Horizon,
    Schedule,
    TeamDays,
    Unscheduled,
    check_schedule,
)
from routeplan.workflows.build import build_problem

ZHENGZHOU = (113.65, 34.75)
NINE = 9 * 3600

#: day -> team id -> visit ids in route order
type Assignment = Mapping[date, Mapping[str, Sequence[str]]]


class Locator:
    """Stand-in for the regions data: everything lies in Zhengzhou (410100)."""

    def locate(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.int64]:
        return np.full(np.asarray(lons).shape, 410100, dtype=np.int64)


BUILD = partial(build_problem, locator=Locator())


def near(i: int) -> tuple[float, float]:
    """A point in Zhengzhou a few kilometres from the centre, distinct per i."""
    return (ZHENGZHOU[0] + 0.01 * (i % 5) - 0.02, ZHENGZHOU[1] + 0.008 * (i // 5 % 5) - 0.01)


def case(vid: str, i: int, **kw: object) -> Visit:
    kw.setdefault("borrower_id", f"b-{vid}")
    return Visit(vid, location=kw.pop("location", near(i)), **kw)  # type: ignore[arg-type]


def team(tid: str, **kw: object) -> Team:
    kw.setdefault("members", (f"{tid}-a", f"{tid}-b"))
    kw.setdefault("start", ZHENGZHOU)
    kw.setdefault("shift", TimeWindow(8 * 3600 + 1800, 18 * 3600))
    return Team(tid, **kw)  # type: ignore[arg-type]


def route(problem: Problem, team_id: str, visit_ids: Sequence[str]) -> Route:
    """The team serves the visits in order, each as early as allowed, then drives home."""
    t = problem.travel
    k = problem.team_index[team_id]
    tm = problem.teams[k]
    prev = t.start_node[k]
    clock = tm.shift.start
    stops: list[Stop] = []
    distance = driving = 0
    for vid in visit_ids:
        i = problem.visit_index[vid]
        v = problem.visits[i]
        node = t.visit_node[i]
        assert node is not None and v.location is not None
        leg, metres = t.duration(tm.mode, prev, node), t.distance(tm.mode, prev, node)
        arrival = clock + leg
        start = max(arrival, NINE, v.window.start if v.window else 0)
        departure = start + problem.service_s(v)
        stops.append(Stop(vid, v.borrower_id, v.location, arrival, start, departure, leg,
                          metres, v.window))
        distance, driving, prev, clock = distance + metres, driving + leg, node, departure
    back = t.end_node[k]
    distance += t.distance(tm.mode, prev, back)
    driving += t.duration(tm.mode, prev, back)
    return Route(team_id, tm.members, tm.mode, tuple(stops), (), tm.shift.start,
                 clock + t.duration(tm.mode, prev, back), distance, driving, tm.start,
                 tm.end_point)


@dataclass
class World:
    """The input of a weekly run: cases and teams with their days, the policy, the horizon."""

    cases: list[Visit]
    teams: list[Team]
    horizon: Horizon
    policy: Policy = field(default_factory=Policy)
    case_days: dict[str, CaseDays] = field(default_factory=dict)
    team_days: dict[str, TeamDays] = field(default_factory=dict)

    def case(self, vid: str) -> Visit:
        return next(v for v in self.cases if v.visit_id == vid)

    def plan(self, day: date, routes: Mapping[str, Sequence[str]]) -> Plan:
        """A day plan with a route for each team that has visits, nothing unassigned."""
        vids = [vid for ids in routes.values() for vid in ids]
        tids = [tid for tid, ids in routes.items() if ids]
        known = {v.visit_id: v for v in self.cases}
        problem = BUILD(day, [known[v] for v in vids],
                        [t for t in self.teams if t.team_id in tids], self.policy)
        built = tuple(route(problem, tid, routes[tid]) for tid in tids)
        return Plan(day, built, (), compute_kpis(problem, built, ()), self.policy)

    def schedule(self, days: Assignment, unscheduled: Mapping[str, str] | None = None
                 ) -> Schedule:
        """The schedule routing `days` and leaving out `unscheduled` (visit id -> reason)."""
        plans = {d: self.plan(d, routes) for d, routes in days.items()}
        out = tuple(Unscheduled(vid, reason, "说明", "explanation")
                    for vid, reason in (unscheduled or {}).items())
        return Schedule(plans, out)

    def check(self, schedule: Schedule) -> list[str]:
        return check_schedule(self.cases, self.teams, self.policy, self.horizon, schedule,
                              BUILD, case_days=self.case_days, team_days=self.team_days)
