"""The data behind one choropleth page: units of a division, event counts per unit, type and month,
population for rates, and the place markers."""

from __future__ import annotations

import polars as pl

from flows.geo_packs import Admin1Layer, CountryPack
from flows.publish.eventdata import EVENT_TYPES, month_range, reviewed_expr
from flows.publish.markers import place_markers
from flows.publish.regions import assign, population_table, representative_points, units_of


def division_label(layer: Admin1Layer, is_current: bool) -> str:
    """'Regions: 2016 division (in force until 2018-06-18)' and the like, for the note on the map."""
    start, end = layer.valid_from, layer.valid_to
    span = (
        f"in force {start} to {end}" if start and end
        else f"in force until {end}" if end
        else f"in force since {start}" if start
        else "no end date"
    )
    kind = "current division" if is_current else f"{layer.vintage} division"
    return f"Regions: {kind} ({span})"


def _country_only() -> pl.Expr:
    """Events located only to the country: no region code and no coordinates ("nationwide", unknown place)."""
    return pl.col("admin1_iso").is_null() & pl.col("admin1_iso_at_event").is_null() & pl.col("lat").is_null()


def map_payload(events: pl.DataFrame, pack: CountryPack, layer: Admin1Layer) -> dict:
    """Everything static/map.js needs, as plain JSON-able values (deterministic order)."""
    units = units_of(layer)
    is_current = layer == pack.current_layer
    months = month_range(events)
    month_index = {m: i for i, m in enumerate(months)}
    unit_of_event = assign(events, pack, layer)
    typed = events.with_columns(pl.Series("_u", unit_of_event))
    known = typed.filter(pl.col("event_type").is_in(EVENT_TYPES))
    placed = known.filter((pl.col("_u") >= 0) & pl.col("date_start").is_not_null())
    cells = (
        placed.with_columns(
            pl.col("event_type").replace_strict({t: i for i, t in enumerate(EVENT_TYPES)}, return_dtype=pl.Int64)
            .alias("_t"),
            pl.col("date_start").dt.strftime("%Y-%m").replace_strict(month_index, return_dtype=pl.Int64)
            .alias("_m"),
        )
        .group_by("_u", "_t", "_m").agg(pl.len(), reviewed_expr().sum().alias("_r")).sort("_u", "_t", "_m")
    )
    years = sorted({int(m[:4]) for m in months})
    labels = representative_points(units.frame)
    markers, places_total = place_markers(events, months)
    return {
        "country": pack.country,
        "title": f"{pack.name}: protest, detention, attack and trial events",
        "division": division_label(layer, is_current),
        "vintage": layer.vintage,
        "isCurrent": is_current,
        "types": list(EVENT_TYPES),
        "months": months,
        "years": years,
        "units": [
            {"name": name or iso or legacy or str(i), "code": iso or legacy or "", "label": labels[i], "link": None}
            for i, (name, iso, legacy) in enumerate(
                zip(units.column("name"), units.column("iso"), units.column("legacy"), strict=True))
        ],
        "population": population_table(pack, units, years),
        "cells": cells.select("_u", "_t", "_m", "len", "_r").rows(),   # [unit, type, month, events, reviewed]
        "places": markers,
        "attribution": list(pack.attribution),
        "notes": {
            "total": events.height,
            "countryOnly": typed.filter((pl.col("_u") < 0) & _country_only()).height,
            "unplaced": typed.filter((pl.col("_u") < 0) & ~_country_only()).height,
            "undated": int(typed.filter(pl.col("_u") >= 0)["date_start"].null_count()),
            "otherType": events.height - known.height,
            "placesShown": len(markers), "placesTotal": places_total,
        },
    }
