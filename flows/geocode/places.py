"""geocode_places: a list of place names (and dates) → one resolved row each (the CLI's `eventflow geocode`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from flows.config import GEO_ROOT
from flows.geo_packs import packs
from flows.geocode.gazetteer import load_gazetteer
from flows.geocode.mentions import geocode_mentions
from flows.geocode.names import fold_expr, parse_expr

PLACES_COLUMNS = ["query", "date", "place_name", "lat", "lon", "geo_precision", "admin1_iso", "admin1_iso_at_event"]


def infer_pack_country(queries: list[str], geo_root: Path = GEO_ROOT) -> str | None:
    """The only pack, or the pack whose gazetteer knows most of the queries' names."""
    codes = sorted(packs(geo_root))
    if len(codes) <= 1:
        return codes[0] if codes else None
    best, best_n = None, 0
    for code in codes:
        g = load_gazetteer(code, geo_root)
        keys = pl.DataFrame({"q": queries}).select(parse_expr(fold_expr(pl.col("q")), g.words)["key"].alias("key"))
        n = keys.join(g.names.select("key").unique(), on="key", how="semi").height
        if n > best_n:
            best, best_n = code, n
    return best


def geocode_places(queries: list[str], dates: list[date | None] | None = None, country: str | None = None,
                   geo_root: Path = GEO_ROOT) -> pl.DataFrame:
    """One row per query: query, date, place_name, lat, lon, geo_precision, admin1_iso, admin1_iso_at_event."""
    if dates is not None and len(dates) != len(queries):
        raise ValueError(f"{len(queries)} queries but {len(dates)} dates")
    code = (country or infer_pack_country(queries, geo_root) or "").upper() or None
    mentions = pl.DataFrame({
        "location_text": queries,
        "date_start": dates if dates is not None else [None] * len(queries),
        "country": [code] * len(queries),
    }, schema={"location_text": pl.Utf8, "date_start": pl.Date, "country": pl.Utf8})
    out = geocode_mentions(mentions, geo_root)
    return out.select(
        pl.col("location_text").alias("query"), pl.col("date_start").alias("date"), *PLACES_COLUMNS[2:]
    )
