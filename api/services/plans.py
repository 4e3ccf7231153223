"""Stored plans read once: a finished version's contract JSON parsed into a dict and a Plan.

A version never changes once done, so each is parsed once per process and kept in a small
LRU keyed by (plan id, version); every route and job that needs a stored plan comes here.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from routeplan.domain.outcome import Outcome, OutcomeStatus, ReportedPosition
from routeplan.domain.plan import Plan
from routeplan.io import plan_from_dict
from routeplan_api.persistence.tables import FieldEvent

MAX_PLANS = 64


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """One finished version: the contract as stored (a dict) and the domain plan."""

    contract: dict[str, Any]
    plan: Plan


_cache: OrderedDict[tuple[str, int], StoredPlan] = OrderedDict()
_lock = threading.Lock()


def stored_plan(plan_id: str, version: int, text: str) -> StoredPlan:
    """The version's plan, parsed on first use."""
    key = (plan_id, version)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    contract: dict[str, Any] = json.loads(text)
    found = StoredPlan(contract, plan_from_dict(contract))
    with _lock:
        _cache[key] = found
        while len(_cache) > MAX_PLANS:
            _cache.popitem(last=False)
    return found


def plan_of(plan_id: str, version: int, text: str) -> Plan:
    """The domain plan of a finished version."""
    return stored_plan(plan_id, version, text).plan


def contract_of(plan_id: str, version: int, text: str) -> dict[str, Any]:
    """The plan contract (JSON object) of a finished version; callers must not change it."""
    return stored_plan(plan_id, version, text).contract


def outcomes_of(events: Sequence[FieldEvent], team_id: str | None = None) -> list[Outcome]:
    """Stored field events as outcomes (one team's, or all), oldest first.

    Without the audit's evidence: pages, maps and re-planning never hold a reported position.
    """
    return [Outcome(e.visit_id, e.team_id, OutcomeStatus(e.status), e.at, e.note)
            for e in events if team_id is None or e.team_id == team_id]


def evidence_of(e: FieldEvent) -> Outcome:
    """A stored field event as the audit reads it: with position, members and received_at."""
    position = (ReportedPosition(e.position_lon, e.position_lat, e.accuracy_m)
                if e.position_lon is not None and e.position_lat is not None
                and e.accuracy_m is not None else None)
    members = (tuple(str(m) for m in json.loads(e.members_present))
               if e.members_present is not None else None)
    return Outcome(e.visit_id, e.team_id, OutcomeStatus(e.status), e.at, e.note,
                   position=position, members_present=members, received_at=e.received_at)
