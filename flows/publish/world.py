"""The world overview: one choropleth of countries (events per country, by type and month), from the
installed world layer's country outlines. Same page machinery and controls as a country map."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd
import polars as pl

from flows.geo_packs import WORLD, WORLD_DATASETS
from flows.publish.eventdata import EVENT_TYPES, month_range
from flows.refdata import installed_root, load_reference


@cache
def country_outlines(geo_root: Path) -> gpd.GeoDataFrame:
    """Country outlines (ISO code, name), sorted by code."""
    gdf = gpd.read_file(installed_root(geo_root) / WORLD / "countries.geojson")
    return gdf.sort_values("country").reset_index(drop=True)


def world_geojson(geo_root: Path) -> tuple[dict, list[list[float]]]:
    outlines = country_outlines(geo_root)
    features = [{"type": "Feature", "id": i, "properties": {"u": i, "name": name},
                 "geometry": geom.__geo_interface__}
                for i, (name, geom) in enumerate(zip(outlines["name"], outlines.geometry, strict=True))]
    return {"type": "FeatureCollection", "features": features}, [[-58.0, -170.0], [78.0, 180.0]]


def world_payload(events: pl.DataFrame, geo_root: Path) -> dict:
    """What static/map.js needs for the world overview (events already carry their country)."""
    outlines = country_outlines(geo_root)
    index = {c: i for i, c in enumerate(outlines["country"])}
    months = month_range(events)
    month_index = {m: i for i, m in enumerate(months)}
    typed = events.with_columns(pl.col("country").replace_strict(index, default=-1, return_dtype=pl.Int64)
                                .alias("_u"))
    placed = typed.filter((pl.col("_u") >= 0) & pl.col("event_type").is_in(EVENT_TYPES)
                          & pl.col("date_start").is_not_null())
    cells = (placed.with_columns(
        pl.col("event_type").replace_strict({t: i for i, t in enumerate(EVENT_TYPES)}, return_dtype=pl.Int64)
        .alias("_t"),
        pl.col("date_start").dt.strftime("%Y-%m").replace_strict(month_index, return_dtype=pl.Int64).alias("_m"))
        .group_by("_u", "_t", "_m").len().sort("_u", "_t", "_m"))
    labels = outlines.geometry.representative_point()
    with_events = set(placed["_u"].unique().to_list())
    return {
        "country": "",
        "title": "World: protest, detention, attack and trial events by country",
        "division": "Countries (outlines from Natural Earth admin-1)",
        "vintage": "world",
        "isCurrent": True,
        "types": list(EVENT_TYPES),
        "months": months,
        "years": sorted({int(m[:4]) for m in months}),
        "units": [{"name": name, "code": code, "label": [round(p.y, 3), round(p.x, 3)] if i in with_events else None,
                   "link": f"country_{code.lower()}.html" if i in with_events else None}
                  for i, (code, name, p) in enumerate(zip(outlines["country"], outlines["name"], labels, strict=True))],
        "population": None,
        "cells": cells.select("_u", "_t", "_m", "len").rows(),
        "places": [],
        "attribution": load_reference(geo_root).attribution(list(WORLD_DATASETS)),
        "notes": {
            "total": events.height,
            "countryOnly": 0,
            "unplaced": typed.filter(pl.col("_u") < 0).height,
            "undated": int(typed.filter(pl.col("_u") >= 0)["date_start"].null_count()),
            "otherType": events.height - events.filter(pl.col("event_type").is_in(EVENT_TYPES)).height,
            "placesShown": 0, "placesTotal": 0,
        },
    }
