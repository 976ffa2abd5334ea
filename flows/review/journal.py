"""The review desk's journal: every analyst decision, appended to a SQLite file beside the database.

The desk never writes to DuckDB: a run may hold the database for minutes, and a decision must neither wait for
it nor be lost. SQLite in WAL mode (standard library) gives durable appends from the desk while a run reads the
journal at the same time; every run imports the journal into the `overrides` table (flows/review/sync.py).

One row per change; the rows of one analyst action (an edit of three fields) share a `batch_id`. Each action
raises the mention's `version` by one; a write names the version it saw and is refused when the mention has
moved on since (another tab, another analyst), so no decision is ever overwritten silently. An `undo` row
names the batch it takes back; undone batches stay in the journal (the history) but no longer apply.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from flows.overrides import OVERRIDE_SCHEMA
from flows.store import transaction, utc_now

ACTIONS = ("confirm", "drop", "set", "split", "merge", "add", "undo")
OVERRIDE_PREFIX = "rv_"      # override_id of the overrides imported from the journal
SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    row_id     TEXT NOT NULL UNIQUE,     -- the imported override is 'rv_' || row_id
    batch_id   TEXT NOT NULL,            -- one analyst action
    mention_id TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('confirm', 'drop', 'set', 'split', 'merge', 'add', 'undo')),
    field      TEXT,
    value      TEXT,                     -- set: the new value; merge: the other mention or event; add: JSON;
                                         -- undo: the batch_id taken back
    note       TEXT,
    who        TEXT NOT NULL,
    at         TEXT NOT NULL,            -- UTC, ISO 8601 with microseconds, increasing along seq
    version    INTEGER NOT NULL          -- the mention's version after this action (1 after its first)
);
CREATE INDEX IF NOT EXISTS decisions_by_mention ON decisions (mention_id, version);
"""


def journal_path(db: Path | str) -> Path:
    """The journal of a database: `data/events.duckdb` -> `data/events.reviews.sqlite` (also for the working
    database `data/events.work.duckdb` a run writes: the journal sits beside the database analysts know)."""
    from flows.shared_db import published_path

    db = published_path(db)
    return db.with_name(f"{db.stem}.reviews.sqlite")


@dataclass(frozen=True)
class Change:
    """One row of an action: what happens to which field."""

    action: str
    field: str | None = None
    value: str | None = None


class StaleVersion(Exception):
    """A write named a version of the mention that is no longer its latest."""

    def __init__(self, mention_id: str, seen: int, current: int, last: dict | None):
        self.mention_id, self.seen, self.current, self.last = mention_id, seen, current, last
        by = f": {last['who']} chose '{last['action']}' at {last['at'][:19].replace('T', ' ')} UTC" if last else ""
        super().__init__(f"mention {mention_id} changed since you saw it (version {current}, you saw {seen}){by}. "
                         "Your decision was not saved; look at the mention again and decide.")


class NothingToUndo(Exception):
    """Undo on a mention whose decisions are all undone already."""


class Journal:
    """The decisions of one database. Every method opens its own short connection, so a Journal may be shared
    by the threads of the desk's server and used by a run in another process at the same time."""

    def __init__(self, path: Path | str, create: bool = True):
        self.path = Path(path)
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as con:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(SCHEMA)

    def _connect(self, read_only: bool = False) -> sqlite3.Connection:
        if read_only:
            con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                                  isolation_level=None)
        else:
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.execute("PRAGMA synchronous=FULL")     # a committed decision survives a power cut
        con.row_factory = sqlite3.Row
        return con

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE takes the write lock before the version is read."""
        with closing(self._connect()) as con, transaction(con, "BEGIN IMMEDIATE"):
            yield con

    # --- writes -------------------------------------------------------------------------------------------

    def record(self, mention_id: str, seen_version: int, changes: list[Change], who: str,
               note: str | None = None) -> int:
        """Append one action (its changes share a batch) if the mention is still at `seen_version`; returns the
        new version. Raises StaleVersion otherwise."""
        if not changes:
            raise ValueError("an action needs at least one change")
        for c in changes:
            if c.action not in ACTIONS or c.action == "undo":
                raise ValueError(f"unknown action {c.action!r}")
        with self._writing() as con:
            version = self._check_version(con, mention_id, seen_version)
            self._append(con, mention_id, version + 1, changes, who, note)
        return version + 1

    def undo(self, mention_id: str, seen_version: int, who: str, note: str | None = None) -> tuple[int, str]:
        """Take back the latest action on the mention that still applies; returns (new version, its batch_id)."""
        with self._writing() as con:
            version = self._check_version(con, mention_id, seen_version)
            live = self._live_batches(con, mention_id)
            if not live:
                raise NothingToUndo(f"nothing to undo on mention {mention_id}")
            self._append(con, mention_id, version + 1, [Change("undo", None, live[-1])], who, note)
        return version + 1, live[-1]

    def _check_version(self, con: sqlite3.Connection, mention_id: str, seen: int) -> int:
        current = con.execute("SELECT coalesce(max(version), 0) FROM decisions WHERE mention_id = ?",
                              [mention_id]).fetchone()[0]
        if current != seen:
            last = con.execute("SELECT who, action, at FROM decisions WHERE mention_id = ? ORDER BY seq DESC LIMIT 1",
                               [mention_id]).fetchone()
            raise StaleVersion(mention_id, seen, current, dict(last) if last else None)
        return current

    @staticmethod
    def _live_batches(con: sqlite3.Connection, mention_id: str) -> list[str]:
        rows = con.execute("SELECT batch_id, action, value FROM decisions WHERE mention_id = ? ORDER BY seq",
                           [mention_id]).fetchall()
        undone = {r["value"] for r in rows if r["action"] == "undo"}
        return list(dict.fromkeys(r["batch_id"] for r in rows if r["action"] != "undo" and r["batch_id"] not in undone))

    @staticmethod
    def _append(con: sqlite3.Connection, mention_id: str, version: int, changes: list[Change], who: str,
                note: str | None) -> None:
        now = utc_now()
        last = con.execute("SELECT at FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
        if last and datetime.fromisoformat(last[0]) >= now:     # keep `at` increasing: the latest set wins
            now = datetime.fromisoformat(last[0]) + timedelta(microseconds=1)
        batch = uuid.uuid4().hex[:16]
        con.executemany(
            "INSERT INTO decisions (row_id, batch_id, mention_id, action, field, value, note, who, at, version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(uuid.uuid4().hex[:16], batch, mention_id, c.action, c.field, c.value, note, who,
              now.isoformat(timespec="microseconds"), version) for c in changes])

    # --- reads --------------------------------------------------------------------------------------------

    def _rows(self, where: str = "", params: tuple = ()) -> list[sqlite3.Row]:
        if not self.path.exists():
            return []
        with closing(self._connect(read_only=True)) as con:
            return con.execute(f"SELECT * FROM decisions {where} ORDER BY seq", params).fetchall()

    def last_seq(self) -> int:
        if not self.path.exists():
            return 0
        with closing(self._connect(read_only=True)) as con:
            return con.execute("SELECT coalesce(max(seq), 0) FROM decisions").fetchone()[0]

    def versions(self, mention_id: str | None = None) -> dict[str, int]:
        """{mention_id: current version} of every mention with a decision (or of the one mention)."""
        if not self.path.exists():
            return {}
        where, params = ("WHERE mention_id = ?", [mention_id]) if mention_id is not None else ("", [])
        with closing(self._connect(read_only=True)) as con:
            return dict(con.execute(f"SELECT mention_id, max(version) FROM decisions {where} GROUP BY mention_id",
                                    params).fetchall())

    def history(self, mention_id: str) -> list[dict]:
        """The mention's rows, oldest first, each with `undone` (True when a later undo took its batch back)."""
        rows = [dict(r) for r in self._rows("WHERE mention_id = ?", (mention_id,))]
        undone = {r["value"] for r in rows if r["action"] == "undo"}
        return [{**r, "undone": r["batch_id"] in undone} for r in rows]

    def overrides(self, mention_id: str | None = None) -> pl.DataFrame:
        """The decisions that apply (neither undo rows nor undone), as rows of the overrides table (all, or
        those of one mention)."""
        rows = self._rows() if mention_id is None else self._rows("WHERE mention_id = ?", (mention_id,))
        undone = {r["value"] for r in rows if r["action"] == "undo"}
        live = [r for r in rows if r["action"] != "undo" and r["batch_id"] not in undone]
        return pl.DataFrame(
            {"override_id": [OVERRIDE_PREFIX + r["row_id"] for r in live],
             "mention_id": [r["mention_id"] for r in live], "action": [r["action"] for r in live],
             "field": [r["field"] for r in live], "value": [r["value"] for r in live],
             "note": [r["note"] for r in live], "created_by": [r["who"] for r in live],
             "created_at": [datetime.fromisoformat(r["at"]) for r in live]},
            schema=OVERRIDE_SCHEMA)
