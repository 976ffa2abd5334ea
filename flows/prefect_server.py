"""The Prefect server a command talks to: the one the user configured (PREFECT_API_URL), or a local one that
eventflow starts on loopback as a child process and always stops.

The child watches its parent: when the parent dies, even by `kill -9`, the child stops itself within a
second, so no server is ever left behind. `eventflow serve` starts it with Prefect's scheduler (and its
dashboard); `eventflow run` starts it without services, like Prefect's own temporary server.

    python -m flows.prefect_server --parent PID --port N [--scheduler]     (what the parent runs)
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 4200          # Prefect's own default; another free port when it is taken
STARTUP_TIMEOUT = 180.0      # seconds; a cold start on a busy two-core machine takes 10-30 s
STOP_TIMEOUT = 15.0


class ServerError(RuntimeError):
    """The Prefect server cannot be used (one-line message)."""


def configured_api_url() -> str | None:
    """PREFECT_API_URL as Prefect sees it (environment, profile or a test harness), or None."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url).rstrip("/") if url else None


def check_reachable(api_url: str, timeout: float = 10.0) -> None:
    """Raise ServerError unless the server at api_url answers its health check."""
    import httpx

    try:
        response = httpx.get(f"{api_url}/health", timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ServerError(f"the Prefect server at {api_url} (PREFECT_API_URL) does not answer: {exc}; start it, "
                          "or unset PREFECT_API_URL to let eventflow start a local one") from None


@dataclass
class LocalServer:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"


def free_port(preferred: int | None = None) -> int:
    """`preferred` if nothing listens on it, else a port the system picks."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise ServerError("no free port on 127.0.0.1 for a local Prefect server")


@contextmanager
def local_server(scheduler: bool, port: int | None = None, timeout: float = STARTUP_TIMEOUT
                 ) -> Iterator[LocalServer]:
    """Start a Prefect server on 127.0.0.1 as a child process, point this process (and the processes it
    starts) at it for the block, and stop it afterwards. Start it from the main thread."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    port = port or free_port(DEFAULT_PORT if scheduler else None)
    log = Path(tempfile.gettempdir()) / f"eventflow-prefect-server-{port}.log"
    command = [sys.executable, "-m", "flows.prefect_server", "--parent", str(os.getpid()), "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command + (["--scheduler"] if scheduler else []), stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = LocalServer(process, port, log)
    previous = os.environ.get("PREFECT_API_URL")
    try:
        _wait_healthy(server, timeout)
        os.environ["PREFECT_API_URL"] = server.api_url
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server
    finally:
        _drain_prefect_workers()   # logs and events still queued for the server go to it before it stops
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
        stop(process)
        if process.returncode in (0, -signal.SIGTERM, -signal.SIGKILL):
            log.unlink(missing_ok=True)


def _drain_prefect_workers(timeout: float = 15.0) -> None:
    try:
        from prefect._internal.concurrency.services import QueueService

        QueueService.drain_all(timeout=timeout)
    except Exception:  # noqa: BLE001 - best effort: a log line lost is better than a stop that hangs
        pass


def _wait_healthy(server: LocalServer, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise ServerError(f"the local Prefect server exited with code {server.process.returncode}: {tail[0]} "
                              f"(log: {server.log})")
        try:
            if httpx.get(f"{server.api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise ServerError(f"the local Prefect server did not answer within {timeout:.0f} s (log: {server.log})")


def stop(process: subprocess.Popen) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL after STOP_TIMEOUT seconds."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


# --- the child ----------------------------------------------------------------------------------------------

def _exit_with_parent(parent: int, interval: float = 0.5) -> None:
    """Stop this process (gracefully, then hard) as soon as `parent` is gone, however it died."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(STOP_TIMEOUT)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.prefect_server")
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scheduler", action="store_true", help="run Prefect's services (scheduler) and the UI")
    args = parser.parse_args(argv)
    _exit_with_parent(args.parent)
    os.environ.pop("PREFECT_API_URL", None)
    os.environ["PREFECT__SERVER_FINAL"] = "1"
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if args.scheduler:
        os.environ["PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED"] = "true"
    else:                                   # what Prefect's temporary server runs: the API, no services, no UI
        os.environ["PREFECT__SERVER_EPHEMERAL"] = "1"
        os.environ["PREFECT_UI_ENABLED"] = "false"
    import uvicorn

    uvicorn.run("prefect.server.api.server:create_app", factory=True, host="127.0.0.1", port=args.port,
                log_level="error", lifespan="on")


if __name__ == "__main__":
    main()
