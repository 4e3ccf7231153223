"""The app factory: `create_app(settings)` wires store, queue, security and routes together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool

from routeplan import __version__
from routeplan.workflows.runtime import calendar_of
from routeplan_api import errors
from routeplan_api.config import Settings
from routeplan_api.deps import Services
from routeplan_api.edge import EdgeMiddleware, Metrics
from routeplan_api.jobs.queue import JobQueue, make_queue
from routeplan_api.jobs.runner import JobRef
from routeplan_api.persistence import Clock, Store, utc_now
from routeplan_api.ratelimit import RateLimiter
from routeplan_api.routes import comparisons, docs, field, maps, meta, plans, policies, replan
from routeplan_api.security import LinkSigner

log = logging.getLogger("routeplan.api")

DESCRIPTION = """\
Lawful field-visit routes for Henan. Dispatchers submit a day's visits and teams and read
back routes; each route carries a signed, expiring `field_link` for its team's phone page.

Every endpoint except `/healthz` and `/readyz` (and the field links under `/m/`, whose token
is the credential) needs `Authorization: Bearer <key>`. Roles: `dispatcher` (plans),
`analyst` (plus policies), `admin` (plus access logs, purge, metrics). Keys are made with
`routeplan keys create --role ROLE`.

Errors are `{"error", "message", "problems": [{"location", "message"}]}`; input problems are
located by JSON pointer (`/visits/3/lat`) or `file:row:column`.
"""


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now,
               queue: JobQueue | None = None) -> FastAPI:
    """A configured app; the database is migrated and the queue opened here, once."""
    settings = settings or Settings()
    store = Store(settings.resolved_database_url, clock=clock)
    job_queue = queue or make_queue(settings)
    services = Services(
        settings=settings, store=store, queue=job_queue,
        signer=LinkSigner(settings.resolved_link_secret()),
        limiter=RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst,
                            settings.rate_limit_exempt_keys),
        clock=clock, calendar=calendar_of(settings.runtime))

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Attempts still queued (a restart lost the local pool's memory) are handed out again;
        # a duplicate is harmless: only one worker can claim an attempt.
        for plan_id, version, attempt in await run_in_threadpool(store.plans.queued):
            job_queue.submit(JobRef("plan", plan_id, version, attempt))
        for comparison_id, attempt in await run_in_threadpool(store.comparisons.queued):
            job_queue.submit(JobRef("comparison", comparison_id, attempt=attempt))
        stop = asyncio.Event()
        reaper = asyncio.create_task(_reap_until(stop, services))
        try:
            yield
        finally:
            # Let a round in progress finish: a thread cut off mid-query would hand its
            # connection back to a pool already disposed.
            stop.set()
            await reaper
            await run_in_threadpool(job_queue.close)
            store.close()

    app = FastAPI(title="routeplan", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None, openapi_tags=[
                      {"name": "plans", "description": "Submit days, read plans and routes"},
                      {"name": "policies", "description": "Policy profiles (analyst)"},
                      {"name": "field", "description": "Signed field links"},
                      {"name": "comparisons", "description": "What-if comparisons (analyst)"},
                      {"name": "admin", "description": "Retention (admin)"},
                      {"name": "service", "description": "Health, metrics, regions"}])
    app.state.services = services
    metrics = Metrics()
    app.state.metrics = metrics
    errors.install(app)  # first: its middleware must be the innermost
    # maps.assets_router first: /m/routeplan-sw.js must win over /m/{token}
    for router in (docs.router, maps.assets_router, plans.router, plans.admin_router,
                   policies.router, field.router, meta.router, maps.router, maps.link_router,
                   replan.router, comparisons.router):
        app.include_router(router)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(EdgeMiddleware, max_body=settings.max_request_bytes, metrics=metrics,
                       hsts=settings.public_base_url.startswith("https://"))
    _document_bodies(app, plans.BODY_MODELS)
    return app


def _document_bodies(app: FastAPI, models: Sequence[type[BaseModel]]) -> None:
    """Add the schemas of bodies routes read by hand to the OpenAPI components.

    Such a route names its body by `$ref` in `openapi_extra`; FastAPI only collects the models
    of parameters it parses itself, so without this the reference would point nowhere.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            _, top = models_json_schema([(m, "validation") for m in models],
                                        ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in top.get("$defs", {}).items():
                components.setdefault(name, definition)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def _reap_until(stop: asyncio.Event, services: Services) -> None:
    """Re-queue or fail jobs whose worker stopped beating, every `reap_interval_s`."""
    settings = services.settings
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.reap_interval_s)
        if stop.is_set():
            return
        try:
            again = await run_in_threadpool(
                services.store.plans.reap, stale_after=timedelta(seconds=settings.stale_after_s),
                max_attempts=settings.max_attempts)
            for plan_id, version, attempt in again:
                log.warning("plan %s v%d: worker lost, attempt %d queued", plan_id, version,
                            attempt)
                services.queue.submit(JobRef("plan", plan_id, version, attempt))
            for comparison_id, attempt in await run_in_threadpool(
                    services.store.comparisons.reap,
                    stale_after=timedelta(seconds=settings.stale_after_s),
                    max_attempts=settings.max_attempts):
                log.warning("comparison %s: worker lost, queued again", comparison_id)
                services.queue.submit(JobRef("comparison", comparison_id, attempt=attempt))
        except Exception as exc:  # keep reaping; the next round may succeed
            log.error("reaper: %s", type(exc).__name__)
