"""Build the world layer (at install time, never at run time) from the world admin-1 file and GeoNames
cities500, into installed/world/:

  admin1/<CC>.geojson    one country's admin-1 units, one feature per ISO 3166-2 code (NE pieces that share a
                         code are dissolved); units without an ISO code keep NE's adm1_code as their code
  countries.geojson      country outlines (the units dissolved per country, simplified) for the world overview
  places/<CC>.csv        one country's populated places with filtered alternate names and their admin-1 code
  admin1_codes.csv       GeoNames admin-1 code -> ISO 3166-2 (the unit holding most of that code's people);
                         GeoNames uses FIPS 10-4 admin codes for most countries, so GDELT ADM1 codes map through it
  landmarks.csv          capitals and towns of 100,000+ people, for finding the countries a text names
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import polars as pl
import pycountry
import shapely

LANDMARK_POPULATION = 100_000
OUTLINE_TOLERANCE_DEG = 0.05      # simplification of the world overview's country outlines
MAX_NAME_WORDS = 4               # longer alternate names are descriptions, not names
NEAREST_DEG = 0.1                 # a place just off a generalised coast takes the nearest unit of its country
# Alternate names kept: Latin or Cyrillic script, not an all-lowercase romanisation ("a si ta na", "oshi"),
# not an all-capitals code (IATA "ALA", "NQZ").
_KEEP_NAME = r"^[\p{Latin}\p{Cyrillic}0-9][\p{Latin}\p{Cyrillic}\p{M}0-9 '’ʼ`.\-()]*$"
PLACE_COLUMNS = ["geonameid", "name", "alt_names", "lat", "lon", "population", "feature_code", "geonames_admin1",
                 "admin1_iso"]


def _subdivision_name(code: str) -> str | None:
    sub = pycountry.subdivisions.get(code=code) if code else None
    return sub.name if sub else None


def country_name(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code)
    return (getattr(c, "common_name", None) or c.name) if c else {"XK": "Kosovo"}.get(code, code)


def read_admin1(path: Path) -> gpd.GeoDataFrame:
    """The world admin-1 file as one row per unit code and country (code = ISO 3166-2, else NE adm1_code)."""
    raw = gpd.read_file(path)
    raw = raw[raw["country"].notna()].copy()
    for col in ("iso_3166_2", "source_id", "name", "name_en", "alt_names", "type"):
        raw[col] = raw[col].fillna("").astype(str)
    iso = raw["iso_3166_2"]
    raw["code"] = iso.where(iso != "", raw["source_id"])
    names = raw[["name", "name_en", "alt_names"]].agg(
        lambda r: [r["name_en"], r["name"], *[a.strip() for a in r["alt_names"].split(";")]], axis=1)
    raw["_names"] = names
    rows = []
    for (country, code), group in raw.groupby(["country", "code"], sort=True):
        iso_name = _subdivision_name(group.iloc[0]["iso_3166_2"])     # the ISO name ("Sughd"; NE says "Khujand")
        all_names = [n for ns in group["_names"] for n in ns if n] + ([iso_name] if iso_name else [])
        all_names = list(dict.fromkeys(all_names))
        first = group.iloc[0]
        name = (_subdivision_name(code) if len(group) > 1 else None) or first["name_en"] or first["name"] or code
        rows.append({
            "country": country, "iso_3166_2": first["iso_3166_2"] or "",
            "iso_3166_2_legacy": "" if first["iso_3166_2"] else code,
            "name_en": name, "aliases": "|".join(n for n in all_names if n != name),
            "unit_type": first["type"].lower() or "region",
            "geometry": shapely.union_all(group.geometry.values) if len(group) > 1 else first.geometry,
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def read_cities(path: Path) -> pl.DataFrame:
    """cities500.json as a frame: one row per place, alternate names filtered and joined with '|'."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = list(data.values())
    frame = pl.DataFrame({
        "geonameid": [str(r["geonameid"]) for r in rows],
        "name": [r["name"] for r in rows],
        "alt": [r.get("alternatenames") or [] for r in rows],
        "lat": [float(r["latitude"]) for r in rows],
        "lon": [float(r["longitude"]) for r in rows],
        "country": [r["countrycode"] for r in rows],
        "population": [int(r.get("population") or 0) for r in rows],
        "geonames_admin1": [str(r.get("admin1code") or "") for r in rows],
    })
    alt = (frame.select("geonameid", "name", "alt").explode("alt", empty_as_null=True).drop_nulls("alt")
           .filter(pl.col("alt").str.contains(_KEEP_NAME) & (pl.col("alt") != pl.col("name"))
                   & (pl.col("alt") != pl.col("alt").str.to_lowercase())
                   & ~pl.col("alt").str.contains(r"^[A-Z0-9]{2,5}$")
                   & (pl.col("alt").str.count_matches(" ") < MAX_NAME_WORDS))
           .group_by("geonameid", maintain_order=True).agg(pl.col("alt").unique(maintain_order=True).str.join("|")))
    return frame.drop("alt").join(alt.rename({"alt": "alt_names"}), on="geonameid", how="left")


def _capitals(countries_json: Path | None) -> set[tuple[str, str]]:
    if countries_json is None or not countries_json.is_file():
        return set()
    data = json.loads(countries_json.read_text(encoding="utf-8"))
    return {(c["iso"], c["capital"]) for c in data.values() if c.get("capital")}


def place_codes(places: pl.DataFrame, units: gpd.GeoDataFrame) -> pl.Series:
    """The admin-1 code of each place: the unit of its own country that holds it, else the nearest one
    within NEAREST_DEG (generalised coasts); null when neither."""
    points = gpd.GeoDataFrame({"_i": np.arange(places.height), "country": places["country"].to_list()},
                              geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs=4326)
    layer = units[["country", "code", "geometry"]].rename(columns={"country": "unit_country"})
    joined = gpd.sjoin(points, layer, how="inner", predicate="within")
    joined = joined[joined["country"] == joined["unit_country"]]
    codes = np.full(places.height, None, dtype=object)
    codes[joined["_i"].to_numpy()] = joined["code"].to_numpy()
    missing = np.flatnonzero(codes == None)  # noqa: E711
    if len(missing):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)    # distances in degrees are what is wanted here
            near = gpd.sjoin_nearest(points.iloc[missing], layer, how="inner", max_distance=NEAREST_DEG)
        near = near[near["country"] == near["unit_country"]].sort_values("index_right")
        near = near[~near["_i"].duplicated(keep="first")]
        codes[near["_i"].to_numpy()] = near["code"].to_numpy()
    return pl.Series("admin1_iso", codes.tolist(), dtype=pl.Utf8)


def build_world(admin1_path: Path, cities_path: Path, out: Path, countries_json: Path | None = None) -> dict:
    """Write the world layer into `out`; returns counts for the install log."""
    units = read_admin1(admin1_path)
    units["code"] = [i or legacy for i, legacy in zip(units["iso_3166_2"], units["iso_3166_2_legacy"], strict=True)]
    (out / "admin1").mkdir(parents=True, exist_ok=True)
    (out / "places").mkdir(parents=True, exist_ok=True)
    for country, group in units.groupby("country", sort=True):
        group.drop(columns=["code"]).to_file(out / "admin1" / f"{country}.geojson", driver="GeoJSON",
                                            COORDINATE_PRECISION=5, RFC7946="YES")
    outlines = units.dissolve("country").reset_index()
    outlines["geometry"] = shapely.set_precision(
        shapely.coverage_simplify(outlines.geometry.values, OUTLINE_TOLERANCE_DEG), 1e-3)
    outlines = outlines[~outlines.geometry.is_empty]
    gpd.GeoDataFrame({"country": outlines["country"], "name": [country_name(c) for c in outlines["country"]]},
                     geometry=outlines.geometry.values, crs=4326).to_file(
        out / "countries.geojson", driver="GeoJSON", COORDINATE_PRECISION=3, RFC7946="YES")

    places = read_cities(cities_path)
    capitals = _capitals(countries_json)
    capital_frame = pl.DataFrame(sorted(capitals), schema=["country", "name"], orient="row").with_columns(
        pl.lit("PPLC").alias("feature_code"))
    places = (places.with_columns(place_codes(places, units), pl.col("lat").round(5), pl.col("lon").round(5))
              .join(capital_frame, on=["country", "name"], how="left")
              .with_columns(pl.col("feature_code").fill_null("")))
    for (country,), group in places.sort("geonameid").partition_by("country", as_dict=True).items():
        group.select(PLACE_COLUMNS).write_csv(out / "places" / f"{country}.csv")
    crosswalk = (places.filter(pl.col("admin1_iso").is_not_null() & (pl.col("geonames_admin1") != "")
                               & (pl.col("geonames_admin1") != "00"))
                 .group_by("country", "geonames_admin1", "admin1_iso")
                 .agg((pl.col("population") + 1).sum().alias("people"), pl.len().alias("n"))
                 .sort(["country", "geonames_admin1", "people", "admin1_iso"], descending=[False, False, True, False])
                 .group_by("country", "geonames_admin1", maintain_order=True)
                 .agg(pl.col("admin1_iso").first(), (pl.col("people").first() / pl.col("people").sum()).round(3)
                      .alias("share"), pl.col("n").sum().alias("places")))
    crosswalk.write_csv(out / "admin1_codes.csv")
    landmarks = places.filter((pl.col("population") >= LANDMARK_POPULATION) | (pl.col("feature_code") == "PPLC"))
    landmarks.select("country", "name", "alt_names", "population", "feature_code").sort(
        "population", descending=True).write_csv(out / "landmarks.csv")
    return {"countries": int(units["country"].nunique()), "units": len(units), "places": places.height,
            "landmarks": landmarks.height, "admin1_codes": crosswalk.height}
