"""Point markers: events with place precision, aggregated to one marker per place.

100,000 events happen at a few hundred distinct places, so the page carries one marker per place with its
counts per type and month (the map's controls filter them), and the popup lists at most
MAX_POPUP_EVENTS of that place's events (the largest first). The browser groups nearby places into clusters
by screen distance at each zoom (static/map.js). Counted in DuckDB over a scope (scope.py): only the popup
events are read into Python.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from flows.publish.eventdata import (
    KNOWN_TYPE_SQL,
    MONTH_SQL,
    REVIEWED_SQL,
    SIZE_SQL,
    TYPE_INDEX_SQL,
    as_connection,
    counts_text,
    month_number,
)
from flows.publish.scope import Scope, create_scope

MAX_POPUP_EVENTS = 12
# A page carries at most this many places (the busiest): its size stays bounded whatever the number of events
# and places; every event is still counted in its region, and the note says how many places are not drawn.
MAX_PLACES = 2000
_KEY = "rlat, rlon, place"
# The events drawn as markers (with a point, once it is joined), and the name of their place.
MARKER_SQL = f"geo_precision = 'place' AND {KNOWN_TYPE_SQL}"
PLACE_SQL = "coalesce(place_name, location_text, '')"


def _rounded_points(scope: Scope) -> None:
    """Temp table pub_rounded: each point of the scope's marker events with its lat/lon rounded to 4 decimals
    as polars rounds them (DuckDB's round does not always agree on the last digit)."""
    points = scope.execute(f"""SELECT DISTINCT lat, lon FROM {{events}}
        WHERE {MARKER_SQL} AND lat IS NOT NULL AND lon IS NOT NULL""").pl()
    scope.con.register("pub_rounded_frame", points.with_columns(pl.col("lat").round(4).alias("rlat"),
                                                                pl.col("lon").round(4).alias("rlon")))
    scope.con.execute("CREATE OR REPLACE TEMP TABLE pub_rounded AS SELECT * FROM pub_rounded_frame")
    scope.con.unregister("pub_rounded_frame")


def place_markers(scope: Scope | pl.DataFrame, months: list[str]) -> tuple[list[dict], int]:
    """(one dict per place: lat, lon, name, c = [[type index, month index, n, n reviewed], ...], ev = popup
    events; the number of distinct places before the MAX_PLACES busiest were kept). A month outside `months`
    has index -1 (a frame of events is its own scope)."""
    if isinstance(scope, pl.DataFrame):
        scope = create_scope(as_connection(scope))
    con = scope.con
    _rounded_points(scope)
    month = _month_index_sql(months)
    scope.execute(f"""CREATE OR REPLACE TEMP TABLE pub_place_cells AS
        SELECT p.rlat, p.rlon, {PLACE_SQL} AS place, {TYPE_INDEX_SQL} AS t, {month} AS m,
               count(*) AS n, count(*) FILTER ({REVIEWED_SQL}) AS reviewed
        FROM {{events}} e JOIN pub_rounded p USING (lat, lon) WHERE {MARKER_SQL} GROUP BY ALL""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE pub_places AS
        SELECT {_KEY}, sum(n) AS n, count(*) OVER () AS total FROM pub_place_cells GROUP BY ALL
        ORDER BY n DESC, {_KEY} LIMIT {MAX_PLACES}""")
    total = con.execute("SELECT coalesce(max(total), 0) FROM pub_places").fetchone()[0]
    if not total:
        return [], 0
    cells: dict[tuple, list[list[int]]] = {}
    for lat, lon, place, *cell in con.execute(f"""SELECT {_KEY}, t, m, n, reviewed
            FROM pub_place_cells SEMI JOIN pub_places USING (rlat, rlon, place) ORDER BY {_KEY}, t, m""").fetchall():
        cells.setdefault((lat, lon, place), []).append(cell)
    popups = _popup_events(scope, month)
    return [{"lat": lat, "lon": lon, "name": place, "c": c, "ev": popups.get((lat, lon, place), [])}
            for (lat, lon, place), c in cells.items()], total


def _popup_events(scope: Scope, month: str) -> dict[tuple, list[dict]]:
    """The popup events of each kept place, largest first (then latest, then by id): only those rows are read.
    The 12th largest (size, date) of each place bounds the candidates, so the exact order is taken on a few
    rows per place, not on every event."""
    key = f"{{'s': {SIZE_SQL}, 'd': coalesce(date_start, DATE '-infinity')}}"   # undated last, as below
    marked = f"""SELECT e.*, p.rlat, p.rlon, {PLACE_SQL} AS place, {key} AS k
        FROM {{events}} e JOIN pub_rounded p USING (lat, lon) WHERE {MARKER_SQL}"""
    scope.execute(f"""CREATE OR REPLACE TEMP TABLE pub_bounds AS
        SELECT {_KEY}, list_last(max(k, {MAX_POPUP_EVENTS})) AS bound
        FROM ({marked}) SEMI JOIN pub_places USING (rlat, rlon, place) GROUP BY ALL""")
    ranked = scope.execute(f"""
        SELECT * EXCLUDE (k, bound), {TYPE_INDEX_SQL} AS t, {REVIEWED_SQL} AS r, {month} AS m
        FROM ({marked}) JOIN pub_bounds USING (rlat, rlon, place) WHERE k >= bound
        QUALIFY row_number() OVER (PARTITION BY rlat, rlon, place ORDER BY k.s DESC,
                                   date_start DESC NULLS LAST, event_id ASC NULLS LAST, _row) <= {MAX_POPUP_EVENTS}
        ORDER BY {_KEY}, k.s DESC, date_start DESC NULLS LAST, event_id ASC NULLS LAST, _row""").pl()
    out: dict[tuple, list[dict]] = {}
    for row in ranked.iter_rows(named=True):
        event = {"t": row["t"], "m": row["m"], "sub": row["subtype"],
                 "d": _text(row["date_start"]), "de": _text(row["date_end"]),
                 "loc": row["location_text"], "n": counts_text(row), "q": row["quote"],
                 "s": row["source"], "u": row["source_url"], "ns": row["n_sources"],
                 "rs": "unreviewed" if row["review_status"] is None else row["review_status"], "r": row["r"]}
        out.setdefault((row["rlat"], row["rlon"], row["place"]), []).append(
            {k: v for k, v in event.items() if v not in (None, "")})
    return out


def _text(day) -> str | None:
    return None if day is None else str(day)


def _month_index_sql(months: list[str]) -> str:
    """SQL of an event's index in `months` (consecutive YYYY-MM), -1 outside them or when undated."""
    if not months:
        return "-1"
    first, last = (month_number(date.fromisoformat(f"{m}-01")) for m in (months[0], months[-1]))
    return f"coalesce(CASE WHEN {MONTH_SQL} BETWEEN {first} AND {last} THEN {MONTH_SQL} - {first} END, -1)"
