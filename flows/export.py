"""Export the events: the export columns of DESIGN.md (the `events_export` view) as CSV, Parquet or GeoJSON,
or the ACLED-compatible columns (the `events_acled` view, mapped back through schemas/typology.yaml). In CSV, a
text cell a spreadsheet would run as a formula starts with a single quote.

CSV, Parquet and ACLED are written by DuckDB's COPY (streamed, any size); GeoJSON is written feature by feature
from batches of rows, so memory stays bounded too."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from flows.model import EXPORT_COLUMNS, typology
from flows.store import sql_text

FORMATS = ("csv", "parquet", "geojson", "acled")
# A cell a spreadsheet would run as a formula starts with one of these (OWASP, CSV injection): =, +, -, @, tab,
# carriage return, and their full-width forms.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
GEOJSON_BATCH_ROWS = 50_000
# ACLED codes of our precisions (ACLED codebook: time_precision 1 day, 2 week, 3 month or coarser;
# geo_precision 1 the place, 2 near it or a part of a district, 3 only the province).
ACLED_TIME_PRECISION = {"day": 1, "week": 2, "month": 3, "season": 3, "year": 3}
ACLED_GEO_PRECISION = {"place": 1, "admin2": 2, "admin1": 3, "country": 3}


def export_frame(events: pl.DataFrame) -> pl.DataFrame:
    """The export columns first, in contract order, then any extra columns."""
    extra = [c for c in events.columns if c not in EXPORT_COLUMNS]
    return events.select(EXPORT_COLUMNS + extra)


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would evaluate as a formula, prefixed with a single quote (OWASP), so
    `=HYPERLINK(...)` from a source is shown as text; numbers and dates are untouched."""
    leads = "^[" + "".join(re.escape(c) for c in FORMULA_LEADS) + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(leads)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items() if dtype == pl.Utf8
    )


def _neutralised_select(con: duckdb.DuckDBPyConnection, view: str) -> str:
    """SELECT of a view whose text columns are neutralised as neutralise_formulas does, in SQL (for COPY)."""
    leads = sql_text("^[" + "".join(re.escape(c) for c in FORMULA_LEADS) + "]")
    cols = []
    for name, dtype, *_ in con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall():
        quoted = '"' + name.replace('"', '""') + '"'
        if dtype == "VARCHAR":
            cols.append(f"CASE WHEN regexp_matches({quoted}, {leads}) THEN chr(39) || {quoted} ELSE {quoted} END "
                        f"AS {quoted}")
        else:
            cols.append(quoted)
    return f"SELECT {', '.join(cols)} FROM {view}"


def acled_pairs() -> list[tuple[str, str, str, str]]:
    """(type, subtype, ACLED event_type, ACLED sub_event_type): for each of our subtypes the first ACLED pair of
    schemas/typology.yaml that maps to it, else the first pair of its type (ACLED has no strike or mass
    detention); types with no ACLED counterpart at all (trial) get none."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    first_of_type: dict[str, tuple[str, str]] = {}
    for acled_type, subs in typology()["acled"].items():
        for acled_sub, target in subs.items():
            if target:
                found.setdefault((target[0], target[1]), (acled_type, acled_sub))
                first_of_type.setdefault(target[0], (acled_type, acled_sub))
    out = []
    for event_type, spec in typology()["types"].items():
        for subtype in spec["subtypes"]:
            pair = found.get((event_type, subtype)) or first_of_type.get(event_type)
            if pair:
                out.append((event_type, subtype, *pair))
    return out


@cache
def acled_view_sql() -> str:
    """CREATE VIEW events_acled: the events in ACLED's column names and codes."""
    pairs = ", ".join(f"({', '.join(sql_text(v) for v in p)})" for p in acled_pairs())
    case = lambda col, codes: "CASE " + " ".join(  # noqa: E731
        f"WHEN {col} = {sql_text(k)} THEN {v}" for k, v in codes.items()) + " END"
    import pycountry

    countries = ", ".join(f"({sql_text(c.alpha_2)}, {sql_text(c.name)}, {int(c.numeric)})"
                          for c in pycountry.countries)
    return f"""
CREATE OR REPLACE VIEW events_acled AS
WITH acled_types(event_type, subtype, acled_event_type, acled_sub_event_type) AS (VALUES {pairs}),
     country_names(alpha2, name, iso) AS (VALUES {countries})
SELECT e.event_id AS event_id_cnty, e.date_start AS event_date, year(e.date_start) AS year,
       {case('e.date_precision', ACLED_TIME_PRECISION)} AS time_precision,
       t.acled_event_type AS event_type, t.acled_sub_event_type AS sub_event_type,
       e.actors AS actor1, e.targets AS actor2, c.iso AS iso, coalesce(c.name, e.country) AS country,
       e.admin1_text AS admin1, e.admin1_iso AS admin1_iso, coalesce(e.place_name, e.location_text) AS location,
       e.lat AS latitude, e.lon AS longitude, {case('e.geo_precision', ACLED_GEO_PRECISION)} AS geo_precision,
       e.source AS source, e.quote AS notes, e.fatalities_low AS fatalities,
       CASE WHEN e.participants_low IS NOT NULL THEN 'crowd size=' || e.participants_low ||
            coalesce('-' || e.participants_high, '+') END AS tags,
       e.event_type AS eventflow_type, e.subtype AS eventflow_subtype, e.n_sources AS n_sources
FROM events e
LEFT JOIN acled_types t USING (event_type, subtype)
LEFT JOIN country_names c ON c.alpha2 = e.country
ORDER BY e.date_start, e.event_id;
"""


def export_events(con: duckdb.DuckDBPyConnection, fmt: str, out: Path) -> int:
    """Write the events as fmt to out (parent folders created); returns the number of events written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    view = "events_acled" if fmt == "acled" else "events_export"
    n = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
    if fmt == "geojson":
        _write_geojson(con, out)
        return n
    if fmt == "parquet":
        con.execute(f"COPY (SELECT * FROM {view}) TO {sql_text(str(out))} (FORMAT parquet)")
    else:    # CSV opens in spreadsheets: formulas from a source stay text
        con.execute(f"COPY ({_neutralised_select(con, view)}) TO {sql_text(str(out))} (FORMAT csv, HEADER true)")
    return n


def _write_geojson(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    """A FeatureCollection written batch by batch; events without coordinates have a null geometry
    (RFC 7946 §3.2)."""
    reader = con.execute("SELECT * FROM events_export").to_arrow_reader(GEOJSON_BATCH_ROWS)
    with out.open("w", encoding="utf-8") as f:
        f.write('{"type": "FeatureCollection", "features": [')
        first = True
        for batch in reader:
            for feature in to_geojson(pl.from_arrow(batch))["features"]:
                f.write(("" if first else ",\n") + json.dumps(feature, ensure_ascii=False, default=str))
                first = False
        f.write("]}\n")


def write_events(events: pl.DataFrame, fmt: str, out: Path) -> Path:
    """Write a frame of events as fmt to out (through an in-memory DuckDB, as `export_events` does)."""
    with duckdb.connect() as con:
        con.register("events", export_frame(events))
        con.execute(f"CREATE VIEW events_export AS SELECT {', '.join(EXPORT_COLUMNS)} FROM events")
        if fmt == "acled":
            raise ValueError("the ACLED format is exported from a database (eventflow export --format acled)")
        export_events(con, fmt, out)
    return Path(out)


def to_geojson(frame: pl.DataFrame) -> dict:
    """A FeatureCollection; events without coordinates have a null geometry (RFC 7946 §3.2)."""
    features = []
    for row in frame.iter_rows(named=True):
        lat, lon = row.get("lat"), row.get("lon")
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        props = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        features.append({"type": "Feature", "id": row["event_id"], "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}
