"""Solving jobs: the job itself, a local process pool (default) and a Redis queue built on RQ.

Why RQ: the service needs one thing from a queue, "run this function in another process,
on any machine", and already keeps job state (status, progress, attempts) in its own
database. RQ does exactly that with plain functions on Redis, has no broker, routing or
result-backend configuration (Celery) and no middleware stack to learn (Dramatiq), and its
worker forks a fresh work-horse per job, so a crashed OR-Tools solve cannot take the worker
with it.

Whatever runs the job, the database is the source of truth: a job first *claims* its attempt
(queued -> solving), beats a heartbeat while solving, and writes the plan or the failure.
The service's reaper re-queues attempts whose heartbeat stopped (worker killed, machine lost)
up to `max_attempts`, then marks them failed with a reason; a superseded attempt finds its
claim gone and stops. No job is left `solving` forever.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, Protocol

from routeplan.domain.errors import ComplianceViolation, InternalError, InvalidInput, RoutingError
from routeplan.io import plan_to_dict
from routeplan.solver.solve import Progress
from routeplan.workflows.build import RegionLocator, default_locator
from routeplan_api.config import Settings
from routeplan_api.plan_jobs import StopSignal, compute_plan
from routeplan_api.store import Store

log = logging.getLogger("routeplan.jobs")

QUEUE_NAME = "routeplan"
#: Parts of a decomposed day; workers take these before whole plans.
PARTS_QUEUE_NAME = "routeplan-parts"


class JobQueue(Protocol):
    """Where the service hands solving jobs."""

    name: str

    def submit(self, plan_id: str, version: int, attempt: int) -> None: ...

    def submit_task(self, func: Callable[..., str], *args: Any, job_id: str) -> None:
        """Run another job function (e.g. a comparison) the same way, on the same workers.

        `func` is called with `*args`, then the database URL and the heartbeat interval
        (both None on RQ: the worker reads its own settings).
        """

    def check(self) -> None:
        """Raise when the queue cannot take jobs."""

    def close(self) -> None: ...


# -- the job -------------------------------------------------------------------------------

_stores: dict[str, Store] = {}
_locator: list[RegionLocator] = []


def _store(url: str) -> Store:
    if url not in _stores:
        _stores[url] = Store(url)
    return _stores[url]


def _region_locator() -> RegionLocator:
    if not _locator:
        _locator.append(default_locator())
    return _locator[0]


def run_job(plan_id: str, version: int, attempt: int, database_url: str | None = None,
            heartbeat_s: float | None = None) -> str:
    """Solve one attempt of one plan version and store the outcome; returns the final status.

    Runs in a worker process (local pool or `routeplan worker`). Without arguments for the
    database and heartbeat, reads them from the worker's own ROUTEPLAN_* settings.
    """
    settings = Settings() if database_url is None or heartbeat_s is None else None
    url = database_url or (settings.resolved_database_url if settings else "")
    beat = heartbeat_s or (settings.heartbeat_s if settings else 5.0)
    store = _store(url)
    job = store.claim(plan_id, version, attempt, f"{socket.gethostname()}:{os.getpid()}")
    if job is None:
        log.info("plan %s v%d attempt %d: not claimable, skipped", plan_id, version, attempt)
        return "skipped"
    log.info("plan %s v%d attempt %d: solving", plan_id, version, attempt)
    latest: dict[str, Any] = {"elapsed_s": 0.0, "objective": None, "solutions": 0,
                              "planned": None}
    lost = threading.Event()
    done = threading.Event()

    def beat_loop() -> None:
        while not done.wait(beat):
            if not store.heartbeat(plan_id, version, attempt, dict(latest)):
                lost.set()
                return

    def on_progress(p: Progress) -> None:
        latest.update(elapsed_s=round(p.elapsed_s, 3), objective=p.objective,
                      solutions=p.solutions, planned=p.planned)

    beater = threading.Thread(target=beat_loop, name="heartbeat", daemon=True)
    beater.start()
    began = time.perf_counter()
    try:
        stop = StopSignal(store, plan_id, version)
        runner = RqPartRunner(settings.queue_url) if settings and settings.queue_url else None
        plan = compute_plan(store, job, _region_locator(), on_progress,
                            lambda: lost.is_set() or stop(), runner=runner)
        latest["elapsed_s"] = round(time.perf_counter() - began, 3)
        latest["planned"] = plan.kpis.visits_planned  # a re-plan reports no progress
        latest["stopped"] = stop.fired
        done.set()
        ok = store.finish(plan_id, version, attempt, plan_to_dict(plan), dict(latest))
        status = "done" if ok else "superseded"
    except InvalidInput as exc:
        done.set()
        store.fail(plan_id, version, attempt, {
            "error": "invalid_input", "message": "the input cannot be planned",
            "problems": [{"location": p.location, "message": p.message} for p in exc.problems]})
        status = "failed"
    except RoutingError:
        done.set()
        store.fail(plan_id, version, attempt, {
            "error": "routing", "message": "the travel-time source failed; try again later"})
        status = "failed"
    except ComplianceViolation:
        done.set()
        store.fail(plan_id, version, attempt, {
            "error": "internal", "message": "the planner produced a plan that broke a rule; it "
                                           "was withheld (a bug: please report the plan id)"})
        status = "failed"
    except Exception as exc:
        done.set()
        store.fail(plan_id, version, attempt, {
            "error": "internal", "message": f"internal error ({type(exc).__name__})"})
        log.error("plan %s v%d attempt %d: internal error %s", plan_id, version, attempt,
                  type(exc).__name__)
        status = "failed"
    finally:
        done.set()
    log.info("plan %s v%d attempt %d: %s", plan_id, version, attempt, status)
    return status


# -- queues --------------------------------------------------------------------------------


class LocalQueue:
    """The embedded default: a pool of separate processes on this machine."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        self._workers = settings.local_workers
        self._nice = settings.worker_nice
        self._url = settings.resolved_database_url
        self._beat = settings.heartbeat_s
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self._workers, mp_context=get_context("spawn"),
                                   initializer=_pool_worker_init,
                                   initargs=(self._nice, os.getpid()))

    def submit(self, plan_id: str, version: int, attempt: int) -> None:
        self._submit(run_job, (plan_id, version, attempt, self._url, self._beat))

    def submit_task(self, func: Callable[..., str], *args: Any, job_id: str) -> None:  # noqa: ARG002
        self._submit(func, (*args, self._url, self._beat))

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

    def submit(self, plan_id: str, version: int, attempt: int) -> None:
        self._queue.enqueue(run_job, plan_id, version, attempt,
                            job_id=f"{plan_id}_v{version}_a{attempt}",
                            job_timeout=self._timeout, result_ttl=3600, failure_ttl=86400)

    def submit_task(self, func: Callable[..., str], *args: Any, job_id: str) -> None:
        # the worker reads the database URL and heartbeat from its own ROUTEPLAN_* settings
        self._queue.enqueue(func, *args, None, None, job_id=job_id, job_timeout=self._timeout * 4,
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
