"""Shared fixtures: the region locator, a problem factory for tiny days, the test road network."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.workflows.build import RegionLocator, build_problem, default_locator
from tests.days import WORKDAY
from tests.travel.testnet import GridNetwork


@pytest.fixture(scope="session")
def locator() -> RegionLocator:
    return default_locator()


@pytest.fixture
def make_problem(locator: RegionLocator) -> Callable[..., Problem]:
    def make(visits: list[Visit], teams: list[Team], policy: Policy | None = None,
             day: date = WORKDAY) -> Problem:
        return build_problem(day, visits, teams, policy or Policy(), locator=locator)

    return make


@pytest.fixture(scope="session")
def grid() -> GridNetwork:
    return GridNetwork()


@pytest.fixture(scope="session")
def roads_dir(tmp_path_factory: pytest.TempPathFactory, grid: GridNetwork) -> Path:
    """Car and foot graphs of the grid (bicycle deliberately not built)."""
    work = tmp_path_factory.mktemp("roads")
    osm = grid.write(work / "grid.osm.pbf")
    out = work / "graphs"
    from routeplan.travel.roads import build_roads

    build_roads(osm, out, profiles=("car", "foot"), threads=1)
    return out
