"""Dedupe in the database: an incremental run gives exactly the events a full rebuild gives, after a new
source, overrides and a withdrawn source; a full rebuild gives what build_events gives in memory."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from flows import store
from flows.dedupe import build_events
from flows.dedupe_db import dedupe
from flows.geocode import geocode_mentions
from flows.ingest.datasets import read_dataset
from flows.overrides import add_override
from flows.rejects import empty_rejects

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"


def _store(con, name: str, source: str | None = None) -> None:
    source = source or name
    res = read_dataset(FIXTURES / name, source, "sha-" + source)
    record = store.SourceRecord(path=source, sha256="sha-" + source, format=res.format, size_bytes=1,
                                records_total=res.records_total)
    store.store_source(con, record, geocode_mentions(res.mentions), empty_rejects())


def _state(con) -> tuple[pl.DataFrame, pl.DataFrame]:
    events = con.execute("SELECT * FROM events ORDER BY event_id").pl()
    links = con.execute("SELECT * FROM event_mentions ORDER BY event_id, mention_id").pl()
    return events, links


def _same_as_full(con, tmp_path: Path) -> None:
    """The events now in con equal a full rebuild of the same mentions and overrides."""
    incremental = _state(con)
    tmp_path.mkdir(parents=True)
    copy = tmp_path / "full.duckdb"
    store.connect(copy).close()
    con.execute(f"ATTACH '{copy}' AS full_copy")
    for table in ("sources", "mentions", "overrides"):
        con.execute(f"INSERT INTO full_copy.{table} SELECT * FROM {table}")
    con.execute("DETACH full_copy")
    with store.connect(copy) as full_con:
        dedupe(full_con, full=True)
        full = _state(full_con)
    for got, want in zip(incremental, full, strict=True):
        assert got.equals(want)
    ids = incremental[0]["event_id"]
    assert ids.n_unique() == ids.len()


@pytest.fixture
def con(tmp_path: Path):
    with store.connect(tmp_path / "e.duckdb") as c:
        yield c


def test_full_rebuild_in_the_database_equals_build_events(con, tmp_path: Path):
    for name in ("acled_kz.csv", "gdelt_kz.export.CSV", "mass_mobilization_kz.csv"):
        _store(con, name)
    result = dedupe(con)
    assert result.mode == "full" and result.events > 0
    events, links = build_events(store.load_mentions(con), store.load_overrides(con))
    got_events, got_links = _state(con)
    assert got_events.select(events.columns).cast(events.schema).sort("event_id").equals(events.sort("event_id"))
    assert got_links.sort("event_id", "mention_id").equals(links.sort("event_id", "mention_id"))
    assert events.filter(pl.col("n_sources") > 1).height > 0          # the fixtures do merge across sources


def test_incremental_runs_equal_a_full_rebuild(con, tmp_path: Path, monkeypatch):
    monkeypatch.setattr("flows.dedupe_db.FULL_REBUILD_SHARE", 1.0)   # the fixtures are small: stay incremental
    _store(con, "acled_kz.csv")
    _store(con, "mass_mobilization_kz.csv")
    assert dedupe(con).mode == "full"
    assert dedupe(con).mode == "none"                                   # nothing changed: nothing done

    _store(con, "gdelt_kz.export.CSV")                                  # a new source reaches a few events
    result = dedupe(con)
    n_mentions = store.table_counts(con)["mentions"]
    assert result.mode == "incremental" and 0 < result.scope < n_mentions
    _same_as_full(con, tmp_path / "1")

    ids = [r[0] for r in con.execute("SELECT em.mention_id FROM event_mentions em JOIN events e USING (event_id) "
                                     "WHERE e.n_mentions > 1 ORDER BY em.mention_id").fetchall()]
    add_override(con, ids[0], "split")
    add_override(con, ids[1], "set", "date_start", "2019-01-01")
    add_override(con, ids[-1], "drop")
    assert dedupe(con).mode == "incremental"
    _same_as_full(con, tmp_path / "2")
    assert con.execute("SELECT count(*) FROM event_mentions WHERE mention_id = ?", [ids[-1]]).fetchone()[0] == 0

    singles = [r[0] for r in con.execute("SELECT mention_id FROM events WHERE n_mentions = 1 AND source_kind = "
                                         "'acled' ORDER BY mention_id LIMIT 3").fetchall()]
    add_override(con, singles[0], "merge", value=singles[1])           # the review desk's decisions
    add_override(con, singles[2], "confirm")
    added = json.dumps({"source": "acled_kz.csv", "source_kind": "acled", "event_type": "detention",
                        "subtype": "arrest", "date_start": "2021-03-01", "date_precision": "day",
                        "geo_precision": "country", "country": "KZ", "extractor": "analyst", "confidence": 1.0,
                        "row_number": 7, "quote": "Police detained two activists"})
    add_override(con, "m_added_by_analyst", "add", value=added)
    assert dedupe(con).mode == "incremental"
    _same_as_full(con, tmp_path / "2b")
    status = dict(con.execute("SELECT mention_id, review_status FROM events WHERE mention_id IN (?, ?)",
                              [singles[2], "m_added_by_analyst"]).fetchall())
    assert status == {singles[2]: "confirmed", "m_added_by_analyst": "added"}
    evidence = con.execute("SELECT source, row_number, quote FROM event_evidence WHERE mention_id = ?",
                           ["m_added_by_analyst"]).fetchall()
    assert evidence == [("acled_kz.csv", 7, "Police detained two activists")]     # added events keep their evidence
    assert dedupe(con).mode == "none"                                   # an added mention is not "withdrawn"

    con.execute("DELETE FROM overrides WHERE action = 'split'")        # a correction taken back
    assert dedupe(con).mode == "incremental"
    _same_as_full(con, tmp_path / "3")

    con.execute("DELETE FROM mentions WHERE source = 'gdelt_kz.export.CSV'")   # a source withdrawn by hand
    con.execute("DELETE FROM sources WHERE path = 'gdelt_kz.export.CSV'")
    assert dedupe(con).mode == "incremental"
    _same_as_full(con, tmp_path / "4")
    gone = con.execute("SELECT count(*) FROM events WHERE source = 'gdelt_kz.export.CSV'").fetchone()[0]
    assert gone == 0


def test_the_neighbours_of_a_frontier_are_exactly_the_mentions_that_overlap_it():
    """dd_near (equality joins on start days) holds the same mentions as the plain overlap condition: same type,
    country, and dates that overlap an edge mention's, for spans from one day to past MAX_SPAN_DAYS."""
    import random
    from datetime import date, timedelta

    import duckdb

    from flows.dedupe import MAX_SPAN_DAYS
    from flows.dedupe_db import _keys_of, _near, _prepare
    from flows.model import MENTION_SCHEMA

    rng = random.Random(7)
    spans = [0, 0, 0, 1, 6, 30, int(MAX_SPAN_DAYS) - 1, int(MAX_SPAN_DAYS), int(MAX_SPAN_DAYS) + 5]
    rows = []
    for i in range(600):
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(900))
        rows.append({"mention_id": f"m_{i:04d}", "source": f"f{i % 3}.csv", "source_kind": "acled",
                     "event_type": rng.choice(["protest", "detention"]), "country": rng.choice(["KZ", "KG"]),
                     "date_start": start, "date_end": start + timedelta(days=rng.choice(spans)),
                     "geo_precision": "place", "place_name": rng.choice(["Almaty", "Osh"])})
    mentions = pl.DataFrame(rows).with_columns(
        [pl.lit(None, dtype=t).alias(c) for c, t in MENTION_SCHEMA.items() if c not in rows[0]]
    ).select(list(MENTION_SCHEMA)).cast(MENTION_SCHEMA)
    con = duckdb.connect()                         # a table of mentions alone (no other column is read)
    con.register("new_mentions", mentions)
    con.execute("CREATE TABLE mentions AS SELECT * FROM new_mentions")
    _prepare(con, pl.DataFrame())
    frontier = [f"m_{i:04d}" for i in rng.sample(range(600), 25)]
    con.execute("CREATE OR REPLACE TEMP TABLE dd_frontier AS SELECT unnest(?) AS mention_id", [frontier])
    con.execute(f"CREATE OR REPLACE TEMP TABLE dd_edge AS {_keys_of('SEMI JOIN dd_frontier USING (mention_id)')}")
    _near(con)
    got = {r[0] for r in con.execute("SELECT mention_id FROM dd_near").fetchall()}

    short = mentions.filter((pl.col("date_end") - pl.col("date_start")).dt.total_days() <= MAX_SPAN_DAYS)
    edge = short.filter(pl.col("mention_id").is_in(frontier))
    want = set(short.join(edge, on=["event_type", "country"], suffix="_a").filter(
        (pl.col("date_start") <= pl.col("date_end_a")) & (pl.col("date_start_a") <= pl.col("date_end"))
    )["mention_id"].to_list())
    assert len(want) > len(frontier) and got == want
