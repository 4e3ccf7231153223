"""Maps served by the API: field page and sheet, assets, service worker, events, overview links."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from routeplan.maps import assets_version
from tests.api.conftest import Api, FakeClock, plan_body


def _done(api: Api, day: Any) -> tuple[str, dict[str, Any]]:
    pid = api.post("/v1/plans", json=plan_body(day)).json()["plan_id"]
    body = api.wait(pid)
    assert body["status"] == "done"
    return pid, body


def _path(link: str) -> str:
    return urlsplit(link).path


def _event(visit_id: str, status: str = "done", **kw: Any) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "visit_id": visit_id, "status": status,
            "at": "2026-12-01T10:15:00+08:00", "note": "", **kw}


def test_field_link_renders_the_map_page_with_versioned_assets(api: Api, small_day: Any) -> None:
    """The page is the maps adapter's, loads assets from /assets/maps/<version>/, and its CSP
    admits only this service and the tile host."""
    _, body = _done(api, small_day)
    route = body["plan"]["routes"][0]
    r = api.client.get(_path(route["field_link"]))
    assert r.status_code == 200
    assert f"/assets/maps/{assets_version()}/leaflet.js" in r.text
    assert 'rp-field' in r.text
    for stop in route["stops"]:
        assert stop["visit_id"] in r.text
    own_ids = {s["visit_id"] for s in route["stops"]}
    for visit in small_day[0]:
        if visit["visit_id"] not in own_ids:
            assert f'"{visit["visit_id"]}"' not in r.text
    token = _path(route["field_link"]).removeprefix("/m/")
    assert f"/m/{token}/events" in r.text and f"/m/{token}/sheet" in r.text
    csp = r.headers["content-security-policy"]
    assert "https://webrd01.is.autonavi.com" in csp and "https:;" not in csp
    assert "default-src 'self'" in csp
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"


def test_sheet_assets_and_service_worker(api: Api, small_day: Any) -> None:
    """The A4 sheet, immutable versioned assets (old versions 404) and the SW under /m/."""
    _, body = _done(api, small_day)
    route = body["plan"]["routes"][0]
    sheet = api.client.get(_path(route["field_link"]) + "/sheet")
    assert sheet.status_code == 200 and route["stops"][0]["visit_id"] in sheet.text
    js = api.client.get(f"/assets/maps/{assets_version()}/leaflet.js")
    assert js.status_code == 200
    assert js.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert js.headers["content-type"].startswith("text/javascript")
    assert api.client.get("/assets/maps/000000000000/leaflet.js").status_code == 404
    assert api.client.get(f"/assets/maps/{assets_version()}/nope.js").status_code == 404
    sw = api.client.get("/m/routeplan-sw.js")
    assert sw.status_code == 200 and "serviceWorker" not in sw.text and "caches" in sw.text
    assert "webrd01.is.autonavi.com" in sw.headers["content-security-policy"]


def test_events_are_idempotent_and_scoped_to_the_link(api: Api, small_day: Any) -> None:
    """A repeated event_id is 409 and stored once; another team's report is 403, another
    team's visit 422; stored outcomes reach the dispatcher and show on the page."""
    pid, body = _done(api, small_day)
    own, other = body["plan"]["routes"][0], body["plan"]["routes"][1]
    url = _path(own["field_link"]) + "/events"
    visit = own["stops"][0]["visit_id"]
    ev = _event(visit, team_id=own["team_id"])
    assert api.client.post(url, json=ev).status_code == 201
    assert api.client.post(url, json=ev).status_code == 409
    assert api.client.post(url, json=_event(visit, team_id=other["team_id"])).status_code == 403
    own_ids = {s["visit_id"] for s in own["stops"]}
    elsewhere = next(v["visit_id"] for v in small_day[0] if v["visit_id"] not in own_ids)
    assert api.client.post(url, json=_event(elsewhere)).status_code == 422
    events = api.get(f"/v1/plans/{pid}").json()["events"]
    assert [(e["visit_id"], e["status"]) for e in events] == [(visit, "done")]
    page = api.client.get(_path(own["field_link"])).text
    assert re.search(r'"state":\s*"done"', page)


def test_expired_and_foreign_field_links_are_refused(api: Api, small_day: Any,
                                                     clock: FakeClock) -> None:
    """An expired link and a token for another plan or a made-up one give no page, no sheet."""
    _, body = _done(api, small_day)
    path = _path(body["plan"]["routes"][0]["field_link"])
    assert api.client.get("/m/not-a-token").status_code == 404
    assert api.client.get("/m/not-a-token/sheet").status_code == 404
    clock.advance(days=3)
    for suffix in ("", "/sheet"):
        r = api.client.get(path + suffix)
        assert r.status_code == 410
        assert "V0" not in r.text
    assert api.client.post(path + "/events", json=_event("V00001")).status_code == 410


def test_overview_with_a_key_and_from_its_signed_link(api: Api, small_day: Any,
                                                      clock: FakeClock) -> None:
    """The overview needs a dispatcher key; overview_link opens it without a header until it
    expires, and never for another plan or a revoked key."""
    pid, body = _done(api, small_day)
    assert api.client.get(f"/v1/plans/{pid}/map").status_code == 401
    r = api.get(f"/v1/plans/{pid}/map")
    assert r.status_code == 200 and "rp-overview" in r.text
    for route in body["plan"]["routes"]:
        assert route["team_id"] in r.text
    link = body["overview_link"]
    assert link.startswith("https://routes.example.test/o/")
    page = api.client.get(_path(link))
    assert page.status_code == 200 and "rp-overview" in page.text
    assert api.client.get(_path(link)[:-3] + "xyz").status_code == 404
    clock.advance(minutes=16)
    assert api.client.get(_path(link)).status_code == 410
    fresh = api.get(f"/v1/plans/{pid}").json()["overview_link"]
    assert api.client.get(_path(fresh)).status_code == 200


def test_overview_link_dies_with_its_key(api: Api, small_day: Any) -> None:
    """Revoking the dispatcher's key revokes the overview links it was given."""
    pid, _ = _done(api, small_day)
    link = api.get(f"/v1/plans/{pid}", role="analyst").json()["overview_link"]
    key_id = api.keys["analyst"].split("_")[1]
    assert api.client.get(_path(link)).status_code == 200
    assert api.store.keys.revoke(key_id)
    assert api.client.get(_path(link)).status_code == 410


def _directives(csp: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else ""
            for d in (p.strip() for p in csp.split(";")) if d}


def test_every_page_runs_only_script_files_of_this_service(api: Api, small_day: Any) -> None:
    """script-src 'self' (no 'unsafe-inline', no nonce needed: no inline script anywhere);
    only the overview may be framed, and only by this origin (the console)."""
    pid, body = _done(api, small_day)
    link = _path(body["plan"]["routes"][0]["field_link"])
    pages = {"field": api.client.get(link), "sheet": api.client.get(link + "/sheet"),
             "overview": api.get(f"/v1/plans/{pid}/map"),
             "overview-link": api.client.get(_path(body["overview_link"])),
             "worker": api.client.get("/m/routeplan-sw.js")}
    for name, r in pages.items():
        assert r.status_code == 200, name
        d = _directives(r.headers["content-security-policy"])
        assert d["script-src"] == "'self'", name
        assert d["object-src"] == "'none'", name
        framed = name.startswith("overview")
        assert d["frame-ancestors"] == ("'self'" if framed else "'none'"), name
        assert r.headers["x-frame-options"] == ("SAMEORIGIN" if framed else "DENY"), name
        if name != "worker":
            scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, flags=re.DOTALL)
            assert scripts, name
            assert all(('src="/assets/maps/' in a and not b.strip())
                       or 'type="application/json"' in a for a, b in scripts), name
            assert not re.search(r"\son[a-z]+\s*=", r.text), name
