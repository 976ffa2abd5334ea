"""Every event counted once, by country, type, month and whether its date is known to the month: the aggregate
that the world overview, the timeline and the countries' fingerprints are drawn from (one pass over the
events, in DuckDB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from flows.publish.eventdata import EVENTS_VIEW, MONTH_SQL, PUBLISH_COLUMNS, as_connection

SUMMARY = "pub_summary"
# Events dated to a month or finer go in the timeline's monthly bars; one known only to a season or a year would
# be a false January spike, so it is counted per year beside the chart instead.
MONTHLY_PRECISIONS = ("day", "week", "month")
MONTHLY_SQL = "(date_precision IS NULL OR date_precision IN (" + ", ".join(f"'{p}'" for p in MONTHLY_PRECISIONS) + "))"


@dataclass(frozen=True)
class Summary:
    """pub_summary: events (n) per country, event_type, month number (mon, NULL when undated) and `monthly`,
    with their first and last start date and two hashes of their published columns (h, x)."""
    con: duckdb.DuckDBPyConnection

    @classmethod
    def of(cls, events: pl.DataFrame | duckdb.DuckDBPyConnection | Summary) -> Summary:
        """The summary of a frame of events or of a connection's pub_events (counted now), or `events` itself."""
        if isinstance(events, Summary):
            return events
        con = as_connection(events)
        row = f"hash({', '.join(PUBLISH_COLUMNS)})"
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {SUMMARY} AS
            SELECT country, event_type, {MONTH_SQL} AS mon, {MONTHLY_SQL} AS monthly, count(*) AS n,
                   min(date_start) AS first, max(date_start) AS last, sum({row}::HUGEINT) AS h, bit_xor({row}) AS x
            FROM {EVENTS_VIEW} GROUP BY ALL""")
        return cls(con)

    def countries(self) -> list[tuple[str | None, int, str]]:
        """(country, events, fingerprint of its events) of every country, most events first."""
        return [(c, n, f"{n}:{h}:{x}") for c, n, h, x in self.con.execute(f"""
            SELECT country, sum(n)::BIGINT AS total, sum(h), bit_xor(x) FROM {SUMMARY}
            GROUP BY country ORDER BY total DESC, country NULLS FIRST""").fetchall()]

    def dates(self, where: str = "TRUE") -> tuple[date | None, date | None]:
        """First and last start date of the events of the summary's rows matching `where`."""
        return self.con.execute(f"SELECT min(first), max(last) FROM {SUMMARY} WHERE {where}").fetchone()

    def count(self, where: str) -> int:
        return self.con.execute(f"SELECT coalesce(sum(n), 0)::BIGINT FROM {SUMMARY} WHERE {where}").fetchone()[0]

    def rows(self, select: str, where: str, group: str) -> list[tuple]:
        """SELECT {select}, sum(n) ... WHERE {where} GROUP BY {group} ORDER BY {group}."""
        return self.con.execute(f"SELECT {select}, sum(n)::BIGINT FROM {SUMMARY} WHERE {where} "
                                f"GROUP BY {group} ORDER BY {group}").fetchall()
