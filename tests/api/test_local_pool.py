"""The embedded local pool: solver processes yield the cores to the API and never outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.api.conftest import Api, plan_body

_CHILD = """
import os, sys
from routeplan_api.config import Settings
from routeplan_api.jobs.queue import LocalQueue
settings = Settings(database_url=sys.argv[1], local_workers=1, worker_nice=7)
queue = LocalQueue(settings)
print(queue._pool.submit(os.getpid).result(timeout=60), flush=True)
sys.stdin.read()  # until the test kills this process
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purposes
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def test_pool_processes_are_niced_and_exit_when_the_service_is_killed(tmp_path: Path) -> None:
    """A service killed outright (SIGKILL: no shutdown code runs) leaves no solver behind."""
    with subprocess.Popen(
            [sys.executable, "-c", _CHILD, f"sqlite:///{tmp_path / 'r.db'}"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            worker = int(child.stdout.readline())
            assert worker != child.pid
            assert os.getpriority(os.PRIO_PROCESS, worker) >= 7 + os.getpriority(
                os.PRIO_PROCESS, 0)
            child.send_signal(signal.SIGKILL)
            child.wait()
            deadline = time.monotonic() + 30
            while _alive(worker) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not _alive(worker), "the pool process outlived its service"
        finally:
            if child.poll() is None:
                child.kill()


def test_a_killed_pool_process_costs_no_plan(api: Api, small_day: Any) -> None:
    """Kill the process solving a plan, then submit another: both plans end `done`.

    The pool breaks when one of its processes dies; the job that was running is re-queued by
    the reaper, and the service keeps taking and solving new plans.
    """
    first = api.post("/v1/plans", json=plan_body(small_day, time_limit_s=20)).json()["plan_id"]
    end = time.monotonic() + 60
    worker = None
    while time.monotonic() < end and worker is None:
        state = api.store.plans.get(first)
        assert state is not None
        if state.version.status == "solving" and state.version.worker:
            worker = int(state.version.worker.rsplit(":", 1)[1])
        time.sleep(0.1)
    assert worker is not None, "the plan never started solving"
    os.kill(worker, signal.SIGKILL)
    second = api.post("/v1/plans", json=plan_body(small_day, time_limit_s=2)).json()["plan_id"]
    assert api.wait(second, deadline_s=150)["status"] == "done"
    body = api.wait(first, deadline_s=150)
    assert body["status"] == "done", body
    state = api.store.plans.get(first)
    assert state is not None and state.version.attempt == 2
