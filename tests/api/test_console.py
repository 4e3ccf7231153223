"""The console over HTTP (no browser): sign-in and sessions, CSRF and origin, roles, a day from
files to its result page, Chinese errors and warnings, exports, sign-out."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from routeplan.io.day_writers import write_day_csv
from routeplan.workflows.build import default_locator
from routeplan.workflows.synth import synth_day
from routeplan_api.routes.console import COOKIE
from tests.api.conftest import Api

DAY = "2026-12-01"


def day_files(folder: Path, visits: int = 14, teams: int = 2, seed: int = 5) -> tuple[Path, Path]:
    """A synthetic Zhengzhou day as visits.csv and teams.csv."""
    synth = synth_day(prefectures=["410100"], visits=visits, teams=teams, seed=seed,
                      locator=default_locator())
    return write_day_csv(synth.visits, synth.teams, folder)


def broken_visits(path: Path) -> bytes:
    """The visits file with window_end '25:00' on its second data row (line 3)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index("window_end")] = "25:00"
    lines[2] = ",".join(cells)
    return "\n".join(lines).encode()


def _decode(png: bytes) -> str:
    import io

    import zxingcpp
    from PIL import Image

    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    return str(code.text)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(api: Api, role: str = "dispatcher") -> TestClient:
    """A client of its own (HTTPS, so the Secure cookie travels) signed in with `role`'s key."""
    client = TestClient(api.client.app, base_url="https://testserver")
    page = client.get("/console/login")
    r = client.post("/console/login", data={"key": api.keys[role], "csrf": _csrf(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def test_sign_in_sets_a_strict_http_only_secure_session_and_sign_out_ends_it(api: Api) -> None:
    client = TestClient(api.client.app, base_url="https://testserver")
    assert client.get("/console/plans", follow_redirects=False).headers["location"] == (
        "/console/login")
    page = client.get("/console/login")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    r = client.post("/console/login", data={"key": api.keys["dispatcher"],
                                            "csrf": _csrf(page.text)}, follow_redirects=False)
    cookie = next(v for k, v in r.headers.multi_items()
                  if k == "set-cookie" and v.startswith(COOKIE + "="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    plans = client.get("/console/plans")
    assert plans.status_code == 200 and "新建当天规划" in plans.text
    out = client.post("/console/logout", data={"csrf": _csrf(plans.text)},
                      follow_redirects=False)
    assert out.status_code == 303
    # the old cookie, replayed, no longer opens anything
    replay = TestClient(api.client.app, base_url="https://testserver")
    replay.cookies.set(COOKIE, token, path="/console")
    assert replay.get("/console/plans", follow_redirects=False).status_code == 303


def test_a_wrong_key_is_refused_in_chinese(api: Api) -> None:
    client = TestClient(api.client.app, base_url="https://testserver")
    page = client.get("/console/login")
    r = client.post("/console/login", data={"key": "rpk_nobody_x", "csrf": _csrf(page.text)})
    assert r.status_code == 401
    assert "密钥无效" in r.text


def test_forms_need_the_session_token_and_this_origin(api: Api, tmp_path: Path) -> None:
    client = sign_in(api)
    page = client.get("/console/plans").text
    visits, teams = day_files(tmp_path)
    files = {"visits": ("visits.csv", visits.read_bytes()), "teams": ("teams.csv",
                                                                     teams.read_bytes())}
    no_token = client.post("/console/plans", data={"date": DAY}, files=files)
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    foreign = client.post("/console/plans", data={"date": DAY, "csrf": _csrf(page)},
                          files=files, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "其他网站" in foreign.text
    assert api.get("/v1/plans").json()["items"] == []  # nothing was submitted
    login = TestClient(api.client.app, base_url="https://testserver")
    login_page = login.get("/console/login").text
    r = login.post("/console/login", data={"key": api.keys["admin"], "csrf": _csrf(login_page)},
                   headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


@pytest.mark.parametrize(("role", "allowed"), [
    ("dispatcher", set()), ("analyst", {"/console/policies", "/console/comparisons"}),
    ("admin", {"/console/policies", "/console/comparisons", "/console/keys"})])
def test_pages_follow_the_api_roles(api: Api, role: str, allowed: set[str]) -> None:
    client = sign_in(api, role)
    for path in ("/console/policies", "/console/comparisons", "/console/keys"):
        r = client.get(path)
        assert (r.status_code == 200) == (path in allowed), (role, path, r.status_code)
        if path not in allowed:
            assert "权限" in r.text
    nav = client.get("/console/plans").text
    assert ('href="/console/keys"' in nav) == (role == "admin")


def _submit(client: TestClient, visits: bytes, teams: bytes, **fields: str) -> Any:
    page = client.get("/console/plans").text
    return client.post("/console/plans", data={"date": DAY, "csrf": _csrf(page), **fields},
                       files={"visits": ("visits.csv", visits), "teams": ("teams.csv", teams)},
                       follow_redirects=False)


def test_a_day_from_files_to_its_result(api: Api, tmp_path: Path) -> None:
    client = sign_in(api)
    visits, teams = day_files(tmp_path)
    r = _submit(client, visits.read_bytes(), teams.read_bytes(), policy="default")
    assert r.status_code == 303, r.text
    page_url = r.headers["location"]
    plan_id = page_url.rsplit("/", 1)[1]
    api.wait(plan_id)
    progress = client.get(f"{page_url}/progress.json").json()
    assert progress["finished"] and progress["status"] == "done"
    page = client.get(page_url).text
    plan = api.get(f"/v1/plans/{plan_id}").json()
    kpis = plan["plan"]["kpis"]
    assert f"已安排 <b>{kpis['visits_planned']}</b>" in page
    links = re.findall(r'class="field-link" href="([^"]+)"', page)
    assert len(links) == len(plan["plan"]["routes"])
    assert all("/m/" in link for link in links)
    assert page.count('class="qr"') == len(links)
    team = plan["plan"]["routes"][0]["team_id"]
    qr = client.get(f"{page_url}/qr", params={"team": team})
    assert qr.headers["content-type"] == "image/png"
    assert _decode(qr.content) == links[0]
    assert client.get(f"{page_url}/qr", params={"team": "nobody"}).status_code == 404
    stranger = TestClient(api.client.app, base_url="https://testserver")
    assert stranger.get(f"{page_url}/qr", params={"team": team}).status_code == 404
    assert "未安排" in page
    listed = client.get("/console/plans").text
    assert f'data-plan="{plan_id}"' in listed and "已完成" in listed
    xlsx = client.get(f"{page_url}/export?format=xlsx")
    assert xlsx.content[:2] == b"PK"
    csv = client.get(f"{page_url}/export?format=csv")
    assert csv.content.startswith("\ufeff".encode())
    geo = client.get(f"{page_url}/export?format=geojson").json()
    assert geo["type"] == "FeatureCollection"


def test_file_errors_are_located_in_chinese(api: Api, tmp_path: Path) -> None:
    client = sign_in(api)
    visits, teams = day_files(tmp_path)
    r = _submit(client, broken_visits(visits), teams.read_bytes())
    assert r.status_code == 422
    assert "文件 visits.csv，第 3 行，「window_end」列" in r.text
    assert "不是有效时刻" in r.text


def test_a_holiday_is_warned_before_solving_and_planned_when_confirmed(
        api: Api, tmp_path: Path) -> None:
    client = sign_in(api)
    visits, teams = day_files(tmp_path)
    warned = _submit(client, visits.read_bytes(), teams.read_bytes(), date="2026-10-01")
    assert warned.status_code == 200
    assert 'data-code="holiday"' in warned.text and "国庆节" in warned.text
    assert api.get("/v1/plans").json()["items"] == []  # not solved behind the user's back
    confirmed = _submit(client, visits.read_bytes(), teams.read_bytes(), date="2026-10-01",
                        confirm="1")
    assert confirmed.status_code == 303
    deadline = time.monotonic() + 60
    while not api.get("/v1/plans").json()["items"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(api.get("/v1/plans").json()["items"]) == 1


def test_unassigned_filters_by_reason_and_prefecture_and_a_replan_sits_beside(
        api: Api, tmp_path: Path) -> None:
    client = sign_in(api)
    visits, teams = day_files(tmp_path)
    lines = visits.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("lat")], cells[header.index("lon")] = "39.9042", "116.4074"  # Beijing
    lines[1] = ",".join(cells)
    outside = cells[header.index("visit_id")]
    warned = _submit(client, "\n".join(lines).encode(), teams.read_bytes())
    assert 'data-code="outside_region"' in warned.text
    r = _submit(client, "\n".join(lines).encode(), teams.read_bytes(), confirm="1",
                time_limit_s="1")
    url = r.headers["location"]
    api.wait(url.rsplit("/", 1)[1])
    page = client.get(url).text
    assert f"<td class=\"id\">{outside}</td>" in page
    only = client.get(url, params={"reason": "invalid_location"}).text
    rows = re.findall(r'<tr data-reason="([a-z_]+)"><td class="id">([^<]+)</td>', only)
    assert rows == [("invalid_location", outside)]
    henan = client.get(url, params={"prefecture": "郑州市"}).text
    assert f"<td class=\"id\">{outside}</td>" not in henan
    # re-plan from 12:00: a second version, its teams beside the first's
    replan = client.post(f"{url}/replan", data={"csrf": _csrf(page), "now": "12:00",
                                                 "time_limit_s": "1"}, follow_redirects=False)
    assert replan.status_code == 303, replan.text
    api.wait(url.rsplit("/", 1)[1])
    second = client.get(url).text
    assert "第 2 版" in second and 'id="beside"' in second


def test_a_session_ends_when_its_time_is_up(api: Api, clock: Any) -> None:
    client = sign_in(api)
    assert client.get("/console/plans", follow_redirects=False).status_code == 200
    clock.advance(hours=10, seconds=1)
    assert client.get("/console/plans", follow_redirects=False).status_code == 303


def test_ids_from_input_reach_the_page_as_text(api: Api, tmp_path: Path) -> None:
    """A team id that looks like markup is shown as written, and its QR code still loads."""
    client = sign_in(api)
    visits, teams = day_files(tmp_path)
    lines = teams.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    evil = "<img src=x onerror=alert(1)>&T"
    cells[header.index("team_id")] = evil
    lines[1] = ",".join(cells)
    r = _submit(client, visits.read_bytes(), "\n".join(lines).encode(), time_limit_s="1")
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    api.wait(url.rsplit("/", 1)[1])
    page = client.get(url).text
    assert evil not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;T" in page
    src = re.search(r'class="qr" src="([^"]*%3Cimg[^"]*)"', page)
    assert src, "the QR code of the team is not on the page"
    qr = client.get(src.group(1).replace("&amp;", "&"))
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"


def test_analysts_see_comparisons_with_their_reports_and_policies(api: Api,
                                                                 small_day: Any) -> None:
    body = {"date": DAY, "visits": small_day[0], "teams": small_day[1],
            "scenarios": [{"name": "default"}, {"name": "one-team",
                                                "teams": small_day[1][:1]}],
            "time_limit_s": 1, "seed": 1}
    cid = api.post("/v1/comparisons", role="analyst", json=body).json()["comparison_id"]
    api.client.put("/v1/policies/late", headers=api.headers("analyst"),
                   json={"policy": {"window": {"company_end": "21:00"}}})
    deadline = time.monotonic() + 120
    while (api.get(f"/v1/comparisons/{cid}", role="analyst").json()["status"]
           not in ("done", "failed")) and time.monotonic() < deadline:
        time.sleep(0.2)
    client = sign_in(api, "analyst")
    listed = client.get("/console/comparisons").text
    assert f'href="/console/comparisons/{cid}/report"' in listed
    report = client.get(f"/console/comparisons/{cid}/report")
    assert report.status_code == 200 and "<html" in report.text.lower()
    policies = client.get("/console/policies").text
    assert "<td>late</td>" in policies and "21:00" in policies
    dispatcher = sign_in(api)
    assert dispatcher.get(f"/console/comparisons/{cid}/report").status_code == 403
    plan_form = dispatcher.get("/console/plans").text
    assert '<option value="late"' in plan_form  # a stored profile to choose for a day
