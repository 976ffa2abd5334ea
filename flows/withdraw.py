"""Withdrawing a source for good: its rows go, and the file is not ingested again while it stays in the inbox
(by name or by content), until the withdrawal is undone."""

from __future__ import annotations

import duckdb

from flows.ingest.discover import InboxFile


def withdraw(con: duckdb.DuckDBPyConnection, source: str, note: str | None = None) -> int:
    """Withdraw `source` (a name as in sources.path): delete its sources, mentions and rejects rows and record
    the withdrawal. Returns the number of mentions removed; a name never ingested is withdrawn ahead."""
    row = con.execute("SELECT sha256 FROM sources WHERE path = ?", [source]).fetchone()
    n = con.execute("SELECT count(*) FROM mentions WHERE source = ?", [source]).fetchone()[0]
    con.execute("BEGIN TRANSACTION")
    try:
        for sql in ("DELETE FROM mentions WHERE source = ?", "DELETE FROM rejects WHERE source = ?",
                    "DELETE FROM sources WHERE path = ?"):
            con.execute(sql, [source])
        con.execute("INSERT OR REPLACE INTO withdrawn (path, sha256, note) VALUES (?, ?, ?)",
                    [source, row[0] if row else None, note])
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return n


def restore(con: duckdb.DuckDBPyConnection, source: str) -> bool:
    """Undo a withdrawal: the file is ingested again by the next run if it is in the inbox."""
    found = con.execute("SELECT count(*) FROM withdrawn WHERE path = ?", [source]).fetchone()[0]
    con.execute("DELETE FROM withdrawn WHERE path = ?", [source])
    return bool(found)


def withdrawn_sources(con: duckdb.DuckDBPyConnection) -> tuple[set[str], set[str]]:
    """(names, content hashes) of the withdrawn sources."""
    rows = con.execute("SELECT path, sha256 FROM withdrawn").fetchall()
    return {p for p, _ in rows}, {s for _, s in rows if s}


def is_withdrawn(f: InboxFile, withdrawn: tuple[set[str], set[str]]) -> bool:
    names, hashes = withdrawn
    return f.relpath in names or f.sha256 in hashes
