"""A plan on the road network differs from the straight-line plan where the river forces it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.travel.testnet import GridNetwork

from routeplan.domain.clock import TimeWindow
from routeplan.domain.policy import Policy
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.solver import SolveOptions, solve
from routeplan.travel.provider import make_travel
from routeplan.workflows.build import build_problem

DAY = date(2026, 12, 1)


def _day(grid: GridNetwork) -> tuple[list[Visit], list[Team]]:
    north_bank = grid.node(0, grid.river_row + 1)  # across the river from the south team
    shift = TimeWindow.parse("08:30", "18:00")
    south = Team("south", ("s1", "s2"), grid.node(0, grid.river_row), shift)
    north = Team("north", ("n1", "n2"), grid.node(5, grid.ny - 1), shift)
    return [Visit("v1", "b1", north_bank)], [south, north]


def test_the_river_sends_the_visit_to_the_team_on_its_bank(grid: GridNetwork,
                                                            roads_dir: Path) -> None:
    visits, teams = _day(grid)
    policy = Policy()
    straight = solve(build_problem(DAY, visits, teams, policy), SolveOptions(time_limit_s=1))
    roads = solve(build_problem(DAY, visits, teams, policy,
                                travel=make_travel(policy, roads_dir=roads_dir)),
                  SolveOptions(time_limit_s=1))
    def team_of(plan: object) -> str:
        return next(r.team_id for r in plan.routes if r.stops)  # type: ignore[attr-defined]

    assert team_of(straight) == "south"  # 250 m as the crow flies
    assert team_of(roads) == "north"  # the south team would have to drive round by the bridge
    assert roads.kpis.travel_source != "haversine"
    assert roads.kpis.distance_m > straight.kpis.distance_m
