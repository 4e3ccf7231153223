"""Plans, inputs, policies and keys survive a restart of the service."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, plan_body


def test_state_survives_app_restart(make_api: Any, small_day: Any) -> None:
    """A solved plan, a policy version and a key read the same from a new app on the same DB."""
    first: Api = make_api()
    pid = first.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
    done = first.wait(pid)
    first.client.put("/v1/policies/strict", headers=first.headers("analyst"),
                     json={"policy": {"teams": {"max_visits": 9}}})
    first.client.__exit__(None, None, None)
    second: Api = make_api()
    second.keys = first.keys  # old keys still work
    again = second.get(f"/v1/plans/{pid}").json()
    assert again["status"] == "done"
    assert again["plan"]["routes"] == done["plan"]["routes"]
    assert second.get("/v1/policies/strict", role="analyst").json()["version"] == 1


def test_queued_plan_is_solved_after_restart(make_api: Any, settings: Any,
                                             small_day: Any) -> None:
    """A plan queued when the service stopped is picked up by the next start."""
    from routeplan_api.persistence import Store
    from routeplan_api.services.inputs import json_inputs

    store = Store(settings.resolved_database_url)
    state = store.plans.create(day=__import__("datetime").date(2026, 12, 1),
                              inputs=json_inputs(*small_day), policy_name="default",
                              policy_version=0, policy={}, time_limit_s=1, seed=0, by="test")
    store.close()
    api: Api = make_api()
    assert api.wait(state.plan.id)["status"] == "done"
