"""A plan job reads its stored inputs within the limits of the policy it was queued with."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from routeplan.domain.policy import Policy
from routeplan_api.jobs.runner import JobRef, run
from routeplan_api.persistence import Store
from routeplan_api.services.inputs import json_inputs


def _queue(store: Store, day: tuple[list[Any], list[Any]], policy: Policy) -> str:
    state = store.plans.create(day=date(2026, 12, 1), inputs=json_inputs(*day),
                               policy_name="default", policy_version=0,
                               policy=policy.to_mapping(), time_limit_s=1, seed=1, by="test")
    return state.plan.id


def test_job_refuses_rows_beyond_its_policys_limit(database_url: str, small_day: Any) -> None:
    """12 visits under limits.max_rows 11 fail with the limit named; under 12 they solve."""
    store = Store(database_url)
    try:
        tight = _queue(store, small_day, Policy().with_overrides({"limits.max_rows": 11}))
        exact = _queue(store, small_day, Policy().with_overrides({"limits.max_rows": 12}))
        assert run(JobRef("plan", tight, 1, 1), database_url, 0.2) == "failed"
        assert run(JobRef("plan", exact, 1, 1), database_url, 0.2) == "done"
        found = store.plans.get_version(tight, 1)
        assert found is not None and found[1].error is not None
        error = json.loads(found[1].error)
        assert error["error"] == "invalid_input"
        assert any("limits.max_rows allows at most 11" in p["message"]
                   for p in error["problems"])
    finally:
        store.close()
