"""Storage that can grow and explains itself: an older database is migrated in place, `events` has its
constraints, every table and column has a comment, and exports go through DuckDB's COPY."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows import store
from flows.export import acled_pairs, export_events

OLD_SCHEMA = Path(__file__).parent / "fixtures" / "duckdb" / "schema_before_migrations.sql"


def _old_database(path: Path) -> None:
    """A database as the DDL before versioned migrations built it, with one source, mention and event."""
    with duckdb.connect(str(path)) as con:
        con.execute(OLD_SCHEMA.read_text(encoding="utf-8"))
        con.execute("INSERT INTO sources (path, sha256, format, ingested_at) VALUES ('r.txt', 's', 'txt', now())")
        mention = ("m_1", "r.txt", "report", "protest", "peaceful_protest", date(2016, 5, 21), date(2016, 5, 21),
                   "day", "place", "KZ", "t/1", 0.9)
        cols = ("mention_id, source, source_kind, event_type, subtype, date_start, date_end, date_precision, "
                "geo_precision, country, extractor, confidence")
        con.execute(f"INSERT INTO mentions ({cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", list(mention))
        con.execute(f"INSERT INTO events (event_id, {cols}, n_sources, n_mentions) "
                    f"SELECT 'e_1', {cols}, 1, 1 FROM mentions")


def test_an_older_database_is_migrated_in_place(tmp_path: Path):
    db = tmp_path / "old.duckdb"
    _old_database(db)
    with duckdb.connect(str(db)) as con:       # the old events table accepts what the new one refuses
        assert "schema_migrations" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    with store.connect(db) as con:
        versions = [v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
        assert versions == [v for v, _ in store.migration_files()]
        assert con.execute("SELECT event_id, n_sources FROM events").fetchall() == [("e_1", 1)]   # rows kept
        assert store.table_counts(con)["mentions"] == 1
        assert con.execute("SELECT count(*) FROM events_export").fetchone()[0] == 1              # views back
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO events SELECT * REPLACE (DATE '2016-05-01' AS date_end) FROM events")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO events SELECT * REPLACE ('riot' AS event_type) FROM events")
        assert store.undocumented(con) == []
    with store.connect(db) as con:             # connecting again applies nothing twice
        assert store.migrate(con) == []
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(store.migration_files())


def test_every_table_and_column_explains_itself(tmp_path: Path):
    with store.connect(tmp_path / "e.duckdb") as con:
        assert store.undocumented(con) == []
        comment = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'events' "
                              "AND column_name = 'date_precision'").fetchone()[0]
        assert "precisely" in comment                               # from schemas/event.schema.json


def _db_with_two_events(path: Path) -> Path:
    from flows.normalize import normalize

    rows = [dict(source="r.txt", source_kind="report", event_type=t, subtype=st, date_start=date(2016, 5, d),
                 date_precision="day", country="KZ", extractor="t/1", confidence=0.9, char_start=d, char_end=d + 5,
                 quote="q", participants_low=p, participants_high=p, geo_precision="place",
                 place_name="Almaty", lat=43.25, lon=76.91)
            for t, st, d, p in [("protest", "strike", 21, 300), ("trial", "conviction", 22, None)]]
    mentions, _ = normalize(pl.DataFrame(rows))
    with store.connect(path) as con:
        store.store_source(con, store.SourceRecord(path="r.txt", sha256="s", format="txt", size_bytes=1),
                           mentions, pl.DataFrame(schema={c: pl.Utf8 for c in
                                                          ("source", "locator", "stage", "reason", "detail", "raw")}))
        from flows.dedupe_db import dedupe

        dedupe(con)
    return path


def test_acled_export_maps_types_back_through_the_typology(tmp_path: Path):
    db = _db_with_two_events(tmp_path / "e.duckdb")
    out = tmp_path / "acled.csv"
    with store.connect(db) as con:
        assert export_events(con, "acled", out) == 2
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    strike, trial = rows
    assert (strike["event_type"], strike["sub_event_type"]) == ("Protests", "Peaceful protest")
    assert strike["country"] == "Kazakhstan" and strike["iso"] == "398" and strike["time_precision"] == "1"
    assert strike["tags"] == "crowd size=300-300" and strike["geo_precision"] == "1"
    assert trial["event_type"] == "" and trial["eventflow_type"] == "trial"      # ACLED has no trials
    assert ("detention", "arrest", "Strategic developments", "Arrests") in acled_pairs()


def test_csv_and_parquet_exports_stream_through_copy(tmp_path: Path):
    from flows.model import EXPORT_COLUMNS

    db = _db_with_two_events(tmp_path / "e.duckdb")
    with store.connect(db) as con:
        export_events(con, "csv", tmp_path / "e.csv")
        export_events(con, "parquet", tmp_path / "e.parquet")
    assert pl.read_csv(tmp_path / "e.csv").columns[: len(EXPORT_COLUMNS)] == EXPORT_COLUMNS
    assert pl.read_parquet(tmp_path / "e.parquet").height == 2
