"""/docs and /redoc that work offline: Swagger UI and ReDoc served by routeplan itself.

FastAPI's own pages load both from a CDN, which is a white page without the internet (and
often from mainland China). The files come from the `fastapi-offline` wheel (MIT), are
served under a versioned path cached for a year, and the pages carry no inline script, so
their Content-Security-Policy admits scripts from this service only.
"""

from __future__ import annotations

import hashlib
from functools import cache
from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from routeplan_api.errors import NotFound

router = APIRouter(include_in_schema=False)

_OFFLINE = Path(str(fastapi_offline.__file__)).parent / "static"
_OWN = Path(__file__).resolve().parents[1] / "static"
FILES: dict[str, Path] = {
    "swagger-ui-bundle.js": _OFFLINE / "swagger-ui-bundle.js",
    "swagger-ui.css": _OFFLINE / "swagger-ui.css",
    "redoc.standalone.js": _OFFLINE / "redoc.standalone.js",
    "favicon.png": _OFFLINE / "favicon.png",
    "swagger-init.js": _OWN / "swagger-init.js",
}
_TYPES = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
          "png": "image/png"}
#: Scripts from this service only; the two viewers set styles and ReDoc runs a worker.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


@cache
def version() -> str:
    """Changes whenever any of the files does (the cache key in their URLs)."""
    h = hashlib.sha256()
    for name, path in sorted(FILES.items()):
        h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def _url(request: Request, name: str) -> str:
    root = request.scope.get("root_path", "")
    return f"{root}/assets/docs/{version()}/{name}"


@router.get("/assets/docs/{v}/{name}")
def docs_asset(v: str, name: str) -> Response:
    path = FILES.get(name)
    if path is None or v != version():
        raise NotFound("no such asset")
    return FileResponse(path, media_type=_TYPES[name.rsplit(".", 1)[-1]],
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title>{head}</head><body>{body}</body></html>\n")
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_CSP,
                                       "Cache-Control": "no-cache"})


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """The API's operations, tried out in the browser (Swagger UI)."""
    openapi = escape(request.app.openapi_url or "/openapi.json", quote=True)
    return _page(
        f"{request.app.title} - Swagger UI",
        f'<link rel="stylesheet" href="{_url(request, "swagger-ui.css")}">'
        f'<link rel="icon" href="{_url(request, "favicon.png")}">',
        f'<div id="swagger-ui" data-openapi="{openapi}"></div>'
        f'<script src="{_url(request, "swagger-ui-bundle.js")}"></script>'
        f'<script src="{_url(request, "swagger-init.js")}"></script>')


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """The API reference as one page (ReDoc)."""
    openapi = escape(request.app.openapi_url or "/openapi.json", quote=True)
    return _page(
        f"{request.app.title} - ReDoc",
        f'<link rel="icon" href="{_url(request, "favicon.png")}">',
        f'<redoc spec-url="{openapi}"></redoc>'
        f'<script src="{_url(request, "redoc.standalone.js")}"></script>')
