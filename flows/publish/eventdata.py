"""The events as publishing reads them: a DuckDB view (`pub_events`) that every page is aggregated from, so
no page loads every event into Python; the types, colours and wording shared by maps and timelines.

In a run the view sits on the working database's `events` table; a polars frame of events (tests, tools) is
first put in an in-memory database (`events_connection`), so both are published by the same code."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from flows.model import COUNT_RANGES, EVENT_SCHEMA

EVENT_TYPES: tuple[str, ...] = ("protest", "detention", "attack", "trial")
TYPE_COLOURS: dict[str, str] = {        # colour-blind-safe (Paul Tol "bright"/Okabe-Ito)
    "protest": "#0072B2", "detention": "#E69F00", "attack": "#CC3311", "trial": "#009E73",
}
COUNT_LABELS: dict[str, str] = {
    "participants": "participants", "detained": "detained", "fatalities": "killed", "injured": "injured",
}
# The event columns the maps and timelines show or place by (the rest of the table stays in the database).
PUBLISH_COLUMNS = ["event_id", "source", "source_url", "event_type", "subtype", "date_start", "date_end",
                   "date_precision", "location_text", "place_name", "lat", "lon", "geo_precision", "admin1_iso",
                   "admin1_iso_at_event", "country", "quote", "n_sources", "review_status",
                   *[c for pair in COUNT_RANGES for c in pair]]
EVENTS_VIEW = "pub_events"

# SQL over the view's columns. An event's country: `country`, else the prefix of its ISO 3166-2 code.
_PREFIX = "nullif(regexp_extract({}, '^([A-Za-z]{{2}})-', 1), '')"
COUNTRY_SQL = f"upper(coalesce(country, {_PREFIX.format('admin1_iso')}, {_PREFIX.format('admin1_iso_at_event')}))"
# The index of an event's type in EVENT_TYPES (NULL for any other type).
TYPE_INDEX_SQL = "CASE event_type " + " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(EVENT_TYPES)) + " END"
KNOWN_TYPE_SQL = "event_type IN (" + ", ".join(f"'{t}'" for t in EVENT_TYPES) + ")"
# An event an analyst stood behind: confirmed, corrected or added in the review desk (flows/review).
REVIEWED_SQL = "(review_status IS NOT NULL AND review_status <> 'unreviewed')"
# An event's size: the largest of its upper (else lower) participant/detained/killed/injured counts, else 0.
SIZE_SQL = "coalesce(greatest(" + ", ".join(f"coalesce({high}, {low})" for low, high in COUNT_RANGES) + "), 0)"
# Months since year 0 of the event's start (consecutive months differ by one).
MONTH_SQL = "(year(date_start) * 12 + month(date_start) - 1)"


def conform_events(events: pl.DataFrame) -> pl.DataFrame:
    """The events with every EVENT_SCHEMA column (missing ones as nulls), cast to its type."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in EVENT_SCHEMA.items() if c not in events.columns]
    if missing:
        events = events.with_columns(missing)
    def cast(col: str, dtype: pl.DataType) -> pl.Expr:
        if dtype == pl.Date and events.schema[col] == pl.Utf8:
            return pl.col(col).str.to_date("%Y-%m-%d", strict=False)
        return pl.col(col).cast(dtype, strict=False)

    try:
        return events.with_columns([cast(c, t) for c, t in EVENT_SCHEMA.items()])
    except pl.exceptions.PolarsError as exc:
        bad = {c: str(events.schema[c]) for c, t in EVENT_SCHEMA.items() if events.schema[c] == pl.Object}
        raise ValueError(f"events table has columns of unusable types {bad or ''}: {exc}") from exc


def create_events_view(con: duckdb.DuckDBPyConnection, table: str = "events") -> None:
    """The temporary view pub_events over `table`: the published columns, each event's country (as above) and
    `_row`, a row number that tells apart events with equal ids."""
    columns = ", ".join(c for c in PUBLISH_COLUMNS if c != "country")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {EVENTS_VIEW} AS "
                f"SELECT rowid AS _row, {columns}, {COUNTRY_SQL} AS country FROM {table}")


def events_connection(events: pl.DataFrame) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding a frame of events (any subset of the EVENT_SCHEMA columns) as its
    `events` table, with the view pub_events. A coordinate that is not a number (NaN) is a missing one."""
    frame = conform_events(events).select(PUBLISH_COLUMNS).with_columns(
        pl.col("lat").fill_nan(None), pl.col("lon").fill_nan(None))
    con = duckdb.connect()
    con.register("pub_frame", frame)
    con.execute("CREATE TABLE events AS SELECT * FROM pub_frame")
    con.unregister("pub_frame")
    create_events_view(con)
    return con


def as_connection(events: pl.DataFrame | duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection with the view pub_events: the one given, or a new one holding a frame of events."""
    return events if isinstance(events, duckdb.DuckDBPyConnection) else events_connection(events)


def event_countries(events: pl.DataFrame) -> pl.Series:
    """Each event's country: `country`, else the prefix of its ISO 3166-2 code (KZ-79 -> KZ)."""
    con = events_connection(events)
    return con.execute(f"SELECT country FROM {EVENTS_VIEW} ORDER BY _row").pl().to_series()


def month_number(day: date) -> int:
    """Months since year 0, as MONTH_SQL counts them."""
    return day.year * 12 + day.month - 1


def month_range(first: date | None, last: date | None) -> list[str]:
    """Every month from the month of `first` to that of `last`, as YYYY-MM."""
    if first is None or last is None:
        return []
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(month_number(first), month_number(last) + 1)]


def counts_text(row: dict) -> str:
    """'1,000–2,000 participants; 50 detained' from an event's count ranges (empty when none is known)."""
    parts = []
    for low, high in COUNT_RANGES:
        label = COUNT_LABELS.get(low.removesuffix("_low"), low.removesuffix("_low"))
        lo, hi = row.get(low), row.get(high)
        if lo is not None and hi is not None and lo != hi:
            parts.append(f"{lo:,}–{hi:,} {label}")
        elif lo is not None or hi is not None:
            parts.append(f"{lo if lo is not None else hi:,} {label}")
    return "; ".join(parts)
