"""Which Prefect API a run talks to, decided before Prefect is imported.

A run uses, in this order: PREFECT_API_URL when it is set (a profile or the environment), the `prefect_api_url`
setting, or a Prefect server already running on this machine's default address (`prefect_api_url: temporary`
skips the probe: always a temporary server of the run's own); only when none answers does
Prefect start its temporary server, and then it is started in the background while the rest of the program
loads, instead of after it."""

from __future__ import annotations

import os
import threading
import urllib.request

DEFAULT_LOCAL_API = "http://127.0.0.1:4200/api"


def answers(api_url: str, timeout: float = 0.3) -> bool:
    """True when a Prefect API answers its health check at api_url."""
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as response:  # noqa: S310
            return response.status == 200
    except (OSError, ValueError):
        return False


TEMPORARY = "temporary"      # the prefect_api_url setting that asks for a temporary server, never a running one


def choose_api(configured: str = "") -> str | None:
    """Set PREFECT_API_URL to a running server when there is one; return the URL in use (None: temporary)."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if configured == TEMPORARY:
        return None
    for candidate in [c for c in (configured, DEFAULT_LOCAL_API) if c]:
        if answers(candidate):
            os.environ["PREFECT_API_URL"] = candidate
            return candidate
    return None


def start_temporary_server_early() -> threading.Thread | None:
    """When no API URL is configured (not in the environment, nor in the Prefect profile), start Prefect's
    temporary server in a thread, so that it boots while the pipeline's modules import. Join the thread before
    the first flow call. None when a server is configured."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None
    from prefect.server.api.server import SubprocessASGIServer

    thread = threading.Thread(target=SubprocessASGIServer().start, name="prefect-temporary-server", daemon=True)
    thread.start()
    return thread
