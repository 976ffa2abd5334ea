"""Admin-1 units of one boundary layer, and the assignment of events to them.

An event is placed in a unit of a target division by the first rule that applies:
  1. its code: `admin1_iso` (the current ISO code) when the target is the current division; otherwise
     `admin1_iso_at_event` when the event date falls in the target division's validity;
  2. its point (lat/lon) inside a unit's polygon (or within ~5 km of the edge, for generalised coastlines);
  3. nesting: the unit its code names (`admin1_iso` in the current division, or `admin1_iso_at_event` in the
     division in force on the event date) is the same unit in the target division (same kato2, the pack's join
     key), or lies wholly (>= 99.5 % of its area) inside one target unit. A unit that was split (e.g. a
     region from which a city was carved out) does not nest, even if the city is only 1 % of its area.
Events matched by none of these (no point, and their unit was split between divisions) stay unassigned and
are counted on the map, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import polars as pl
import shapely

from flows.geo_packs import Admin1Layer, CountryPack

NESTED_SHARE = 0.995         # share of a unit's area that must lie in one target unit for nesting
EDGE_TOLERANCE_DEG = 0.05    # points this close to a polygon (generalised coastlines) still count


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


@dataclass(frozen=True)
class Units:
    """The units of one admin-1 layer: geometry plus the names and codes of each unit (index 0..n-1)."""
    layer: Admin1Layer
    frame: gpd.GeoDataFrame

    def column(self, col: str) -> list[str | None]:
        return [_text(v) for v in self.frame[col]]

    @property
    def codes(self) -> dict[str, int]:
        """Code -> unit index; ISO codes first, legacy codes only where they name one unit of this layer."""
        out: dict[str, int] = {}
        for col in ("iso", "legacy"):
            values = self.column(col)
            for i, code in enumerate(values):
                if code and values.count(code) == 1:
                    out.setdefault(code, i)
        return out

    @property
    def identity(self) -> list[str | None]:
        """The key that names the same unit across divisions (the pack's join key kato2, else ISO code)."""
        return [k or iso for k, iso in zip(self.column("kato2"), self.column("iso"), strict=True)]


@cache
def load_units(path: Path) -> gpd.GeoDataFrame:
    raw = gpd.read_file(path).to_crs(4326)
    props = raw.columns

    def pick(col: str) -> list[str | None]:
        return [_text(v) for v in raw[col]] if col in props else [None] * len(raw)

    return gpd.GeoDataFrame(
        {
            "name": pick("name_en") if "name_en" in props else pick("name"),
            "kato2": pick("kato2"),
            "iso": pick("iso_3166_2"),
            "legacy": pick("iso_3166_2_legacy"),
        },
        geometry=raw.geometry.make_valid(),
        crs=4326,
    ).reset_index(drop=True)


def units_of(layer: Admin1Layer) -> Units:
    return Units(layer, load_units(layer.path))


def _in_validity(dates: pl.Series, layer: Admin1Layer) -> np.ndarray:
    ok = dates.is_not_null()
    if layer.valid_from is not None:
        ok = ok & (dates >= layer.valid_from)
    if layer.valid_to is not None:
        ok = ok & (dates <= layer.valid_to)
    return ok.fill_null(False).to_numpy()


def _by_code(codes: pl.Series, table: dict[str, int]) -> np.ndarray:
    return codes.replace_strict(table, default=None, return_dtype=pl.Int64).fill_null(-1).to_numpy()


def _point_in_polygon(lat: np.ndarray, lon: np.ndarray, units: gpd.GeoDataFrame) -> np.ndarray:
    out = np.full(len(lat), -1, dtype=np.int64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return out
    # events repeat places: look up each distinct point once
    coords, inverse = np.unique(np.column_stack([lat[ok], lon[ok]]), axis=0, return_inverse=True)
    points = shapely.points(coords[:, 1], coords[:, 0])
    tree = shapely.STRtree(units.geometry.values)
    pt_i, unit_i = tree.query(points, predicate="within")
    hit = np.full(len(coords), -1, dtype=np.int64)
    hit[pt_i[::-1]] = unit_i[::-1]          # first unit wins on (rare) overlaps
    miss = np.flatnonzero(hit < 0)
    if len(miss):
        near_pt, near_unit = tree.query_nearest(points[miss], max_distance=EDGE_TOLERANCE_DEG)
        hit[miss[near_pt[::-1]]] = near_unit[::-1]
    out[ok] = hit[inverse.ravel()]
    return out


def nesting(source: Units, target: Units) -> np.ndarray:
    """For each source unit, the target unit it belongs to (-1 when none): the unit with the same identity
    (kato2) in the target division, else the one holding >= NESTED_SHARE of its area."""
    return np.array(_nesting(source.layer, target.layer), dtype=np.int64)


@cache
def _nesting(source_layer: Admin1Layer, target_layer: Admin1Layer) -> tuple[int, ...]:
    source, target = units_of(source_layer), units_of(target_layer)
    ident = {k: i for i, k in enumerate(target.identity) if k}
    out = np.array([ident.get(k, -1) if k else -1 for k in source.identity], dtype=np.int64)
    src = source.frame.to_crs(6933).geometry.values
    tgt = target.frame.to_crs(6933).geometry.values
    s_i, t_i = shapely.STRtree(tgt).query(src, predicate="intersects")
    if len(s_i):
        shares = shapely.area(shapely.intersection(src[s_i], tgt[t_i])) / np.maximum(shapely.area(src[s_i]), 1e-9)
        for s, t, share in zip(s_i, t_i, shares, strict=True):
            if out[s] < 0 and share >= NESTED_SHARE:
                out[s] = t
    return tuple(int(x) for x in out)


def assign(events: pl.DataFrame, pack: CountryPack, target: Admin1Layer) -> np.ndarray:
    """Unit index (into units_of(target).frame) of every event, -1 when it cannot be placed."""
    n = events.height
    units = units_of(target)
    is_current = target == pack.current_layer
    result = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return result
    dates = events["date_start"]
    if is_current:
        result = _by_code(events["admin1_iso"], units.codes)
    at_event = np.where(_in_validity(dates, target), _by_code(events["admin1_iso_at_event"], units.codes), -1)
    result = np.where(result < 0, at_event, result)

    todo = result < 0
    if todo.any():
        lat = events["lat"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        lon = events["lon"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        pip = _point_in_polygon(np.where(todo, lat, np.nan), np.where(todo, lon, np.nan), units.frame)
        result = np.where(todo, pip, result)

    for source in pack.admin1_layers:
        todo = result < 0
        if not todo.any():
            break
        src_units = units_of(source)
        nest = nesting(src_units, units)
        codes = src_units.codes
        src_idx = _by_code(events["admin1_iso_at_event"], codes)
        src_idx = np.where(_in_validity(dates, source), src_idx, -1)
        if source == pack.current_layer:
            src_idx = np.where(src_idx < 0, _by_code(events["admin1_iso"], codes), src_idx)
        mapped = np.where(src_idx >= 0, nest[np.maximum(src_idx, 0)], -1)
        result = np.where(todo, mapped, result)
    return result


def representative_points(units: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    """(lat, lon) inside each unit, for its label."""
    pts = units.geometry.representative_point()
    return [(round(p.y, 4), round(p.x, 4)) for p in pts]


def population_table(pack: CountryPack, units: Units, years: list[int]) -> list[list[int | None]] | None:
    """Population of each unit for each of `years` (the row of the layer's frame and that year, else the
    nearest year available); None when the pack has no population file."""
    if pack.population is None or not pack.population.is_file() or not years:
        return None
    pop = pl.read_csv(pack.population, infer_schema_length=0).with_columns(
        pl.col("year").cast(pl.Int64), pl.col("population").cast(pl.Float64)
    )
    pop = pop.filter(pl.col("frame") == units.layer.vintage)
    if pop.is_empty():
        return None
    table: list[list[int | None]] = []
    for kato2, iso, legacy in zip(units.column("kato2"), units.column("iso"), units.column("legacy"), strict=True):
        rows = pop.filter(
            (pl.col("kato2") == kato2) if kato2 else
            (pl.col("iso_3166_2") == (iso or "")) | (pl.col("iso_3166_2_legacy") == (legacy or ""))
        )
        available = dict(zip(rows["year"].to_list(), rows["population"].to_list(), strict=True))
        if not available:
            table.append([None] * len(years))
            continue
        known = np.array(sorted(available))
        table.append([
            int(available[int(known[np.argmin(np.abs(known - y) * 2 + (known > y))])]) for y in years
        ])
    return table
