"""The review desk's HTTP server: loopback only, its own Host only, a session token on every API request,
fixed endpoints, conflicts refused with a clear message. (The page itself: tests/browser/test_review_desk.py.)"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.review import start_desk
from flows.review.server import TOKEN_HEADER, DeskServer


@pytest.fixture
def server(review_db: Path) -> Iterator[DeskServer]:
    srv = start_desk(review_db, 0, "ann")
    yield srv
    srv.shutdown()
    srv.server_close()


def request(srv: DeskServer, method: str, path: str, body: object = None, token: str | None = "session",
            host: str | None = None, headers: dict | None = None) -> tuple[int, dict | str]:
    con = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    hdrs = {"Host": host or f"127.0.0.1:{srv.port}", **(headers or {})}
    if token:
        hdrs[TOKEN_HEADER] = srv.token if token == "session" else token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    con.request(method, path, body=data, headers=hdrs)
    resp = con.getresponse()
    raw = resp.read().decode()
    con.close()
    is_json = resp.getheader("Content-Type", "").startswith("application/json")
    return resp.status, json.loads(raw) if is_json else raw


def first(srv: DeskServer) -> dict:
    return request(srv, "GET", "/api/queue")[1]["items"][0]


def test_binds_loopback_and_answers_only_to_its_own_host(server: DeskServer):
    assert server.server_address[0] == "127.0.0.1"
    assert request(server, "GET", "/")[0] == 200
    assert request(server, "GET", "/", host=f"localhost:{server.port}")[0] == 200
    for host in (f"evil.example:{server.port}", "127.0.0.1", f"127.0.0.1:{server.port + 1}", f"10.0.0.5:{server.port}"):
        status, body = request(server, "GET", "/api/queue", host=host)
        assert status == 403 and "own address" in body["error"]             # a DNS-rebinding page gets nothing
        assert request(server, "POST", "/api/decide", {"mention_id": "m", "version": 0, "action": "drop"},
                       host=host)[0] == 403


def test_every_api_request_needs_the_session_token(server: DeskServer):
    item = first(server)
    for token in (None, "guessed", server.token[:-1], "ünïcode"):
        assert request(server, "GET", "/api/queue", token=token)[0] == 403
        assert request(server, "GET", f"/api/mention?id={item['id']}", token=token)[0] == 403
        status, body = request(server, "POST", "/api/decide",
                               {"mention_id": item["id"], "version": 0, "action": "drop"}, token=token)
        assert status == 403 and "token" in body["error"]
    assert first(server)["status"] == "unreviewed"                     # nothing was written


def test_writes_must_be_json_from_the_desks_own_origin(server: DeskServer):
    item = first(server)
    body = {"mention_id": item["id"], "version": 0, "action": "confirm"}
    status, _ = request(server, "POST", "/api/decide", body, headers={"Origin": "http://evil.example"})
    assert status == 403
    status, _ = request(server, "POST", "/api/decide", body, headers={"Content-Type": "text/plain"})
    assert status == 415                                               # no form posts, no simple CORS requests
    status, answer = request(server, "POST", "/api/decide", body, headers={"Origin": f"http://127.0.0.1:{server.port}"})
    assert status == 200 and answer["status"] == "confirmed"


def test_only_fixed_endpoints_exist(server: DeskServer):
    assert request(server, "GET", "/api/sql?q=DROP%20TABLE%20events")[0] == 404
    assert request(server, "POST", "/api/sql", {"q": "DELETE FROM events"})[0] == 404
    assert request(server, "GET", "/../../etc/passwd")[0] == 404
    assert request(server, "PUT", "/api/decide", {})[0] == 501
    status, body = request(server, "POST", "/api/decide", {"mention_id": first(server)["id"], "version": 0,
                                                           "action": "delete_everything"})
    assert status == 400 and "action must be one of" in body["error"]
    assert request(server, "POST", "/api/decide", [1, 2])[0] == 400
    assert request(server, "POST", "/api/decide", json.loads("[" * 500 + "]" * 500))[0] == 400
    assert request(server, "GET", "/api/mention?id=m_nope")[0] == 404


def test_a_stale_write_from_a_second_tab_is_refused_with_a_clear_message(server: DeskServer):
    item = first(server)
    tab1 = {"mention_id": item["id"], "version": item["version"], "action": "confirm"}
    tab2 = {"mention_id": item["id"], "version": item["version"], "action": "drop"}
    assert request(server, "POST", "/api/decide", tab1)[0] == 200
    status, body = request(server, "POST", "/api/decide", tab2)
    assert status == 409 and body["version"] == 1
    assert "changed since you saw it" in body["error"] and "not saved" in body["error"]
    assert first(server)["status"] == "confirmed"                      # the first decision stands
    status, body = request(server, "POST", "/api/undo", {"mention_id": item["id"], "version": 0})
    assert status == 409                                               # an undo must have seen the latest too


def test_the_page_is_self_contained_and_holds_no_source_text(server: DeskServer):
    con = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    con.request("GET", "/", headers={"Host": f"127.0.0.1:{server.port}"})
    resp = con.getresponse()
    page = resp.read().decode()
    csp = resp.getheader("Content-Security-Policy")
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert resp.getheader("X-Frame-Options") == "DENY"
    assert "http://" not in page and "https://" not in page and "src=" not in page
    assert "<script>window.__xss" not in page and "Almaty" not in page      # data comes through the API only
    assert page.count("<script") == 2 and server.token in page


def test_mention_shows_context_spans_and_hostile_text_as_data(server: DeskServer):
    queue = request(server, "GET", "/api/queue?source=inbox/notes.txt&order=document")[1]
    assert queue["total"] == 3 and queue["reviewed"] == 0
    almaty = request(server, "GET", f"/api/mention?id={queue['items'][0]['id']}")[1]
    ctx = almaty["context"]
    assert ctx["selectable"] and ctx["start"] == 0
    quote = ctx["text"][ctx["quote"][0] - ctx["start"]:ctx["quote"][1] - ctx["start"]]
    assert quote == almaty["mention"]["quote"] and "<script>window.__xss = 1</script>" in quote
    spans = {(ctx["text"][s["start"] - ctx["start"]:s["end"] - ctx["start"]], s["field"]) for s in ctx["spans"]}
    assert {("5 January 2022", "date"), ("Almaty", "place"), ("40", "count"), ("police", "actor")} <= spans
    assert almaty["event"]["event_id"].startswith("e_") and almaty["history"] == []
    acled = request(server, "GET", "/api/queue?source=inbox/acled.csv")[1]["items"][0]
    row = request(server, "GET", f"/api/mention?id={acled['id']}")[1]
    assert row["context"]["selectable"] is False and "Dataset row" in row["context"]["note"]
    filtered = request(server, "GET", "/api/queue?event_type=trial&date_from=2022-01-10&region=KZ-71")[1]
    assert [i["event_type"] for i in filtered["items"]] == ["trial"]
    assert request(server, "GET", "/api/queue?date_from=yesterday")[0] == 400
    assert request(server, "GET", "/api/queue?offset=many")[0] == 400
