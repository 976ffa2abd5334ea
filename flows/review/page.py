"""The desk's one HTML page: script and style inlined (static/desk.js, static/desk.css), no font, image or
script from anywhere else. It holds no source text: the script fetches mentions from the desk's endpoints and
puts every string into the page with textContent."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

from flows.publish.assets import json_for_html

STATIC_DIR = Path(__file__).resolve().parent / "static"


@cache
def _static(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def render_page(boot: dict, nonce: str) -> str:
    """The page, with `boot` (vocabularies, the session token) as JSON that cannot end its script element."""
    nonce = html.escape(nonce, quote=True)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>eventflow review desk</title>
<style nonce="{nonce}">{_static("desk.css")}</style>
</head>
<body>
<noscript>The review desk needs JavaScript.</noscript>
<script type="application/json" id="review-boot">{json_for_html(boot)}</script>
<script nonce="{nonce}">{_static("desk.js")}</script>
</body>
</html>
"""
