"""A database that is read-only, full or down: 503 with Retry-After, /readyz fails, nothing lost.

Read-only is made by the database itself (SQLite `PRAGMA query_only` on every connection,
PostgreSQL `default_transaction_read_only`): tests may run as root, where file modes do not
stop writes. Down is a throwaway PostgreSQL cluster this test starts and stops, with the
commands of scripts/services.sh.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from routeplan_api.config import Settings
from routeplan_api.main import create_app
from tests.api.conftest import Api, FakeClock, make_keys, plan_body


@contextlib.contextmanager
def sqlite_pragma(engine: Engine, pragma: str) -> Iterator[None]:
    """Every connection of `engine` runs `pragma` from now until the block ends."""

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(pragma)

    event.listen(engine, "connect", on_connect)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", on_connect)
        engine.dispose()


@contextlib.contextmanager
def pg_read_only(url: str, engine: Engine) -> Iterator[None]:
    """The database of `url` takes no writes (as on a hot standby) until the block ends."""
    import psycopg

    base, _, name = url.rpartition("/")
    admin = f"{base}/postgres".replace("postgresql+psycopg://", "postgresql://")

    def alter(setting: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" {setting}')
        engine.dispose()  # new connections read the database's setting

    alter("SET default_transaction_read_only = on")
    try:
        yield
    finally:
        alter("RESET default_transaction_read_only")


def read_only(api: Api) -> contextlib.AbstractContextManager[None]:
    engine = api.store.engine
    if engine.dialect.name == "sqlite":
        return sqlite_pragma(engine, "PRAGMA query_only = 1")
    return pg_read_only(api.store.url, engine)


def assert_unavailable(r: Any) -> None:
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) > 0
    body = r.json()
    assert body["error"] == "unavailable"
    assert "try again" in body["message"]
    assert "数据库" in body["message_zh"]
    assert len(body["error_id"]) == 16


def test_read_only_database_answers_503_and_keeps_the_plans(api: Api, small_day: Any) -> None:
    """Writes and reads (which log access) get 503; afterwards the plan is there as it was."""
    pid = api.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
    before = api.wait(pid)
    assert before["status"] == "done"
    route = before["plan"]["routes"][0]
    assert api.client.get("/readyz").status_code == 200
    with read_only(api):
        assert_unavailable(api.post("/v1/plans", json=plan_body(small_day)))
        assert_unavailable(api.get(f"/v1/plans/{pid}"))
        assert_unavailable(api.get(f"/v1/plans/{pid}/export", params={"format": "csv"}))
        link = "/m/" + route["field_link"].rsplit("/m/", 1)[1]
        assert_unavailable(api.client.post(f"{link}/events", json={
            "visit_id": route["stops"][0]["visit_id"], "status": "done",
            "at": "2026-12-01T10:15:00+08:00"}))
        ready = api.client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("failed: cannot write")
        assert ready.json()["checks"]["queue"] == "ok"
    assert api.client.get("/readyz").status_code == 200
    after = api.get(f"/v1/plans/{pid}").json()
    assert after["status"] == "done"
    assert after["plan"]["routes"] == before["plan"]["routes"]
    assert after["events"] == []  # the refused report was not half-stored
    assert api.post("/v1/plans", json=plan_body(small_day)).status_code == 202


def test_full_sqlite_database_refuses_new_plans_with_503(api: Api, small_day: Any) -> None:
    """A database that cannot grow (SQLITE_FULL) refuses a new day with 503, keeps the old."""
    if api.store.engine.dialect.name != "sqlite":
        pytest.skip("max_page_count is SQLite's")
    pid = api.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
    assert api.wait(pid)["status"] == "done"
    with api.store.engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    with sqlite_pragma(api.store.engine, f"PRAGMA max_page_count = {pages}"):
        r = api.post("/v1/plans", json=plan_body(small_day))
        assert_unavailable(r)
    assert api.get(f"/v1/plans/{pid}").json()["status"] == "done"


# -- PostgreSQL down: a cluster of this test's own ---------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    return found[-1].parent if found else None


def _as_pg(*cmd: str | Path) -> list[str]:
    """As in scripts/services.sh: PostgreSQL refuses to run as root, so root runs it as postgres."""
    args = [str(c) for c in cmd]
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pg_cluster() -> Iterator[tuple[str, Callable[[str], None]]]:
    """A throwaway cluster: its URL and `ctl("start"|"stop")`; stopped when the test ends."""
    bin_dir = _pg_bin()
    if bin_dir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("PostgreSQL binaries not installed")
    # in /tmp itself, as scripts/services.sh: the postgres user must reach the folder, and
    # pytest's own temporary folders are private to root
    home = Path(tempfile.mkdtemp(prefix="routeplan-pg-"))
    folder = home / "pg"
    folder.mkdir()
    if os.geteuid() == 0:
        home.chmod(0o755)
        shutil.chown(folder, "postgres")
    port = _free_port()
    subprocess.run(_as_pg(bin_dir / "initdb", "-D", folder / "data", "-U", "routeplan",
                          "--auth=trust", "-E", "UTF8"), check=True, capture_output=True,
                   timeout=120)

    def ctl(action: str) -> None:
        extra = (["-o", f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "-l", str(folder / "server.log")] if action == "start" else ["-m", "fast"])
        subprocess.run(_as_pg(bin_dir / "pg_ctl", "-D", folder / "data", "-w", *extra, action),
                       check=True, capture_output=True, timeout=120)

    ctl("start")
    try:
        yield f"postgresql+psycopg://routeplan@127.0.0.1:{port}/postgres", ctl
    finally:
        subprocess.run(_as_pg(bin_dir / "pg_ctl", "-D", folder / "data", "-m", "immediate",
                              "stop"), capture_output=True, timeout=120, check=False)
        shutil.rmtree(home, ignore_errors=True)


def test_postgres_down_answers_503_and_the_plan_is_there_after(
        pg_cluster: tuple[str, Callable[[str], None]], tmp_path: Path, clock: FakeClock,
        small_day: Any) -> None:
    """The server stopped: 503 and /readyz fails; started again: the same plan, readable."""
    url, ctl = pg_cluster
    settings = Settings(data_dir=tmp_path, database_url=url, queue_url="",
                        public_base_url="https://routes.example.test", link_secret="s",
                        local_workers=1, heartbeat_s=0.2, stale_after_s=2.0,
                        reap_interval_s=0.2)
    with TestClient(create_app(settings, clock=clock)) as client:
        store = client.app.state.services.store
        api = Api(client, store, make_keys(store))
        pid = api.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
        before = api.wait(pid)
        assert before["status"] == "done"
        ctl("stop")
        try:
            assert_unavailable(api.get(f"/v1/plans/{pid}"))
            assert_unavailable(api.post("/v1/plans", json=plan_body(small_day)))
            ready = api.client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"].startswith("failed")
        finally:
            ctl("start")
        after = api.get(f"/v1/plans/{pid}")
        assert after.status_code == 200, after.text
        assert after.json()["plan"]["routes"] == before["plan"]["routes"]
        assert api.client.get("/readyz").status_code == 200
