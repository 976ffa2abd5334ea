"""The DuckDB store: idempotent DDL, one transaction per source, replace semantics."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows import store
from flows.normalize import normalize
from flows.rejects import reject_frame


def _mentions(source: str, n: int) -> pl.DataFrame:
    rows = [dict(source=source, source_sha256="sha", source_kind="report", event_type="protest",
                 subtype="peaceful_protest", date_start=date(2016, 5, 21), date_precision="day", country="KZ",
                 extractor="t/1", confidence=0.9, char_start=i * 10, char_end=i * 10 + 9, quote="x" * 9)
            for i in range(n)]
    valid, _ = normalize(pl.DataFrame(rows))
    return valid


def test_ddl_applies_twice_without_error(tmp_path: Path):
    db = tmp_path / "e.duckdb"
    store.connect(db).close()
    con = store.connect(db)
    assert store.table_counts(con)["events"] == 0
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"sources", "mentions", "events", "event_mentions", "rejects", "overrides", "regions", "places"} <= tables


def test_store_source_replaces_the_previous_version(tmp_path: Path):
    con = store.connect(tmp_path / "e.duckdb")
    rec = store.SourceRecord(path="r.txt", sha256="v1", format="txt", size_bytes=10, records_total=3,
                             records_loaded=3)
    rejects = reject_frame([{"source": "r.txt", "locator": "char:1-2", "stage": "extract", "reason": "x"}])
    store.store_source(con, rec, _mentions("r.txt", 3), rejects)
    store.store_source(con, rec, _mentions("r.txt", 3), rejects)   # same input again: nothing doubles
    assert store.table_counts(con)["mentions"] == 3
    assert store.table_counts(con)["rejects"] == 1
    rec2 = store.SourceRecord(path="r.txt", sha256="v2", format="txt", size_bytes=10)
    store.store_source(con, rec2, _mentions("r.txt", 1), reject_frame([]))
    assert store.known_sources(con) == {"r.txt": "v2"}
    assert store.table_counts(con)["mentions"] == 1
    assert store.table_counts(con)["rejects"] == 0


def test_duplicate_mention_ids_are_refused_before_anything_is_written(tmp_path: Path):
    con = store.connect(tmp_path / "e.duckdb")
    rec = store.SourceRecord(path="r.txt", sha256="v1", format="txt", size_bytes=10)
    store.store_source(con, rec, _mentions("r.txt", 2), reject_frame([]))
    dup = pl.concat([_mentions("r.txt", 1), _mentions("r.txt", 1)])
    with pytest.raises(ValueError, match="occur twice"):
        store.store_source(con, store.SourceRecord(path="r.txt", sha256="v2", format="txt", size_bytes=1), dup,
                           reject_frame([]))
    other = store.SourceRecord(path="copy.txt", sha256="v1", format="txt", size_bytes=10)
    with pytest.raises(ValueError, match="already used by r.txt"):
        store.store_source(con, other, _mentions("r.txt", 1), reject_frame([]))
    assert store.known_sources(con) == {"r.txt": "v1"}
    assert store.table_counts(con)["mentions"] == 2


def test_a_failing_store_rolls_back(tmp_path: Path, monkeypatch):
    con = store.connect(tmp_path / "e.duckdb")
    rec = store.SourceRecord(path="r.txt", sha256="v1", format="txt", size_bytes=10)
    store.store_source(con, rec, _mentions("r.txt", 2), reject_frame([]))
    real_insert = store._insert

    def fail_on_rejects(con, table, frame, columns):
        if table == "rejects":
            raise OSError("disk full")
        real_insert(con, table, frame, columns)

    monkeypatch.setattr(store, "_insert", fail_on_rejects)
    rejects = reject_frame([{"source": "r.txt", "locator": "char:1-2", "stage": "extract", "reason": "x"}])
    with pytest.raises(OSError, match="disk full"):
        store.store_source(con, store.SourceRecord(path="r.txt", sha256="v2", format="txt", size_bytes=1),
                           _mentions("r.txt", 3), rejects)
    assert store.known_sources(con) == {"r.txt": "v1"}       # the old version is intact
    assert store.table_counts(con)["mentions"] == 2


def test_events_export_view_has_the_contract_columns_in_order(tmp_path: Path):
    from flows.model import EXPORT_COLUMNS

    con = store.connect(tmp_path / "e.duckdb")
    columns = [d[0] for d in con.execute("SELECT * FROM events_export").description]
    assert columns == [*EXPORT_COLUMNS, "review_status"]      # the contract, then the analysts' review status
