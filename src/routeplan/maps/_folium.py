"""folium plumbing shared by the pages: a Chinese page figure and a map on self-hosted assets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from routeplan.maps.assets import LEAFLET_CSS, LEAFLET_JS, MAPS_CSS, MAPS_JS
from routeplan.maps.tiles import TileProvider

# branca's Figure template, with the document language (CJK glyph choice, screen readers)
# and a class on <body> so each page kind can lay itself out.
_PAGE_TEMPLATE = Template(
    "<!DOCTYPE html>\n"
    '<html lang="zh-CN">\n'
    "<head>\n"
    "{% if this.title %}<title>{{ this.title|e }}</title>{% endif %}"
    "    {{ this.header.render() }}\n"
    "</head>\n"
    '<body class="{{ this.body_class }}">\n'
    "    {{ this.html.render() }}\n"
    "</body>\n"
    "<script>\n"
    "    {{ this.script.render() }}\n"
    "</script>\n"
    "</html>\n"
)


class Page(Figure):
    """A whole HTML document in Simplified Chinese."""

    _template = _PAGE_TEMPLATE

    def __init__(self, title: str, body_class: str) -> None:
        super().__init__(title=title)
        self.body_class = body_class


class Html(MacroElement):
    """Markup placed in the page body in the order it was added (already escaped)."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.markup }}{% endmacro %}")

    def __init__(self, markup: Markup) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.markup = markup


class Script(MacroElement):
    """A call into routeplan-maps.js once the map exists: `fn(map, target, data)`."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "routeplan.{{ this.function }}({{ this.map.get_name() }}, "
        "{{ this.target.get_name() }}, {{ this.data|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, function: str, map_: folium.Map, target: MacroElement,
                 data: Any) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.function = function
        self.map = map_
        self.target = target
        self.data = data


class _Map(folium.Map):
    """A folium map whose JS/CSS links point at routeplan's own assets (per instance)."""

    def __init__(self, assets_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        base = assets_url if assets_url.endswith("/") else assets_url + "/"
        # Instance attributes shadow folium's module-level CDN lists without touching them.
        self.default_js = [("leaflet", base + LEAFLET_JS), ("routeplan_maps", base + MAPS_JS)]
        self.default_css = [("leaflet_css", base + LEAFLET_CSS),
                            ("routeplan_maps_css", base + MAPS_CSS)]


def make_page(title: str, body_class: str, head: Sequence[str] = ()) -> Page:
    """An empty page with the phone viewport and any extra <head> markup."""
    page = Page(title, body_class)
    for i, markup in enumerate(head):
        page.header.add_child(Element(markup), name=f"head_{i}")
    return page


def make_map(tiles: TileProvider, assets_url: str, *, zoom_control: bool | str = True) -> _Map:
    """A map with the provider's base layer(s) and attribution; no default CDN tiles."""
    m = _Map(assets_url, tiles=None, control_scale=False, zoom_control=zoom_control,
             prefer_canvas=False, max_zoom=tiles.max_zoom, width="100%", height="100%",
             position="relative")
    m.options["attributionControl"] = True
    options: dict[str, Any] = {"max_zoom": tiles.max_zoom, "max_native_zoom": tiles.max_zoom}
    if tiles.subdomains:
        options["subdomains"] = tiles.subdomains
    folium.TileLayer(tiles.url, attr=tiles.attribution, name=tiles.name, overlay=False,
                     control=False, **options).add_to(m)
    if tiles.labels_url:
        folium.TileLayer(tiles.labels_url, attr=tiles.attribution, name=f"{tiles.name}-labels",
                         overlay=True, control=False, **options).add_to(m)
    return m


_ENV = Environment(loader=PackageLoader("routeplan.maps", "templates"), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)


def render(template: str, **context: Any) -> Markup:
    """A template from maps/templates, HTML-escaped, as markup ready to place in a page."""
    return Markup(_ENV.get_template(template).render(**context))
