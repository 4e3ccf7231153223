"""Decomposed days on the Redis queue: parts run as RQ jobs and join into one checked plan."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import redis

from routeplan.domain.policy import Policy
from routeplan.domain.schedule import Horizon
from routeplan.rules.schedule_check import check_schedule
from routeplan.solver import Progress, SolveOptions, solve
from routeplan.workflows.build import build_problem, default_locator
from routeplan.workflows.synth import synth_day, synth_week
from routeplan.workflows.week import WeekOptions, plan_week
from routeplan_api.jobs.parts import PARTS_QUEUE_NAME, RqPartRunner
from tests.api.conftest import REDIS_URL

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="Redis: ROUTEPLAN_TEST_REDIS_URL is not set (scripts/test.sh sets it)")


@pytest.fixture
def parts_worker(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """One real `routeplan worker` on the test Redis (parts queue first)."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {**os.environ, "ROUTEPLAN_QUEUE_URL": REDIS_URL,
           "ROUTEPLAN_DATA_DIR": str(tmp_path / "data")}
    exe = Path(sys.executable).parent / "routeplan"
    proc = subprocess.Popen([str(exe), "worker"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield proc
    proc.terminate()
    proc.wait(timeout=30)


def test_parts_solved_on_the_queue_join_into_one_lawful_plan(
        parts_worker: subprocess.Popen[bytes]) -> None:
    locator = default_locator()
    day = synth_day(prefectures=["郑州市", "开封市", "洛阳市"], visits=150, teams=9, seed=6,
                    locator=locator)
    problem = build_problem(day.day, day.visits, day.teams, Policy(), locator=locator)
    runner = RqPartRunner(REDIS_URL)
    plan = solve(problem, SolveOptions(time_limit_s=6, workers=1), decompose_above=50,
                 runner=runner)  # solve() runs the compliance checker on the joined plan
    assert int(plan.meta["parts"]) >= 3
    ids = Counter(plan.visit_ids())
    assert set(ids) == {v.visit_id for v in day.visits}
    assert max(ids.values()) == 1
    assert plan.kpis.visits_planned > 60
    assert redis.Redis.from_url(REDIS_URL).llen(f"rq:queue:{PARTS_QUEUE_NAME}") == 0


def test_a_stop_reaches_parts_on_other_workers(parts_worker: subprocess.Popen[bytes]) -> None:
    """The stop travels through Redis to the parts a `routeplan worker` solves, and their
    progress comes back while they run."""
    locator = default_locator()
    day = synth_day(prefectures=["郑州市", "开封市", "洛阳市"], visits=150, teams=9, seed=6,
                    locator=locator)
    problem = build_problem(day.day, day.visits, day.teams, Policy(), locator=locator)
    reports: list[Progress] = []
    plan = solve(problem, SolveOptions(time_limit_s=120, workers=1), decompose_above=50,
                 runner=RqPartRunner(REDIS_URL), progress=reports.append,
                 should_stop=lambda: any((r.planned or 0) > 0 for r in reports))
    assert plan.kpis.solve_s < 60  # a generous bound: without the stop, ~100 s
    assert len(reports) > 1 and reports[-1].planned == plan.kpis.visits_planned
    assert set(plan.visit_ids()) == {v.visit_id for v in day.visits}
    leftovers = redis.Redis.from_url(REDIS_URL).keys("routeplan:parts:*")
    assert leftovers == []


def test_a_week_runs_its_days_on_the_queue(parts_worker: subprocess.Popen[bytes]) -> None:
    """plan_week on the RQ runner: each (day, place) an RQ job, the schedule checked (inside
    plan_week and again here), every case once."""
    locator = default_locator()
    week = synth_week(prefectures=["郑州市", "开封市"], visits=80, teams=6, seed=2, days=3,
                      locator=locator)
    horizon = Horizon(week.day, 3)
    result = plan_week(week.visits, week.teams, Policy(), horizon, locator=locator,
                       options=WeekOptions(time_limit_s=20, solution_limit=3),
                       runner=RqPartRunner(REDIS_URL))
    seen = Counter([*(vid for p in result.schedule.days.values() for vid in p.visit_ids()),
                    *(u.visit_id for u in result.schedule.unscheduled)])
    assert seen == Counter(v.visit_id for v in week.visits)
    assert result.kpis.visits_planned > 30
    build = partial(build_problem, locator=locator)
    assert check_schedule(week.visits, week.teams, Policy(), horizon, result.schedule,
                          build) == []
    assert redis.Redis.from_url(REDIS_URL).llen(f"rq:queue:{PARTS_QUEUE_NAME}") == 0
