"""The world overview: one choropleth of countries (events per country, by type and month), from the
installed world layer's country outlines. Same page machinery and controls as a country map; counted in DuckDB
from the summary of every event (summary.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd

from flows.geo_packs import WORLD, WORLD_DATASETS
from flows.publish.eventdata import EVENT_TYPES, KNOWN_TYPE_SQL, TYPE_INDEX_SQL, month_number, month_range
from flows.publish.summary import Summary
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


def world_payload(summary: Summary, geo_root: Path) -> dict:
    """What static/map.js needs for the world overview."""
    outlines = country_outlines(geo_root)
    index = {c: i for i, c in enumerate(outlines["country"])}
    first, last = summary.dates()
    months = month_range(first, last)
    offset = month_number(first) if first else 0
    cells = sorted((index[country], t, mon - offset, n) for country, t, mon, n in summary.rows(
        f"country, {TYPE_INDEX_SQL} AS t, mon", f"{KNOWN_TYPE_SQL} AND mon IS NOT NULL", "country, t, mon")
        if country in index)
    per_country = summary.rows("country, mon IS NULL AS undated", "TRUE", "country, undated")
    total = sum(n for *_, n in per_country)
    unplaced = sum(n for country, _, n in per_country if country not in index)
    undated = sum(n for country, no_date, n in per_country if country in index and no_date)
    labels = outlines.geometry.representative_point()
    with_events = {c[0] for c in cells}
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
        "cells": [list(c) for c in cells],
        "places": [],
        "attribution": load_reference(geo_root).attribution(list(WORLD_DATASETS)),
        "notes": {
            "total": total,
            "countryOnly": 0,
            "unplaced": unplaced,
            "undated": undated,
            "otherType": summary.count(f"{TYPE_INDEX_SQL} IS NULL"),
            "placesShown": 0, "placesTotal": 0,
        },
    }
