"""The real service's log (`routeplan serve` under uvicorn, in its own process) holds no input.

Two store methods are made to fail, with the request's values in the exception's text: plan
reads with a bug in Python (`int(plan_id)`) and a bug in SQL (SQLAlchemy quotes the statement
and its parameters), both internal errors (500); the plan list on a read-only database (a
storage fault, 503). Hostile values
also go in as input errors (422). The captured log must hold none of them and no traceback;
each failure is one line with its class and the error id the response carries.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from routeplan_api.services.demo import synthetic_records
from tests.cli.test_cli import EXE

HOSTILE_ID = 'boom=HYPERLINK("x"&A1)张三13800138000'
HOSTILE_NOTE = "=cmd|'/C calc'!A0 李四 身份证410102199001011234"
NEEDLES = ("HYPERLINK", "13800138000", "张三", "李四", "410102199001011234", "cmd|",
           "Traceback", 'File "', "[parameters:", "[SQL:",
           "Exception in ASGI application")  # uvicorn's line for an error that escaped the app

#: The serve command with two store methods failing as a driver would.
_SERVE = textwrap.dedent("""
    import sys
    from sqlalchemy import text
    from routeplan_api.persistence.plans import PlanStore
    from routeplan.cli import main

    HOSTILE = sys.argv.pop()  # the last argument: a value for the failing statement
    read = PlanStore.read

    def read_with_bugs(self, plan_id, version, actor):
        if plan_id.startswith("boom"):  # a bug in Python: the id in the exception's text
            int(plan_id)
        if plan_id.startswith("bug"):  # a bug in SQL: a column that does not exist
            with self.engine.connect() as conn:
                conn.execute(text("SELECT nope FROM plans WHERE id = :id"), {"id": plan_id})
        return read(self, plan_id, version, actor)

    def list_on_a_read_only_database(self, *, day, limit, offset):
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA query_only=1")
            try:
                conn.execute(text("INSERT INTO access_log (plan_id, actor, what, at) "
                                  "VALUES ('p', 'a', :what, '2026-12-01 00:00:00')"),
                             {"what": HOSTILE})
            finally:
                conn.exec_driver_sql("PRAGMA query_only=0")

    PlanStore.read = read_with_bugs
    PlanStore.list_page = list_on_a_read_only_database
    sys.exit(main(sys.argv[1:]))
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp_path: Path, env: dict[str, str], port: int, log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", _SERVE, "serve", "--port", str(port), HOSTILE_NOTE],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)


def _wait_ready(base: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert server.poll() is None, log_path.read_text(encoding="utf-8", errors="replace")
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.2)


def test_log_holds_class_and_error_id_only(tmp_path: Path) -> None:
    """500 and 503 log one line each, with the class and the response's error id; nothing else."""
    env = {**os.environ, "ROUTEPLAN_DATA_DIR": str(tmp_path / "var"),
           "ROUTEPLAN_DATABASE_URL": "", "ROUTEPLAN_QUEUE_URL": "",
           "ROUTEPLAN_LINK_SECRET": "test-secret", "ROUTEPLAN_LOCAL_WORKERS": "1"}
    made = subprocess.run([EXE, "keys", "create", "--role", "dispatcher"], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    key = made.stdout.splitlines()[-1]
    visits, teams = synthetic_records(visits=4, teams=1, seed=1)
    visits[0] = {**visits[0], "visit_id": HOSTILE_ID, "lat": 134.7, "borrower_id": HOSTILE_NOTE}
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = _serve(tmp_path, env, port, log)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, server, log_path)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"},
                          timeout=60) as client:
            internal = client.get(f"/v1/plans/{quote(HOSTILE_ID, safe='')}")
            sql_bug = client.get(f"/v1/plans/bug{quote(HOSTILE_ID, safe='')}")
            storage = client.get("/v1/plans")
            invalid = client.post("/v1/plans", json={"date": "2026-12-01", "visits": visits,
                                                     "teams": teams})
            deep = client.post("/v1/plans", content=b'{"visits": ' + b"[" * 5000 + b"]" * 5000
                               + b"}", headers={"Content-Type": "application/json"})
            events = client.post(f"/m/{quote(HOSTILE_ID, safe='')}/events", json={
                "visit_id": HOSTILE_ID, "status": "done", "at": "9999-12-31T23:59:59-12:00",
                "note": HOSTILE_NOTE})
    finally:
        server.terminate()
        server.wait(30)
    text = log_path.read_text(encoding="utf-8")

    assert internal.status_code == 500, internal.text
    body = internal.json()
    assert body["error"] == "internal"
    assert re.fullmatch(r"[0-9a-f]{16}", body["error_id"])
    assert HOSTILE_ID not in internal.text
    assert storage.status_code == 503, storage.text
    assert storage.headers["retry-after"] == "10"
    assert storage.json()["message_zh"]
    assert invalid.status_code == 422
    assert deep.status_code == 422
    assert events.status_code == 404  # not a link

    assert sql_bug.status_code == 500, sql_bug.text
    assert sql_bug.json()["error_id"] != body["error_id"]
    assert f"internal error {body['error_id']}: ValueError" in text
    assert f"internal error {sql_bug.json()['error_id']}: OperationalError" in text
    assert (f"storage fault {storage.json()['error_id']}: OperationalError (SQLITE_READONLY)"
            in text)
    for needle in NEEDLES:
        assert needle not in text, (needle, text)
    # the error lines say nothing else: the class, and the driver's code for storage faults
    errors = [line for line in text.splitlines() if " error " in line or " fault " in line]
    assert len(errors) == 3, errors
