"""Hostile text through `routeplan plan`: pages show it literally, nothing runs, no partial output.

The corpus (tests/hostile.py) goes into every text column of a synthetic day; the pages the
CLI writes are opened from disk in Debian's chromium and their rendered text is read back.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from routeplan.io.spreadsheet import csv_text, xlsx_text
from routeplan.maps import field_page_html, overview_html, route_sheet_html
from routeplan.maps.address import mask_address
from tests.cli.test_cli import run
from tests.hostile import CORPUS, EVALUATED, LONG, hostile_records, write_csv
from tests.maps.conftest import PHONE, Site, page_data, small_plan

#: Any attribute that would run script, on any element of the page.
_HANDLERS = ("() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
             ".filter(a => /^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value))"
             ".map(a => e.tagName + ' ' + a.name))")


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("hostile")
    visits, teams = hostile_records()
    write_csv(visits, folder / "visits.csv")
    write_csv(teams, folder / "teams.csv")
    done = run("plan", "--visits", folder / "visits.csv", "--teams", folder / "teams.csv",
               "--date", "2026-12-01", "--out", folder / "out", "--time-limit", "2")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    plan = json.loads((folder / "out" / "plan.json").read_text(encoding="utf-8"))
    return folder / "out", plan


def _open(browser: Any, path: Path) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    dialogs: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    return context, page, dialogs


def _assert_inert(page: Any, dialogs: list[str]) -> None:
    assert page.evaluate(_HANDLERS) == []
    assert page.locator("img:not(.leaflet-tile):not(.leaflet-marker-icon)").count() == 0
    assert dialogs == []
    text = page.evaluate("() => document.body.textContent")
    assert not [e for e in EVALUATED if e in text]


def test_the_corpus_went_through_the_planner_into_routes(planned: tuple[Path, Any]) -> None:
    _, plan = planned
    ids = [s["visit_id"] for r in plan["routes"] for s in r["stops"]]
    assert len(ids) >= len(CORPUS)  # every hostile value is on some route
    assert {i.rsplit("~", 1)[0] for i in ids} == set(CORPUS)


def test_field_pages_and_sheets_show_every_value_literally(browser: Any,
                                                            planned: tuple[Path, Any]) -> None:
    out, plan = planned
    routes = [r for r in plan["routes"] if r["stops"]]
    assert len(routes) >= 2
    for route in routes:
        ids = [s["visit_id"] for s in route["stops"]]
        page_file = next(p for p in out.glob("field-*.html")
                         if page_data(p.read_text(encoding="utf-8"))["team"] == route["team_id"])
        context, page, dialogs = _open(browser, page_file)
        try:
            page.wait_for_selector(".rp-pin[data-visit]")
            assert page.evaluate("() => document.querySelector('title').textContent") == (
                f"{route['team_id']} 今日路线 2026-12-01")
            assert page.locator(".rp-title").text_content() == f"{route['team_id']} · 今日路线"
            assert page.eval_on_selector_all(
                ".rp-stop .rp-id", "els => els.map(e => e.textContent)") == ids
            assert page.eval_on_selector_all(
                ".leaflet-marker-pane .rp-pin[data-visit]",
                "els => els.map(e => [e.dataset.visit, e.title])") == [
                [v, f"{n} {v}"] for n, v in enumerate(ids, start=1)]
            addresses = page.eval_on_selector_all(".rp-addr", "els => els.map(e => e.textContent)")
            assert addresses == ["📍 金水区 花园路 ***"] * len(ids)  # masked: the value not shown
            page.locator(".leaflet-marker-pane .rp-pin[data-visit]").first.click()
            header = page.locator(".leaflet-popup-content .rp-pop-h").text_content() or ""
            assert header.startswith(f"1 {ids[0]}")
            _assert_inert(page, dialogs)
            sheet = page_file.with_name(page_file.name.replace("field-", "sheet-", 1))
            page.goto(sheet.as_uri(), wait_until="load")
            assert page.eval_on_selector_all(
                "td.id .vid", "els => els.map(e => e.textContent)") == ids
            assert page.locator("h1").text_content() == (
                f"{route['team_id']} 路线单 · 2026年12月1日 周二")
            assert f"组员：{'、'.join(route['members'])}" in (page.locator(".meta").text_content()
                                                          or "")
            _assert_inert(page, dialogs)
        finally:
            context.close()


def test_the_overview_shows_every_team_and_visit_literally(browser: Any,
                                                            planned: tuple[Path, Any]) -> None:
    out, plan = planned
    context, page, dialogs = _open(browser, out / "overview.html")
    try:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.wait_for_selector(".rp-pin-team")
        labels = page.eval_on_selector_all(".leaflet-control-layers-overlays label",
                                           "els => els.map(e => e.textContent.trim())")
        teams = [f"{r['team_id']}（{len(r['stops'])} 站）" for r in plan["routes"]]
        assert labels[1:1 + len(teams)] == teams
        titles = sorted(page.eval_on_selector_all(".rp-pin-team", "els => els.map(e => e.title)"))
        assert titles == sorted(f"{r['team_id']} {n} {s['visit_id']}" for r in plan["routes"]
                                for n, s in enumerate(r["stops"], start=1))
        cells = page.eval_on_selector_all(".rp-panel tbody tr td:first-child",
                                          "els => els.map(e => e.textContent)")
        assert [r["team_id"] for r in plan["routes"]] == cells[:len(plan["routes"])]
        _assert_inert(page, dialogs)
    finally:
        context.close()


def test_exports_keep_every_value_as_text(planned: tuple[Path, Any]) -> None:
    out, plan = planned
    ids = {s["visit_id"] for r in plan["routes"] for s in r["stops"]}
    with (out / "routes.csv").open(encoding="utf-8-sig", newline="") as f:
        cells = {c for row in csv.reader(f) for c in row}
    assert {csv_text(i) for i in ids} <= cells
    book = load_workbook(out / "routes.xlsx", read_only=True)
    try:
        sheet = book.active
        assert sheet is not None
        values = {c for row in sheet.iter_rows(values_only=True) for c in row
                  if isinstance(c, str)}
    finally:
        book.close()
    assert {xlsx_text(i) for i in ids} <= values


@pytest.mark.parametrize(("file", "column"), [("visits", "visit_id"), ("visits", "address"),
                                              ("teams", "team_id")])
def test_a_10000_character_value_is_refused_with_no_output(tmp_path: Path, file: str,
                                                           column: str) -> None:
    visits, teams = hostile_records()
    (visits if file == "visits" else teams)[1][column] = LONG
    write_csv(visits, tmp_path / "visits.csv")
    write_csv(teams, tmp_path / "teams.csv")
    done = run("plan", "--visits", tmp_path / "visits.csv", "--teams", tmp_path / "teams.csv",
               "--date", "2026-12-01", "--out", tmp_path / "out", "--time-limit", "2")
    assert done.returncode == 2
    assert f"{file}.csv:3:{column}:" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert LONG[:50] not in done.stderr + done.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", CORPUS)
def test_the_json_block_cannot_be_closed_and_reads_back_exactly(value: str) -> None:
    """Without a browser: each value survives the data block of both map pages byte for byte."""
    from dataclasses import replace

    plan = small_plan()
    route = plan.routes[0]
    stops = tuple(replace(s, visit_id=value + str(i)) for i, s in enumerate(route.stops))
    plan = replace(plan, routes=(replace(route, team_id=value, stops=stops), *plan.routes[1:]))
    for html in (field_page_html(plan, value, assets_url="a/"),
                 overview_html(plan, assets_url="a/", regions_geojson={})):
        body = html.split('id="rp-data">', 1)[1].split("</script>", 1)[0]
        assert "<" not in body and "\u2028" not in body and "\u2029" not in body
        assert html.count("</script>") == 3  # the data block and the two script files
        data = page_data(html)
        shown = ([i["id"] for i in data["items"] if i["kind"] == "stop"] if data["kind"] == "field"
                 else [s["id"] for s in data["teams"][0]["stops"]])
        assert shown == [s.visit_id for s in stops]
    sheet = route_sheet_html(plan, value)
    assert str(escape(value)) + "0" in sheet  # escaped once by the template, never evaluated
    assert mask_address(value) == ""  # no value of the corpus names a place


def test_member_ticks_and_notes_show_hostile_ids_literally(phone: tuple[Any, list[str]],
                                                           site: Site) -> None:
    """The presence ticks (collector ids) of a served page, and a hostile note sent back."""
    from dataclasses import replace

    page, _ = phone
    plan = small_plan()
    members = (CORPUS[0], CORPUS[5])
    plan = replace(plan, routes=(replace(plan.routes[0], members=members), *plan.routes[1:]))
    site.pages["/m/t"] = field_page_html(plan, "T001", assets_url="/assets/",
                                         events_url="/m/t/events", presence=True)
    page.goto(site.url("/m/t"), wait_until="load")
    page.wait_for_selector(".rp-pin[data-visit]")
    card = page.locator("#stop-V00017")
    assert card.locator(".rp-tick").all_text_contents() == list(members)
    assert card.locator("input.rp-member").evaluate_all("els => els.map(e => e.value)") == list(
        members)
    assert page.evaluate(_HANDLERS) == []
    card.locator("textarea.rp-note").fill(CORPUS[6])
    card.locator("input.rp-member").first.check()
    card.locator('button.rp-out[data-status="done"]').tap()
    page.wait_for_function("() => document.getElementById('rp-sync').hidden")
    assert site.events[0]["json"]["note"] == CORPUS[6]
    assert site.events[0]["json"]["members_present"] == [CORPUS[0]]


def test_a_lone_surrogate_from_a_json_upload_never_breaks_the_page() -> None:
    from dataclasses import replace

    plan = small_plan()
    odd = "V\ud800X"
    route = replace(plan.routes[0], team_id=odd)
    plan = replace(plan, routes=(route, *plan.routes[1:]))
    for html in (field_page_html(plan, odd, assets_url="a/"),
                 overview_html(plan, assets_url="a/", regions_geojson={}),
                 route_sheet_html(plan, odd)):
        html.encode("utf-8")  # a response can be sent
        assert "V\ufffdX" in html or "V\\ud800X" in html
    assert page_data(field_page_html(plan, odd, assets_url="a/"))["team"] == odd
