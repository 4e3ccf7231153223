"""Fixtures for the I/O adapter tests: files written on the fly and one small solved plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from routeplan.domain.clock import TimeWindow
from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.solver.solve import SolveOptions, solve
from routeplan.workflows.build import build_problem

DAY = date(2026, 12, 1)


class ZhengzhouLocator:
    """Puts every point in Zhengzhou (410100): the tests need a plan, not a spatial join."""

    def locate(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.int64]:
        return np.full(len(np.asarray(lons)), 410100, dtype=np.int64)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write text (UTF-8) or bytes to a file in the test's folder and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write


def problems_of(call: Callable[[], object]) -> list[str]:
    """The lines of the InvalidInput that `call` raises (it must raise one)."""
    with pytest.raises(InvalidInput) as info:
        call()
    return [str(p) for p in info.value.problems]


@pytest.fixture(scope="session")
def small_plan() -> Plan:
    """Six Zhengzhou visits (one do-not-visit, one with a window) for two teams, solved."""
    base = (113.6254, 34.7466)
    visits = [
        Visit(f"V{i}", f"B{i}", (base[0] + 0.01 * i, base[1] + 0.005 * (i % 3)), priority=10 + i)
        for i in range(1, 5)
    ]
    visits.append(Visit("V5", "B5", (113.66, 34.76), window=TimeWindow(10 * 3600, 12 * 3600)))
    visits.append(Visit("V6", "B6", (113.60, 34.72), do_not_visit=True))
    teams = [
        Team("T1", ("C1", "C2"), base, TimeWindow(9 * 3600, 18 * 3600),
             break_window=TimeWindow(12 * 3600, 13 * 3600), break_s=30 * 60),
        Team("T2", ("C3", "C4"), (113.70, 34.78), TimeWindow(9 * 3600, 18 * 3600)),
    ]
    problem = build_problem(DAY, visits, teams, Policy(), locator=ZhengzhouLocator())
    return solve(problem, SolveOptions(time_limit_s=1, solution_limit=50))
