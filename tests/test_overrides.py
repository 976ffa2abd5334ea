"""Analyst overrides: stored in DuckDB, applied before every dedupe, surviving re-runs and re-ingestion."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows.dedupe import build_events
from flows.ingest.datasets import read_dataset
from flows.overrides import (
    add_override,
    apply_overrides,
    ensure_table,
    invalid_overrides,
    list_overrides,
    remove_override,
)

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"
FILES = ["acled_kz.csv", "gdelt_kz.export.CSV"]


def ingest() -> pl.DataFrame:
    """A fresh read of the fixtures, as a re-run of the pipeline would do."""
    return pl.concat([read_dataset(FIXTURES / f, f, "sha-" + f).mentions for f in FILES])


def mid(mentions: pl.DataFrame, source: str, row: int) -> str:
    return mentions.filter((pl.col("source") == source) & (pl.col("row_number") == row))["mention_id"][0]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    yield c
    c.close()


def event_of(links: pl.DataFrame, mention_id: str) -> str | None:
    hit = links.filter(pl.col("mention_id") == mention_id)
    return hit["event_id"][0] if hit.height else None


def test_drop_set_split_survive_reruns(con: duckdb.DuckDBPyConnection) -> None:
    m = ingest()
    oil, students = mid(m, "acled_kz.csv", 1), mid(m, "acled_kz.csv", 2)
    gdelt_students = mid(m, "gdelt_kz.export.CSV", 1)
    gdelt_dup = mid(m, "gdelt_kz.export.CSV", 2)
    taraz = mid(m, "acled_kz.csv", 8)
    _, before = build_events(m)
    assert event_of(before, gdelt_students) == event_of(before, students)

    add_override(con, oil, "drop", note="a false event", created_by="analyst")
    add_override(con, taraz, "set", "date_start", "2022-01-09", note="the source misdated it")
    add_override(con, taraz, "set", "subtype", "armed_attack")
    add_override(con, gdelt_students, "split", note="a different rally")
    assert list_overrides(con).height == 4

    for _ in range(2):   # re-ingest and rebuild: same ids, same corrections, same result
        events, links = build_events(ingest(), list_overrides(con))
        assert event_of(links, oil) is None                                     # dropped
        assert event_of(links, gdelt_students) not in (event_of(links, students), event_of(links, gdelt_dup))
        assert event_of(links, gdelt_dup) == event_of(links, students)           # the rest still merged
        row = events.filter(pl.col("event_id") == event_of(links, taraz)).row(0, named=True)
        assert (row["date_start"], row["date_end"], row["subtype"]) == (date(2022, 1, 9), date(2022, 1, 9),
                                                                        "armed_attack")
    first = build_events(ingest(), list_overrides(con))
    assert first[0].equals(events) and first[1].equals(links)


def test_writing_the_same_correction_twice_keeps_one(con: duckdb.DuckDBPyConnection) -> None:
    m = ingest()
    a = add_override(con, mid(m, "acled_kz.csv", 1), "drop")
    b = add_override(con, mid(m, "acled_kz.csv", 1), "drop")
    assert a == b and list_overrides(con).height == 1
    remove_override(con, a)
    assert list_overrides(con).is_empty()


def test_latest_set_wins_and_null_is_allowed(con: duckdb.DuckDBPyConnection) -> None:
    m = ingest()
    target = mid(m, "acled_kz.csv", 1)
    add_override(con, target, "set", "participants_high", "500")
    con.execute("UPDATE overrides SET created_at = created_at - INTERVAL 1 HOUR")
    add_override(con, target, "set", "participants_high", "700")
    add_override(con, target, "set", "actors", "")
    out, split = apply_overrides(m, list_overrides(con))
    row = out.filter(pl.col("mention_id") == target).row(0, named=True)
    assert (row["participants_high"], row["actors"]) == (700, None)
    assert split == set()
    assert out.schema == m.schema and out.height == m.height


def test_invalid_overrides_are_refused_or_skipped(con: duckdb.DuckDBPyConnection, caplog) -> None:
    m = ingest()
    target = mid(m, "acled_kz.csv", 1)
    with pytest.raises(ValueError, match="not a settable"):
        add_override(con, target, "set", "colour", "red")
    with pytest.raises(ValueError, match="not one of"):
        add_override(con, target, "set", "event_type", "party")
    with pytest.raises(ValueError, match="not a valid"):
        add_override(con, target, "set", "date_start", "9 Jan")
    # one written by hand in SQL, bypassing the checks: skipped with a warning, listed as invalid
    ensure_table(con)
    con.execute("INSERT INTO overrides (override_id, mention_id, action, field, value) "
                "VALUES ('o_hand', ?, 'set', 'date_start', 'yesterday')", [target])
    with caplog.at_level(logging.WARNING, logger="flows.overrides"):
        out, _ = apply_overrides(m, list_overrides(con))
    assert "o_hand" in caplog.text
    assert out.filter(pl.col("mention_id") == target)["date_start"][0] == date(2022, 1, 5)
    bad = invalid_overrides(list_overrides(con))
    assert bad["override_id"].to_list() == ["o_hand"] and "not a valid" in bad["problem"][0]


def test_override_of_an_absent_mention_does_nothing(con: duckdb.DuckDBPyConnection) -> None:
    m = ingest()
    add_override(con, "m_0000000000000000", "drop")
    out, _ = apply_overrides(m, list_overrides(con))
    assert out.equals(m)
