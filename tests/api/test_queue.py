"""The Redis queue: two real `routeplan worker` processes solve two plans at once, and a job
whose worker is killed is retried on the other worker or failed with a reason."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import REDIS_URL, Api, plan_body
from tests.api.test_schedules import _finished, _week

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="Redis: ROUTEPLAN_TEST_REDIS_URL is not set (scripts/test.sh sets it)")


@pytest.fixture
def queue_settings(settings: Any) -> Any:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return settings.model_copy(update={"queue_url": REDIS_URL})


@pytest.fixture
def workers(queue_settings: Any, tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two `routeplan worker` processes on the test's database, each in its own session."""
    env = {**os.environ, "ROUTEPLAN_QUEUE_URL": REDIS_URL,
           "ROUTEPLAN_DATABASE_URL": queue_settings.resolved_database_url,
           "ROUTEPLAN_HEARTBEAT_S": "0.2", "ROUTEPLAN_DATA_DIR": str(tmp_path)}
    exe = Path(sys.executable).with_name("routeplan")
    logs = [(tmp_path / f"worker{i}.log").open("wb") for i in range(2)]
    procs = [subprocess.Popen([str(exe), "worker"], env=env, start_new_session=True,
                              stdout=log, stderr=subprocess.STDOUT) for log in logs]
    yield procs
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    for log in logs:
        log.close()


def _worker_of(api: Api, pid: str) -> str | None:
    state = api.store.plans.get(pid)
    assert state is not None
    return state.version.worker if state.version.status == "solving" else None


def test_two_plans_solve_at_once_on_two_workers(make_api: Any, queue_settings: Any,
                                                workers: Any, small_day: Any) -> None:
    """Both plans are seen `solving` at the same moment, by different worker processes."""
    api: Api = make_api(queue_settings)
    ids = [api.post("/v1/plans", json=plan_body(small_day, time_limit_s=2)).json()["plan_id"]
           for _ in range(2)]
    seen: set[str] = set()
    end = time.monotonic() + 120
    while time.monotonic() < end and len(seen) < 2:
        who = [_worker_of(api, pid) for pid in ids]
        if all(who):
            seen = {w for w in who if w}
        time.sleep(0.05)
    assert len(seen) == 2, "two plans were never solving at once on two workers"
    assert all(api.wait(pid)["status"] == "done" for pid in ids)


def _kill_worker_of(api: Api, pid: str) -> None:
    end = time.monotonic() + 120
    while (who := _worker_of(api, pid)) is None:
        assert time.monotonic() < end, "the plan never started solving"
        time.sleep(0.05)
    horse = int(who.rsplit(":", 1)[1])
    parent = int(Path(f"/proc/{horse}/stat").read_text().rsplit(")", 1)[1].split()[1])
    for victim in (parent, horse):  # the machine is gone: worker and work-horse together
        os.kill(victim, signal.SIGKILL)


def test_killed_worker_job_is_retried_elsewhere(make_api: Any, queue_settings: Any,
                                                workers: Any, small_day: Any) -> None:
    """Kill the worker mid-solve: the job goes back on the queue and the other worker ends it."""
    api: Api = make_api(queue_settings)
    pid = api.post("/v1/plans", json=plan_body(small_day, time_limit_s=2)).json()["plan_id"]
    _kill_worker_of(api, pid)
    body = api.wait(pid)
    assert body["status"] == "done", body
    state = api.store.plans.get(pid)
    assert state is not None
    assert state.version.attempt == 2


def test_killed_worker_job_fails_with_reason_when_out_of_attempts(
        make_api: Any, queue_settings: Any, workers: Any, small_day: Any) -> None:
    """With one attempt allowed, a lost worker leaves the plan failed with a reason."""
    api: Api = make_api(queue_settings.model_copy(update={"max_attempts": 1}))
    pid = api.post("/v1/plans", json=plan_body(small_day, time_limit_s=2)).json()["plan_id"]
    _kill_worker_of(api, pid)
    body = api.wait(pid)
    assert body["status"] == "failed"
    assert body["error"]["error"] == "worker_lost"


def test_a_schedule_is_planned_by_a_worker(make_api: Any, queue_settings: Any, workers: Any,
                                           small_day: Any) -> None:
    """With the Redis queue configured, a week is a job a `routeplan worker` claims and
    finishes; its days become plans the service serves."""
    api: Api = make_api(queue_settings)
    r = api.post("/v1/schedules", json=_week(small_day))
    assert r.status_code == 202, r.text
    sid = r.json()["schedule_id"]
    out = _finished(api, sid)
    assert out["status"] == "done", out
    row = api.store.schedules.get(sid)
    assert row is not None and row.worker and not row.worker.endswith(f":{os.getpid()}")
    days = [d for d in out["result"]["days"] if "plan_id" in d]
    assert days and all(api.get(f"/v1/plans/{d['plan_id']}").json()["status"] == "done"
                        for d in days)
