"""What-if comparisons through the service: an analyst's job, its JSON figures and its report."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any

from routeplan_api.config import Settings
from tests.api.conftest import Api


def _finished(api: Api, cid: str, deadline_s: float = 120) -> dict[str, Any]:
    """Poll the comparison until it is done or failed (a deadline, not a timing assert)."""
    end = time.monotonic() + deadline_s
    out: dict[str, Any] = {}
    while time.monotonic() < end:
        out = api.get(f"/v1/comparisons/{cid}", role="analyst").json()
        if out["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    return out


def test_comparison_job_gives_json_and_a_report(api: Api, small_day: Any) -> None:
    """Two policies on the same day: per-scenario KPIs, the policy version used, and an HTML
    page with the charts; dispatchers may not run comparisons."""
    body = {"date": "2026-12-01", "visits": small_day[0], "teams": small_day[1],
            "scenarios": [{"name": "default"},
                          {"name": "short", "policy": {"overrides": {
                              "window": {"company_end": "12:00"}}}},
                          {"name": "one-team", "teams": small_day[1][:1]}],
            "time_limit_s": 1, "seed": 1}
    assert api.post("/v1/comparisons", json=body).status_code == 403
    r = api.post("/v1/comparisons", role="analyst", json=body)
    assert r.status_code == 202, r.text
    cid = r.json()["comparison_id"]
    out = _finished(api, cid)
    assert out["status"] == "done", out.get("error")
    scenarios = out["result"]["scenarios"]
    assert [s["name"] for s in scenarios] == ["default", "short", "one-team"]
    assert all({"name", "policy", "kpis"} <= set(s) for s in scenarios)
    assert scenarios[0]["policy_ref"] == {"name": "default", "version": 0}
    assert scenarios[2]["teams"] == [small_day[1][0]["team_id"]]
    k = [s["kpis"] for s in scenarios]
    assert k[1]["visits_planned"] <= k[0]["visits_planned"]
    assert all(s["kpis"]["visits_planned"] + s["kpis"]["visits_unassigned"] == len(small_day[0])
               for s in scenarios)
    report = api.get(f"/v1/comparisons/{cid}/report", role="analyst")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert report.text.count("data:image/png;base64,") == 3
    assert "one-team" in report.text
    assert api.get("/v1/comparisons/nope", role="analyst").status_code == 404


def test_comparison_input_is_checked(api: Api, small_day: Any) -> None:
    """Duplicate scenario names and an unknown policy are named, with their location."""
    body = {"date": "2026-12-01", "visits": small_day[0], "teams": small_day[1],
            "scenarios": [{"name": "a"}, {"name": "a", "policy": {"name": "nope"}}]}
    r = api.post("/v1/comparisons", role="analyst", json=body)
    assert r.status_code == 422
    where = {p["location"] for p in r.json()["problems"]}
    assert "/scenarios/1/name" in where and "/scenarios/1/policy/name" in where


def test_comparison_whose_worker_dies_is_run_again(make_api: Callable[..., Api],
                                                   settings: Settings, small_day: Any) -> None:
    """Killing the process solving a comparison does not leave it `solving`: it is retried.

    A heartbeat may lapse 10 s before the run counts as lost: on a loaded machine a live
    retry must not be taken for a dead one (that would use up its attempts).
    """
    api = make_api(settings.model_copy(update={"stale_after_s": 10.0}))
    body = {"date": "2026-12-01", "visits": small_day[0], "teams": small_day[1],
            "scenarios": [{"name": "a"}, {"name": "b"}], "time_limit_s": 20, "seed": 1}
    cid = api.post("/v1/comparisons", role="analyst", json=body).json()["comparison_id"]
    end = time.monotonic() + 60
    while time.monotonic() < end:
        row = api.store.comparisons.get(cid)
        assert row is not None
        if row.status == "solving" and row.worker:
            break
        time.sleep(0.1)
    assert row.status == "solving" and row.worker
    os.kill(int(row.worker.rsplit(":", 1)[1]), signal.SIGKILL)
    out = _finished(api, cid, deadline_s=150)
    assert out["status"] == "done", out.get("error")
    again = api.store.comparisons.get(cid)
    assert again is not None and again.attempt == 2
    assert [s["name"] for s in out["result"]["scenarios"]] == ["a", "b"]
