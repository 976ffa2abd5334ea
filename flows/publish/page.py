"""A folium page made self-contained and deterministic: Leaflet inlined from the installed xstatic package,
none of folium's CDN links, element ids numbered instead of random.

A page is its shell (the folium map with its boundaries, scripts and styles) around one data element. The
shell depends only on the division, the title and the settings, so a page whose data changed can be written
again from the shell of the page it replaces, without folium (`Shell.of`)."""

from __future__ import annotations

from dataclasses import dataclass

from flows.config import Settings
from flows.publish.assets import json_for_html, leaflet_css, leaflet_js, static_text

# branca re-parses every rendered macro as a Jinja template, so text from sources must never pass through
# it (a quote holding "{{ ... }}" would be evaluated). Raw content goes into these slots after rendering.
HEAD_SLOT = "<!--eventflow:head-->"
DATA_SLOT = "<!--eventflow:data-->"


def fill_slots(html: str, slots: dict[str, str]) -> str:
    """Replace each slot marker (present exactly once) by its raw content."""
    for marker, content in slots.items():
        if html.count(marker) != 1:
            raise RuntimeError(f"page template lost its slot {marker}")
        html = html.replace(marker, content)
    return html


DATA_OPEN = '<script type="application/json" id="eventflow-data">'
DATA_CLOSE = "</script>"


def data_element(payload: dict) -> str:
    """The page's data: JSON in which no '<' can end the element (json_for_html)."""
    return f"{DATA_OPEN}{json_for_html(payload)}{DATA_CLOSE}"


@dataclass(frozen=True)
class Shell:
    """A rendered map page without its data element: the page is head + data element + tail."""
    head: str
    tail: str

    def page(self, payload: dict) -> str:
        return self.head + data_element(payload) + self.tail

    @classmethod
    def of(cls, html: str) -> Shell | None:
        """The shell of a page written by `page` (None when the text holds no single data element)."""
        if html.count(DATA_OPEN) != 1:
            return None
        start = html.index(DATA_OPEN)
        end = html.find(DATA_CLOSE, start)
        return cls(html[:start], html[end + len(DATA_CLOSE):]) if end >= 0 else None


def _controls(regions):
    """Calls static/map.js on the folium map and regions layer once both exist."""
    from branca.element import MacroElement
    from jinja2 import Template

    class EventflowControls(MacroElement):
        _template = Template(
            "{% macro script(this, kwargs) %}eventflowMap({{ this._parent.get_name() }}, "
            "{{ this.regions.get_name() }}, JSON.parse(document.getElementById('eventflow-data').textContent));"
            "{% endmacro %}"
        )

        def __init__(self, regions):
            super().__init__()
            self._name = "EventflowControls"
            self.regions = regions

    return EventflowControls(regions)


def _strip_cdn(element) -> None:
    """Drop every CDN link folium would add (Leaflet is inlined; jQuery, Bootstrap, awesome-markers unused)."""
    for child in [element, *element._children.values()]:
        if hasattr(child, "default_js"):
            child.default_js = []
            child.default_css = []
        if child is not element:
            _strip_cdn(child)


def _number_ids(element, counter: list[int]) -> None:
    counter[0] += 1
    element._id = f"{counter[0]:04d}"
    for child in element._children.values():
        _number_ids(child, counter)


def render_shell(geojson: dict, bounds: list[list[float]], title: str, settings: Settings) -> Shell:
    """The shell of a choropleth page of these boundaries, drawn with folium."""
    import folium
    from branca.element import Element, Figure

    fig = Figure(title=title)
    m = folium.Map(tiles=None, zoom_control=True, control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    fig.add_child(m)
    if settings.map_tiles:
        folium.TileLayer(tiles=settings.tile_url, attr="Map tiles: © OpenStreetMap contributors",
                         name="tiles", control=False).add_to(m)
    regions = folium.GeoJson(geojson, name="regions", control=False, zoom_on_click=False,
                             style_function=lambda _: {"color": "#ffffff", "weight": 1, "fillOpacity": 0.85,
                                                       "fillColor": "#f0f0f0", "className": "ef-region"})
    regions.add_to(m)
    m.fit_bounds(bounds)
    fig.header.add_child(Element(HEAD_SLOT))
    fig.html.add_child(Element(DATA_SLOT))
    m.add_child(_controls(regions))
    _strip_cdn(fig)
    _number_ids(fig, [0])
    head = (f"<style>{leaflet_css()}\n{static_text('map.css')}</style>\n"
            f"<script>{leaflet_js()}\n{static_text('map.js')}</script>")
    html = fill_slots(fig.render(), {HEAD_SLOT: head})
    if html.count(DATA_SLOT) != 1:
        raise RuntimeError(f"page template lost its slot {DATA_SLOT}")
    before, after = html.split(DATA_SLOT)
    return Shell(before, after)
