"""The data behind one choropleth page: units of a division, event counts per unit, type and month,
population for rates, and the place markers; counted in DuckDB over the country's scope (scope.py)."""

from __future__ import annotations

from flows.geo_packs import Admin1Layer, CountryPack
from flows.publish.eventdata import EVENT_TYPES
from flows.publish.regions import population_table, representative_points, units_of
from flows.publish.scope import CELLS, Scope


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


def unit_cells(scope: Scope, layer: Admin1Layer) -> list[tuple[int, int, int, int, int]]:
    """[unit, type, month, events, reviewed] of the dated events of a known type placed in a unit of `layer`,
    sorted."""
    u = scope.unit_column(layer)
    return scope.con.execute(f"""
        SELECT {u}, t, mon - {scope.first_month} AS m, sum(n), sum(rv) FROM {CELLS}
        WHERE t IS NOT NULL AND {u} >= 0 AND mon IS NOT NULL GROUP BY {u}, t, mon ORDER BY {u}, t, m""").fetchall()


def _notes(scope: Scope, layer: Admin1Layer) -> dict:
    """The note's counts: events located only to the country, events that could not be placed (neither
    counted in a unit), placed events without a date, and events of another type."""
    u = scope.unit_column(layer)
    country_only = "(admin1_iso IS NULL AND admin1_iso_at_event IS NULL AND lat IS NULL)"
    country_only, unplaced, undated, other = scope.con.execute(f"""
        SELECT coalesce(sum(n) FILTER ({u} < 0 AND {country_only}), 0),
               coalesce(sum(n) FILTER ({u} < 0 AND NOT {country_only}), 0),
               coalesce(sum(n) FILTER ({u} >= 0 AND mon IS NULL), 0), coalesce(sum(n) FILTER (t IS NULL), 0)
        FROM {CELLS}""").fetchone()
    return {"total": scope.events, "countryOnly": country_only, "unplaced": unplaced, "undated": undated,
            "otherType": other}


def map_payload(scope: Scope, pack: CountryPack, layer: Admin1Layer, markers: tuple[list[dict], int]) -> dict:
    """Everything static/map.js needs, as plain JSON-able values (deterministic order). `markers` are the
    country's place markers and their number before the busiest were kept (markers.place_markers)."""
    units = units_of(layer)
    is_current = layer == pack.current_layer
    months = scope.months
    years = sorted({int(m[:4]) for m in months})
    labels = representative_points(units.frame)
    places, places_total = markers
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
        "cells": [list(c) for c in unit_cells(scope, layer)],   # [unit, type, month, events, reviewed]
        "places": places,
        "attribution": list(pack.attribution),
        "notes": {**_notes(scope, layer), "placesShown": len(places), "placesTotal": places_total},
    }
