"""The desk's only access to the DuckDB database: short read-only reads, never a write.

A run may hold the database for a minute; then DuckDB refuses other connections. The desk reads once at start
and again when the file has changed and no run is writing it (no `.wal` beside it), each read in one short
connection that is closed at once; while the database is busy, the desk keeps serving what it read last and
says so. (With a published read-only snapshot at the `db` path, the same reads simply never meet a lock.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from flows.model import MENTION_COLUMNS, MENTION_SCHEMA
from flows.overrides import OVERRIDE_SCHEMA

BUSY_WAIT_S = 1.0          # how long a read waits for a busy database before giving up


class DatabaseBusy(Exception):
    """The database is locked by a writer (a run) for longer than BUSY_WAIT_S."""


@dataclass
class Snapshot:
    """What the desk shows, as read from the database at `loaded_at`."""

    mentions: pl.DataFrame          # MENTION_COLUMNS, plus event_id (null for a mention in no event yet)
    events: pl.DataFrame            # event_id and the columns that find merge candidates
    overrides: pl.DataFrame         # the overrides table (hand-written ones apply in the desk too)
    sources: pl.DataFrame           # path, sha256, title, has_text
    signature: tuple
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def signature(db: Path) -> tuple:
    """Changes whenever the database file is replaced or written."""
    st = db.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def is_being_written(db: Path) -> bool:
    """A writer has the database open with changes not yet checkpointed (DuckDB keeps them in `<db>.wal`)."""
    return db.with_name(db.name + ".wal").exists()


def _connect(db: Path) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + BUSY_WAIT_S
    while True:
        try:
            return duckdb.connect(str(db), read_only=True)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise DatabaseBusy(f"the database {db} is busy: a run is writing it; try again later") from exc
            time.sleep(0.1)


def read_snapshot(db: Path) -> Snapshot:
    """Mentions (with their event), events, overrides and sources, in one short read-only connection."""
    db = Path(db)
    if not db.is_file():
        raise FileNotFoundError(f"no database at {db}; run `eventflow run` first")
    sig = signature(db)
    with _connect(db) as con:
        cols = ", ".join(f"m.{c}" for c in MENTION_COLUMNS)
        mentions = con.execute(
            f"SELECT {cols}, em.event_id FROM mentions m LEFT JOIN event_mentions em USING (mention_id) "
            "ORDER BY m.mention_id").pl().cast({**MENTION_SCHEMA, "event_id": pl.Utf8})
        events = con.execute(
            "SELECT event_id, event_type, date_start, date_end, country, admin1_iso, place_name, location_text, "
            "quote, n_mentions FROM events ORDER BY event_id").pl()
        overrides = con.execute(
            f"SELECT {', '.join(OVERRIDE_SCHEMA)} FROM overrides ORDER BY created_at, override_id").pl()
        sources = con.execute("SELECT path, sha256, title, text IS NOT NULL AS has_text FROM sources").pl()
    return Snapshot(mentions, events, overrides.cast(OVERRIDE_SCHEMA), sources, sig)


def read_text(db: Path, source: str) -> str | None:
    """The decoded text of one report source (None for a dataset or an unknown source)."""
    with _connect(Path(db)) as con:
        row = con.execute("SELECT text FROM sources WHERE path = ?", [source]).fetchone()
    return row[0] if row else None
