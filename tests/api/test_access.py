"""Who may call what: 401 without a valid key, 403 below the role, 404 for unknown ids."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from routeplan_api.security import Role
from tests.api.conftest import Api, FakeClock, plan_body

ROUTES = [("GET", "/v1/plans"), ("GET", "/v1/plans/nope"), ("GET", "/v1/regions"),
          ("GET", "/v1/policies/default"), ("GET", "/metrics"), ("POST", "/v1/admin/purge")]


@pytest.mark.parametrize(("method", "url"), ROUTES)
@pytest.mark.parametrize("auth", [None, "Bearer nonsense", "Basic dXNlcjpwYXNz"])
def test_missing_or_wrong_key_is_401(api: Api, method: str, url: str, auth: str | None) -> None:
    """No key, an unknown key or another scheme: 401 with WWW-Authenticate, on every route."""
    headers = {"Authorization": auth} if auth else {}
    r = api.client.request(method, url, headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"] == "unauthorized"


@pytest.mark.parametrize(("role", "method", "url", "expected"), [
    ("dispatcher", "GET", "/v1/policies/default", 403),
    ("analyst", "GET", "/v1/policies/default", 200),
    ("dispatcher", "PUT", "/v1/policies/strict", 403),
    ("analyst", "GET", "/metrics", 403),
    ("admin", "GET", "/metrics", 200),
    ("dispatcher", "POST", "/v1/admin/purge", 403),
    ("admin", "POST", "/v1/admin/purge", 200),
    ("dispatcher", "GET", "/v1/plans/unknown/access", 403),
    ("admin", "GET", "/v1/plans/unknown/access", 404),
])
def test_roles(api: Api, role: str, method: str, url: str, expected: int) -> None:
    """Roles nest: dispatcher < analyst < admin."""
    kw: dict[str, Any] = {"json": {"policy": {}}} if method == "PUT" else {}
    r = api.client.request(method, url, headers=api.headers(role), **kw)
    assert r.status_code == expected, r.text


@pytest.mark.parametrize("url", ["/v1/plans/x", "/v1/plans/x/routes/T001",
                                 "/v1/plans/x/export?format=csv", "/v1/plans/%20"])
def test_unknown_ids_are_404_never_422(api: Api, url: str) -> None:
    """Opaque ids: whatever the string, an unknown plan is 404."""
    assert api.get(url).status_code == 404


def test_revoked_and_expired_keys_are_refused(api: Api, clock: FakeClock) -> None:
    """A revoked key and an expired key both get 401."""
    row, key = api.store.keys.create(Role.DISPATCHER)
    hdr = {"Authorization": f"Bearer {key}"}
    assert api.client.get("/v1/plans", headers=hdr).status_code == 200
    api.store.keys.revoke(row.id)
    assert api.client.get("/v1/plans", headers=hdr).status_code == 401
    _, key2 = api.store.keys.create(Role.DISPATCHER, expires_at=clock() + timedelta(days=1))
    hdr2 = {"Authorization": f"Bearer {key2}"}
    assert api.client.get("/v1/plans", headers=hdr2).status_code == 200
    clock.advance(days=2)
    assert api.client.get("/v1/plans", headers=hdr2).status_code == 401


def test_keys_are_stored_as_digests(api: Api) -> None:
    """The database holds no key in clear."""
    keys = api.store.keys.list_all()
    assert keys
    assert all(len(k.digest) == 64 for k in keys)
    assert not {k.digest for k in keys} & set(api.keys.values())


def test_rate_limit_per_key_and_exemption_by_configuration(make_api: Any, settings: Any) -> None:
    """A key over its bucket gets 429 with Retry-After; a configured key id is exempt."""
    api = make_api(settings.model_copy(update={"rate_limit_burst": 3,
                                               "rate_limit_per_minute": 1}))
    codes = [api.get("/v1/plans").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[-1] == 429
    row, key = api.store.keys.create(Role.DISPATCHER, label="bench")
    exempt = make_api(settings.model_copy(update={
        "rate_limit_burst": 3, "rate_limit_per_minute": 1, "rate_limit_exempt_keys": [row.id]}))
    hdr = {"Authorization": f"Bearer {key}"}
    assert all(exempt.client.get("/v1/plans", headers=hdr).status_code == 200
               for _ in range(10))


def test_security_headers_and_closed_cors(api: Api) -> None:
    """no-referrer and friends on every response; no CORS grant by default."""
    r = api.client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "access-control-allow-origin" not in r.headers


def test_request_size_limit(make_api: Any, settings: Any, small_day: Any) -> None:
    """A body over the limit is refused with 413 before it is parsed."""
    api = make_api(settings.model_copy(update={"max_request_bytes": 2048}))
    r = api.post("/v1/plans", json=plan_body(small_day))
    assert r.status_code == 413
