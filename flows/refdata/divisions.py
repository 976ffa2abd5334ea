"""Boundary history as data: a country's change log (splits, merges, renames, newest first) applied
backwards to its current admin-1 layer gives the division in force on any earlier date.

    periods(log)                      # [(vintage, valid_from, valid_to)], oldest first
    layers = divisions(base, log, pack_folder)   # {vintage: GeoDataFrame}, built at install time
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from flows.refdata.models import ChangeLog, UnitAttributes


def periods(log: ChangeLog | None, base_vintage: str = "current") -> list[tuple[str, date | None, date | None]]:
    """(vintage, valid_from, valid_to) of every division, oldest first; bounds inclusive, None = open."""
    if log is None or not log.changes:
        return [(base_vintage, None, None)]
    out: list[tuple[str, date | None, date | None]] = []
    valid_to: date | None = None
    vintage = log.base_vintage
    for change in log.changes:                          # newest first
        out.append((vintage, change.day, valid_to))
        valid_to, vintage = change.day - timedelta(days=1), change.vintage_before
    out.append((vintage, None, valid_to))
    return out[::-1]


def _unit_key(layer: gpd.GeoDataFrame) -> pd.Series:
    iso = layer["iso_3166_2"].fillna("").astype(str)
    legacy = layer.get("iso_3166_2_legacy", pd.Series("", index=layer.index)).fillna("").astype(str)
    return iso.where(iso != "", legacy)


def _row_of(layer: gpd.GeoDataFrame, code: str, what: str) -> int:
    hits = layer.index[_unit_key(layer) == code].tolist()
    if len(hits) != 1:
        raise ValueError(f"{what}: unit {code!r} is {'missing from' if not hits else 'not unique in'} the layer")
    return hits[0]


def step_back(layer: gpd.GeoDataFrame, change, vintage: str, valid: tuple[date | None, date | None],
              pack_folder: Path) -> gpd.GeoDataFrame:
    """The division in force before `change`, from the one in force after it."""
    layer = layer.copy()
    what = f"change of {change.day}"
    for rename in change.renames:
        i = _row_of(layer, rename.code, what)
        for key, value in rename.before.items():
            layer.loc[i, key] = value
    for merge in change.merges:
        i = _row_of(layer, merge.into, what)
        earlier = gpd.read_file(pack_folder / merge.file).to_crs(layer.crs)
        missing = sorted(set(merge.units) - set(_unit_key(earlier)))
        if missing:
            raise ValueError(f"{what}: {merge.file} lacks the merged units {missing}")
        layer = pd.concat([layer.drop(index=i), earlier[_unit_key(earlier).isin(merge.units)]], ignore_index=True)
    for split in change.splits:
        rows = [_row_of(layer, code, what) for code in split.into]
        geometry = shapely.union_all(layer.loc[rows, "geometry"].values)
        if isinstance(split.unit, UnitAttributes):          # a unit that no longer exists
            attrs = split.unit.model_dump()
            keep = rows[0]
        else:                                               # the part that kept the code, as it was before
            keep = _row_of(layer, split.unit, what)
            if keep not in rows:
                raise ValueError(f"{what}: {split.unit} must be one of the units it was split into")
            attrs = {}
        attrs.update(split.set)
        for key, value in attrs.items():
            if key not in layer.columns:
                layer[key] = None
            layer.loc[keep, key] = value
        layer.loc[keep, "geometry"] = geometry
        layer = layer.drop(index=[r for r in rows if r != keep]).reset_index(drop=True)
    layer["vintage"] = vintage
    layer["valid_from"] = valid[0].isoformat() if valid[0] else None
    layer["valid_to"] = valid[1].isoformat() if valid[1] else None
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=layer.crs)


def divisions(base: gpd.GeoDataFrame, log: ChangeLog | None, pack_folder: Path) -> dict[str, gpd.GeoDataFrame]:
    """Every division of the change log, from the current `base` layer backwards, by vintage."""
    spans = periods(log)
    newest = spans[-1]
    layer = base.copy()
    layer["vintage"] = newest[0]
    layer["valid_from"] = newest[1].isoformat() if newest[1] else None
    layer["valid_to"] = None
    out = {newest[0]: layer}
    for change, (vintage, start, end) in zip(log.changes if log else [], spans[-2::-1], strict=True):
        layer = step_back(layer, change, vintage, (start, end), pack_folder)
        out[vintage] = layer
    return out
