"""The maps (routeplan.maps) as the service serves them: tiles, CSP, outcomes, overview links.

Field pages and the dispatcher overview are rendered from a finished version's plan contract;
their assets come from this service under a versioned path, cached for a year. Each page
gets a Content-Security-Policy that admits only this service and the configured tile host.
Overview links are signed (the field-link secret, another salt), name the plan and the key
that asked for them, and expire after `overview_link_ttl_s` on the service clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, URLSafeSerializer

from routeplan.domain.visit import Visit
from routeplan.maps import TileProvider, assets_version
from routeplan_api.config import Settings
from routeplan_api.persistence import Inputs, Store
from routeplan_api.services.inputs import parse

#: Where the map assets are served; the version changes whenever any asset does.
ASSETS_PREFIX = "/assets/maps"
SERVICE_WORKER_PATH = "/m/routeplan-sw.js"
IMMUTABLE = "public, max-age=31536000, immutable"


def assets_url() -> str:
    """The versioned folder of the map assets (ends with a slash)."""
    return f"{ASSETS_PREFIX}/{assets_version()}/"


@lru_cache(maxsize=8)
def _provider(name: str, key: str, url: str) -> TileProvider:
    return TileProvider.from_name(name, key=key or None, url=url or None)


def tile_provider(settings: Settings) -> TileProvider:
    """The configured base map (ROUTEPLAN_TILES, ROUTEPLAN_TILES_KEY, ROUTEPLAN_TILES_URL)."""
    rt = settings.runtime
    return _provider(rt.tiles, rt.tiles_key, rt.tiles_url)


def tile_origins(tiles: TileProvider) -> list[str]:
    """Every scheme://host the provider's tiles come from ({s} expanded)."""
    origins: list[str] = []
    for template in (tiles.url, tiles.labels_url):
        if template is None:
            continue
        for sub in (tiles.subdomains or "x") if "{s}" in template else "x":
            parts = urlsplit(template.replace("{s}", sub))
            origin = f"{parts.scheme}://{parts.netloc}"
            if parts.netloc and origin not in origins:
                origins.append(origin)
    return origins


@lru_cache(maxsize=16)
def _csp(origins: tuple[str, ...], frame_ancestors: str) -> str:
    hosts = " ".join(origins)
    # Scripts only from this service's files: no inline script, no eval, no inline handler.
    # The pages carry their data as an inert JSON block (type="application/json"), which a
    # CSP does not treat as script. Leaflet positions tiles and pins through element.style,
    # which style-src does not govern; 'unsafe-inline' styles stay for the sheet's print CSS.
    return (f"default-src 'self'; img-src 'self' data: blob: {hosts}; "
            f"style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; "
            f"connect-src 'self' {hosts}; worker-src 'self'; manifest-src 'self'; "
            f"frame-ancestors {frame_ancestors}; base-uri 'none'; form-action 'self'"
            ).replace("  ", " ")


def page_csp(settings: Settings, *, framed: bool = False) -> str:
    """The CSP of map pages and the service worker: this service and the tile host only.

    `framed` lets pages of this same origin embed the page (the dispatcher's overview inside
    the console); every other page refuses to be framed.
    """
    return _csp(tuple(tile_origins(tile_provider(settings))), "'self'" if framed else "'none'")


def map_response(html: str, settings: Settings, *, framed: bool = False) -> HTMLResponse:
    """An HTML map page with its CSP; the edge adds no-referrer, nosniff, no-store and more."""
    headers = {"Content-Security-Policy": page_csp(settings, framed=framed),
               "Referrer-Policy": "no-referrer"}
    if framed:
        headers["X-Frame-Options"] = "SAMEORIGIN"
    return HTMLResponse(html, headers=headers)


def visits_of(store: Store, plan_id: str, version: int) -> list[Visit]:
    """The visits a plan version was made from (for unassigned pins and masked addresses)."""
    row = store.plans.inputs_of(plan_id, version)
    if row is None:
        return []
    return list(parse(Inputs(row.kind, row.visits_name, row.visits_data, row.teams_name,
                             row.teams_data))[0])


# -- overview links -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OverviewClaims:
    """What an overview-link token names: the plan, the key that asked, and its expiry."""

    plan_id: str
    key_id: str
    expires_at: datetime


@lru_cache(maxsize=4)
def _serializer(secret: bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="routeplan.overview-link.v1")


def sign_overview(settings: Settings, plan_id: str, key_id: str, now: datetime) -> str:
    """A token for `GET /o/{token}`, valid `overview_link_ttl_s` from `now`."""
    expires = int((now + timedelta(seconds=settings.overview_link_ttl_s)).timestamp())
    token = _serializer(settings.resolved_link_secret()).dumps(["o", plan_id, key_id, expires])
    assert isinstance(token, str)
    return token


def verify_overview(settings: Settings, token: str) -> OverviewClaims | None:
    """The claims of a genuine overview token (expired or not), None for anything else."""
    try:
        data: Any = _serializer(settings.resolved_link_secret()).loads(token)
    except BadSignature:
        return None
    if (not isinstance(data, list) or len(data) != 4 or data[0] != "o"
            or not isinstance(data[1], str) or not isinstance(data[2], str)
            or not isinstance(data[3], int)):
        return None
    return OverviewClaims(data[1], data[2], datetime.fromtimestamp(data[3], UTC))
