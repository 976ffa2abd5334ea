"""ACLED exports: one mention per in-scope row (mapping in schemas/sources/acled.yaml and the `acled`
section of schemas/typology.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import polars as pl

from flows.ingest.datasets.common import ingest_checks, split_rows
from flows.ingest.datasets.countries import country_name_to_alpha2, iso_numeric_to_alpha2
from flows.ingest.datasets.counts import count_ranges
from flows.ingest.datasets.fields import (
    bad_coordinates,
    coordinate,
    joined,
    mapping_frame,
    parse_dates,
    parse_dates_either_way,
    text,
)
from flows.ingest.datasets.spec import source_spec
from flows.ingest.datasets.table import ROW, RawTable, align_columns, iter_tables
from flows.model import typology

if TYPE_CHECKING:
    from flows.ingest.datasets.sniff import Sniffed

FORMAT = "acled"
LABEL = "ACLED"


def tables(sniffed: Sniffed, batch_rows: int) -> Iterator[RawTable]:
    return iter_tables(sniffed.path, sniffed.delimiter, has_header=True, batch_rows=batch_rows,
                       header=sniffed.header, row_bytes=sniffed.bytes_per_row)


def map_rows(table: RawTable, sniffed: Sniffed, source: str, sha256: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(mentions, rejects) of one batch of rows."""
    spec = source_spec(FORMAT)
    rows = align_columns(table, spec["columns"])
    rows = _derive(rows, spec)
    tp_codes = list(spec["time_precision"])
    fatalities = text("fatalities")
    checks = [
        *ingest_checks(table, spec),
        (pl.col("_type").is_null(), "out_of_scope", "map",
         pl.format("ACLED '{}' / '{}' is not a protest, detention, attack or trial",
                   text("event_type").fill_null(""), text("sub_event_type").fill_null(""))),
        (pl.col("_date").is_null(), "bad_date", "map",
         pl.when(pl.col("_ambiguous_date"))
         .then(pl.format("event_date '{}' is ambiguous: day/month or month/day (ACLED writes 2022-05-01 or "
                         "01 May 2022; a spreadsheet re-save changed it)", text("event_date")))
         .otherwise(pl.format("event_date '{}' is not a date in ACLED's formats (2022-05-01, 01 May 2022)",
                              text("event_date")))),
        (~pl.col("_tp").fill_null("").is_in(tp_codes), "bad_date", "map",
         pl.format("time_precision '{}' is not one of {}", text("time_precision").fill_null(""),
                   pl.lit("/".join(tp_codes)))),
        (bad_coordinates("latitude", "longitude"), "bad_coordinates", "map",
         pl.format("latitude/longitude '{}', '{}' out of range or not numbers",
                   text("latitude").fill_null(""), text("longitude").fill_null(""))),
        (pl.col("_country").is_null(), "unknown_country", "map", pl.col("_country_detail")),
        (fatalities.is_not_null() & ~(fatalities.cast(pl.Int64, strict=False) >= 0).fill_null(False),
         "bad_count", "map", pl.format("fatalities '{}' is not a whole number of at least 0", fatalities)),
    ]
    passed, rejects = split_rows(table, rows, checks, source)
    return _mentions(passed, spec, source, sha256), rejects


def _derive(rows: pl.DataFrame, spec: dict) -> pl.DataFrame:
    """Columns the checks and the mentions need: type, date, country."""
    types = mapping_frame(typology()["acled"], ["_et", "_set"])
    slash = parse_dates_either_way(rows["event_date"], tuple(spec["slash_date_readings"]))
    rows = rows.with_columns(
        text("event_type").alias("_et"), text("sub_event_type").alias("_set"), text("time_precision").alias("_tp"),
        pl.coalesce(parse_dates(rows["event_date"], spec["date_formats"]), slash["date"]).alias("_date"),
        slash["ambiguous"].alias("_ambiguous_date"),
    ).join(types, on=["_et", "_set"], how="left", maintain_order="left")
    by_iso = iso_numeric_to_alpha2(rows["iso"].str.strip_chars())
    by_name = country_name_to_alpha2(rows["country"].str.strip_chars())
    # A row whose iso code and (exactly spelled) country name are two countries was edited by hand: which
    # country it is about is unknown, and either guess would put it on the wrong map without a word.
    exact = country_name_to_alpha2(rows["country"].str.strip_chars(), fuzzy=False)
    rows = rows.with_columns(by_iso.alias("_by_iso"), by_name.alias("_by_name"), exact.alias("_by_exact"))
    conflict = (pl.col("_by_iso") != pl.col("_by_exact")).fill_null(False)
    return rows.with_columns(
        pl.when(~conflict).then(pl.coalesce("_by_iso", "_by_name")).alias("_country"),
        pl.when(conflict).then(pl.format("iso '{}' ({}) and country '{}' ({}) are two countries",
                                         text("iso"), pl.col("_by_iso"), text("country"), pl.col("_by_exact")))
        .otherwise(pl.format("iso '{}' / country '{}' is not an ISO 3166-1 country",
                             text("iso").fill_null(""), text("country").fill_null(""))).alias("_country_detail"),
    )


def _dates(spec: dict) -> list[pl.Expr]:
    """date_start, date_end, date_precision from event_date and time_precision (widened, see YAML)."""
    tp = pl.col("_tp")
    start = end = precision = None
    for code, rule in spec["time_precision"].items():
        if rule.get("whole_month"):
            s, e = pl.col("_date").dt.month_start(), pl.col("_date").dt.month_end()
        else:
            widen = pl.duration(days=int(rule.get("widen_days", 0)))
            s, e = pl.col("_date") - widen, pl.col("_date") + widen
        start = pl.when(tp == code).then(s).otherwise(start if start is not None else pl.lit(None))
        end = pl.when(tp == code).then(e).otherwise(end if end is not None else pl.lit(None))
        precision = pl.when(tp == code).then(pl.lit(rule["precision"])).otherwise(
            precision if precision is not None else pl.lit(None))
    return [start.alias("date_start"), end.alias("date_end"), precision.alias("date_precision")]


def _crowd_sizes(tags: pl.Series, tag: str) -> pl.DataFrame:
    """participants_low, participants_high from the crowd-size tag, read once per distinct tags text."""
    distinct = tags.unique().to_frame("tags")
    sizes = distinct.hstack(count_ranges(
        distinct.select(pl.col("tags").str.extract(rf"(?i){tag}\s*=\s*([^;]+)", 1))["tags"], "participants"))
    return tags.to_frame("tags").join(sizes, on="tags", how="left", maintain_order="left",
                                      nulls_equal=True).drop("tags")


def _mentions(rows: pl.DataFrame, spec: dict, source: str, sha256: str) -> pl.DataFrame:
    f = spec["fields"]
    crowd = _crowd_sizes(rows["tags"], spec["crowd_size_tag"])
    geo = {str(k): v for k, v in spec["geo_precision"].items()}
    fatalities = text("fatalities").cast(pl.Int64, strict=False)
    out = rows.hstack(crowd).select(
        pl.lit(source).alias("source"), pl.lit(sha256).alias("source_sha256"),
        pl.lit(FORMAT).alias("source_kind"), text(f["source_event_id"]).alias("source_event_id"),
        pl.col(ROW).cast(pl.Int64).alias("row_number"),
        pl.col("_type").alias("event_type"), pl.col("_subtype").alias("subtype"),
        *_dates(spec),
        text(f["location_text"]).alias("location_text"), text(f["admin1_text"]).alias("admin1_text"),
        coordinate(f["lat"]).alias("lat"), coordinate(f["lon"]).alias("lon"),
        text("geo_precision").replace_strict(geo, default="place").alias("geo_precision"),
        pl.col("_country").alias("country"),
        joined(f["actors"]).alias("actors"), joined(f["targets"]).alias("targets"),
        "participants_low", "participants_high",
        fatalities.alias("fatalities_low"), fatalities.alias("fatalities_high"),
        text(f["quote"]).alias("quote"),
        pl.format("ACLED {} / {}; sources: {}", pl.col("_et"), pl.col("_set"),
                  text("source").fill_null("")).alias("notes"),
        pl.lit(spec["extractor"]).alias("extractor"), pl.lit(float(spec["confidence"])).alias("confidence"),
    )
    return out
