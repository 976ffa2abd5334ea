"""Review decisions: the journal, its import into overrides, the new override actions (confirm, merge, add), the
review status of events and the training material they give."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows import stages, store
from flows.dedupe import build_events
from flows.overrides import add_override, apply_overrides, check_override, ensure_table, list_overrides
from flows.review.desk import Desk, ReviewError
from flows.review.journal import Change, Journal, NothingToUndo, StaleVersion, journal_path
from flows.review.training import reviewed_documents


def _mid(db: Path, where: str) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT mention_id FROM mentions WHERE {where}").fetchone()[0]


def _event_of(db: Path, mention_id: str) -> dict | None:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("SELECT e.* FROM events e JOIN event_mentions em USING (event_id) WHERE em.mention_id = ?",
                          [mention_id])
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


# --- the journal ------------------------------------------------------------------------------------------

def test_journal_versions_refuse_a_stale_write_and_undo_takes_back_the_latest(tmp_path: Path):
    j = Journal(tmp_path / "e.reviews.sqlite")
    assert j.record("m_a", 0, [Change("confirm")], "ann") == 1
    with pytest.raises(StaleVersion, match="version 1, you saw 0.*ann chose 'confirm'"):
        j.record("m_a", 0, [Change("drop")], "bob")           # a second tab that saw the mention before
    assert j.record("m_a", 1, [Change("set", "date_start", "2022-01-07"), Change("set", "date_end", "2022-01-07")],
                    "bob", note="day from the court record") == 2
    assert j.undo("m_a", 2, "bob")[0] == 3                    # takes back bob's edit, not ann's confirm
    rows = j.overrides()
    assert rows.select("mention_id", "action", "created_by").rows() == [("m_a", "confirm", "ann")]
    assert rows["override_id"][0].startswith("rv_")
    history = j.history("m_a")
    assert [(h["action"], h["undone"]) for h in history] == [
        ("confirm", False), ("set", True), ("set", True), ("undo", False)]
    j.undo("m_a", 3, "ann")
    with pytest.raises(NothingToUndo):
        j.undo("m_a", 4, "ann")
    assert j.overrides().is_empty() and j.versions() == {"m_a": 4}


def test_journal_keeps_every_decision_of_concurrent_writers(tmp_path: Path):
    """Eight threads (tabs, analysts) deciding at once on their own mentions and racing on a shared one:
    every decision on its own mention lands, and exactly one of the racing writes wins."""
    path = tmp_path / "e.reviews.sqlite"
    Journal(path)
    outcomes: list[str] = []

    def analyst(n: int) -> None:
        j = Journal(path)
        for k in range(20):
            j.record(f"m_{n}_{k}", 0, [Change("confirm")], f"a{n}")
        try:
            j.record("m_shared", 0, [Change("drop")], f"a{n}")
            outcomes.append("won")
        except StaleVersion:
            outcomes.append("refused")

    threads = [threading.Thread(target=analyst, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = Journal(path).overrides()
    assert rows.height == 8 * 20 + 1
    assert sorted(outcomes) == ["refused"] * 7 + ["won"]


def test_journal_path_sits_beside_the_database():
    assert journal_path(Path("data/events.duckdb")) == Path("data/events.reviews.sqlite")


# --- override actions --------------------------------------------------------------------------------------

def test_new_actions_are_checked():
    assert check_override("confirm", None, None) is None
    assert check_override("merge", None, "e_123") is None
    assert "merge needs" in check_override("merge", None, "123")
    assert "JSON" in check_override("add", None, "not json")
    assert "columns that mentions do not have" in check_override("add", None, json.dumps({"colour": "red"}))
    bad_type = {"source": "r.txt", "source_kind": "report", "event_type": "party", "subtype": "x",
                "date_start": "2022-01-01", "date_end": "2022-01-01", "date_precision": "day", "country": "KZ",
                "geo_precision": "country", "extractor": "review-desk", "confidence": 1.0}
    assert "not valid" in check_override("add", None, json.dumps(bad_type))
    assert check_override("add", None, json.dumps({**bad_type, "event_type": "protest", "subtype": "strike"})) is None


def test_a_database_made_before_the_review_actions_is_migrated(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    old_ddl = (Path(store.DDL_DIR) / "050_overrides.sql").read_text().replace(", 'confirm', 'merge', 'add'", "")
    con.execute(old_ddl)
    con.execute("INSERT INTO overrides (override_id, mention_id, action, note) VALUES ('o1', 'm_1', 'drop', 'kept')")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO overrides (override_id, mention_id, action) VALUES ('o2', 'm_2', 'confirm')")
    ensure_table(con)
    add_override(con, "m_2", "confirm")
    assert list_overrides(con).select("override_id", "action", "note").rows()[0] == ("o1", "drop", "kept")
    assert list_overrides(con)["action"].to_list() == ["drop", "confirm"]


def test_merge_joins_what_the_rules_keep_apart_and_statuses_reach_events(review_db: Path):
    almaty = _mid(review_db, "location_text = 'Almaty'")
    astana = _mid(review_db, "location_text = 'Astana'")
    aktau_report = _mid(review_db, "location_text = 'Aktau' AND source_kind = 'report'")
    aktau_acled = _mid(review_db, "source_kind = 'acled'")
    with store.connect(review_db) as con:
        mentions = store.load_mentions(con)
        add_override(con, almaty, "merge", value="e_" + astana[2:])     # by event id
        add_override(con, aktau_report, "confirm")
        add_override(con, astana, "set", "sentence_months", "72")
        overrides = list_overrides(con)
    events, links = build_events(mentions, overrides)
    event = dict(links.select("mention_id", "event_id").iter_rows())
    assert event[almaty] == event[astana]                      # two types, merged because an analyst said so
    reasons = dict(links.select("mention_id", "merge_reason").iter_rows())
    assert f"merged by an analyst with {astana}" in reasons[almaty]
    assert event[aktau_report] == event[aktau_acled]           # the rules still merge the rest
    status = dict(events.select("event_id", "review_status").iter_rows())
    assert status[event[almaty]] == "corrected"                # the strongest of its mentions
    assert status[event[aktau_report]] == "confirmed"
    # the reviewed report mention represents its event, before the (otherwise preferred) curated dataset row
    rep = links.filter(pl.col("is_representative") & (pl.col("event_id") == event[aktau_report]))
    assert rep["mention_id"].to_list() == [aktau_report]
    assert events.filter(pl.col("event_id") == event[aktau_report])["source_kind"][0] == "report"


def test_an_added_mention_joins_the_events_and_can_be_corrected(review_db: Path, review_text: str):
    start = review_text.index("Oil workers")
    end = review_text.index("\n", start)
    added = {"source": "inbox/notes.txt", "source_kind": "report", "event_type": "protest", "subtype": "strike",
             "date_start": "2022-03-03", "date_end": "2022-03-03", "date_precision": "day", "country": "KZ",
             "geo_precision": "country", "quote": review_text[start:end], "char_start": start, "char_end": end,
             "extractor": "review-desk", "confidence": 1.0}
    with store.connect(review_db) as con:
        mentions = store.load_mentions(con)
        add_override(con, "m_add_1", "add", value=json.dumps(added))
        add_override(con, "m_add_1", "set", "participants_low", "300")
        overrides = list_overrides(con)
    out, _ = apply_overrides(mentions, overrides)
    assert out.height == mentions.height + 1 and out.schema == mentions.schema
    events, _ = build_events(mentions, overrides)
    row = events.filter(pl.col("event_id") == "e_add_1").row(0, named=True)
    assert (row["review_status"], row["participants_low"], row["date_start"]) == ("added", 300, date(2022, 3, 3))
    assert row["quote"].startswith("Oil workers in Zhanaozen")


# --- the import into overrides, run by every run ---------------------------------------------------------

def test_every_run_imports_the_journal_idempotently_and_undo_reaches_the_events(review_db: Path):
    desk = Desk(review_db, "ann")
    almaty = _mid(review_db, "location_text = 'Almaty'")
    astana = _mid(review_db, "location_text = 'Astana'")
    desk.decide(almaty, 0, "set", {"date_start": "2022-01-04", "date_end": "2022-01-04", "detained_high": "55"},
                note="two sources say the 4th")
    desk.decide(astana, 0, "drop")
    with store.connect(review_db) as con:
        hand = add_override(con, astana, "split", note="written in SQL")      # a hand-written one stays
    stages.dedupe_all(review_db)
    assert _event_of(review_db, astana) is None
    ev = _event_of(review_db, almaty)
    assert (ev["date_start"], ev["detained_high"], ev["review_status"]) == (date(2022, 1, 4), 55, "corrected")
    with duckdb.connect(str(review_db), read_only=True) as con:
        first = con.execute("SELECT * FROM overrides ORDER BY override_id").fetchall()
    stages.dedupe_all(review_db)                                   # again: nothing changes
    with duckdb.connect(str(review_db), read_only=True) as con:
        assert con.execute("SELECT * FROM overrides ORDER BY override_id").fetchall() == first
    assert len(first) == 5 and any(r[0] == hand for r in first)
    desk.undo(astana, 1)
    stages.dedupe_all(review_db)
    # back (the drop is undone); the hand-written split stands, and keeping it apart judged it an event
    assert _event_of(review_db, astana)["review_status"] == "confirmed"


def test_an_added_event_follows_its_sentence_when_the_source_changes(review_db: Path, review_text: str):
    desk = Desk(review_db, "ann")
    start = review_text.index("Oil workers")
    end = review_text.index(" {{", start)
    summary = desk.add("inbox/notes.txt", start, end, review_text[start:end],
                       {"event_type": "protest", "subtype": "strike", "date_start": "2022-03-03",
                        "location_text": "Zhanaozen", "country": "KZ"})
    with store.connect(review_db) as con:                         # the report gains a paragraph at the top
        con.execute("UPDATE sources SET text = 'A new preface.\n' || text WHERE path = 'inbox/notes.txt'")
    _, notes = stages.dedupe_all(review_db)
    assert notes == []
    with duckdb.connect(str(review_db), read_only=True) as con:
        quote, cs, ce, text_check = con.execute(
            "SELECT e.quote, e.char_start, e.char_end, substr(s.text, e.char_start + 1, e.char_end - e.char_start) "
            "FROM events e JOIN sources s ON s.path = e.source WHERE e.event_id = ?",
            ["e_" + summary["id"][2:]]).fetchone()
    assert quote == text_check == "Oil workers in Zhanaozen laid down their tools on 3 March 2022"
    assert cs == start + len("A new preface.\n")
    with store.connect(review_db) as con:                         # the sentence is gone: said, not applied
        con.execute("UPDATE sources SET text = 'Nothing here.' WHERE path = 'inbox/notes.txt'")
    _, notes = stages.dedupe_all(review_db)
    assert any("no longer in inbox/notes.txt" in n for n in notes)


def test_decisions_are_kept_while_a_run_holds_the_database(review_db: Path):
    """A run (another process) holds the database read-write: the desk still records decisions at once, from
    the journal, and the next run applies them."""
    desk = Desk(review_db, "ann")
    almaty = _mid(review_db, "location_text = 'Almaty'")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); con.execute('BEGIN TRANSACTION'); "
        "con.execute('CREATE TABLE run_lock_probe (x INT)'); print('held', flush=True); time.sleep(30)"),
        str(review_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        summary = desk.decide(almaty, 0, "confirm")
        assert summary["status"] == "confirmed"
        assert desk.queue({})["reviewed"] == 1                 # visible at once in the desk
        assert desk.reload()["reloaded"] is False               # the database is busy: the desk says so
        assert desk.mention(almaty)["summary"]["status"] == "confirmed"
    finally:
        holder.kill()
        holder.wait()
    stages.dedupe_all(review_db)
    assert _event_of(review_db, almaty)["review_status"] == "confirmed"


# --- the desk's rules --------------------------------------------------------------------------------------

def test_the_desk_refuses_what_a_run_would_reject(review_db: Path):
    desk = Desk(review_db, "ann")
    almaty = _mid(review_db, "location_text = 'Almaty'")
    with pytest.raises(ReviewError, match="date_start is after date_end"):
        desk.decide(almaty, 0, "set", {"date_start": "2022-01-09", "date_end": "2022-01-05"})
    with pytest.raises(ReviewError, match="subtype is not a subtype"):
        desk.decide(almaty, 0, "set", {"event_type": "trial"})
    with pytest.raises(ReviewError, match="not a valid"):
        desk.decide(almaty, 0, "set", {"detained_high": "many"})
    with pytest.raises(ReviewError, match="cannot be edited"):
        desk.decide(almaty, 0, "set", {"quote": "something else"})
    with pytest.raises(ReviewError, match="Nothing changed"):
        desk.decide(almaty, 0, "set", {"detained_high": "40"})
    with pytest.raises(ReviewError, match="No event or mention"):
        desk.decide(almaty, 0, "merge", other="e_0000")
    desk.decide(almaty, 0, "drop")
    with pytest.raises(ReviewError, match="undo that first"):
        desk.decide(almaty, 1, "confirm")
    with pytest.raises(ReviewError, match="does not match the source text"):
        desk.add("inbox/notes.txt", 0, 10, "not these words", {"event_type": "protest"})
    with pytest.raises(ReviewError, match="report with text"):
        desk.add("inbox/acled.csv", 0, 4, "Gas ", {"event_type": "protest"})
    assert Journal(journal_path(review_db)).versions() == {almaty: 1}    # only the drop was recorded


def test_editing_the_place_geocodes_it_again(review_db: Path):
    desk = Desk(review_db, "ann")
    almaty = _mid(review_db, "location_text = 'Almaty'")
    desk.decide(almaty, 0, "set", {"location_text": "Zhanaozen"})
    m = desk.mention(almaty)["mention"]
    assert (m["place_name"], m["admin1_iso"], m["geo_precision"]) == ("Zhanaozen", "KZ-47", "place")
    assert abs(m["lat"] - 43.34) < 0.1


# --- training material ------------------------------------------------------------------------------------

def test_reviewed_documents_give_spans_for_training(review_db: Path, review_text: str):
    assert reviewed_documents(review_db) == []
    desk = Desk(review_db, "ann")
    almaty = _mid(review_db, "location_text = 'Almaty'")
    aktau = _mid(review_db, "location_text = 'Aktau' AND source_kind = 'report'")
    astana = _mid(review_db, "location_text = 'Astana'")
    acled = _mid(review_db, "source_kind = 'acled'")
    desk.decide(almaty, 0, "confirm")
    desk.decide(aktau, 0, "set", {"date_start": "2022-01-07", "date_end": "2022-01-07"})
    desk.decide(astana, 0, "drop")
    desk.decide(acled, 0, "confirm")                               # a dataset row: no text to learn from
    start = review_text.index("Oil workers")
    end = review_text.index(" {{", start)
    desk.add("inbox/notes.txt", start, end, review_text[start:end],
             {"event_type": "protest", "subtype": "strike", "date_start": "2022-03-03", "country": "KZ"})
    undone = desk.decide(almaty, 1, "split")
    desk.undo(almaty, undone["version"])
    (doc,) = reviewed_documents(review_db)
    assert (doc.source, doc.title, doc.text) == ("inbox/notes.txt", "Monitoring notes", review_text)
    almaty_start = review_text.index("On 5 January")
    assert [(s.event_type, s.char_start, s.date_start) for s in doc.confirmed] == [
        ("detention", almaty_start, date(2022, 1, 5))]
    assert [(s.event_type, s.subtype, s.date_start, s.date_end) for s in doc.corrected] == [
        ("protest", "peaceful_protest", date(2022, 1, 7), date(2022, 1, 7))]           # after correction
    assert [(s.subtype, s.char_start, s.char_end, s.country) for s in doc.added] == [("strike", start, end, "KZ")]
    astana_start = review_text.index("On 11 January")
    assert doc.dropped == [(astana_start, review_text.index("\n", astana_start), "trial")]
    assert all(doc.text[s.char_start:s.char_end] for s in doc.confirmed + doc.corrected + doc.added)
