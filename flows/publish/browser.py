"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, with every network request that
is not file:// or data: blocked and recorded."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # nothing may leave the machine
]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


def chromium_path() -> str | None:
    """The Chromium binary: $EVENTFLOW_CHROMIUM, else chromium / chromium-browser on PATH."""
    env = os.environ.get("EVENTFLOW_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Session:
    page: object
    requests: list[str] = field(default_factory=list)       # every URL the page asked for
    blocked: list[str] = field(default_factory=list)        # the non-local ones (aborted)
    errors: list[str] = field(default_factory=list)         # uncaught page errors
    dialogs: list[str] = field(default_factory=list)        # alert()/confirm() messages (must stay empty)


@contextmanager
def open_page(width: int = 1400, height: int = 900, allow_origin: str | None = None) -> Iterator[Session]:
    """A fresh headless Chromium page (own profile directory, no network) for the caller to load files in.
    `allow_origin` ('http://127.0.0.1:PORT', a local server such as the review desk) is the one origin besides
    files that the page may reach."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise RuntimeError("playwright is not installed: pip install playwright (no browser download "
                           "is needed; the system chromium is used)") from exc
    binary = chromium_path()
    if binary is None:
        raise RuntimeError("Chromium not found: install Debian's chromium (apt-get install -y chromium) "
                           "or set EVENTFLOW_CHROMIUM to its path")
    with tempfile.TemporaryDirectory(prefix="eventflow-chromium-") as profile, sync_playwright() as pw:
        args, local = CHROMIUM_ARGS, LOCAL_SCHEMES
        if allow_origin:
            host = allow_origin.split("://", 1)[-1].rstrip("/")
            args = [a.replace("<-loopback>", f"<-loopback>;{host}") for a in CHROMIUM_ARGS]
            local = (*LOCAL_SCHEMES, allow_origin.rstrip("/") + "/")
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=binary, args=args, headless=True,
            viewport={"width": width, "height": height}, offline=not allow_origin, service_workers="block",
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            session = Session(page)

            def route(r):
                url = r.request.url
                session.requests.append(url)
                if url.startswith(local):
                    r.continue_()
                else:
                    session.blocked.append(url)
                    r.abort("blockedbyclient")

            context.route("**/*", route)
            page.on("request", lambda req: None if req.url in session.requests else session.requests.append(req.url))
            page.on("pageerror", lambda exc: session.errors.append(str(exc)))

            def on_dialog(dialog):
                session.dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)
            yield session
        finally:
            context.close()


def load(session: Session, html: Path, timeout_ms: int = 30_000) -> None:
    """Open a local HTML file and wait until its script has drawn it (body[data-eventflow-ready])."""
    session.page.goto(Path(html).resolve().as_uri(), wait_until="load", timeout=timeout_ms)
    session.page.wait_for_selector("body[data-eventflow-ready='1']", timeout=timeout_ms, state="attached")
