"""The parts of a decomposed day as RQ jobs, for `routeplan worker`s on any machine."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from routeplan.domain.errors import InternalError

#: Parts of a decomposed day; workers take these before whole plans.
PARTS_QUEUE_NAME = "routeplan-parts"


class RqPartRunner:
    """The parts of a decomposed day as RQ jobs, solved by `routeplan worker`s on any machine.

    Implements the core's `PartRunner`. The process that waits works on the parts queue too
    (an RQ worker in burst mode), so a single worker never waits for itself.
    """

    def __init__(self, queue_url: str, *, timeout_s: int = 3600) -> None:
        from redis import Redis
        from rq import Queue, Worker

        self._redis = Redis.from_url(queue_url)
        self._queue = Queue(PARTS_QUEUE_NAME, connection=self._redis)
        self._timeout = timeout_s
        # parts run side by side on every worker listening, plus this process
        self.workers = max(1, Worker.count(connection=self._redis)) + 1

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        from rq import Worker
        from rq.job import JobStatus

        jobs = [self._queue.enqueue(fn, item, job_timeout=self._timeout, result_ttl=600,
                                    failure_ttl=3600) for item in items]
        Worker([self._queue], connection=self._redis).work(
            burst=True, logging_level="WARNING", with_scheduler=False)
        deadline = time.monotonic() + self._timeout
        while True:
            states = [job.get_status(refresh=True) for job in jobs]
            if any(s in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)
                   for s in states):
                raise InternalError("a part of the decomposed day failed on a worker")
            if all(s == JobStatus.FINISHED for s in states):
                return [job.return_value() for job in jobs]
            if time.monotonic() > deadline:
                raise InternalError("parts of the decomposed day did not finish in time")
            time.sleep(0.2)
