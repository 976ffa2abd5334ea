"""Mass Mobilization exports: one protest mention per row with protest=1, plus the detention or attack
mention each state response implies (the `mass_mobilization_state_response` section of
schemas/typology.yaml), linked to the protest by linked_mention_id. Rows with protest=0 are rejected as
out_of_scope: they record a country-year without protest, not an event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import polars as pl

from flows.ingest.datasets.common import ingest_checks, split_rows
from flows.ingest.datasets.countries import country_name_to_alpha2
from flows.ingest.datasets.counts import count_ranges
from flows.ingest.datasets.fields import joined, mapping_frame, text
from flows.ingest.datasets.spec import source_spec
from flows.ingest.datasets.table import ROW, RawTable, align_columns, iter_tables
from flows.model import MENTION_SCHEMA, conform, typology, with_mention_ids

if TYPE_CHECKING:
    from flows.ingest.datasets.sniff import Sniffed

FORMAT = "mass_mobilization"
LABEL = "Mass Mobilization"


def _date(day: str, month: str, year: str) -> pl.Expr:
    """A date from three number columns (null when one is missing or the date does not exist)."""
    parts = [text(c).cast(pl.Float64, strict=False).cast(pl.Int32, strict=False).cast(pl.Utf8)
             for c in (year, month, day)]
    return pl.concat_str(parts, separator="-").str.to_date("%Y-%m-%d", strict=False)


def tables(sniffed: Sniffed, batch_rows: int) -> Iterator[RawTable]:
    return iter_tables(sniffed.path, sniffed.delimiter, has_header=True, batch_rows=batch_rows,
                       header=sniffed.header, row_bytes=sniffed.bytes_per_row)


def map_rows(table: RawTable, sniffed: Sniffed, source: str, sha256: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(mentions, rejects) of one batch of rows: protests and the mentions their state responses imply."""
    spec = source_spec(FORMAT)
    rows = align_columns(table, spec["columns"], spec.get("aliases"))
    extra_names = {str(k): str(v) for k, v in (spec.get("country_names") or {}).items()}
    rows = rows.with_columns(
        _date("startday", "startmonth", "startyear").alias("_start"),
        _date("endday", "endmonth", "endyear").alias("_end"),
        country_name_to_alpha2(rows["country"].str.strip_chars(), extra_names).alias("_country"),
    )
    protest = text("protest")
    encoding, extra, *row_checks = ingest_checks(table, spec)
    checks = [
        encoding, extra,
        # A protest=0 row records a country-year without protest: its other fields are empty by design.
        (protest == "0", "out_of_scope", "map", "not a protest (protest=0: a country-year without protest)"),
        *row_checks,
        (protest != "1", "bad_value", "map", pl.format("protest '{}' is neither 0 nor 1", protest)),
        (pl.col("_start").is_null(), "bad_date", "map",
         pl.format("start date {}-{}-{} is not a date", text("startyear").fill_null(""),
                   text("startmonth").fill_null(""), text("startday").fill_null(""))),
        (pl.col("_end").is_not_null() & (pl.col("_end") < pl.col("_start")), "bad_date", "map",
         pl.format("end date {} is before start date {}", pl.col("_end"), pl.col("_start"))),
        (pl.col("_country").is_null(), "unknown_country", "map",
         pl.format("country '{}' is not an ISO 3166-1 country", text("country").fill_null(""))),
    ]
    passed, rejects = split_rows(table, rows, checks, source)
    built = _protests(passed, spec, source, sha256)
    helpers = built.select("_detained_low", "_detained_high", "_responses")
    protests = with_mention_ids(conform(built)).hstack(helpers)
    implied = _implied(passed, protests, spec)
    mentions = pl.concat([protests, implied], how="diagonal_relaxed")
    return mentions, rejects


def _protests(rows: pl.DataFrame, spec: dict, source: str, sha256: str) -> pl.DataFrame:
    location = text("location")
    national = location.str.to_lowercase().is_in([n.lower() for n in spec["national_locations"]])
    counts = count_ranges(rows.select(pl.coalesce(text("participants"), text("participants_category"))
                                      .alias("p"))["p"], "participants")
    category_counts = count_ranges(rows["participants_category"], "category")
    detained_text = pl.when(text("participants").str.contains(spec["detained_pattern"]))
    demands = joined(spec["demand_columns"], ", ")
    out = rows.hstack(counts).hstack(category_counts).select(
        pl.lit(source).alias("source"), pl.lit(sha256).alias("source_sha256"),
        pl.lit(FORMAT).alias("source_kind"), text("id").alias("source_event_id"),
        pl.col(ROW).cast(pl.Int64).alias("row_number"),
        pl.lit("protest").alias("event_type"),
        pl.when(text("protesterviolence") == "1").then(pl.lit("riot")).otherwise(pl.lit("peaceful_protest"))
        .alias("subtype"),
        pl.col("_start").alias("date_start"),
        pl.coalesce("_end", "_start").alias("date_end"), pl.lit("day").alias("date_precision"),
        pl.when(national).then(None).otherwise(location).alias("location_text"),
        pl.when(location.str.contains(spec["admin1_location_pattern"])).then(location).alias("admin1_text"),
        pl.when(national).then(pl.lit("country")).otherwise(pl.lit("place")).alias("geo_precision"),
        pl.col("_country").alias("country"),
        text("protesteridentity").alias("actors"),
        # A participants text that gives nothing falls back to the participants_category range.
        pl.coalesce("participants_low", "category_low").alias("participants_low"),
        pl.when(pl.col("participants_low").is_not_null()).then("participants_high")
        .otherwise("category_high").alias("participants_high"),
        detained_text.then("participants_low").alias("_detained_low"),
        detained_text.then("participants_high").alias("_detained_high"),
        text("notes").alias("quote"),
        pl.concat_str([pl.format("demands: {}", demands),
                       pl.format("participants: {}", text("participants")),
                       pl.format("sources: {}", text("sources"))], separator="; ", ignore_nulls=True)
        .alias("notes"),
        pl.lit(spec["extractor"]).alias("extractor"), pl.lit(float(spec["confidence"])).alias("confidence"),
        joined(spec["state_response_columns"], "|").str.to_lowercase().alias("_responses"),
    )
    return out


def _implied(rows: pl.DataFrame, protests: pl.DataFrame, spec: dict) -> pl.DataFrame:
    """One detention/attack mention per (protest, implied type, subtype), linked to the protest."""
    responses = mapping_frame(typology()["mass_mobilization_state_response"], ["_response"])
    implied_counts = spec.get("implied_counts") or {}
    found = (
        protests.select("mention_id", "_responses")
        .with_columns(pl.col("_responses").str.split("|").alias("_response"))
        .explode("_response", empty_as_null=True)
        .with_columns(pl.col("_response").str.strip_chars())
        .join(responses, on="_response", how="inner")
        .filter(pl.col("_type").is_not_null())
    )
    count_cols = []
    for name in sorted({c for v in implied_counts.values() for c in v}):
        values = {r: v.get(name) for r, v in implied_counts.items()}
        count_cols.append(pl.col("_response").replace_strict(values, default=None, return_dtype=pl.Int64)
                          .max().alias(name))
    grouped = found.group_by("mention_id", "_type", "_subtype").agg(
        pl.col("_response").unique().sort().str.join(", ").alias("_why"), *count_cols)
    base = protests.drop("_type", "_subtype", strict=False).rename({"mention_id": "_protest_id"})
    implied = grouped.join(base, left_on="mention_id", right_on="_protest_id", how="inner")
    is_detention = pl.col("_type") == "detention"
    implied = implied.with_columns(
        pl.col("mention_id").alias("linked_mention_id"),
        pl.lit(None, dtype=pl.Utf8).alias("mention_id"),
        pl.col("_type").alias("event_type"), pl.col("_subtype").alias("subtype"),
        pl.col("actors").alias("targets"), pl.lit(None, dtype=pl.Utf8).alias("actors"),
        pl.when(is_detention).then("_detained_low").alias("detained_low"),
        pl.when(is_detention).then("_detained_high").alias("detained_high"),
        pl.lit(None, dtype=pl.Int64).alias("participants_low"),
        pl.lit(None, dtype=pl.Int64).alias("participants_high"),
        pl.format("implied by the state response: {}", pl.col("_why")).alias("notes"),
    )
    keep = [c for c in MENTION_SCHEMA if c in implied.columns]
    return implied.select(keep).sort("linked_mention_id", "event_type", "subtype")
