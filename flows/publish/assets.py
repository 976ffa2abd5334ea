"""Front-end assets inlined from installed packages (never fetched from a CDN at run time)."""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from pathlib import Path

import xstatic.pkg.leaflet as xs_leaflet

STATIC_DIR = Path(__file__).resolve().parent / "static"
LEAFLET_DIR = Path(xs_leaflet.BASE_DIR)


# Leaflet's default attribution prefix is a link to leafletjs.com; the maps say "Leaflet" without a link, so
# the page holds no remote URL in any src/href (the link would be the only one).
LEAFLET_PREFIX_LINK = '<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">'


@cache
def leaflet_js() -> str:
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    if js.count(LEAFLET_PREFIX_LINK) != 1:
        raise RuntimeError(f"unexpected leaflet.js in {LEAFLET_DIR}: its attribution prefix changed")
    js = js.replace(LEAFLET_PREFIX_LINK, '<a title="A JavaScript library for interactive maps">')
    return _script_safe(js)


@cache
def leaflet_css() -> str:
    """leaflet.css with its images (layer icon, marker icons) inlined as data: URIs."""
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        image = LEAFLET_DIR / match.group(1)
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


@cache
def static_text(name: str) -> str:
    """A file of flows/publish/static (the map's own JS and CSS)."""
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def _script_safe(js: str) -> str:
    """Make inline JS safe inside <script>: no literal '</script' can close the element early."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


def json_for_html(value: object) -> str:
    """JSON that can sit inside an HTML <script> element: every <, > and & is a \\u escape, so text from a
    source (e.g. '</script><script>...') can never end the element or start markup."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )
