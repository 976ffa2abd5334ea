"""GDELT 2.0 event exports: one mention per row whose CAMEO code maps to our types (the `cameo` section of
schemas/typology.yaml, longest prefix wins); place from ActionGeo_*, provenance from SOURCEURL.
GDELT counts reports, not events: its near-duplicates are collapsed later by flows.dedupe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import polars as pl

from flows.ingest.datasets.common import ingest_checks, split_rows
from flows.ingest.datasets.countries import fips_to_alpha2
from flows.ingest.datasets.fields import bad_coordinates, coordinate, mapping_frame, parse_dates, text
from flows.ingest.datasets.spec import source_spec
from flows.ingest.datasets.table import ROW, RawTable, align_columns, iter_tables
from flows.model import typology

if TYPE_CHECKING:
    from flows.ingest.datasets.sniff import Sniffed

FORMAT = "gdelt"
LABEL = "GDELT 2.0"


def tables(sniffed: Sniffed, batch_rows: int) -> Iterator[RawTable]:
    """A CSV export with GDELT's column names as header (BigQuery), else the raw TSV (unquoted)."""
    if sniffed.has_header:
        return iter_tables(sniffed.path, sniffed.delimiter, has_header=True, batch_rows=batch_rows,
                           header=sniffed.header, row_bytes=sniffed.bytes_per_row)
    spec = source_spec(FORMAT)
    return iter_tables(sniffed.path, spec["delimiter"], has_header=False, names=spec["columns"], quote_char=None,
                       batch_rows=batch_rows, row_bytes=sniffed.bytes_per_row)


def map_rows(table: RawTable, sniffed: Sniffed, source: str, sha256: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(mentions, rejects) of one batch of rows."""
    spec = source_spec(FORMAT)
    rows = _derive(align_columns(table, spec["columns"]), spec)
    checks = [
        *ingest_checks(table, spec),
        (pl.col("_type").is_null(), "out_of_scope", "map",
         pl.format("CAMEO {} is not a protest, detention, attack or trial", text("EventCode"))),
        (pl.col("_date").is_null(), "bad_date", "map", pl.format("SQLDATE '{}' is not a date", text("SQLDATE"))),
        (bad_coordinates("ActionGeo_Lat", "ActionGeo_Long"), "bad_coordinates", "map",
         pl.format("ActionGeo_Lat/Long '{}', '{}' out of range or not numbers",
                   text("ActionGeo_Lat").fill_null(""), text("ActionGeo_Long").fill_null(""))),
        (pl.col("_country").is_null(), "unknown_country", "map",
         pl.format("ActionGeo_CountryCode '{}' is not a known FIPS 10-4 country code",
                   text("ActionGeo_CountryCode").fill_null(""))),
    ]
    passed, rejects = split_rows(table, rows, checks, source)
    return _mentions(passed, spec, source, sha256), rejects


def _derive(rows: pl.DataFrame, spec: dict) -> pl.DataFrame:
    # imported here: the geocoder loads geopandas (0.8 s), which reading other formats never needs
    from flows.geocode.fips import fips_admin1_to_iso

    cameo = typology()["cameo"]
    table = mapping_frame(cameo, ["_code"])
    code = text("EventCode")
    rows = rows.with_columns(parse_dates(rows["SQLDATE"], spec["date_formats"]).alias("_date"))
    lengths = sorted({len(str(k)) for k in cameo}, reverse=True)
    for n in lengths:   # longest matching prefix wins
        t = table.rename({"_type": f"_t{n}", "_subtype": f"_s{n}"})
        rows = rows.with_columns(code.str.slice(0, n).alias("_code")).join(
            t, on="_code", how="left", maintain_order="left")
    rows = rows.with_columns(
        pl.coalesce([pl.col(f"_t{n}") for n in lengths]).alias("_type"),
        pl.coalesce([pl.col(f"_s{n}") for n in lengths]).alias("_subtype"),
        fips_to_alpha2(rows["ActionGeo_CountryCode"]).alias("_country"),
        fips_admin1_to_iso(rows["ActionGeo_ADM1Code"].fill_null("")).alias("_adm1_iso"),
    )
    return rows.drop("_code", *[f"_t{n}" for n in lengths], *[f"_s{n}" for n in lengths])


def _ambiguity_note(code: pl.Expr) -> pl.Expr:
    ambiguous = {str(k): str(v) for k, v in (typology().get("cameo_ambiguous") or {}).items()}
    notes = None
    for prefix, note in sorted(ambiguous.items(), key=lambda kv: len(kv[0])):
        notes = pl.when(code.str.starts_with(prefix)).then(pl.lit(note)).otherwise(
            notes if notes is not None else pl.lit(None, dtype=pl.Utf8))
    return notes if notes is not None else pl.lit(None, dtype=pl.Utf8)


def _mentions(rows: pl.DataFrame, spec: dict, source: str, sha256: str) -> pl.DataFrame:
    code = text("EventCode")
    parts = text("ActionGeo_FullName").str.split(", ")
    geo_type = text("ActionGeo_Type")
    geo = {str(k): v for k, v in spec["geo_type"].items()}
    precision = geo_type.replace_strict(geo, default="country")
    country_only = precision == "country"
    is_state = precision == "admin1"
    ambiguity = _ambiguity_note(code)
    return rows.select(
        pl.lit(source).alias("source"), pl.lit(sha256).alias("source_sha256"),
        pl.lit(FORMAT).alias("source_kind"), text("GLOBALEVENTID").alias("source_event_id"),
        text("SOURCEURL").alias("source_url"), pl.col(ROW).cast(pl.Int64).alias("row_number"),
        pl.col("_type").alias("event_type"), pl.col("_subtype").alias("subtype"),
        pl.col("_date").alias("date_start"), pl.col("_date").alias("date_end"),
        pl.lit("day").alias("date_precision"),
        # "Almaty, Almaty, Kazakhstan": the place, then its first-level region, then the country.
        pl.when(geo_type == "1").then(None).otherwise(parts.list.first()).alias("location_text"),
        # The region: its ISO 3166-2 code from the FIPS ADM1 code where known, else its name from the place name.
        pl.coalesce(pl.col("_adm1_iso"), pl.when(is_state).then(parts.list.first())
                    .when(parts.list.len() >= 3).then(parts.list.get(-2, null_on_oob=True))).alias("admin1_text"),
        # A record known only to the country carries the country's centroid: not a place, so no point.
        pl.when(~country_only).then(coordinate("ActionGeo_Lat")).alias("lat"),
        pl.when(~country_only).then(coordinate("ActionGeo_Long")).alias("lon"),
        precision.alias("geo_precision"),
        pl.col("_country").alias("country"),
        text("Actor1Name").alias("actors"), text("Actor2Name").alias("targets"),
        pl.concat_str([pl.format("CAMEO {}", code), ambiguity, pl.format("GDELT place: {}", parts.list.join(", "))],
                      separator="; ", ignore_nulls=True).alias("notes"),
        pl.lit(spec["extractor"]).alias("extractor"),
        pl.when(ambiguity.is_not_null()).then(pl.lit(float(spec["ambiguous_confidence"])))
        .otherwise(pl.lit(float(spec["confidence"]))).alias("confidence"),
    )
