"""The parts of a decomposed day as RQ jobs, for `routeplan worker`s on any machine."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from routeplan.domain.errors import InternalError
from routeplan.solver.decompose import OnPartProgress, PartFn
from routeplan.solver.solve import Progress

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

    def map(self, fn: PartFn[Any, Any], items: Sequence[Any], *,
            should_stop: Callable[[], bool] | None = None,
            on_progress: OnPartProgress | None = None) -> list[Any]:
        from rq import Worker
        from rq.job import JobStatus

        watched = should_stop is not None or on_progress is not None
        token = secrets.token_hex(8) if watched else ""
        jobs = [self._queue.enqueue(run_part, fn, item, token, job_timeout=self._timeout,
                                    result_ttl=600, failure_ttl=3600) for item in items]
        done = threading.Event()
        relay = threading.Thread(target=self._relay, args=(token, should_stop, on_progress, done),
                                 name="routeplan-parts", daemon=True)
        if watched:
            relay.start()
        try:
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
        finally:
            done.set()
            if watched:
                relay.join()
                self._redis.delete(_key(token, "stop"), _key(token, "progress"))

    def _relay(self, token: str, should_stop: Callable[[], bool] | None,
               on_progress: OnPartProgress | None, done: threading.Event) -> None:
        """The caller's stop out to the parts (a Redis key), their progress back (a list)."""
        stop_key, progress_key = _key(token, "stop"), _key(token, "progress")
        while True:
            if should_stop is not None and should_stop():
                self._redis.set(stop_key, b"1", ex=self._timeout)
            while (raw := self._redis.lpop(progress_key)) is not None:
                if on_progress is not None:
                    index, p = json.loads(raw)  # type: ignore[arg-type]  # one item
                    on_progress(int(index), Progress(*p))
            if done.wait(0.2):
                return


def _key(token: str, what: str) -> str:
    return f"routeplan:parts:{token}:{what}"


class _RedisSignals:
    """A part's side of the relay: polls the stop key, pushes its progress."""

    def __init__(self, redis: Any, token: str) -> None:
        self._redis = redis
        self._token = token
        self._next = 0.0
        self._stopped = False

    def should_stop(self) -> bool:
        if not self._stopped and time.monotonic() >= self._next:
            self._next = time.monotonic() + 0.5
            self._stopped = bool(self._redis.exists(_key(self._token, "stop")))
        return self._stopped

    def report(self, index: int, progress: Progress) -> None:
        key = _key(self._token, "progress")
        self._redis.rpush(key, json.dumps([index, [progress.elapsed_s, progress.objective,
                                                   progress.solutions, progress.planned]]))
        self._redis.expire(key, 3600)


def run_part(fn: PartFn[Any, Any], item: Any, token: str) -> Any:
    """What a `routeplan worker` runs for one part: the core's part function, with signals."""
    if not token:
        return fn(item, None)
    from rq import get_current_job

    job = get_current_job()
    return fn(item, _RedisSignals(job.connection, token) if job is not None else None)
