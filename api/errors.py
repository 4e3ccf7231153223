"""Every error the service returns, mapped to its HTTP status in this one place."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from routeplan.domain.errors import InvalidInput, RoutePlanError
from routeplan_api.schemas.plans import ErrorBody, Problem

log = logging.getLogger("routeplan.api")


class ApiError(Exception):
    """An error the API raises on purpose; subclasses fix the status and type."""

    status = 500
    kind = "internal"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class NotFound(ApiError):
    status, kind = 404, "not_found"


class Unauthorized(ApiError):
    status, kind = 401, "unauthorized"

    def __init__(self, message: str = "a valid key is required: Authorization: Bearer <key>"
                 ) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    status, kind = 403, "forbidden"


class RateLimited(ApiError):
    status, kind = 429, "rate_limited"


class Conflict(ApiError):
    status, kind = 409, "conflict"


class Gone(ApiError):
    status, kind = 410, "gone"


class Unavailable(ApiError):
    status, kind = 503, "unavailable"


def error_response(status: int, kind: str, message: str, problems: Sequence[Problem] = (),
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=kind, message=message, problems=list(problems))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _pointer(loc: Sequence[Any]) -> str:
    """A pydantic error location as a JSON pointer into the body, or `query.name`."""
    if not loc:
        return ""
    head, *rest = loc
    if head == "body":
        return "/" + "/".join(str(x).replace("~", "~0").replace("/", "~1") for x in rest)
    return ".".join(str(x) for x in loc)


def install(app: FastAPI) -> None:
    """Register the handlers: input -> 422, unknown -> 404, key -> 401, role -> 403, ..."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.kind, exc.message, headers=exc.headers)

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return error_response(422, "invalid_input", "the input cannot be planned",
                              [Problem(location=p.location, message=p.message)
                               for p in exc.problems])

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [Problem(location=_pointer(e.get("loc", ())), message=str(e.get("msg", "")))
                    for e in exc.errors()]
        return error_response(422, "invalid_input", "the request does not match the API",
                              problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "http_error")
        return error_response(exc.status_code, kind, str(exc.detail),
                              headers=dict(exc.headers or {}))

    @app.exception_handler(RoutePlanError)
    async def _core(_: Request, exc: RoutePlanError) -> JSONResponse:
        log.error("core error %s", type(exc).__name__)
        return error_response(500, "internal", "internal error")

    @app.exception_handler(Exception)
    async def _any(_: Request, exc: Exception) -> JSONResponse:
        # Only the class: messages and tracebacks may carry personal data.
        log.error("unhandled %s", type(exc).__name__)
        return error_response(500, "internal", "internal error")
