"""Hostile text through the running service: pages and exports show it literally, the log never.

`routeplan serve` runs in its own process (SQLite, a local worker), its output captured. A day
with the corpus (tests/hostile.py) in every text column is planned over HTTP; the field page
(/m/{token}), its sheet and the overview (/o/{token}) are opened in Debian's chromium and
their rendered text read back; a hostile note goes in through the page itself; exports are
read as a spreadsheet would. The 10,000-character value is refused. The captured log holds
none of the values and no traceback.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

from routeplan.io.spreadsheet import csv_text, xlsx_text
from tests.api.live import PLAN_DAY_MORNING
from tests.api.test_service_log import _free_port, _wait_ready
from tests.cli.test_cli import EXE
from tests.hostile import CORPUS, EVALUATED, LONG, hostile_records
from tests.maps.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.maps.test_hostile_pages import _HANDLERS

NOTE = "{{ 6*7 }}</textarea><script>alert(1)</script>=1+1\u202e"


def _plan(client: httpx.Client, visits: Any, teams: Any) -> dict[str, Any]:
    made = client.post("/v1/plans", json={"date": "2026-12-01", "visits": visits,
                                          "teams": teams, "time_limit_s": 2, "seed": 1})
    assert made.status_code == 202, made.text
    pid = made.json()["plan_id"]
    end = time.monotonic() + 180
    while True:
        body: dict[str, Any] = client.get(f"/v1/plans/{pid}").json()
        if body["status"] in ("done", "failed"):
            break
        assert time.monotonic() < end, body["status"]
        time.sleep(0.2)
    assert body["status"] == "done", body
    return body


def _inert(page: Any, dialogs: list[str]) -> None:
    assert page.evaluate(_HANDLERS) == []
    assert dialogs == []
    text = page.evaluate("() => document.body.textContent")
    assert not [e for e in EVALUATED if e in text]


def _browse(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Open each field page, its sheet and the overview; report a hostile note from one page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.clock.install(time=PLAN_DAY_MORNING)  # a report within the plan's day
        context.clock.resume()
        dialogs: list[str] = []
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        routes = [r for r in body["plan"]["routes"] if r["stops"]]
        assert len(routes) >= 2
        try:
            for route in routes:
                ids = [s["visit_id"] for s in route["stops"]]
                page.goto(route["field_link"], wait_until="load")
                page.wait_for_selector(".rp-pin[data-visit]")
                assert page.locator(".rp-title").text_content() == (
                    f"{route['team_id']} · 今日路线")
                assert page.eval_on_selector_all(
                    ".rp-stop .rp-id", "els => els.map(e => e.textContent)") == ids
                assert page.eval_on_selector_all(
                    ".leaflet-marker-pane .rp-pin[data-visit]",
                    "els => els.map(e => e.dataset.visit)") == ids
                assert set(page.eval_on_selector_all(
                    ".rp-addr", "els => els.map(e => e.textContent)")) == {"📍 金水区 花园路 ***"}
                _inert(page, dialogs)
                page.goto(route["field_link"] + "/sheet", wait_until="load")
                assert page.eval_on_selector_all(
                    "td.id .vid", "els => els.map(e => e.textContent)") == ids
                _inert(page, dialogs)
            route = routes[0]
            page.goto(route["field_link"], wait_until="load")
            page.wait_for_selector(".rp-pin[data-visit]")
            card = page.locator(".rp-stop").first
            card.locator("textarea.rp-note").fill(NOTE)
            card.locator('button.rp-out[data-status="done"]').click()
            page.wait_for_function("() => document.getElementById('rp-sync').hidden")
            assert card.get_attribute("data-state") == "done"
            _inert(page, dialogs)
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(body["overview_link"], wait_until="load")
            page.wait_for_selector(".rp-pin-team")
            titles = sorted(page.eval_on_selector_all(".rp-pin-team",
                                                      "els => els.map(e => e.title)"))
            assert titles == sorted(f"{r['team_id']} {n} {s['visit_id']}"
                                    for r in body["plan"]["routes"]
                                    for n, s in enumerate(r["stops"], start=1))
            recent = page.eval_on_selector_all(".rp-panel details tr td:nth-child(3)",
                                               "els => els.map(e => e.textContent)")
            assert recent == [route["stops"][0]["visit_id"]]
            _inert(page, dialogs)
        finally:
            context.close()
            browser.close()
    return routes


def test_the_corpus_through_the_service_pages_exports_and_log(tmp_path: Path) -> None:
    env = {**os.environ, "ROUTEPLAN_DATA_DIR": str(tmp_path / "var"),
           "ROUTEPLAN_DATABASE_URL": "", "ROUTEPLAN_QUEUE_URL": "",
           "ROUTEPLAN_LINK_SECRET": "test-secret", "ROUTEPLAN_LOCAL_WORKERS": "1",
           "ROUTEPLAN_TILES_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"}
    made = subprocess.run([EXE, "keys", "create", "--role", "dispatcher"], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    key = made.stdout.splitlines()[-1]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env["ROUTEPLAN_PUBLIC_BASE_URL"] = base
    log_path = tmp_path / "serve.log"
    visits, teams = hostile_records()
    with log_path.open("wb") as log:
        server = subprocess.Popen([EXE, "serve", "--port", str(port)], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        _wait_ready(base, server, log_path)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"},
                          timeout=60) as client:
            body = _plan(client, visits, teams)
            routes = _browse(body)
            pid = body["plan_id"]
            events = client.get(f"/v1/plans/{pid}").json()["events"]
            assert [(e["visit_id"], e["note"]) for e in events] == [
                (routes[0]["stops"][0]["visit_id"], NOTE)]
            exported_csv = client.get(f"/v1/plans/{pid}/export", params={"format": "csv"})
            exported_xlsx = client.get(f"/v1/plans/{pid}/export", params={"format": "xlsx"})
            geojson = client.get(f"/v1/plans/{pid}/export", params={"format": "geojson"})
            long_visits = [dict(v) for v in visits]
            long_visits[1]["visit_id"] = LONG
            refused = client.post("/v1/plans", json={"date": "2026-12-01",
                                                     "visits": long_visits, "teams": teams})
    finally:
        server.terminate()
        server.wait(30)
    ids = {s["visit_id"] for r in routes for s in r["stops"]}
    assert {i.rsplit("~", 1)[0] for i in ids} == set(CORPUS)

    rows = csv.reader(io.StringIO(exported_csv.content.decode("utf-8-sig")))
    assert {csv_text(i) for i in ids} <= {c for row in rows for c in row}
    book = load_workbook(io.BytesIO(exported_xlsx.content), read_only=True)
    try:
        sheet = book.active
        assert sheet is not None
        cells = {c for row in sheet.iter_rows(values_only=True) for c in row
                 if isinstance(c, str)}
    finally:
        book.close()
    assert {xlsx_text(i) for i in ids} <= cells
    shown = {f["properties"].get("visit_id") for f in geojson.json()["features"]}
    assert ids <= shown
    assert refused.status_code == 422
    assert LONG[:50] not in refused.text

    text = log_path.read_text(encoding="utf-8", errors="replace")
    values = [*CORPUS, NOTE, LONG[:50], *(t["team_id"] for t in teams),
              *(m for t in teams for m in t["members"])]
    leaked = [v for v in values if v in text]
    assert leaked == [], text[-3000:]
    assert "Traceback" not in text
