"""Health, readiness, Prometheus metrics and the Henan regions layer."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from routeplan_api.deps import Admin, Dispatcher, ServicesDep
from routeplan_api.errors import RETRY_AFTER_S
from routeplan_api.persistence.faults import fault_code
from routeplan_api.routes import ERRORS
from routeplan_api.schemas.plans import Health

router = APIRouter(tags=["service"])


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz() -> Health:
    """The process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, summary="Readiness: database and queue",
            responses={503: {"model": Health, "description": "Not ready"}})
def readyz(services: ServicesDep) -> Response:
    """200 when the database takes a write and the job queue answers, else 503 naming what failed.

    The database must be writable, not just answer: every request writes (the access log,
    field events, new plans), so a read-only or full database is not ready.
    """
    checks: dict[str, str] = {}
    for name, probe in (("database", services.store.probe_write),
                        ("queue", services.queue.check)):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:  # readiness reports, it does not raise
            checks[name] = (f"failed: cannot write ({type(exc).__name__}, {fault_code(exc)})"
                            if name == "database" else f"failed ({type(exc).__name__})")
    ok = all(v == "ok" for v in checks.values())
    body = Health(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503,
                        headers=None if ok else {"Retry-After": str(RETRY_AFTER_S)})


@router.get("/metrics", summary="Prometheus metrics (admin key)", responses={
    **ERRORS, 200: {"content": {"text/plain": {}}}}, response_class=Response)
def metrics(request: Request, caller: Admin) -> Response:
    """Request counts and latencies by route template; no ids, no personal data."""
    return Response(generate_latest(request.app.state.metrics.registry),
                    media_type=CONTENT_TYPE_LATEST)


@lru_cache(maxsize=1)
def _regions() -> dict[str, Any]:
    from routeplan.geo.regions import Regions

    value: dict[str, Any] = Regions.load().geojson()
    return value


@router.get("/v1/regions", summary="Henan prefecture boundaries (GeoJSON, WGS-84)",
            responses=ERRORS)
def regions(caller: Dispatcher) -> dict[str, Any]:
    """A FeatureCollection of Henan's 18 prefecture-level divisions."""
    return _regions()
