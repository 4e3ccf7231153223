"""The JavaScript and CSS the map pages load, served by routeplan itself (never a CDN).

Leaflet comes from the PyPI package ``django-js-lib-leaflet`` (a plain, unmodified copy of
Leaflet 1.9.4's ``dist`` folder with its BSD-2-Clause licence; it needs no Django to be read as
files). It was chosen over vendoring the npm tarball because it installs like any other
dependency and pins the exact Leaflet build; a test checks leaflet.js against the npm release's
SHA-256, so a changed upload would be noticed. folium's own template links jQuery, Bootstrap,
Font Awesome and awesome-markers from CDNs; the pages here use none of them (numbered markers
are Leaflet div icons), so only Leaflet and routeplan's own small files are needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from types import MappingProxyType
from typing import Final

from routeplan.domain.errors import InternalError

_LEAFLET_DIST: Final = "django-js-lib-leaflet"
_LEAFLET_PACKAGE: Final = "js_lib_leaflet"
_LEAFLET_FILES: Final = ("leaflet.js", "leaflet.css", "images/layers.png",
                         "images/layers-2x.png", "images/marker-icon.png",
                         "images/marker-icon-2x.png", "images/marker-shadow.png")
_OWN_FILES: Final = ("routeplan-maps.js", "routeplan-maps.css", "routeplan-sw.js",
                      "routeplan-sheet.js")

#: The files each page links, relative to `assets_url`.
LEAFLET_JS: Final = "leaflet.js"
LEAFLET_CSS: Final = "leaflet.css"
MAPS_JS: Final = "routeplan-maps.js"
MAPS_CSS: Final = "routeplan-maps.css"
#: The route sheet's print button.
SHEET_JS: Final = "routeplan-sheet.js"
#: The service worker's code; serve it from the folder of the pages it should keep offline.
SERVICE_WORKER_JS: Final = "routeplan-sw.js"


@cache
def _asset_files() -> Mapping[str, Path]:
    files: dict[str, Path] = {}
    leaflet = resources.files(_LEAFLET_PACKAGE) / "static" / _LEAFLET_PACKAGE
    for name in _LEAFLET_FILES:
        files[name] = Path(str(leaflet / name))
    licence = metadata.distribution(_LEAFLET_DIST).locate_file(
        f"django_js_lib_leaflet-{metadata.version(_LEAFLET_DIST)}.dist-info/LICENSE")
    files["LICENSE-leaflet.txt"] = Path(str(licence))
    own = resources.files("routeplan.maps") / "static"
    for name in _OWN_FILES:
        files[name] = Path(str(own / name))
    missing = [name for name, path in files.items() if not path.is_file()]
    if missing:
        raise InternalError(f"map assets missing from the installation: {', '.join(missing)}")
    return MappingProxyType(files)


def asset_files() -> Mapping[str, Path]:
    """Every file to serve under `assets_url`: relative URL path → file on disk."""
    return _asset_files()


@cache
def assets_version() -> str:
    """A short hash of all asset contents: put it in `assets_url` to cache them forever."""
    digest = hashlib.sha256()
    for name, path in sorted(asset_files().items()):
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def copy_assets(target: Path) -> list[Path]:
    """Copy the assets into `target` (created if needed); returns the files written."""
    written: list[Path] = []
    for name, source in asset_files().items():
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(source.read_bytes())
        written.append(dest)
    return written
