"""Where jobs run: a local process pool (default) or a Redis queue built on RQ.

Why RQ: the service needs one thing from a queue, "run this function in another process,
on any machine", and already keeps job state (status, progress, attempts) in its own
database. RQ does exactly that with plain functions on Redis, has no broker, routing or
result-backend configuration (Celery) and no middleware stack to learn (Dramatiq), and its
worker forks a fresh work-horse per job, so a crashed OR-Tools solve cannot take the worker
with it.

Whatever runs a job, the database is the source of truth (see `routeplan_api.jobs.runner`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, Protocol

from routeplan_api.config import Settings
from routeplan_api.jobs.parts import PARTS_QUEUE_NAME
from routeplan_api.jobs.runner import JobRef, run
from routeplan_api.persistence import Store

log = logging.getLogger("routeplan.jobs")

QUEUE_NAME = "routeplan"


class JobQueue(Protocol):
    """Where the service hands solving jobs."""

    name: str

    def submit(self, ref: JobRef) -> None:
        """Hand one attempt of a job to a worker (`runner.run(ref, ...)` runs it there)."""

    def check(self) -> None:
        """Raise when the queue cannot take jobs."""

    def close(self) -> None: ...


# -- queues --------------------------------------------------------------------------------


class LocalQueue:
    """The embedded default: a pool of separate processes on this machine."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        self._workers = settings.local_workers
        self._nice = settings.worker_nice
        self._url = settings.resolved_database_url
        self._beat = settings.heartbeat_s
        self._runtime = settings.runtime
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self._workers, mp_context=get_context("spawn"),
                                   initializer=_pool_worker_init,
                                   initargs=(self._nice, os.getpid()))

    def submit(self, ref: JobRef) -> None:
        self._submit(run, (ref, self._url, self._beat, self._runtime))

    def _submit(self, func: Callable[..., str], args: tuple[Any, ...]) -> None:
        with self._lock:
            try:
                future = self._pool.submit(func, *args)
            except BrokenProcessPool:  # a worker died: this pool is done for, start another
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                future = self._pool.submit(func, *args)
        future.add_done_callback(lambda f: self._done(f, func, args))

    def _done(self, future: Future[str], func: Callable[..., str],
              args: tuple[Any, ...]) -> None:
        exc = future.exception()
        if isinstance(exc, BrokenProcessPool):
            # A worker process died and took the pool with it. Every job of that pool is
            # handed out again: one still queued would otherwise be lost, and one that was
            # running finds its attempt taken and skips (the reaper re-queues it once its
            # heartbeat stops). From another thread: this callback runs on the pool's own
            # thread, which holds the pool's shutdown lock, so submitting or shutting down
            # from here would deadlock the service.
            log.warning("a local worker process died; its jobs are handed out again")
            threading.Thread(target=self._submit, args=(func, args), daemon=True,
                             name="routeplan-resubmit").start()
        elif exc is not None:
            log.error("local job raised %s", type(exc).__name__)

    def check(self) -> None:
        return None

    def close(self) -> None:
        # Running solves are not waited for: their heartbeats stop and the next start re-queues.
        self._pool.shutdown(wait=False, cancel_futures=True)


def _pool_worker_init(nice: int, parent: int) -> None:
    """Set up a local pool process: lower priority, and exit when the service is gone.

    A pool process whose service stopped (even by SIGKILL) would otherwise wait on its call
    queue forever; its job's heartbeats stop and the next start hands the job out again.
    """
    lower_priority(nice)

    def _watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=_watch, name="routeplan-parent-watch", daemon=True).start()


def lower_priority(nice: int) -> None:
    """Raise this process's niceness by `nice` (solving yields the cores to the API)."""
    if nice > 0 and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(nice)


class RqQueue:
    """Jobs on Redis through RQ, run by `routeplan worker` processes on any machine."""

    name = "rq"

    def __init__(self, settings: Settings) -> None:
        from redis import Redis
        from rq import Queue

        self._redis = Redis.from_url(settings.queue_url)
        self._queue = Queue(QUEUE_NAME, connection=self._redis)
        self._timeout = int(settings.default_time_limit_s * 4 + 600)

    def submit(self, ref: JobRef) -> None:
        # the worker reads the database URL and heartbeat from its own ROUTEPLAN_* settings
        timeout = self._timeout * (4 if ref.kind in ("comparison", "schedule") else 1)
        self._queue.enqueue(run, ref, None, None, None, job_id=ref.queue_id, job_timeout=timeout,
                            result_ttl=3600, failure_ttl=86400)

    def check(self) -> None:
        self._redis.ping()

    def close(self) -> None:
        self._redis.close()


def make_queue(settings: Settings) -> JobQueue:
    """RQ when ROUTEPLAN_QUEUE_URL is set, else the local process pool."""
    return RqQueue(settings) if settings.queue_url else LocalQueue(settings)


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    """Serve RQ jobs until stopped (the `routeplan worker` command)."""
    from redis import Redis
    from rq import Queue, Worker

    if not settings.queue_url:
        raise SystemExit("routeplan worker needs ROUTEPLAN_QUEUE_URL=redis://…; without it the "
                         "service solves in its own local process pool")
    Store(settings.resolved_database_url).close()  # migrate on first use
    lower_priority(settings.worker_nice)
    redis = Redis.from_url(settings.queue_url)
    queues = [Queue(PARTS_QUEUE_NAME, connection=redis), Queue(QUEUE_NAME, connection=redis)]
    worker = Worker(queues, connection=redis)
    worker.work(burst=burst, logging_level="WARNING", with_scheduler=False)
