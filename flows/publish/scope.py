"""The events of one page set (a country's, or all of them), counted in DuckDB into the aggregates its pages
are drawn from: a temporary table `pub_cells` of event counts per assignment key, type and month, and, for a
country, the unit each key falls in on every division of its pack.

Units are assigned by the rules of regions.py, but once per assignment key (what those rules read: current
and at-event codes, point, and in which divisions' validity the date falls), not once per event: a million
events of one country make about a thousand keys and a hundred thousand cells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from flows.geo_packs import Admin1Layer, CountryPack
from flows.publish.eventdata import EVENTS_VIEW, MONTH_SQL, REVIEWED_SQL, TYPE_INDEX_SQL, month_number, month_range

CELLS = "pub_cells"
_KEY = ("admin1_iso", "admin1_iso_at_event", "lat", "lon")


@dataclass(frozen=True)
class Scope:
    """The events of `where` in pub_events: how many, their first and last start date, and the divisions
    whose unit columns (u0, u1, ...) pub_cells has."""
    con: duckdb.DuckDBPyConnection
    where: str                      # SQL condition on pub_events; `?` stands for `params`
    params: tuple
    events: int
    first: date | None
    last: date | None
    layers: tuple[Admin1Layer, ...] = ()

    @property
    def months(self) -> list[str]:
        return month_range(self.first, self.last)

    @property
    def first_month(self) -> int:
        return month_number(self.first) if self.first else 0

    def unit_column(self, layer: Admin1Layer) -> str:
        return f"u{self.layers.index(layer)}"

    def execute(self, sql: str) -> duckdb.DuckDBPyConnection:
        """Run `sql`, in which {events} stands for the scope's events (pub_events rows)."""
        events = f"(SELECT * FROM {EVENTS_VIEW} WHERE {self.where})"
        return self.con.execute(sql.replace("{events}", events), list(self.params) * sql.count("{events}"))


def _validity_sql(layer: Admin1Layer) -> str:
    """TRUE when the event date falls within the division's validity (FALSE when undated)."""
    parts = ["date_start IS NOT NULL"]
    if layer.valid_from is not None:
        parts.append(f"date_start >= DATE '{layer.valid_from.isoformat()}'")
    if layer.valid_to is not None:
        parts.append(f"date_start <= DATE '{layer.valid_to.isoformat()}'")
    return f"coalesce({' AND '.join(parts)}, FALSE)"


def create_scope(con: duckdb.DuckDBPyConnection, country: str | None = None, pack: CountryPack | None = None
                 ) -> Scope:
    """The scope of the events of `country` (all events when None), with pub_cells: events (n) and reviewed
    events (rv) per key, type index (t, NULL for another type) and month number (mon); with a pack, each
    key's unit on each of its divisions (u0, u1, ..., -1 where none)."""
    layers = tuple(pack.admin1_layers) if pack is not None else ()
    flags = [f"{_validity_sql(layer)} AS f{i}" for i, layer in enumerate(layers)]
    where, params = ("country = ?", (country,)) if country is not None else ("TRUE", ())
    scope = Scope(con, where, params, 0, None, None, layers)
    scope.execute(f"""CREATE OR REPLACE TEMP TABLE {CELLS} AS
        SELECT {', '.join([*_KEY, *flags])}, {TYPE_INDEX_SQL} AS t, {MONTH_SQL} AS mon, count(*) AS n,
               count(*) FILTER ({REVIEWED_SQL}) AS rv, min(date_start) AS first, max(date_start) AS last
        FROM {{events}} GROUP BY ALL""")
    if pack is not None:
        _add_units(con, pack, layers)
    n, first, last = con.execute(f"SELECT coalesce(sum(n), 0)::BIGINT, min(first), max(last) FROM {CELLS}").fetchone()
    return Scope(con, where, params, n, first, last, layers)


def _add_units(con: duckdb.DuckDBPyConnection, pack: CountryPack, layers: tuple[Admin1Layer, ...]) -> None:
    """Columns u0, u1, ... of pub_cells: each key's unit on each division."""
    from flows.publish.regions import assign

    key = [*_KEY, *(f"f{i}" for i in range(len(layers)))]
    keys = con.execute(f"SELECT {', '.join(key)}, min(first) AS date_start FROM {CELLS} GROUP BY ALL").pl()
    keys = keys.with_columns([pl.Series(f"u{i}", assign(keys, pack, layer), dtype=pl.Int64)
                              for i, layer in enumerate(layers)])
    con.register("pub_keys", keys.drop("date_start"))
    on = " AND ".join(f"c.{col} IS NOT DISTINCT FROM k.{col}" for col in key)
    units = ", ".join(f"k.u{i}" for i in range(len(layers)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {CELLS} AS SELECT c.*, {units} FROM {CELLS} c JOIN pub_keys k ON {on}")
    con.unregister("pub_keys")
