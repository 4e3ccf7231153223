"""The console in Debian's chromium against the real service (uvicorn): a dispatcher's day from
sign-in to sign-out, the refusals a browser must see, and the layout at desktop and tablet."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from routeplan.config import RuntimeConfig
from routeplan_api.config import Settings
from routeplan_api.main import create_app
from routeplan_api.persistence import Store
from tests.api.conftest import make_keys
from tests.api.live import serving
from tests.api.test_console import DAY, broken_visits, day_files
from tests.maps.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}
WAIT_MS = 120_000  # deadlines for the solver on a shared machine, not timing asserts


@dataclass
class Live:
    base: str
    keys: dict[str, str]
    store: Store

    def api(self, role: str = "dispatcher") -> httpx.Client:
        return httpx.Client(base_url=self.base,
                            headers={"Authorization": f"Bearer {self.keys[role]}"})


@pytest.fixture
def live(database_url: str, tmp_path: Path) -> Iterator[Live]:
    """The real app under uvicorn on a free localhost port; map tiles go nowhere (404)."""
    def build(base: str) -> Any:
        runtime = RuntimeConfig(data_dir=tmp_path, tiles="amap",
                                tiles_url=f"{base}/no-tiles/{{z}}/{{x}}/{{y}}.png")
        return create_app(Settings(runtime=runtime, database_url=database_url, queue_url="",
                                   public_base_url=base, link_secret="test-secret",
                                   local_workers=1, heartbeat_s=0.2, stale_after_s=10.0,
                                   reap_interval_s=0.5))

    with serving(build) as (base, app):
        store: Store = app.state.services.store
        yield Live(base, make_keys(store), store)


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"Debian's chromium is needed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _context(browser: Any, viewport: dict[str, int] = DESKTOP, **kw: Any) -> Any:
    return browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
                               accept_downloads=True, **kw)


def _sign_in(page: Any, live: Live, role: str = "dispatcher") -> None:
    page.goto(f"{live.base}/console")
    assert page.url.endswith("/console/login")
    page.fill("#key", live.keys[role])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.base}/console/plans")


def _upload(page: Any, folder: Path, *, time_limit_s: int, visits: int = 14,
            teams: int = 2, date: str = DAY, confirm: bool = False) -> None:
    vpath, tpath = day_files(folder, visits=visits, teams=teams)
    page.fill("#date", date)
    page.set_input_files("#visits", str(vpath))
    page.set_input_files("#teams", str(tpath))
    page.fill("#time_limit_s", str(time_limit_s))
    if confirm:
        page.check("#confirm")
    page.click("#submit-plan")


def _decode_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, "the QR code did not decode"
    return str(found[0].text)


def _overflow(page: Any) -> list[str]:
    """Elements that stick out of the viewport or clip their own text."""
    return list(page.evaluate("""() => {
      const out = [];
      const vw = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > vw + 1) out.push('page scrolls sideways: '
          + document.documentElement.scrollWidth + ' > ' + vw);
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        const name = el.tagName + (el.id ? '#' + el.id : '')
          + (el.className ? '.' + el.className : '');
        if (r.right > vw + 1 || r.left < -1) out.push(name + ' outside the viewport');
        const style = getComputedStyle(el);
        const clips = ['hidden', 'clip', 'auto', 'scroll'];
        const clipping = clips.includes(style.overflowX) || clips.includes(style.overflowY);
        if (el.tagName !== 'TEXTAREA' && clipping
            && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
          out.push(name + ' clips its content');
        if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1)
          out.push(name + ' cuts its text');
      }
      return out;
    }"""))


def test_a_dispatchers_day_in_the_browser(live: Live, browser: Any, tmp_path: Path) -> None:
    """Sign in, upload, watch progress, stop, read results, open a team's page from its QR
    code, export, re-plan, sign out."""
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, live)
    # a long solve, to watch and stop
    _upload(page, tmp_path, time_limit_s=600, visits=40, teams=3)
    page.wait_for_url(re.compile(r".*/console/plans/[A-Za-z0-9_-]+$"))
    plan_url = page.url
    plan_id = plan_url.rsplit("/", 1)[1]
    page.wait_for_function(
        "() => /^[0-9]+$/.test(document.getElementById('planned').textContent)",
        timeout=WAIT_MS)  # the polled progress shows the best plan's planned visits
    assert int(page.text_content("#left") or "0") > 0
    assert float(page.get_attribute("#progress", "value") or "0") > 0
    page.click("#stop")
    page.wait_for_selector("#kpis", timeout=WAIT_MS)  # the script reloads once it is done
    assert "已提前停止" in page.text_content("#kpis")
    with live.api() as api:
        plan = api.get(f"/v1/plans/{plan_id}").json()
    assert plan["progress"]["stopped"] is True
    kpis = plan["plan"]["kpis"]
    assert f"已安排 {kpis['visits_planned']} 个" in page.text_content("#kpis")
    rows = page.locator("#teams tbody tr")
    assert rows.count() == len(plan["plan"]["routes"])
    # the overview map beside the table: this service's page, framed, one pin per stop
    page.locator("#overview-map").scroll_into_view_if_needed()
    frame = page.frame_locator("#overview-map")
    stops = sum(len(r["stops"]) for r in plan["plan"]["routes"])
    frame.locator(".rp-pin-team").first.wait_for(timeout=WAIT_MS)
    assert frame.locator(".rp-pin-team").count() == stops
    # each team's link, and the same link read back from its QR code as a phone would
    first = rows.nth(0)
    href = first.locator("a.field-link").get_attribute("href")
    assert href is not None and href.startswith(f"{live.base}/m/")
    qr = first.locator("img.qr")
    qr.scroll_into_view_if_needed()
    qr.evaluate("img => img.decode()")  # loaded (lazily, after the first paint) and drawn
    scanned = _decode_qr(qr.screenshot())
    assert scanned == href
    assert scanned in (page.input_value("#send-text"))
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    field = phone.new_page()
    answer = field.goto(scanned)
    assert answer is not None and answer.status == 200
    team = first.get_attribute("data-team")
    assert team and team in field.content()
    phone.close()
    # unassigned visits and the filter by reason
    unassigned = page.locator("#unassigned tbody tr[data-reason]")
    assert unassigned.count() == kpis["visits_unassigned"]
    if kpis["visits_unassigned"]:
        reason = unassigned.nth(0).get_attribute("data-reason")
        page.select_option("#reason", reason)
        page.click("#filters button")
        page.wait_for_url(re.compile(r".*reason="))
        kept = page.locator("#unassigned tbody tr[data-reason]")
        assert {kept.nth(i).get_attribute("data-reason") for i in range(kept.count())} == {
            reason}
    # exports
    with page.expect_download() as xlsx:
        page.click("#export-xlsx")
    assert Path(xlsx.value.path()).read_bytes()[:2] == b"PK"
    with page.expect_download() as csv:
        page.click("#export-csv")
    assert Path(csv.value.path()).read_bytes().startswith("\ufeff".encode())
    with page.expect_download() as geojson:
        page.click("#export-geojson")
    assert b'"FeatureCollection"' in Path(geojson.value.path()).read_bytes()
    # re-plan from now: a second version, set beside the first
    page.goto(plan_url)
    page.fill("#now", "12:00")
    page.fill("#replan-limit", "2")
    page.click("#replan")
    page.wait_for_selector("#versions", timeout=WAIT_MS)
    assert page.locator("#versions tbody tr").count() == 2
    assert page.locator("#beside tbody tr").count() >= len(plan["plan"]["routes"])
    # the plan list shows the plan's counts
    page.goto(f"{live.base}/console/plans?date={DAY}")
    row = page.locator(f"tr[data-plan='{plan_id}']")
    assert "已完成" in row.text_content()
    # sign out: the session is gone
    page.click("#signout")
    page.wait_for_url(f"{live.base}/console/login")
    page.goto(plan_url)
    assert page.url.endswith("/console/login")
    context.close()


def test_csrf_foreign_origin_and_roles_are_refused(live: Live, browser: Any,
                                                   tmp_path: Path) -> None:
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, live)
    # the browser's own cookie, but no form token: refused
    r = page.request.post(f"{live.base}/console/logout", form={"csrf": "forged"})
    assert r.status == 403
    csrf = page.get_attribute("input[name=csrf]", "value")
    r = page.request.post(f"{live.base}/console/logout", form={"csrf": csrf},
                          headers={"Origin": "https://evil.example"})
    assert r.status == 403
    page.goto(f"{live.base}/console/plans")
    assert page.url.endswith("/console/plans")  # still signed in after both refusals
    for path in ("/console/keys", "/console/policies"):
        answer = page.goto(f"{live.base}{path}")
        assert answer is not None and answer.status == 403
        assert "权限" in page.text_content("main")
    assert page.locator("a[href='/console/keys']").count() == 0
    context.close()
    admin = _context(browser)
    page = admin.new_page()
    _sign_in(page, live, "admin")
    answer = page.goto(f"{live.base}/console/keys")
    assert answer is not None and answer.status == 200
    assert page.locator("#keys tbody tr").count() == len(live.keys)
    admin.close()


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["desktop", "tablet"])
def test_layout_fits_the_screen(live: Live, browser: Any, tmp_path: Path,
                                viewport: dict[str, int]) -> None:
    """Sign-in, list, errors and a result page: nothing wider than the screen, nothing cut."""
    context = _context(browser, viewport)
    page = context.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = f"{viewport['width']}x{viewport['height']}"
    page.goto(f"{live.base}/console/login")
    assert _overflow(page) == []
    _sign_in(page, live)
    # located errors in Chinese
    vpath, tpath = day_files(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "visits.csv").write_bytes(broken_visits(vpath))
    page.set_input_files("#visits", str(bad / "visits.csv"))
    page.set_input_files("#teams", str(tpath))
    page.fill("#date", DAY)
    page.click("#submit-plan")
    page.wait_for_selector("#problems")
    assert "文件 visits.csv，第 3 行，「window_end」列" in page.text_content("#problems")
    assert _overflow(page) == [], page.screenshot(path=str(ARTIFACTS / f"errors-{size}.png"))
    _upload(page, tmp_path, time_limit_s=2, visits=30, teams=3)
    page.wait_for_selector("#kpis", timeout=WAIT_MS)
    page.screenshot(path=str(ARTIFACTS / f"result-{size}.png"), full_page=True)
    assert _overflow(page) == []
    page.goto(f"{live.base}/console/plans")
    assert _overflow(page) == []
    context.close()


def test_a_holiday_is_warned_before_solving(live: Live, browser: Any, tmp_path: Path) -> None:
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, live)
    _upload(page, tmp_path, time_limit_s=1, date="2026-10-01")
    page.wait_for_selector("#warnings")
    assert "国庆节" in page.text_content("#warnings")
    with live.api() as api:
        assert api.get("/v1/plans").json()["items"] == []  # nothing solved yet
    _upload(page, tmp_path, time_limit_s=1, date="2026-10-01", confirm=True)
    page.wait_for_selector("#kpis", timeout=WAIT_MS)
    assert "已安排 0 个" in page.text_content("#kpis")
    assert "法定节假日" in page.text_content("#unassigned")
    context.close()
