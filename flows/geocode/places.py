"""geocode_places: a list of place names (and dates) → one resolved row each (the CLI's `eventflow geocode`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from flows.config import GEO_ROOT
from flows.geo_packs import packs
from flows.geocode.countries import countries_in_text, text_country
from flows.geocode.gazetteer import load_gazetteer
from flows.geocode.mentions import geocode_mentions
from flows.geocode.names import fold_expr, parse_expr

PLACES_COLUMNS = ["query", "date", "place_name", "lat", "lon", "geo_precision", "admin1_iso", "admin1_iso_at_event"]


def _pack_hits(queries: list[str], geo_root: Path) -> list[str | None]:
    """For each query, the country pack whose gazetteer knows its name (the first, by code), else None."""
    out: list[str | None] = [None] * len(queries)
    for code in sorted(packs(geo_root)):
        g = load_gazetteer(code, geo_root)
        keys = pl.DataFrame({"q": queries}).select(parse_expr(fold_expr(pl.col("q")), g.words)["key"].alias("key"))
        known = keys.with_columns(pl.col("key").is_in(g.names["key"].implode()).alias("k"))["k"].to_list()
        out = [o or (code if k else None) for o, k in zip(out, known, strict=True)]
    return out


def query_countries(queries: list[str], geo_root: Path = GEO_ROOT) -> list[str | None]:
    """The country of each place name given without one: the country it names ("Osh, Kyrgyzstan"), else the
    country pack whose gazetteer knows it ("Saran"), else the country whose capital or large town it is
    ("Bishkek", "Nukus"); None when nothing tells."""
    by_pack = _pack_hits(queries, geo_root)
    out = []
    for q, pack_code in zip(queries, by_pack, strict=True):
        named = countries_in_text(q, geo_root, places=False)
        out.append(named[0].country if named else pack_code or text_country(q, geo_root))
    return out


def geocode_places(queries: list[str], dates: list[date | None] | None = None, country: str | None = None,
                   geo_root: Path = GEO_ROOT) -> pl.DataFrame:
    """One row per query: query, date, place_name, lat, lon, geo_precision, admin1_iso, admin1_iso_at_event.
    `country` (ISO 3166-1) is the country of every query; without it each query's country is inferred."""
    if dates is not None and len(dates) != len(queries):
        raise ValueError(f"{len(queries)} queries but {len(dates)} dates")
    codes = [country.upper()] * len(queries) if country else query_countries(queries, geo_root)
    mentions = pl.DataFrame({
        "location_text": queries,
        "date_start": dates if dates is not None else [None] * len(queries),
        "country": codes,
    }, schema={"location_text": pl.Utf8, "date_start": pl.Date, "country": pl.Utf8})
    out = geocode_mentions(mentions, geo_root)
    return out.select(
        pl.col("location_text").alias("query"), pl.col("date_start").alias("date"), *PLACES_COLUMNS[2:]
    )
