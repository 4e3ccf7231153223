"""Retention: a plan and its field reports (positions with them) go after audit.retention_days."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from routeplan.cli import main
from routeplan.domain.clock import SHANGHAI
from routeplan.domain.policy import DEFAULT_POLICY
from routeplan_api.config import Settings
from routeplan_api.persistence import Inputs, Store
from tests.api.conftest import Api, FakeClock, plan_body


def _plan(api: Api, day: Any, **kw: Any) -> str:
    visits, teams = copy.deepcopy(day)
    pid: str = api.post("/v1/plans", json=plan_body((visits, teams), **kw)).json()["plan_id"]
    assert api.wait(pid)["status"] == "done"
    return pid


def _report_with_position(api: Api, clock: FakeClock, pid: str) -> None:
    route = api.get(f"/v1/plans/{pid}").json()["plan"]["routes"][0]
    stop = route["stops"][0]
    clock.now = datetime(2026, 12, 1, 10, 0, 5, tzinfo=SHANGHAI)
    r = api.client.post(urlsplit(route["field_link"]).path + "/events", json={
        "visit_id": stop["visit_id"], "status": "arrived", "at": "2026-12-01T10:00:00+08:00",
        "position": {"lat": stop["lat"], "lon": stop["lon"], "accuracy_m": 10},
        "members_present": route["members"]})
    assert r.status_code == 201, r.text


def _at_local_noon(clock: FakeClock, day: date) -> None:
    clock.now = datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI)


def test_a_plan_is_kept_for_its_retention_days_then_purged_with_its_reports(
        api: Api, clock: FakeClock, small_day: Any) -> None:
    short = _plan(api, small_day)  # the default policy: 730 days
    longer = _plan(api, small_day, policy={"name": "default",
                                           "overrides": {"audit.retention_days": 1000}})
    for pid in (short, longer):
        _report_with_position(api, clock, pid)
    day = date(2026, 12, 1)
    _at_local_noon(clock, day + timedelta(days=730))  # the last day the short plan is kept
    assert api.store.plans.purge_expired() == []
    assert len(api.store.plans.events(short)) == 1

    _at_local_noon(clock, day + timedelta(days=731))
    assert api.store.plans.purge_expired(dry_run=True) == [(short, day)]
    assert len(api.store.plans.events(short)) == 1  # a dry run deletes nothing
    assert api.store.plans.purge_expired() == [(short, day)]
    assert api.store.plans.events(short) == []
    assert api.store.plans.access_log(short) == []
    assert api.get(f"/v1/plans/{short}").status_code == 404
    assert api.store.plans.inputs_of(short, 1) is None
    # the plan kept 1000 days is still there, with its evidence, and still audited
    assert len(api.store.plans.events(longer)) == 1
    audit = api.get("/v1/audit", "auditor", params={"date": "2026-12-01"}).json()
    assert audit["summary"]["plans"] == 1

    _at_local_noon(clock, day + timedelta(days=1001))
    r = api.post("/v1/admin/purge", "admin")
    assert r.status_code == 200, r.text
    assert r.json()["expired"] == 1
    assert api.store.plans.events(longer) == []


def test_routeplan_purge_deletes_what_is_past_retention(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The cron command: counts and days on stdout, never what a plan held."""
    monkeypatch.setenv("ROUTEPLAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ROUTEPLAN_DATABASE_URL", "")
    store = Store(Settings(data_dir=tmp_path).resolved_database_url)
    try:
        empty = Inputs("json", "visits.json", b"[]", "teams.json", b"[]")
        for day in (date(2020, 1, 6), date.today()):
            store.plans.create(day=day, inputs=empty, policy_name="default", policy_version=0,
                               policy=DEFAULT_POLICY.to_mapping(), time_limit_s=1, seed=0,
                               by="test")
    finally:
        store.close()
    assert main(["purge", "--dry-run"]) == 0
    assert capsys.readouterr().out.strip() == (
        "would delete 1 plan(s) past their retention (audit.retention_days) "
        "(days 2020-01-06 to 2020-01-06)")
    assert main(["purge"]) == 0
    assert capsys.readouterr().out.startswith("deleted 1 plan(s)")
    assert main(["purge"]) == 0
    assert capsys.readouterr().out.startswith("deleted 0 plan(s)")
