"""The auditor role reads the audit and nothing else; dispatchers and analysts cannot read it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from routeplan.cli import main
from routeplan_api.config import Settings
from routeplan_api.persistence import Store
from tests.api.conftest import Api

AUDIT = ("/v1/audit", "/v1/audit.xlsx", "/v1/audit/summary")
PARAMS = {"/v1/audit": {"date": "2026-12-01"}, "/v1/audit.xlsx": {"date": "2026-12-01"},
          "/v1/audit/summary": {"week_start": "2026-11-30"}}


@pytest.mark.parametrize("path", AUDIT)
def test_only_auditors_and_admins_read_the_audit(api: Api, path: str) -> None:
    for role in ("auditor", "admin"):
        r = api.get(path, role, params=PARAMS[path])
        assert r.status_code == 200, (role, r.text)
    for role in ("dispatcher", "analyst"):
        r = api.get(path, role, params=PARAMS[path])
        assert r.status_code == 403, (role, r.text)
        assert "auditor or admin" in r.json()["message"]
    assert api.client.get(path, params=PARAMS[path]).status_code == 401


def test_an_auditor_key_opens_nothing_but_the_audit(api: Api) -> None:
    """Every keyed route of the service, tried with an auditor key: 403 unless it is the audit."""
    tried = 0
    paths = api.client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        if not path.startswith("/v1/") or path in AUDIT:
            continue
        url = re.sub(r"\{[^}]+\}", "x", path)
        for method in operations:
            r = api.client.request(method.upper(), url, headers=api.headers("auditor"))
            assert r.status_code == 403, (method, url, r.status_code, r.text)
            tried += 1
    assert tried >= 15  # plans, exports, maps, policies, replan, comparisons, admin


def test_keys_create_makes_an_auditor_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ROUTEPLAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ROUTEPLAN_DATABASE_URL", "")
    assert main(["keys", "create", "--role", "auditor", "--label", "compliance"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("created auditor key")
    store = Store(Settings(data_dir=tmp_path).resolved_database_url)
    try:
        assert [row.role for row in store.keys.list_all()] == ["auditor"]
    finally:
        store.close()
