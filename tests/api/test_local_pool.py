"""The embedded local pool: solver processes yield the cores to the API and never outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

_CHILD = """
import os, sys
from routeplan_api.config import Settings
from routeplan_api.jobs import LocalQueue
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
