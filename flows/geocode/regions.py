"""Admin-1 boundary layers of a pack: unit codes, representative points, vectorised point-in-polygon."""

from __future__ import annotations

import warnings
from functools import cache

import geopandas as gpd
import numpy as np
import polars as pl

from flows.geo_packs import CountryPack

# A gazetteer point this close (degrees) to a unit but outside every polygon (a generalised coastline)
# is given the nearest unit; a coordinate from a source is never snapped.
NEAREST_TOLERANCE_DEG = 0.05


def unit_code(iso: pl.Expr, legacy: pl.Expr) -> pl.Expr:
    """The code of a unit: its ISO 3166-2 code, or the legacy code when it has none."""
    empty = lambda e: e.is_null() | (e.str.strip_chars() == "")  # noqa: E731
    return pl.when(empty(iso)).then(pl.when(empty(legacy)).then(None).otherwise(legacy)).otherwise(iso)


@cache
def read_layer(pack: CountryPack, vintage: str) -> gpd.GeoDataFrame:
    """One admin-1 layer with a `code` column (unit code), in WGS84."""
    layer = next(x for x in pack.admin1_layers if x.vintage == vintage)
    gdf = gpd.read_file(layer.path)
    props = pl.from_pandas(gdf.drop(columns="geometry").astype(str).replace({"None": "", "nan": ""}))
    if "iso_3166_2" not in props.columns:
        raise ValueError(f"{layer.path}: admin-1 features need an iso_3166_2 property")
    if "iso_3166_2_legacy" not in props.columns:
        props = props.with_columns(pl.lit("").alias("iso_3166_2_legacy"))
    gdf["code"] = props.select(unit_code(pl.col("iso_3166_2"), pl.col("iso_3166_2_legacy"))).to_series().to_list()
    gdf["legacy"] = props["iso_3166_2_legacy"].to_list()
    if "name_en" not in gdf.columns:
        gdf["name_en"] = gdf["code"]
    return gdf.to_crs(4326) if gdf.crs and gdf.crs.to_epsg() != 4326 else gdf


@cache
def read_admin2(pack: CountryPack) -> gpd.GeoDataFrame | None:
    if pack.admin2 is None or not pack.admin2.is_file():
        return None
    return gpd.read_file(pack.admin2)


def vintages(pack: CountryPack) -> list[str]:
    return [layer.vintage for layer in pack.admin1_layers]


def codes_at_points(pack: CountryPack, lon: np.ndarray, lat: np.ndarray, snap: bool) -> pl.DataFrame:
    """Unit code of every point in every layer: columns `code_<vintage>`; one spatial join per layer.
    With `snap`, points just outside every polygon take the nearest unit (within NEAREST_TOLERANCE_DEG)."""
    if len(lon) == 0:
        return pl.DataFrame(schema={f"code_{v}": pl.Utf8 for v in vintages(pack)})
    points = gpd.GeoDataFrame(
        {"_i": np.arange(len(lon))}, geometry=gpd.points_from_xy(lon, lat), crs=4326
    )
    out: dict[str, list] = {}
    for vintage in vintages(pack):
        layer = read_layer(pack, vintage)[["code", "geometry"]]
        joined = gpd.sjoin(points, layer, how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        codes = joined.sort_values("_i")["code"].to_numpy(dtype=object)
        if snap and len(points):
            missing = np.array([c is None or c != c for c in codes])  # None or NaN
            if missing.any():
                # Distance in degrees is what we want here. Without a CRS geopandas neither warns that it is
                # planar nor walks the call stack to say so (36 ms a join, most of a small country's load).
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    near = gpd.sjoin_nearest(points[missing].set_crs(None, allow_override=True),
                                             layer.set_crs(None, allow_override=True), how="left",
                                             max_distance=NEAREST_TOLERANCE_DEG)
                near = near[~near.index.duplicated(keep="first")]
                codes[missing] = near.sort_values("_i")["code"].to_numpy(dtype=object)
        out[f"code_{vintage}"] = [None if (c is None or c != c) else c for c in codes]
    return pl.DataFrame(out, schema={k: pl.Utf8 for k in out})


def crosswalk(pack: CountryPack, code: str, legacy: str, lon: float, lat: float) -> dict[str, str | None]:
    """The code of a unit in every layer: the same code if that layer has it, else the unit that carries the
    same legacy code, else the unit holding the representative point."""
    out: dict[str, str | None] = {}
    spatial = None
    for vintage in vintages(pack):
        layer = read_layer(pack, vintage)
        if code in set(layer["code"]):
            out[f"code_{vintage}"] = code
        elif legacy and legacy in set(layer["legacy"]):
            out[f"code_{vintage}"] = layer.loc[layer["legacy"] == legacy, "code"].iloc[0]
        else:
            if spatial is None:
                spatial = codes_at_points(pack, np.array([lon]), np.array([lat]), snap=True).row(0, named=True)
            out[f"code_{vintage}"] = spatial[f"code_{vintage}"]
    return out
