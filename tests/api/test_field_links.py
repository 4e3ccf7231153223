"""Field links: scoped to one team's route, expiring on the injected clock, revocable, unlogged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from routeplan_api.security import LinkClaims, LinkSigner
from tests.api.conftest import Api, FakeClock, plan_body


def _done(api: Api, day: Any) -> tuple[str, dict[str, Any]]:
    pid = api.post("/v1/plans", json=plan_body(day)).json()["plan_id"]
    body = api.wait(pid)
    assert body["status"] == "done"
    return pid, body["plan"]


def _path(link: str) -> str:
    return urlsplit(link).path


def test_link_opens_only_its_team_route(api: Api, small_day: Any) -> None:
    """The page shows the team's own stops and no other team's; headers keep the URL private."""
    _, plan = _done(api, small_day)
    own, other = plan["routes"][0], plan["routes"][1]
    r = api.client.get(_path(own["field_link"]))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["referrer-policy"] == "no-referrer"
    for stop in own["stops"]:
        assert stop["visit_id"] in r.text
    for stop in other["stops"]:
        assert stop["visit_id"] not in r.text
    assert own["stops"], "the first team has stops"


def test_link_expires_at_later_of_day_end_and_24h(api: Api, small_day: Any,
                                                  clock: FakeClock) -> None:
    """Issued 04:00 on the plan's day: alive at 03:59 next day, gone at 04:00 next day."""
    _, plan = _done(api, small_day)
    path = _path(plan["routes"][0]["field_link"])
    clock.advance(hours=23, minutes=59)
    assert api.client.get(path).status_code == 200
    clock.advance(minutes=1)
    assert api.client.get(path).status_code == 410


def test_link_issued_late_lives_24h(api: Api, small_day: Any, clock: FakeClock) -> None:
    """Issued the evening before the day, it lives to the end of the plan's day."""
    clock.now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # 20:00 on 29 Nov in Zhengzhou
    _, plan = _done(api, small_day)
    path = _path(plan["routes"][0]["field_link"])
    clock.now = datetime(2026, 12, 1, 15, 59, tzinfo=UTC)  # 23:59 on 1 Dec local
    assert api.client.get(path).status_code == 200
    clock.now = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert api.client.get(path).status_code == 410


def test_forged_altered_and_foreign_tokens(api: Api, small_day: Any) -> None:
    """Tampered tokens, tokens for another team and tokens signed with another secret: 404."""
    pid, plan = _done(api, small_day)
    token = _path(plan["routes"][0]["field_link"]).removeprefix("/m/")
    assert api.client.get(f"/m/{token[:-2]}xx").status_code == 404
    link_id = api.store.plans.links_for(pid, [plan["routes"][0]["team_id"]],
                                  datetime(2026, 12, 1).date())[plan["routes"][0]["team_id"]].id
    other_team = plan["routes"][1]["team_id"]
    foreign = LinkSigner(b"test-secret").sign(LinkClaims(link_id, pid, other_team))
    assert api.client.get(f"/m/{foreign}").status_code == 404
    other_secret = LinkSigner(b"other").sign(LinkClaims(link_id, pid, plan["routes"][0]["team_id"]))
    assert api.client.get(f"/m/{other_secret}").status_code == 404
    # a field link is no API key
    r = api.client.get(f"/v1/plans/{pid}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_revoked_link_is_refused_and_replaced(api: Api, small_day: Any) -> None:
    """After revocation the old link is 410; the next read of the plan issues a new one."""
    pid, plan = _done(api, small_day)
    team, link = plan["routes"][0]["team_id"], plan["routes"][0]["field_link"]
    r = api.client.delete(f"/v1/plans/{pid}/routes/{team}/link", headers=api.headers())
    assert r.json() == {"revoked": 1}
    assert api.client.get(_path(link)).status_code == 410
    fresh = api.get(f"/v1/plans/{pid}").json()["plan"]["routes"][0]["field_link"]
    assert fresh != link
    assert api.client.get(_path(fresh)).status_code == 200


def test_events_are_stored_for_own_stops_only(api: Api, small_day: Any) -> None:
    """An outcome for a stop of the route is stored and shown; another team's stop is 422."""
    pid, plan = _done(api, small_day)
    own = plan["routes"][0]
    path = _path(own["field_link"]) + "/events"
    vid = own["stops"][0]["visit_id"]
    r = api.client.post(path, json={"visit_id": vid, "status": "done",
                                    "at": "2026-12-01T10:15:00+08:00", "note": "ok"})
    assert r.status_code == 201, r.text
    foreign = next(v["visit_id"] for v in small_day[0]
                   if v["visit_id"] not in {s["visit_id"] for s in own["stops"]})
    bad = api.client.post(path, json={"visit_id": foreign,
                                      "status": "done", "at": "2026-12-01T10:15:00+08:00"})
    assert bad.status_code == 422
    naive = api.client.post(path, json={"visit_id": vid, "status": "done",
                                        "at": "2026-12-01T10:15:00"})
    assert naive.status_code == 422
    events = api.get(f"/v1/plans/{pid}").json()["events"]
    assert [(e["visit_id"], e["team_id"], e["status"]) for e in events] == [
        (vid, own["team_id"], "done")]


def test_no_token_or_personal_data_in_logs(api: Api, small_day: Any,
                                           caplog: pytest.LogCaptureFixture) -> None:
    """Request logs name route templates and key ids: no tokens, keys or borrower ids."""
    caplog.set_level(logging.DEBUG)
    _pid, plan = _done(api, small_day)
    link = plan["routes"][0]["field_link"]
    api.client.get(_path(link))
    api.client.get(_path(link)[:-3] + "abc")
    # the service's own loggers (the test client logs the URLs it calls: that is not us)
    text = "\n".join(r.getMessage() for r in caplog.records
                     if not r.name.startswith(("httpx", "httpcore")))
    token = _path(link).removeprefix("/m/")
    assert "/m/{token}" in text
    assert token not in text
    assert token[:20] not in text
    assert not any(k in text for k in api.keys.values())
    assert not any(v["borrower_id"] in text for v in small_day[0])
    assert not any(v.get("address", "-") in text for v in small_day[0])
