"""Every run brings the review desk's decisions into the `overrides` table before dedupe (flows/stages.py).

The import is a sync, not an append: after it, the overrides whose id starts with 'rv_' are exactly the journal's
decisions that apply (an undo removes its override), so running it again changes nothing. Overrides written by
hand (SQL, flows.overrides.add_override) are left alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl

from flows.overrides import OVERRIDE_SCHEMA, ensure_table
from flows.review.journal import OVERRIDE_PREFIX, Journal, journal_path
from flows.store import transaction


def import_reviews(con: duckdb.DuckDBPyConnection, db: Path | str) -> list[str]:
    """Replace the journal's overrides in `con` (the database at `db`) by the journal's current decisions.
    Returns notes for the run summary (added events whose source is gone or whose sentence moved)."""
    journal = journal_path(db)
    ensure_table(con)
    rows = Journal(journal, create=False).overrides() if journal.exists() else pl.DataFrame(schema=OVERRIDE_SCHEMA)
    rows, notes = _anchor_added(con, rows)
    with transaction(con):
        con.execute("DELETE FROM overrides WHERE starts_with(override_id, ?)", [OVERRIDE_PREFIX])
        if rows.height:
            con.register("_reviews", rows)
            con.execute(f"INSERT INTO overrides ({', '.join(OVERRIDE_SCHEMA)}) SELECT * FROM _reviews")
            con.unregister("_reviews")
    return notes


def _anchor_added(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Added mentions point into their source's text. When the source changed, the quote is looked up again
    (offsets follow it); an added mention whose source is gone, or whose quote is no longer in it, is not
    imported, and a note says so (the journal keeps it: it applies again if the text comes back)."""
    adds = rows.filter(pl.col("action") == "add")
    if adds.is_empty():
        return rows, []
    notes, keep, values = [], [], []
    for override_id, mention_id, value in adds.select("override_id", "mention_id", "value").iter_rows():
        columns = json.loads(value)
        source, quote = columns.get("source"), columns.get("quote") or ""
        found = con.execute("SELECT text, sha256 FROM sources WHERE path = ?", [source]).fetchone()
        text = found[0] if found else None
        start, end = columns.get("char_start"), columns.get("char_end")
        if text is None:
            notes.append(f"added event {mention_id} not applied: its source {source} is not in the database")
            continue
        if start is None or text[start:end] != quote:
            if text.count(quote) != 1:
                notes.append(f"added event {mention_id} not applied: its sentence is no longer in {source} "
                             "(or is there more than once)")
                continue
            start = text.index(quote)
            columns.update(char_start=start, char_end=start + len(quote))
        columns["source_sha256"] = found[1]
        keep.append(override_id)
        values.append(json.dumps(columns, ensure_ascii=False, sort_keys=True))
    anchored = pl.DataFrame({"override_id": keep, "_value": values}, schema={"override_id": pl.Utf8, "_value": pl.Utf8})
    others = rows.filter(pl.col("action") != "add")
    added = adds.join(anchored, on="override_id").with_columns(pl.col("_value").alias("value")).drop("_value")
    return pl.concat([others, added]).sort("created_at", "override_id"), notes
