"""/v1/policies/{name}: named policy profiles, every saved version kept (analyst role)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.policy import Policy
from routeplan_api.deps import Analyst, ServicesDep
from routeplan_api.errors import NotFound
from routeplan_api.routes import ERRORS
from routeplan_api.schemas.plans import PolicyIn, PolicyOut

router = APIRouter(prefix="/v1/policies", tags=["policies"], responses=ERRORS)

PolicyName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$",
                                 examples=["default"])]


@router.get("/{name}", response_model=PolicyOut, summary="A policy profile, newest version")
def get_policy(name: PolicyName, services: ServicesDep, caller: Analyst) -> PolicyOut:
    """The newest saved version; `default` falls back to the built-in profile (version 0)."""
    history = services.store.policies.history(name)
    if not history:
        if name != "default":
            raise NotFound(f"no policy {name!r}")
        return PolicyOut(name=name, version=0, policy=Policy().to_mapping(), created_at=None,
                         history=[])
    latest = history[-1]
    return PolicyOut(name=name, version=latest.version, policy=json.loads(latest.body),
                     created_at=latest.created_at, history=[h.version for h in history])


@router.put("/{name}", response_model=PolicyOut, summary="Save a new version of a profile")
async def put_policy(name: PolicyName, body: PolicyIn, services: ServicesDep,
                     caller: Analyst) -> PolicyOut:
    """Validated key by key (nothing can widen the legal rules); earlier versions stay."""
    try:
        policy = Policy.from_mapping(body.policy, source="policy", name=name)
    except InvalidInput as exc:
        raise InvalidInput.many(
            InputProblem("/" + p.location.replace(".", "/"), p.message)
            for p in exc.problems) from None
    row = await run_in_threadpool(services.store.policies.put, name, policy.to_mapping(),
                                  by=caller.key_id)
    history = await run_in_threadpool(services.store.policies.history, name)
    return PolicyOut(name=name, version=row.version, policy=policy.to_mapping(),
                     created_at=row.created_at, history=[h.version for h in history])
