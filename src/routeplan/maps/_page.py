"""Pages as one fixed template that receives values only; all per-plan data travels as JSON.

Every HTML page routeplan writes is a template from ``maps/templates`` rendered by the single
environment below: autoescape on for every template, `StrictUndefined` (a missing value is an
error, not an empty string), and no way for a value to become template source: nothing here
calls `Template(...)`, `from_string`, `Markup(...)` or `|safe` on anything built from input.

The field page and the overview are one skeleton (``page.html``): a title, the asset links
and one ``<script type="application/json" id="rp-data">`` block written with jinja2's
`tojson`, which escapes ``<``, ``>``, ``&`` and ``'`` as ``\\u003c`` etc.; the policy below
also escapes U+2028/U+2029 and lone surrogates, so no value can close the block, start markup
or break the encoding. That block is never executed: the static ``routeplan-maps.js`` (an
asset file, never inline) reads it with `JSON.parse` and builds the page with DOM calls and
`textContent` only. The printable sheet is a template of its own that receives plain values.

folium (and branca under it) is not used: its value is to generate inline JavaScript from
Python, and branca compiles each element's rendered output as a template again, so an id like
``{{ 7*7 }}`` was evaluated (issue 12). See README.md, "How pages are built".
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined

from routeplan.maps.assets import LEAFLET_CSS, LEAFLET_JS, MAPS_CSS, MAPS_JS
from routeplan.maps.tiles import TileProvider

_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _dumps(value: Any, **kwargs: Any) -> str:
    """JSON as UTF-8 text (Chinese stays 3 bytes a character) that is safe in any HTML."""
    text = json.dumps(value, **kwargs)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("routeplan.maps", "templates"),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, auto_reload=False)
    env.policies["json.dumps_function"] = _dumps
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "separators": (",", ":"),
                                         "allow_nan": False}
    return env


_ENV: Final = _environment()


def render_page(template: str, **values: Any) -> str:
    """A whole page from maps/templates with `values` (escaped once, by the template).

    Text that cannot be encoded as UTF-8 (a lone surrogate from a JSON input) is replaced by
    U+FFFD rather than failing the response later.
    """
    out = _ENV.get_template(template).render(**values)
    return _LONE_SURROGATE.sub("\ufffd", out)


def asset(assets_url: str, name: str) -> str:
    """The URL of one asset under `assets_url` (with or without its trailing slash)."""
    return (assets_url if assets_url.endswith("/") else assets_url + "/") + name


def map_page(kind: str, title: str, assets_url: str, data: dict[str, Any]) -> str:
    """The map skeleton: `data` as the page's JSON block, read by routeplan-maps.js."""
    return render_page(
        "page.html", title=title, body_class=f"rp-{kind}",
        styles=[asset(assets_url, LEAFLET_CSS), asset(assets_url, MAPS_CSS)],
        scripts=[asset(assets_url, LEAFLET_JS), asset(assets_url, MAPS_JS)],
        data={"kind": kind, **data})


def tiles_data(tiles: TileProvider) -> dict[str, Any]:
    """The base map as the page script needs it (the attribution as plain text)."""
    return {"url": tiles.url, "labelsUrl": tiles.labels_url, "subdomains": tiles.subdomains,
            "maxZoom": tiles.max_zoom, "attribution": html.unescape(tiles.attribution),
            "name": tiles.name}
