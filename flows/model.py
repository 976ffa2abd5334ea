"""The canonical event model, read from schemas/event.schema.json (the single source of truth).

Every stage passes mentions around as polars DataFrames with exactly MENTION_SCHEMA's columns;
`conform()` brings any frame to that shape.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"

EXPORT_COLUMNS: list[str] = [
    "event_id", "source", "event_type", "subtype", "date_start", "date_end", "date_precision",
    "location_text", "place_name", "lat", "lon", "geo_precision", "admin1_iso", "admin1_iso_at_event",
    "country", "actors", "targets", "participants_low", "participants_high", "detained_low",
    "detained_high", "fatalities_low", "fatalities_high", "injured_low", "injured_high",
    "sentence_months", "charges", "quote", "char_start", "char_end", "confidence", "n_sources",
]

# Count ranges: (low column, high column) pairs, merged as ranges everywhere.
COUNT_RANGES: list[tuple[str, str]] = [
    ("participants_low", "participants_high"),
    ("detained_low", "detained_high"),
    ("fatalities_low", "fatalities_high"),
    ("injured_low", "injured_high"),
]


@cache
def event_json_schema() -> dict:
    """The JSON schema of one event mention."""
    return json.loads((SCHEMAS_DIR / "event.schema.json").read_text(encoding="utf-8"))


def typology() -> dict:
    """schemas/typology.yaml: types, subtypes and the mappings of outside typologies (validated by the
    reference-data loader, flows.refdata)."""
    from flows.refdata import typology_dict

    return typology_dict()


def subtypes_of(event_type: str) -> list[str]:
    return list(typology()["types"][event_type]["subtypes"])


def _polars_type(prop: dict) -> pl.DataType:
    kinds = prop.get("type", "string")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if prop.get("format") == "date":
        return pl.Date
    if "integer" in kinds:
        return pl.Int64
    if "number" in kinds:
        return pl.Float64
    return pl.Utf8


def _mention_schema() -> dict[str, pl.DataType]:
    props = event_json_schema()["properties"]
    return {name: _polars_type(prop) for name, prop in props.items()}


MENTION_SCHEMA: dict[str, pl.DataType] = _mention_schema()
MENTION_COLUMNS: list[str] = list(MENTION_SCHEMA)
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Utf8, **MENTION_SCHEMA, "n_sources": pl.Int32, "n_mentions": pl.Int32,
    "review_status": pl.Utf8,   # unreviewed|confirmed|added|corrected (flows/overrides.py, the review desk)
}


def empty_mentions() -> pl.DataFrame:
    return pl.DataFrame(schema=MENTION_SCHEMA)


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """Add missing mention columns as nulls, cast to the canonical types, order the columns."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in MENTION_SCHEMA.items() if c not in df.columns]
    if missing:
        df = df.with_columns(missing)
    return df.select([pl.col(c).cast(t, strict=False) for c, t in MENTION_SCHEMA.items()])


def stable_id(*parts: object, prefix: str = "") -> str:
    """A short deterministic id from its parts (same input, same id across runs and machines)."""
    digest = hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8"))
    return prefix + digest.hexdigest()[:16]


def with_mention_ids(df: pl.DataFrame) -> pl.DataFrame:
    """Fill missing mention_id values, vectorised (DuckDB md5), so that an id survives an edit elsewhere in its
    source (analyst overrides are keyed by it): a dataset row is keyed by the dataset's own event id (else its
    row number), a report mention by the text of its sentence; the source name, type, subtype and linked
    mention tell apart the events of one row or sentence, and identical keys are numbered in document order."""
    if df.is_empty() or not df["mention_id"].null_count():
        return df
    basis = pl.coalesce(
        pl.col("source_event_id"),
        pl.when(pl.col("source_kind") == "report").then(pl.col("quote").str.replace_all(r"\s+", " ")),
        pl.col("row_number").cast(pl.Utf8),
        pl.col("char_start").cast(pl.Utf8),
    )
    parts = (pl.col("source"), basis, pl.col("event_type"), pl.col("subtype"), pl.col("linked_mention_id"))
    key = pl.concat_str([e.cast(pl.Utf8).fill_null("") for e in parts], separator="|")
    keys = df.select(key.alias("_key"), pl.col("char_start"), pl.col("row_number")).with_row_index("_i")
    if keys["_key"].is_unique().all():      # a dataset's own ids: every ordinal is 0, no ordering needed
        keys = keys.select((pl.col("_key") + "|0").alias("_key"))
    else:
        ordinal = keys.sort("char_start", "row_number", "_i", nulls_last=True).select(
            "_i", pl.int_range(pl.len()).over("_key").alias("_n"), "_key").sort("_i")
        keys = ordinal.select(pl.format("{}|{}", "_key", "_n").alias("_key"))
    with duckdb.connect() as con:
        con.register("mention_keys", keys)
        ids = con.execute("SELECT 'm_' || substr(md5(_key), 1, 16) AS id FROM mention_keys").pl()["id"]
    return df.with_columns(pl.coalesce(pl.col("mention_id"), ids).alias("mention_id"))
