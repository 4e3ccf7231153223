"""/docs and /redoc render their operations in a real browser with the network closed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from routeplan.config import RuntimeConfig
from routeplan_api.config import Settings
from routeplan_api.main import create_app
from tests.api.live import serving
from tests.maps.conftest import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app under uvicorn on a free localhost port."""
    folder = tmp_path_factory.mktemp("docs")
    with serving(lambda _base: create_app(Settings(
            runtime=RuntimeConfig(data_dir=folder), queue_url="",
            database_url=f"sqlite:///{folder / 'db.sqlite'}", link_secret="x",
            local_workers=1))) as (base, _app):
        yield base


@pytest.fixture
def offline_page(base: str) -> Iterator[tuple[Any, list[str]]]:
    """A desktop page whose every request off this service is refused (no internet)."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"Debian's chromium is needed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    own = urlsplit(base).netloc
    refused: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})

        def route(r: Any) -> None:
            if urlsplit(r.request.url).netloc == own or r.request.url.startswith(
                    ("blob:", "data:")):
                r.continue_()
            else:
                refused.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            yield page, refused
        finally:
            context.close()
            browser.close()


def test_swagger_ui_lists_the_operations_offline(base: str,
                                                 offline_page: tuple[Any, list[str]]) -> None:
    """The first URL scripts/run.sh prints is not a white page without the internet."""
    page, refused = offline_page
    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any(p.strip().startswith("/v1/plans") for p in paths)
    assert refused == []


def test_redoc_renders_the_reference_offline(base: str,
                                             offline_page: tuple[Any, list[str]]) -> None:
    """ReDoc, from this service's own copy, shows the operations' titles."""
    page, refused = offline_page
    page.goto(f"{base}/redoc")
    # the side menu lists it (hidden until expanded) and the content shows it as a heading
    page.locator("h2", has_text="Queue a day for solving").first.wait_for(timeout=30_000)
    assert refused == []


def test_docs_pages_load_no_inline_script(base: str) -> None:
    """The pages' CSP admits scripts from this service only, and the assets are versioned."""
    for path in ("/docs", "/redoc"):
        r = httpx.get(base + path)
        assert r.status_code == 200
        csp = r.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("style-src")[0]
        assert "cdn" not in r.text.lower() and "<script>" not in r.text
