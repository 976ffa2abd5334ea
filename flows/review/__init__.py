"""The analyst's review desk: confirm, correct, drop, merge, keep apart and add events in the browser.

    eventflow review [--db FILE] [--port N]          # http://127.0.0.1:8765/, loopback only

Decisions are appended to a journal beside the database (flows/review/journal.py) and every run imports them
into the `overrides` table before dedupe (flows/review/sync.py), so they apply to events, the export and the
maps; reviewed mentions become training examples (flows/review/training.py).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from flows.review.journal import journal_path

__all__ = ["default_analyst", "journal_path", "screenshot_desk", "start_desk"]


def default_analyst() -> str:
    """The name decisions are recorded under when none is given: the login name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "analyst")


def start_desk(db: Path, port: int, analyst: str):
    """A desk server over `db`, serving in a background thread; stop it with .shutdown()."""
    from flows.review.desk import Desk
    from flows.review.server import serve

    server = serve(Desk(db, analyst), port)
    server.start()
    return server


def screenshot_desk(db: Path, png: Path, mention: str | None = None, analyst: str | None = None,
                    width: int = 1400, height: int = 860) -> Path:
    """A PNG of the desk over `db` (showing `mention`, else the first of the queue), for documentation."""
    from flows.publish.atomic import write_if_changed
    from flows.publish.browser import open_page

    server = start_desk(db, 0, analyst or default_analyst())
    try:
        with open_page(width, height, allow_origin=server.url) as session:
            page = session.page
            page.goto(server.url + (f"#{mention}" if mention else ""), wait_until="load")
            page.wait_for_selector("body[data-review-ready='1']")
            page.wait_for_selector("#detail[data-id]")
            page.wait_for_function("() => document.body.getAttribute('data-pending') === '0'")
            image = page.screenshot(type="png")
        if session.blocked or session.errors:
            raise RuntimeError(f"the desk page failed: {session.blocked[:3]} {session.errors[:3]}")
    finally:
        server.shutdown()
        server.server_close()
    write_if_changed(Path(png), _palette_png(image))
    return Path(png)


def _palette_png(image: bytes) -> bytes:
    """The screenshot as a 256-colour PNG: a page of text and flat colours loses nothing visible and a README
    image a third of the size. (Pillow comes with matplotlib.)"""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(image)).convert("RGB").quantize(
        256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(out, format="PNG", optimize=True)
    return out.getvalue()
