"""The edge of every request: size limit, security headers, metrics, a request log.

The log carries no personal data and no link tokens: route templates and key ids only.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("routeplan.access")

_COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), payment=()"),
    (b"cache-control", b"no-store"),
)
#: Pages the service renders (field links) may load only what the service itself serves;
#: scripts only from its files (no inline script anywhere).
PAGE_CSP = (b"default-src 'self'; img-src 'self' data: blob: https:; style-src 'self' "
            b"'unsafe-inline'; script-src 'self'; object-src 'none'; connect-src 'self'; "
            b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
_DOCS = ("/docs", "/redoc")


class Metrics:
    """The service's Prometheus metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("routeplan_http_requests_total", "HTTP requests",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("routeplan_http_request_seconds", "HTTP request latency",
                                 ["method", "route"], registry=self.registry,
                                 buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
        self.plans_submitted = Counter("routeplan_plans_submitted_total", "Plans queued",
                                       registry=self.registry)


def route_label(scope: Scope) -> str:
    """The route template (`/v1/plans/{plan_id}`): never the concrete path, ids or tokens."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    raw = str(scope.get("path", ""))
    return "/m/{token}" if raw.startswith("/m/") else "(unmatched)"


class _TooLarge(Exception):
    pass


class EdgeMiddleware:
    """Pure ASGI middleware (no per-request task overhead) wrapping the whole app.

    A body larger than `max_body` is answered 413 whether or not it states its length: a
    stated length is refused before reading; a chunked body is counted as it streams in, and
    at the first byte over the limit the 413 is sent from here and the app's reading stops.
    Whatever the app answers after that (FastAPI turns a failed read into a 400) is dropped.
    """

    def __init__(self, app: ASGIApp, *, max_body: int, metrics: Metrics, hsts: bool) -> None:
        self.app = app
        self.max_body = max_body
        self.metrics = metrics
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        method = str(scope["method"])
        status = 500
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await self._reject(send, 413)
            self._record(scope, method, 413, began)
            return
        received = 0
        started = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    if not started and not refused:
                        refused = True
                        await self._reject(send, 413)
                    raise _TooLarge
            return message

        async def secured_send(message: Message) -> None:
            nonlocal status, started
            if refused:  # the 413 has gone out: the app's own answer to the failed read is not
                return
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in _COMMON_HEADERS if k not in names]
                path = str(scope.get("path", ""))
                if b"content-security-policy" not in names and not path.startswith(_DOCS):
                    is_html = any(k.lower() == b"content-type" and v.startswith(b"text/html")
                                  for k, v in headers)
                    headers.append((b"content-security-policy",
                                    PAGE_CSP if is_html else API_CSP))
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, limited_receive, secured_send)
        except _TooLarge:
            if not started and not refused:
                await self._reject(send, 413)
            status = 413
        finally:
            if refused:
                status = 413
            self._record(scope, method, status, began)

    def _record(self, scope: Scope, method: str, status: int, began: float) -> None:
        elapsed = time.perf_counter() - began
        route = route_label(scope)
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(elapsed)
        state: dict[str, Any] = scope.get("state") or {}
        key = state.get("key_id", "-")
        log.info("%s %s %d %.1fms key=%s", method, route, status, elapsed * 1000, key)

    async def _reject(self, send: Send, status: int) -> None:
        body = json.dumps({
            "error": "too_large",
            "message": f"the request body is larger than {self.max_body:,} bytes, the most "
                       "the service accepts (ROUTEPLAN_MAX_REQUEST_BYTES)",
            "problems": []}).encode()
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode()), *_COMMON_HEADERS,
                   (b"content-security-policy", API_CSP)]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
