"""The review desk's web server: the standard library's ThreadingHTTPServer on 127.0.0.1, fixed endpoints only.

    GET  /                the page (self-contained: inline script and style, no request to anywhere else)
    GET  /api/queue       a page of the queue: ?source=&event_type=&country=&region=&date_from=&date_to=
                          &status=&order=&offset=
    GET  /api/mention     one mention: ?id=m_...&before=&after= (characters of source text around it)
    POST /api/decide      {mention_id, version, action: confirm|drop|split|merge|set, fields?, other?, note?}
    POST /api/undo        {mention_id, version}
    POST /api/add         {source, char_start, char_end, quote, fields, note?}
    POST /api/reload      read the database again

Nothing else is reachable: no SQL, no file paths. Every request must name this server in its Host header
(127.0.0.1:PORT or localhost:PORT: a DNS-rebinding page under another name is refused), every /api request
must carry the per-session token of the page in the X-Eventflow-Token header, and a write must be JSON from
this origin. The page builds its DOM with textContent only (static/desk.js), and its Content-Security-Policy
allows no script, style or connection beyond its own.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from flows.review.desk import Desk, NotFound, ReviewError
from flows.review.journal import NothingToUndo, StaleVersion
from flows.review.page import render_page

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
TOKEN_HEADER = "X-Eventflow-Token"
MAX_BODY = 64 * 1024


class DeskServer(ThreadingHTTPServer):
    """One desk, one random token, bound to the loopback interface only."""

    daemon_threads = True

    def __init__(self, desk: Desk, port: int = 0):
        super().__init__((HOST, port), DeskHandler)
        self.desk = desk
        self.token = secrets.token_urlsafe(32)
        self.nonce = secrets.token_urlsafe(18)
        self.page = render_page(desk.boot() | {"token": self.token}, self.nonce).encode("utf-8")

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def allowed_hosts(self) -> set[str]:
        return {f"{HOST}:{self.port}", f"localhost:{self.port}"}

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, screenshots); stop with shutdown()."""
        thread = threading.Thread(target=self.serve_forever, name="review-desk", daemon=True)
        thread.start()
        return thread


class DeskHandler(BaseHTTPRequestHandler):
    server: DeskServer
    server_version = "eventflow-review"
    sys_version = ""

    # --- plumbing -----------------------------------------------------------------------------------------

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": content_type, "Content-Length": str(len(body)), "Cache-Control": "no-store",
                   "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                   "X-Frame-Options": "DENY", "Cross-Origin-Resource-Policy": "same-origin", **(extra or {})}
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):     # the tab was closed meanwhile
            log.debug("client went away before the answer to %s", self.path)

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8"),
                   "application/json; charset=utf-8")

    def _error(self, status: int, message: str, **extra) -> None:
        self._json(status, {"error": message, **extra})

    def _host_ok(self) -> bool:
        if self.headers.get("Host", "") in self.server.allowed_hosts():
            return True
        self._error(HTTPStatus.FORBIDDEN, "this desk answers only to its own address on this machine")
        return False

    def _token_ok(self) -> bool:
        given = self.headers.get(TOKEN_HEADER, "").encode("utf-8", "replace")
        if hmac.compare_digest(given, self.server.token.encode("ascii")):
            return True
        self._error(HTTPStatus.FORBIDDEN, "missing or wrong session token: reload the desk's page")
        return False

    def _origin_ok(self) -> bool:
        origin = self.headers.get("Origin")
        if origin is None or origin.removeprefix("http://") in self.server.allowed_hosts():
            return True
        self._error(HTTPStatus.FORBIDDEN, "writes come only from the desk's own page")
        return False

    def _body(self) -> dict | None:
        if self.headers.get_content_type() != "application/json":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON (Content-Type: application/json)")
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > MAX_BODY else HTTPStatus.BAD_REQUEST,
                        f"a request body of 1 to {MAX_BODY} bytes is expected")
            return None
        try:
            body = json.loads(self.rfile.read(length))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            body = None
        if not isinstance(body, dict):
            self._error(HTTPStatus.BAD_REQUEST, "the request body must be a JSON object")
            return None
        return body

    def _answer(self, call: Callable[[], dict]) -> None:
        """Run one desk method and map its refusals to HTTP statuses; an unexpected error is logged and
        answered without details."""
        try:
            answer = call()
        except NotFound as exc:
            self._error(HTTPStatus.NOT_FOUND, str(exc))
        except StaleVersion as exc:
            self._error(HTTPStatus.CONFLICT, str(exc), version=exc.current)
        except (ReviewError, NothingToUndo) as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
        except (KeyError, TypeError, ValueError) as exc:
            self._error(HTTPStatus.BAD_REQUEST, f"malformed request: {exc}")
        except Exception:
            log.exception("review desk request failed: %s", self.path)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "the desk failed on this request; see its terminal")
        else:
            self._json(HTTPStatus.OK, answer)

    # --- routes -------------------------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if not self._host_ok():
            return
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/":
            csp = (f"default-src 'none'; script-src 'nonce-{self.server.nonce}'; "
                   f"style-src 'nonce-{self.server.nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; "
                   "form-action 'none'; frame-ancestors 'none'")
            self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8", {"Content-Security-Policy": csp})
            return
        if url.path not in ("/api/queue", "/api/mention"):
            self._error(HTTPStatus.NOT_FOUND, "no such page")
            return
        if not self._token_ok():
            return
        desk = self.server.desk
        if url.path == "/api/queue":
            self._answer(lambda: desk.queue(query, offset=int(query.pop("offset", "0") or 0)))
        else:
            self._answer(lambda: desk.mention(query["id"], _int(query.get("before")), _int(query.get("after"))))

    def do_POST(self) -> None:  # noqa: N802
        if not (self._host_ok() and self._token_ok() and self._origin_ok()):
            return
        routes = {"/api/decide": self._decide, "/api/undo": self._undo, "/api/add": self._add,
                  "/api/reload": lambda body: self.server.desk.reload()}
        route = routes.get(urlsplit(self.path).path)
        if route is None:
            self._error(HTTPStatus.NOT_FOUND, "no such action")
            return
        body = self._body()
        if body is not None:
            self._answer(lambda: route(body))

    def _decide(self, body: dict) -> dict:
        return self.server.desk.decide(str(body["mention_id"]), int(body["version"]), str(body["action"]),
                                       fields=_fields(body.get("fields")), other=body.get("other"),
                                       note=body.get("note"))

    def _undo(self, body: dict) -> dict:
        return self.server.desk.undo(str(body["mention_id"]), int(body["version"]))

    def _add(self, body: dict) -> dict:
        return self.server.desk.add(str(body["source"]), int(body["char_start"]), int(body["char_end"]),
                                    str(body["quote"]), _fields(body.get("fields")) or {}, note=body.get("note"))


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _fields(value: object) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str | int | float | type(None)) for v in value.values()):
        raise ValueError("fields must be an object of field names to text or numbers")
    return value


def serve(desk: Desk, port: int) -> DeskServer:
    """A server for the desk on 127.0.0.1:port (0: any free port), not yet serving."""
    try:
        return DeskServer(desk, port)
    except OSError as exc:
        raise OSError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}; choose another --port") from exc
