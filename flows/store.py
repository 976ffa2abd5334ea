"""Store: the DuckDB database. DDL from schemas/duckdb/*.sql (applied in order, idempotently);
one transaction per source; events replaced as a whole after each dedupe."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from flows.model import EVENT_SCHEMA, MENTION_COLUMNS, MENTION_SCHEMA
from flows.rejects import REJECT_SCHEMA

DDL_DIR = Path(__file__).resolve().parent.parent / "schemas" / "duckdb"


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
    """Open (creating if needed) the database and apply the DDL."""
    if str(db_path) != ":memory:":
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    apply_ddl(con)
    return con


def apply_ddl(con: duckdb.DuckDBPyConnection) -> None:
    for sql_file in sorted(DDL_DIR.glob("*.sql")):
        con.execute(sql_file.read_text(encoding="utf-8"))


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


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, columns: list[str]) -> None:
    """Insert the rows of a polars frame (its columns in `columns` order) into table."""
    if frame.height:
        con.register("_frame", frame)
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM _frame")
        con.unregister("_frame")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def store_source(con: duckdb.DuckDBPyConnection, record: SourceRecord, mentions: pl.DataFrame,
                 rejects: pl.DataFrame) -> None:
    """Replace everything stored for record.path (source row, mentions, rejects) in one transaction."""
    mentions = mentions.select(MENTION_COLUMNS)
    rejects = rejects.select(list(REJECT_SCHEMA)).with_columns(pl.lit(_now()).alias("rejected_at"))
    _check_unique_ids(con, record.path, mentions)
    with transaction(con):
        con.execute("DELETE FROM mentions WHERE source = ?", [record.path])
        con.execute("DELETE FROM rejects WHERE source = ?", [record.path])
        con.execute("DELETE FROM sources WHERE path = ?", [record.path])
        con.execute(
            "INSERT INTO sources (path, sha256, format, size_bytes, records_total, records_loaded, records_rejected,"
            " title, publisher, url, coverage_year, text, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [record.path, record.sha256, record.format, record.size_bytes, record.records_total,
             record.records_loaded, record.records_rejected, record.title, record.publisher, record.url,
             record.coverage_year, record.text, _now()],
        )
        _insert(con, "mentions", mentions, MENTION_COLUMNS)
        _insert(con, "rejects", rejects, [*REJECT_SCHEMA, "rejected_at"])


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


def load_mentions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    df = con.execute(f"SELECT {', '.join(MENTION_COLUMNS)} FROM mentions ORDER BY mention_id").pl()
    return df.cast(MENTION_SCHEMA)


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


def load_events(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    cols = list(EVENT_SCHEMA)
    return con.execute(f"SELECT {', '.join(cols)} FROM events ORDER BY date_start, event_id").pl().cast(EVENT_SCHEMA)


def replace_reference(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Replace a reference table (regions, places) with frame, in one transaction."""
    if table not in {"regions", "places"}:
        raise ValueError(f"not a reference table: {table}")
    with transaction(con):
        con.execute(f"DELETE FROM {table}")
        _insert(con, table, frame, frame.columns)


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = ["sources", "mentions", "events", "event_mentions", "rejects", "overrides", "regions", "places"]
    return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}
