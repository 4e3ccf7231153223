"""The one job runner: claim an attempt, beat while working, store the result or the failure.

Whatever runs the job (local pool, `routeplan worker`), the database is the source of truth:
a job first *claims* its attempt (queued -> solving), beats a heartbeat while solving, and
writes its result or a failure with a reason. The service's reaper re-queues attempts whose
heartbeat stopped (worker killed, machine lost) up to `max_attempts`, then marks them failed;
a superseded attempt finds its claim gone and stops. No job is left `solving` forever.

A kind of job (a plan version, a comparison) says how it is claimed, computed and stored
(`JobKind`); the runner does the rest the same way for all of them, errors included: only an
error's class is logged, never its message (it may quote input).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from routeplan.config import RuntimeConfig
from routeplan.domain.errors import ComplianceViolation, InvalidInput, RoutingError
from routeplan.solver.solve import Progress
from routeplan.workflows.build import RegionLocator, default_locator
from routeplan_api.config import Settings
from routeplan_api.persistence import Store
from routeplan_api.services.zh import INVALID_INPUT_ZH, problem_zh

log = logging.getLogger("routeplan.jobs")

type Kind = Literal["plan", "comparison", "schedule"]


@dataclass(frozen=True, slots=True)
class JobRef:
    """One attempt of one job: what a queue hands a worker (plain values, picklable)."""

    kind: Kind
    id: str
    version: int = 0
    attempt: int = 1

    @property
    def queue_id(self) -> str:
        """A job id unique per attempt (RQ keeps finished jobs on record for a while)."""
        if self.kind == "plan":
            return f"{self.id}_v{self.version}_a{self.attempt}"
        return f"{self.kind}_{self.id}_a{self.attempt}"

    def __str__(self) -> str:
        own = f" v{self.version}" if self.kind == "plan" else ""
        return f"{self.kind} {self.id}{own} attempt {self.attempt}"


class Context:
    """What a running job can use: its store, the worker's name, progress and stop signals."""

    def __init__(self, store: Store, ref: JobRef, worker: str, settings: Settings | None,
                 lost: threading.Event, runtime: RuntimeConfig) -> None:
        self.store, self.ref, self.worker, self.settings = store, ref, worker, settings
        self.runtime = runtime
        self.latest: dict[str, Any] = {"elapsed_s": 0.0, "objective": None, "solutions": 0,
                                       "planned": None}
        self._lost = lost

    def on_progress(self, p: Progress) -> None:
        self.latest.update(elapsed_s=round(p.elapsed_s, 3), objective=p.objective,
                           solutions=p.solutions, planned=p.planned)

    @property
    def lost(self) -> bool:
        """True once the claim is gone (reaped, superseded): stop working, nothing is kept."""
        return self._lost.is_set()


class JobKind(Protocol):
    """How one kind of job is claimed, computed and stored."""

    def claim(self, store: Store, ref: JobRef, worker: str) -> object | None:
        """The claimed work, or None when the attempt is stale or taken."""
        ...

    def heartbeat(self, ctx: Context) -> bool:
        """Say the attempt is alive (with its progress); False when it is no longer ours."""
        ...

    def compute(self, ctx: Context, claimed: object) -> object:
        """Do the work; raise the core's errors for input, routing or rule problems."""
        ...

    def finish(self, ctx: Context, result: object) -> bool:
        """Store the result; False when the attempt was superseded meanwhile."""
        ...

    def fail(self, ctx: Context, error: dict[str, Any]) -> None:
        """Store the failure (an error document as the API shows it)."""
        ...


_stores: dict[str, Store] = {}
_locator: list[RegionLocator] = []


def store_for(url: str) -> Store:
    """One store per database URL and process (workers run many jobs)."""
    if url not in _stores:
        _stores[url] = Store(url)
    return _stores[url]


def region_locator() -> RegionLocator:
    """Henan's polygons, loaded once per worker process."""
    if not _locator:
        _locator.append(default_locator())
    return _locator[0]


def _error_document(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, InvalidInput):
        return {"error": "invalid_input", "message": "the input cannot be planned",
                "message_zh": INVALID_INPUT_ZH,
                "problems": [{"location": p.location, "message": p.message,
                              "message_zh": problem_zh(p.location, p.message)}
                             for p in exc.problems]}
    if isinstance(exc, RoutingError):
        return {"error": "routing", "message": "the travel-time source failed; try again later"}
    if isinstance(exc, ComplianceViolation):
        return {"error": "internal", "message": "the planner produced a plan that broke a "
                                               "rule; it was withheld (a bug: please report "
                                               "the id)"}
    return {"error": "internal", "message": f"internal error ({type(exc).__name__})"}


def run(ref: JobRef, database_url: str | None = None, heartbeat_s: float | None = None,
        runtime: RuntimeConfig | None = None) -> str:
    """Work one attempt of a job and store the outcome; returns the final status word.

    Runs in a worker process (local pool or `routeplan worker`). Without a database URL,
    heartbeat interval and runtime configuration (RQ workers) it reads them from the worker's
    own ROUTEPLAN_* settings; the local pool passes the service's own.
    """
    from routeplan_api.jobs.kinds import KINDS

    settings = (Settings() if database_url is None or heartbeat_s is None or runtime is None
                else None)
    url = database_url or (settings.resolved_database_url if settings else "")
    beat = heartbeat_s or (settings.heartbeat_s if settings else 5.0)
    store = store_for(url)
    kind = KINDS[ref.kind]
    worker = f"{socket.gethostname()}:{os.getpid()}"
    claimed = kind.claim(store, ref, worker)
    if claimed is None:
        log.info("%s: not claimable, skipped", ref)
        return "skipped"
    log.info("%s: working", ref)
    lost, done = threading.Event(), threading.Event()
    config = runtime if runtime is not None else (settings.runtime if settings else
                                                  RuntimeConfig())
    ctx = Context(store, ref, worker, settings, lost, config)

    def beat_loop() -> None:
        while not done.wait(beat):
            if not kind.heartbeat(ctx):
                lost.set()
                return

    threading.Thread(target=beat_loop, name="heartbeat", daemon=True).start()
    began = time.perf_counter()
    try:
        result = kind.compute(ctx, claimed)
        ctx.latest["elapsed_s"] = round(time.perf_counter() - began, 3)
        done.set()
        status = "done" if kind.finish(ctx, result) else "superseded"
    except Exception as exc:
        done.set()
        kind.fail(ctx, _error_document(exc))
        if not isinstance(exc, InvalidInput | RoutingError):
            log.error("%s: internal error %s", ref, type(exc).__name__)
        status = "failed"
    finally:
        done.set()
    log.info("%s: %s", ref, status)
    return status


def stop_signal(ctx: Context, asked: Callable[[], bool], every_s: float = 0.5
                ) -> Callable[[], bool]:
    """True once the claim is lost or `asked()` says stop; asks at most every `every_s`."""
    state = {"next": 0.0, "fired": False}

    def should_stop() -> bool:
        if ctx.lost:
            return True
        if not state["fired"] and time.monotonic() >= state["next"]:
            state["next"] = time.monotonic() + every_s
            state["fired"] = asked()
        return bool(state["fired"])

    return should_stop
