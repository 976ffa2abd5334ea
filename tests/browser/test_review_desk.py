"""The review desk end to end, in a real headless Chromium (Debian's chromium, nothing beyond the desk reachable).

An analyst reviews 50 mentions by keyboard (confirming, editing a date and a count, dropping one, undoing one
and deciding again), adds the event of a sentence the extractor missed by selecting it, and a second tab's
stale decision is refused. Then the pipeline runs: the events table, the export and the map reflect every
decision. Markup in a source stays text everywhere.

In CI (CI=true) a missing Chromium or Playwright is a failure; locally these tests skip with the reason
(the `chromium` fixture of conftest.py).
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from support import SAMPLE_REPORT
from typer.testing import CliRunner

from flows.cli import app

SAMPLE = SAMPLE_REPORT   # the dev report, read in place from ../shared
MISSED = ("Oil workers in Zhanaozen laid down their tools on 3 March 2022, demanding higher wages {{ 7*7 }} "
          "and safer shifts.")
HOSTILE = "\n\n".join([
    "Kazakhstan: monitoring notes, January 2022",
    "On 5 January 2022, police detained 40 protesters <script>window.__xss = 1</script> in Almaty after a rally "
    "on Republic Square.",
    'On 6 January 2022, about 2,000 people rallied in Aktau "><img src=x onerror="window.__xss = 2"> against the '
    "rise in gas prices.",
    MISSED,
    "On 11 January 2022, a court in Astana sentenced the activist <b>Daniyar Adilbekov</b> to five years in prison "
    "for an {{ config }} online post.",
]) + "\n"
HOSTILE_SOURCE = "inbox/hostile-monitor-2022.txt"
REVIEWS = 50


def settle(page) -> None:
    page.wait_for_function("() => document.body.getAttribute('data-pending') === '0'")


def shown(page) -> str:
    return page.get_attribute("#detail", "data-id")


def press_and_advance(page, key: str) -> None:
    before = shown(page)
    page.keyboard.press(key)
    page.wait_for_function("(before) => document.querySelector('#detail').getAttribute('data-id') !== before",
                           arg=before)
    settle(page)


def edit(page, fields: dict[str, str], choices: dict[str, str] | None = None) -> None:
    """Open the edit form ('e'), fill its fields and choices, save (Enter): the mention shows as corrected."""
    page.keyboard.press("e")
    page.wait_for_selector("#edit-form")
    for name, value in fields.items():
        page.fill(f"#edit-{name}", value)
    for name, value in (choices or {}).items():
        page.select_option(f"#edit-{name}", value)
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail[data-status='corrected']")
    settle(page)


def select_text(page, text: str) -> None:
    """Select `text` in the source context, as an analyst's drag over the sentence would."""
    found = page.evaluate("""(wanted) => {
        for (const seg of document.getElementById('context').children) {
            const node = seg.firstChild, at = node ? node.data.indexOf(wanted) : -1;
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at); range.setEnd(node, at + wanted.length);
            const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
            return true;
        }
        return false; }""", text)
    assert found, f"not in the shown source text: {text}"


@pytest.fixture(scope="module")
def run_dir(chromium, prefect_harness, tmp_path_factory) -> Path:
    """A first pipeline run over the sample report and a report full of markup."""
    from flows.pipeline import pipeline

    root = tmp_path_factory.mktemp("review")
    inbox = root / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox / SAMPLE.name)
    (inbox / "hostile-monitor-2022.txt").write_text(HOSTILE, encoding="utf-8")
    pipeline(str(inbox), str(root / "events.duckdb"), str(root / "maps"))
    return root


def test_review_by_keyboard_then_a_run_applies_every_decision(run_dir: Path):
    from flows.pipeline import pipeline
    from flows.publish.browser import load, open_page
    from flows.review import start_desk

    db = run_dir / "events.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        n_mentions = con.execute("SELECT count(*) FROM mentions").fetchone()[0]
    assert n_mentions > REVIEWS
    server = start_desk(db, 0, "test-analyst")
    expected: dict[str, object] = {}
    try:
        with open_page(1400, 900, allow_origin=server.url) as session:
            page = session.page
            page.goto(server.url, wait_until="load")
            page.wait_for_selector("body[data-review-ready='1']")
            settle(page)
            assert page.inner_text("#progress") == f"0 of {n_mentions} reviewed"
            queue = page.eval_on_selector_all("#queue li", "lis => lis.map(li => li.getAttribute('data-id'))")
            confidences = page.eval_on_selector_all("#queue li .conf", "xs => xs.map(x => x.textContent)")
            values = [float(c.split("confidence ")[1].split(" ")[0]) for c in confidences]
            assert values == sorted(values)                          # least confident first
            assert shown(page) == queue[0]

            # a second tab, open on the last mention the first tab will review
            tab2 = page.context.new_page()
            tab2_errors: list[str] = []
            tab2.on("pageerror", lambda exc: tab2_errors.append(str(exc)))
            tab2.goto(f"{server.url}#{queue[REVIEWS - 1]}", wait_until="load")
            tab2.wait_for_selector("body[data-review-ready='1']")
            settle(tab2)
            assert shown(tab2) == queue[REVIEWS - 1]
            page.bring_to_front()

            count_edited = False
            for i in range(REVIEWS):
                mid = shown(page)
                assert mid == queue[i]
                if i == 2:                                           # edit a date
                    edit(page, {"date_start": "2016-05-21", "date_end": "2016-05-21",
                                "note": "the day is in the source's footnote"}, {"date_precision": "day"})
                    expected["date"] = mid
                    press_and_advance(page, "j")
                elif not count_edited and i >= 4 and page.locator("tr[data-field='detained_high']").count():
                    edit(page, {"detained_low": "30", "detained_high": "45"})   # edit a count
                    expected["count"], count_edited = mid, True
                    press_and_advance(page, "j")
                elif i == 6:                                         # not an event
                    expected["drop"] = mid
                    press_and_advance(page, "x")
                elif i == 8:                                         # confirm, go back, undo, confirm again
                    press_and_advance(page, "c")
                    press_and_advance(page, "k")
                    assert shown(page) == mid and page.get_attribute("#detail", "data-status") == "confirmed"
                    page.keyboard.press("u")
                    page.wait_for_selector("#detail[data-status='unreviewed']")
                    settle(page)
                    assert "undone" in page.inner_text(".history")
                    press_and_advance(page, "c")
                else:
                    press_and_advance(page, "c")
            assert count_edited
            assert page.inner_text("#progress") == f"{REVIEWS} of {n_mentions} reviewed"
            assert page.locator("#queue li[data-status='confirmed']").count() == REVIEWS - 3

            # the second tab still shows the version it loaded: its decision is refused, never silently applied
            tab2.bring_to_front()
            tab2.keyboard.press("x")
            tab2.wait_for_selector("#message.conflict")
            assert "changed since you saw it" in tab2.inner_text("#message")
            tab2.wait_for_selector("#detail[data-status='confirmed']")   # it shows the other tab's decision
            assert tab2_errors == []
            tab2.close()
            page.bring_to_front()

            # add the event of a sentence the extractor missed, from the report full of markup
            page.select_option("#f-source", HOSTILE_SOURCE)
            page.keyboard.press("Escape")                              # leave the filter: keys go to the desk
            page.wait_for_function("() => document.querySelectorAll('#queue li').length === 4")
            settle(page)
            context = page.inner_text("#context")
            assert "<script>window.__xss = 1</script>" in context        # markup shown as text ...
            assert '"><img src=x onerror="window.__xss = 2">' in context
            assert "{{ 7*7 }}" in context and "<b>Daniyar Adilbekov</b>" in context
            select_text(page, MISSED)
            page.keyboard.press("a")
            page.wait_for_selector("#add-form")
            assert page.inner_text("#add-form blockquote") == MISSED
            page.select_option("#add-event_type", "protest")
            page.select_option("#add-subtype", "strike")
            page.fill("#add-date_start", "2022-03-03")
            page.fill("#add-location_text", "Zhanaozen")
            page.fill("#add-participants_low", "300")
            page.keyboard.press("Enter")
            page.wait_for_function("() => document.querySelector('#message').textContent.startsWith('Added event')")
            settle(page)
            page.select_option("#f-source", "")
            page.keyboard.press("Escape")
            page.wait_for_function("(want) => document.querySelector('#progress').textContent === want",
                                   arg=f"{REVIEWS + 1} of {n_mentions + 1} reviewed")
            # ... and never run
            assert page.evaluate("typeof window.__xss") == "undefined"
            assert page.locator("img[src=x], #context b, #context script").count() == 0
        assert session.blocked == [] and session.errors == [] and session.dialogs == []
        assert all(u.startswith((server.url, "about:", "data:")) for u in session.requests), session.requests
    finally:
        server.shutdown()
        server.server_close()

    # the next run applies every decision
    summary = pipeline(str(run_dir / "inbox"), str(db), str(run_dir / "maps"))
    assert summary["sources_unchanged"] == 2
    assert not [n for n in summary["notes"] if "override" in n or "added event" in n]      # every decision applied
    with duckdb.connect(str(db), read_only=True) as con:
        def event_of(mention_id: str) -> dict | None:
            cur = con.execute("SELECT e.* FROM events e JOIN event_mentions em USING (event_id) "
                              "WHERE em.mention_id = ?", [mention_id])
            row = cur.fetchone()
            return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None

        assert event_of(expected["drop"]) is None
        dated = event_of(expected["date"])
        assert (dated["date_start"], dated["date_end"], dated["date_precision"], dated["review_status"]) == (
            date(2016, 5, 21), date(2016, 5, 21), "day", "corrected")
        counted = event_of(expected["count"])
        assert (counted["detained_low"], counted["detained_high"], counted["review_status"]) == (30, 45, "corrected")
        statuses = dict(con.execute("SELECT review_status, count(*) FROM events GROUP BY 1").fetchall())
        assert statuses == {"confirmed": REVIEWS - 3, "corrected": 2, "added": 1,
                            "unreviewed": n_mentions - REVIEWS}
        added = con.execute("""
            SELECT e.event_type, e.subtype, e.date_start, e.place_name, e.admin1_iso, e.participants_low, e.quote,
                   substr(s.text, e.char_start + 1, e.char_end - e.char_start) = e.quote
            FROM events e JOIN sources s ON s.path = e.source WHERE e.review_status = 'added'""").fetchone()
        assert added == ("protest", "strike", date(2022, 3, 3), "Zhanaozen", "KZ-47", 300, MISSED, True)
        reviewed_kz = con.execute("SELECT count(*) FROM events WHERE review_status <> 'unreviewed' AND country = 'KZ' "
                                  "AND admin1_iso IS NOT NULL").fetchone()[0]

    # the export carries the review status after the contract columns
    out = run_dir / "events.csv"
    result = CliRunner().invoke(app, ["export", "--format", "csv", "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    from flows.model import EXPORT_COLUMNS

    header = list(rows[0])
    assert header[:len(EXPORT_COLUMNS)] == EXPORT_COLUMNS and header[-1] == "review_status"
    assert sorted({r["review_status"] for r in rows}) == ["added", "confirmed", "corrected", "unreviewed"]
    assert [r["quote"] for r in rows if r["review_status"] == "added"] == [MISSED]

    # the map: popups say the review status, and a control shows reviewed events only
    with open_page(1400, 900) as session:
        page = session.page
        load(session, run_dir / "maps" / "country_kz.html")
        cells = page.evaluate("window.eventflow.data.cells")
        assert sum(c[4] for c in cells) == reviewed_kz > 0
        all_note = page.inner_text(".ef-note")
        page.check("#ef-reviewed")
        assert "(reviewed only)" in page.inner_text(".ef-legend")
        assert f"{reviewed_kz} events in the regions" in page.inner_text(".ef-note") != all_note
        texts = page.evaluate("""() => {
            const ef = window.eventflow, out = [];
            ef.map.setView([43.34116, 52.86192], ef.map.getMaxZoom(), {animate: false});
            ef.map.eachLayer(l => { if (l instanceof L.CircleMarker && l.getPopup()) {
                l.openPopup(); out.push(l.getPopup().getElement().innerText); l.closePopup(); } });
            return out; }""")
        assert any("Review: added" in t and "{{ 7*7 }}" in t for t in texts), texts
        assert page.evaluate("typeof window.__xss") == "undefined"
    assert session.blocked == [] and session.errors == [] and session.dialogs == []
