"""Every error the service returns, mapped to its HTTP status in this one place.

The log rule: an error is logged as its class and an error id, never its message, arguments or
traceback (they carry input: ids, names, SQL parameters). Input errors (422) are not logged at
all. An internal error answers 500 with the same id the log line carries; a storage fault (the
database down, read-only or full) answers 503 with `Retry-After`, and changed nothing.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from routeplan.domain.errors import InputProblem, InvalidInput, RoutePlanError
from routeplan_api.persistence.faults import fault_code, storage_fault
from routeplan_api.schemas.plans import ErrorBody, Problem

log = logging.getLogger("routeplan.api")

#: Seconds a client is asked to wait after a storage fault before trying again.
RETRY_AFTER_S = 10

STORAGE_MESSAGE = ("the service cannot use its database right now (it is down, read-only or "
                   "full); this request was not carried out; try again in a minute")
STORAGE_MESSAGE_ZH = "服务的数据库暂时不可用（停止、只读或已满），本次请求未执行，请稍后重试"
INTERNAL_MESSAGE = "internal error; quote the error_id when you report it"
INTERNAL_MESSAGE_ZH = "服务内部错误；报告时请提供 error_id"


class ApiError(Exception):
    """An error the API raises on purpose; subclasses fix the status and type."""

    status = 500
    kind = "internal"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None,
                 problems: Sequence[InputProblem] = (), message_zh: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.problems = tuple(problems)
        self.message_zh = message_zh


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


class Invalid(ApiError):
    """Input refused with the route's own sentence (not a day to plan): 422, problems located."""

    status, kind = 422, "invalid_input"


class Unavailable(ApiError):
    status, kind = 503, "unavailable"


def error_response(status: int, kind: str, message: str, problems: Sequence[Problem] = (),
                   headers: dict[str, str] | None = None, *, message_zh: str | None = None,
                   error_id: str | None = None) -> JSONResponse:
    body = ErrorBody(error=kind, message=message, message_zh=message_zh, error_id=error_id,
                     problems=list(problems))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status,
                        headers=headers)


def internal_error(exc: BaseException) -> JSONResponse:
    """Log `exc` as its class and a new error id; the 500 answer carries the same id."""
    error_id = secrets.token_hex(8)
    log.error("internal error %s: %s", error_id, type(exc).__name__)
    return error_response(500, "internal", INTERNAL_MESSAGE, message_zh=INTERNAL_MESSAGE_ZH,
                          error_id=error_id)


def storage_unavailable(exc: BaseException) -> JSONResponse:
    """Log a storage fault by class and driver code; answer 503 with Retry-After."""
    error_id = secrets.token_hex(8)
    log.warning("storage fault %s: %s (%s)", error_id, type(exc).__name__, fault_code(exc))
    return error_response(503, "unavailable", STORAGE_MESSAGE, message_zh=STORAGE_MESSAGE_ZH,
                          error_id=error_id, headers={"Retry-After": str(RETRY_AFTER_S)})


def _pointer(loc: Sequence[Any]) -> str:
    """A pydantic error location as a JSON pointer into the body, or `query.name`."""
    if not loc:
        return ""
    head, *rest = loc
    if head == "body":
        return "/" + "/".join(str(x).replace("~", "~0").replace("/", "~1") for x in rest)
    return ".".join(str(x) for x in loc)


def _problems(items: Sequence[InputProblem]) -> list[Problem]:
    return [Problem(location=p.location, message=p.message) for p in items]


class ContainErrors:
    """Innermost middleware: an exception no handler took becomes the 500 with an error id.

    Starlette's outermost middleware would answer it too, but then re-raises it, and uvicorn
    logs the traceback, with the exception's text, to the service log. Here it ends. An
    exception raised while reading the request (the client went away, the body limit of
    `EdgeMiddleware`) is not the app's and passes through.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        from_receive: list[BaseException] = []

        async def watched_receive() -> Message:
            try:
                return await receive()
            except BaseException as exc:
                from_receive.append(exc)
                raise

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, watched_receive, watched_send)
        except Exception as exc:
            if _caused_by(exc, from_receive):
                raise
            response = (storage_unavailable(exc) if storage_fault(exc)
                        else internal_error(exc))
            if not started:  # else the client sees a cut-off answer; the log has the id
                await response(scope, receive, send)


def _caused_by(exc: BaseException, causes: Sequence[BaseException]) -> bool:
    """True when `exc` is one of `causes` or was raised while handling one."""
    seen: set[int] = set()
    at: BaseException | None = exc
    while at is not None and id(at) not in seen:
        if any(at is c for c in causes):
            return True
        seen.add(id(at))
        at = at.__cause__ or at.__context__
    return False


def install(app: FastAPI) -> None:
    """Register the handlers: input -> 422, unknown -> 404, key -> 401, role -> 403, ...

    Also adds `ContainErrors`; called before any other middleware is added, so it is the
    innermost and every other middleware (security headers, metrics) sees its answer.
    """

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.kind, exc.message, _problems(exc.problems),
                              headers=exc.headers, message_zh=exc.message_zh)

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return error_response(422, "invalid_input", "the input cannot be planned",
                              _problems(exc.problems))

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

    @app.exception_handler(SQLAlchemyError)
    async def _storage(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        return storage_unavailable(exc) if storage_fault(exc) else internal_error(exc)

    @app.exception_handler(RoutePlanError)
    async def _core(_: Request, exc: RoutePlanError) -> JSONResponse:
        return internal_error(exc)

    @app.exception_handler(Exception)
    async def _any(_: Request, exc: Exception) -> JSONResponse:
        # Reached only from outside ContainErrors (a middleware failing); Starlette re-raises
        # afterwards, and the serve command's log format drops the traceback uvicorn logs.
        return internal_error(exc)

    app.add_middleware(ContainErrors)


class LogFormatter(logging.Formatter):
    """A log line without tracebacks or stacks: an exception shows as its class name only.

    For the service's own log (`routeplan serve`): uvicorn and libraries log exceptions with
    their text and traceback, which can hold input. This formatter never prints them.
    """

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info and record.exc_info[0] is not None:
            text += f" [{record.exc_info[0].__name__}]"
        return text
