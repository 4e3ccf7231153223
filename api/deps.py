"""FastAPI dependencies as `Annotated` aliases: the app's services and the calling key's role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from routeplan.domain.calendar import HolidayCalendar
from routeplan_api.config import Settings
from routeplan_api.errors import Forbidden, RateLimited, Unauthorized
from routeplan_api.jobs.queue import JobQueue
from routeplan_api.persistence import Clock, Store
from routeplan_api.ratelimit import RateLimiter
from routeplan_api.security import LinkSigner, Role, digest
from routeplan_api.services.readcache import BodyCache


@dataclass(slots=True)
class Services:
    """What routes need, built once per app by `create_app`."""

    settings: Settings
    store: Store
    queue: JobQueue
    signer: LinkSigner
    limiter: RateLimiter
    clock: Clock
    calendar: HolidayCalendar
    bodies: BodyCache = field(default_factory=BodyCache)


@dataclass(frozen=True, slots=True)
class Caller:
    """The key behind a request: its id (safe to log) and role."""

    key_id: str
    role: Role

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}"


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer rpk_…`")


async def _caller(request: Request, services: ServicesDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None,
                                         Depends(_bearer)]) -> Caller:
    # async, and from memory for a key seen in the last seconds: the hot read paths then
    # spend no thread hop and no query on authentication
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    key_digest = digest(credentials.credentials)
    row = services.store.keys.peek(key_digest)
    if row is None:
        row = await run_in_threadpool(services.store.keys.load, key_digest)
    now = services.clock()
    if row is None or row.revoked_at is not None or (
            row.expires_at is not None and row.expires_at <= now):
        raise Unauthorized("the key is unknown, revoked or expired")
    wait = services.limiter.allow(row.id)
    if wait is not None:
        raise RateLimited("too many requests for this key",
                          headers={"Retry-After": str(max(1, round(wait)))})
    request.state.key_id = row.id  # for the request log: the key id, never the key
    return Caller(row.id, Role.parse(row.role))


def require(role: Role) -> Callable[..., Awaitable[Caller]]:
    """A dependency admitting keys of `role` or above (401 without a key, 403 below it)."""

    async def check(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
        if caller.role < role:
            raise Forbidden(f"this needs the {role.label} role")
        return caller

    return check


def require_any(*roles: Role) -> Callable[..., Awaitable[Caller]]:
    """A dependency admitting keys of exactly these roles (401 without a key, 403 otherwise)."""
    names = " or ".join(r.label for r in roles)

    async def check(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
        if caller.role not in roles:
            raise Forbidden(f"this needs the {names} role")
        return caller

    return check


Dispatcher = Annotated[Caller, Depends(require(Role.DISPATCHER))]
Analyst = Annotated[Caller, Depends(require(Role.ANALYST))]
Admin = Annotated[Caller, Depends(require(Role.ADMIN))]
#: The compliance audit: auditors and admins, nobody else (issue 17; COMPLIANCE rules 9, 10).
AuditReader = Annotated[Caller, Depends(require_any(Role.AUDITOR, Role.ADMIN))]
