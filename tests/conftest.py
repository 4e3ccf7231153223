"""Shared fixtures: the default region locator and a problem factory for tiny days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.workflows.build import RegionLocator, build_problem, default_locator
from tests.days import WORKDAY


@pytest.fixture(scope="session")
def locator() -> RegionLocator:
    return default_locator()


@pytest.fixture
def make_problem(locator: RegionLocator) -> Callable[..., Problem]:
    def make(visits: list[Visit], teams: list[Team], policy: Policy | None = None,
             day: date = WORKDAY) -> Problem:
        return build_problem(day, visits, teams, policy or Policy(), locator=locator)

    return make
