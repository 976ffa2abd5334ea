"""Screenshots of generated pages at a desktop size, for reports (headless Chromium, offline)."""

from __future__ import annotations

from pathlib import Path

from flows.publish.atomic import write_if_changed
from flows.publish.browser import load, open_page


def screenshot(html: Path, png: Path, width: int = 1400, height: int = 900) -> Path:
    """Open `html` in headless Chromium with the network blocked, wait until the page has drawn its map or
    chart, and save a width x height PNG to `png` (atomically). Returns `png`."""
    html, png = Path(html), Path(png)
    if not html.is_file():
        raise FileNotFoundError(f"no such page: {html}")
    with open_page(width, height) as session:
        load(session, html)
        session.page.wait_for_timeout(300)          # let Leaflet finish its zoom animation
        image = session.page.screenshot(full_page=False, type="png")
    if session.blocked:
        raise RuntimeError(f"{html} asked for remote resources: {session.blocked[:5]}")
    write_if_changed(png, image)
    return png


if __name__ == "__main__":
    import sys

    if len(sys.argv) not in (3, 5):
        sys.exit("usage: python -m flows.publish.screenshot PAGE.html OUT.png [WIDTH HEIGHT]")
    size = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) == 5 else (1400, 900)
    print(screenshot(Path(sys.argv[1]), Path(sys.argv[2]), *size))
