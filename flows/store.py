"""Store: the DuckDB database.

Schema: versioned migrations `schemas/duckdb/NNN_*.sql` (NNN below 090), each applied once and recorded in
`schema_migrations`, so an older database upgrades in place; then the repeatable part (views from 090 on, and a
COMMENT ON for every table and column, generated from schemas/event.schema.json and
schemas/duckdb/comments.yaml), re-applied only when its text changes.

Writes: one transaction per source (`store_source` from frames, `store_source_files` from the Parquet files a
worker wrote); the sources written since the last dedupe are remembered in `dedupe_pending` in the same
transaction. Events are replaced by the dedupe stage (flows/dedupe_db.py).

Other modules open the database only through `connect` and `connect_readonly`, so a wrapper of those two
(a run lock, a published snapshot) composes with everything here.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from flows.model import EVENT_SCHEMA, MENTION_COLUMNS, MENTION_SCHEMA, event_json_schema
from flows.rejects import REJECT_SCHEMA

DDL_DIR = Path(__file__).resolve().parent.parent / "schemas" / "duckdb"
DB_MEMORY_LIMIT = "1GB"
REPEATABLE_FROM = 90          # files numbered from here on (views) are re-applied when they change
_MIGRATION_NAME = re.compile(r"^(\d{3})_[\w-]+\.sql$")


@dataclass
class SourceRecord:
    """One row of the sources table."""

    path: str
    sha256: str
    format: str
    size_bytes: int
    records_total: int = 0
    records_loaded: int = 0
    records_rejected: int = 0
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    coverage_year: int | None = None
    text: str | None = None


def connect(db_path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database and bring its schema up to date. DuckDB may hold at most
    EVENTFLOW_DB_MEMORY_LIMIT (default 1GB) in memory; larger joins spill to disk beside the database."""
    if str(db_path) != ":memory:":
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    con.execute(f"SET memory_limit = {sql_text(os.environ.get('EVENTFLOW_DB_MEMORY_LIMIT', DB_MEMORY_LIMIT))}")
    migrate(con)
    return con


def connect_readonly(db_path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open an existing database for reading (no schema change)."""
    return duckdb.connect(str(db_path), read_only=True)


# --- schema ---------------------------------------------------------------------------------------------

def migration_files() -> list[tuple[int, Path]]:
    """(version, file) of the versioned migrations, in order."""
    found = []
    for path in sorted(DDL_DIR.glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if m and int(m.group(1)) < REPEATABLE_FROM:
            found.append((int(m.group(1)), path))
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations this database lacks (each in its own transaction, with its record), then the
    repeatable part if it changed. Returns the names of the migrations applied. A database made before
    migrations were recorded holds the tables of the first ones: those are written to apply idempotently."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL)")
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, path in migration_files():
        if version in done:
            continue
        with transaction(con):
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, path.name, utc_now()])
        applied.append(path.name)
    if _apply_repeatable(con) or applied:
        # schema changes go into the database file at once: DuckDB 1.5 cannot replay some of them (COMMENT ON,
        # views over VALUES) from a write-ahead log left by a killed process
        con.execute("CHECKPOINT")
    return applied


def _apply_repeatable(con: duckdb.DuckDBPyConnection) -> bool:
    """Apply the views and comments when their text changed; True when it did."""
    sql = repeatable_sql()
    digest = hashlib.sha256(sql.encode("utf-8")).hexdigest()
    con.execute("CREATE TABLE IF NOT EXISTS schema_repeatable (sha256 VARCHAR NOT NULL)")
    if con.execute("SELECT count(*) FROM schema_repeatable WHERE sha256 = ?", [digest]).fetchone()[0]:
        return False
    with transaction(con):
        con.execute(sql)
        con.execute("DELETE FROM schema_repeatable")
        con.execute("INSERT INTO schema_repeatable VALUES (?)", [digest])
    return True


@cache
def repeatable_sql() -> str:
    """The views (090 on) and the COMMENT ON statements, as one script."""
    views = [p.read_text(encoding="utf-8") for p in sorted(DDL_DIR.glob("*.sql"))
             if (m := _MIGRATION_NAME.match(p.name)) and int(m.group(1)) >= REPEATABLE_FROM]
    from flows.export import acled_view_sql

    return "\n".join([*views, acled_view_sql(), *comment_statements()])


def sql_text(text: object) -> str:
    """A SQL string literal of the text (quotes doubled)."""
    return "'" + str(text).replace("'", "''") + "'"


def sql_list(values: Sequence[object]) -> str:
    """A SQL list literal of the values as strings: ['a', 'b']."""
    return "[" + ", ".join(sql_text(v) for v in values) + "]"


def comment_statements() -> list[str]:
    """COMMENT ON every table and column: event fields from schemas/event.schema.json, the rest from
    schemas/duckdb/comments.yaml."""
    from flows.ingest.datasets.spec import load_yaml

    spec = load_yaml(DDL_DIR / "comments.yaml")
    fields = {name: prop["description"] for name, prop in event_json_schema()["properties"].items()}
    columns = {table: dict(cols) for table, cols in spec["columns"].items()}
    columns["mentions"] = dict(fields)
    columns["events"] = {**fields, **columns.get("events", {})}
    columns["overrides_applied"] = columns["overrides"]
    out = [f"COMMENT ON TABLE {t} IS {sql_text(text)};" for t, text in spec["tables"].items()]
    for table, cols in columns.items():
        out += [f"COMMENT ON COLUMN {table}.{c} IS {sql_text(text)};" for c, text in cols.items()]
    return out


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables and columns (table.column) of the main schema without a comment (none, when all is well)."""
    tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
                         "AND (comment IS NULL OR comment = '') AND table_name <> 'schema_repeatable'").fetchall()
    cols = con.execute("SELECT c.table_name || '.' || c.column_name FROM duckdb_columns() c JOIN duckdb_tables() t "
                       "USING (database_name, schema_name, table_name) WHERE c.schema_name = 'main' "
                       "AND NOT t.temporary AND (c.comment IS NULL OR c.comment = '') "
                       "AND c.table_name <> 'schema_repeatable'").fetchall()
    return sorted([t for (t,) in tables] + [c for (c,) in cols])


# --- sources ----------------------------------------------------------------------------------------------

def known_sources(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """{path: sha256} of every stored source."""
    return dict(con.execute("SELECT path, sha256 FROM sources").fetchall())


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, begin: str = "BEGIN TRANSACTION"
                ) -> Iterator[duckdb.DuckDBPyConnection]:
    """All statements inside commit together or not at all (`begin`: e.g. SQLite's BEGIN IMMEDIATE)."""
    con.execute(begin)
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextmanager
def bulk_writes(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Inserts in the block may store rows in any order (tables are sets: every reader that needs an order
    says ORDER BY). DuckDB then writes whole row groups from each thread; keeping the insertion order makes it
    write partial ones that a checkpoint must merge and compress again (measured: a million mentions stored
    in 3 s, then a 8-12 s checkpoint)."""
    con.execute("SET preserve_insertion_order = false")
    try:
        yield con
    finally:
        con.execute("RESET preserve_insertion_order")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, columns: list[str]) -> None:
    """Insert the rows of a polars frame (its columns in `columns` order) into table."""
    if frame.height:
        con.register("_frame", frame)
        with bulk_writes(con):
            con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM _frame")
        con.unregister("_frame")


def utc_now() -> datetime:
    """Now in UTC, without a time zone (how the tables store TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


_PENDING = ("INSERT INTO dedupe_pending SELECT mention_id FROM mentions WHERE source = ? "
            "AND EXISTS (SELECT 1 FROM events)")


def _replace_source_rows(con: duckdb.DuckDBPyConnection, record: SourceRecord) -> None:
    """Inside a transaction: remember the source's old mentions for the next dedupe, delete its rows, write
    its new sources row."""
    con.execute(_PENDING, [record.path])
    con.execute("DELETE FROM mentions WHERE source = ?", [record.path])
    con.execute("DELETE FROM rejects WHERE source = ?", [record.path])
    con.execute("DELETE FROM sources WHERE path = ?", [record.path])
    con.execute(
        "INSERT INTO sources (path, sha256, format, size_bytes, records_total, records_loaded, records_rejected,"
        " title, publisher, url, coverage_year, text, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [record.path, record.sha256, record.format, record.size_bytes, record.records_total,
         record.records_loaded, record.records_rejected, record.title, record.publisher, record.url,
         record.coverage_year, record.text, utc_now()],
    )


def store_source(con: duckdb.DuckDBPyConnection, record: SourceRecord, mentions: pl.DataFrame,
                 rejects: pl.DataFrame) -> None:
    """Replace everything stored for record.path (source row, mentions, rejects) in one transaction."""
    mentions = mentions.select(MENTION_COLUMNS)
    rejects = rejects.select(list(REJECT_SCHEMA)).with_columns(pl.lit(utc_now()).alias("rejected_at"))
    _check_unique_ids(con, record.path, mentions)
    with transaction(con):
        _replace_source_rows(con, record)
        _insert(con, "mentions", mentions, MENTION_COLUMNS)
        _insert(con, "rejects", rejects, [*REJECT_SCHEMA, "rejected_at"])
        con.execute(_PENDING, [record.path])


def store_source_files(con: duckdb.DuckDBPyConnection, record: SourceRecord, mention_files: Sequence[str | Path],
                       reject_files: Sequence[str | Path]) -> None:
    """Replace everything stored for record.path in one transaction, reading its mentions and rejects from the
    Parquet files a worker wrote (the one writer of the database reads them; nothing passes through Python).
    A mention id repeated across a streamed file's batches (a dataset id used twice) is numbered on in file
    order, as within a batch; an id another source already uses is refused (ValueError, nothing written)."""
    cols = ", ".join(MENTION_COLUMNS)
    with transaction(con):
        _replace_source_rows(con, record)
        others = con.execute("SELECT EXISTS (SELECT 1 FROM mentions WHERE source <> ?)", [record.path]).fetchone()[0]
        if mention_files:
            parts = sql_list(mention_files)
            with bulk_writes(con):
                con.execute(f"INSERT INTO mentions ({cols}) SELECT {cols} FROM read_parquet({parts})")
            if len(mention_files) > 1:
                _renumber_repeated_ids(con, record.path)
            clash = others and con.execute(
                "SELECT m.mention_id, m.source FROM mentions m JOIN (SELECT mention_id FROM mentions WHERE source = ?)"
                " USING (mention_id) WHERE m.source <> ? LIMIT 1", [record.path, record.path]).fetchone()
            if clash:
                raise ValueError(f"{record.path}: mention id {clash[0]} is already used by {clash[1]}")
        if reject_files:
            rcols = ", ".join(REJECT_SCHEMA)
            with bulk_writes(con):
                con.execute(f"INSERT INTO rejects ({rcols}, rejected_at) SELECT {rcols}, ? "
                            f"FROM read_parquet({sql_list(reject_files)})", [utc_now()])
        con.execute(_PENDING, [record.path])


def _renumber_repeated_ids(con: duckdb.DuckDBPyConnection, path: str) -> None:
    repeated = con.execute("SELECT count(*) FROM (SELECT mention_id FROM mentions WHERE source = ? GROUP BY 1 "
                           "HAVING count(*) > 1)", [path]).fetchone()[0]
    if not repeated:
        return
    con.execute("""
        UPDATE mentions SET mention_id = 'm_' || substr(md5(r.mention_id || '|' || r.n), 1, 16)
        FROM (SELECT rowid AS rid, mention_id,
                     row_number() OVER (PARTITION BY mention_id ORDER BY row_number, char_start, rowid) - 1 AS n
              FROM mentions WHERE source = ?) r
        WHERE mentions.rowid = r.rid AND r.n > 0""", [path])


def _check_unique_ids(con: duckdb.DuckDBPyConnection, path: str, mentions: pl.DataFrame) -> None:
    """mention_id must be unique within the batch and not used by another source's mentions."""
    duplicated = mentions.filter(pl.col("mention_id").is_duplicated())["mention_id"].unique()
    if duplicated.len():
        raise ValueError(f"{path}: {duplicated.len()} mention ids occur twice, e.g. {duplicated[0]}")
    con.register("_ids", mentions.select("mention_id"))
    clash = con.execute("SELECT m.mention_id, m.source FROM mentions m JOIN _ids USING (mention_id) "
                        "WHERE m.source <> ? LIMIT 1", [path]).fetchone()
    con.unregister("_ids")
    if clash:
        raise ValueError(f"{path}: mention id {clash[0]} is already used by {clash[1]}")


def load_mentions(con: duckdb.DuckDBPyConnection, where: str = "", params: Sequence = ()) -> pl.DataFrame:
    """Mentions (all, or those matching a SQL condition), ordered by mention_id, as MENTION_SCHEMA."""
    sql = f"SELECT {', '.join(MENTION_COLUMNS)} FROM mentions {('WHERE ' + where) if where else ''} ORDER BY mention_id"
    return con.execute(sql, list(params)).pl().cast(MENTION_SCHEMA)


def load_overrides(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.execute("SELECT * FROM overrides ORDER BY created_at, override_id").pl()


def replace_events(con: duckdb.DuckDBPyConnection, events: pl.DataFrame, event_mentions: pl.DataFrame) -> None:
    """Replace the events and event_mentions tables in one transaction."""
    cols = list(EVENT_SCHEMA)
    events = events.select(cols)
    link_cols = ["event_id", "mention_id", "is_representative", "merge_reason"]
    event_mentions = event_mentions.select(link_cols)
    with transaction(con):
        con.execute("DELETE FROM events")
        con.execute("DELETE FROM event_mentions")
        _insert(con, "events", events, cols)
        _insert(con, "event_mentions", event_mentions, link_cols)


def replace_reference(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> bool:
    """Replace a reference table (regions, places) with frame, in one transaction, unless it already holds
    exactly these rows. Returns True when it was rewritten."""
    if table not in {"regions", "places"}:
        raise ValueError(f"not a reference table: {table}")
    con.register("_frame", frame)
    try:
        cols = ", ".join(frame.columns)
        same = con.execute(f"SELECT (SELECT count(*) FROM {table}) = (SELECT count(*) FROM _frame) AND NOT EXISTS "
                           f"(SELECT {cols} FROM _frame EXCEPT SELECT {cols} FROM {table})").fetchone()[0]
    finally:
        con.unregister("_frame")
    if same:
        return False
    with transaction(con):
        con.execute(f"DELETE FROM {table}")
        _insert(con, table, frame, frame.columns)
    return True


TABLES = ["sources", "mentions", "events", "event_mentions", "rejects", "overrides", "regions", "places"]


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in TABLES}
