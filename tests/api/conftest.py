"""Service fixtures: settings on SQLite or PostgreSQL, an app with an injectable clock, keys."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from routeplan.config import RuntimeConfig
from routeplan_api.config import Settings
from routeplan_api.main import create_app
from routeplan_api.persistence import Store
from routeplan_api.security import Role
from routeplan_api.services.demo import synthetic_records

PG_URL = os.environ.get("ROUTEPLAN_TEST_PG_URL", "")
REDIS_URL = os.environ.get("ROUTEPLAN_TEST_REDIS_URL", "")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def _pg_database() -> str:
    """A fresh database on the test server, so runs never see each other's rows."""
    import psycopg

    name = f"rp_{uuid.uuid4().hex[:12]}"
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each service test runs on SQLite and, when the test script started one, PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'routeplan.db'}"
    if not PG_URL:
        pytest.skip("PostgreSQL: ROUTEPLAN_TEST_PG_URL is not set (scripts/test.sh sets it)")
    return _pg_database()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(runtime=RuntimeConfig(data_dir=tmp_path), database_url=database_url,
                    queue_url="", public_base_url="https://routes.example.test",
                    link_secret="test-secret", local_workers=2, heartbeat_s=0.2,
                    stale_after_s=2.0, reap_interval_s=0.2)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))  # 04:00 on 1 Dec in Zhengzhou


@dataclass
class Api:
    """A running app (lifespan entered), its store and one key per role."""

    client: TestClient
    store: Store
    keys: dict[str, str]

    def headers(self, role: str = "dispatcher") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def get(self, url: str, role: str = "dispatcher", **kw: Any) -> Any:
        return self.client.get(url, headers=self.headers(role), **kw)

    def post(self, url: str, role: str = "dispatcher", **kw: Any) -> Any:
        return self.client.post(url, headers=self.headers(role), **kw)

    def wait(self, plan_id: str, until: tuple[str, ...] = ("done", "failed"),
             deadline_s: float = 120.0) -> dict[str, Any]:
        """Poll until the plan reaches one of `until` (a deadline, not a timing assert)."""
        end = time.monotonic() + deadline_s
        while True:
            body: dict[str, Any] = self.get(f"/v1/plans/{plan_id}").json()
            if body["status"] in until or time.monotonic() > end:
                return body
            time.sleep(0.1)


def make_keys(store: Store) -> dict[str, str]:
    return {role.label: store.keys.create(role, label=f"test-{role.label}")[1] for role in Role}


@pytest.fixture
def make_api(settings: Settings, clock: FakeClock) -> Iterator[Callable[..., Api]]:
    opened: list[TestClient] = []

    def make(s: Settings | None = None, clk: Callable[[], datetime] | None = None) -> Api:
        app = create_app(s or settings, clock=clk or clock)
        client = TestClient(app)
        client.__enter__()
        opened.append(client)
        store: Store = app.state.services.store
        return Api(client, store, make_keys(store))

    yield make
    for c in opened:
        c.__exit__(None, None, None)


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


@pytest.fixture(scope="session")
def small_day() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Twelve visits and two teams in Zhengzhou, as JSON records."""
    return synthetic_records(visits=12, teams=2, seed=3)


def plan_body(day: tuple[list[dict[str, Any]], list[dict[str, Any]]],
              **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"date": "2026-12-01", "visits": day[0], "teams": day[1],
                            "time_limit_s": 1, "seed": 1}
    body.update(kw)
    return body
