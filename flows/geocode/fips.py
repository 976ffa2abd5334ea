"""GDELT's FIPS 10-4 ADM1 codes ("KG01") to ISO 3166-2 ("KG-GB").

The table is built at install time (installed/world/admin1_codes.csv): for each GeoNames admin-1 code, the
ISO unit that holds most of its places. GeoNames uses the FIPS 10-4 admin codes for most countries, so a
GDELT code is its FIPS country (schemas/sources/fips_country_codes.yaml) plus that admin code. Where GeoNames
uses another scheme (the United States, France, Belgium, Switzerland, ...) a code finds nothing and the
record keeps its place name and coordinates.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

from flows.config import GEO_ROOT
from flows.refdata import installed_root, require_installed, source_dict


@cache
def _table(geo_root: Path) -> pl.DataFrame:
    require_installed(geo_root)
    return pl.read_csv(installed_root(geo_root) / "world" / "admin1_codes.csv", infer_schema_length=0).select(
        pl.col("country").alias("_iso_country"), pl.col("geonames_admin1").alias("_admin"),
        pl.col("admin1_iso").alias("_iso"))


def fips_admin1_to_iso(codes: pl.Series, geo_root: Path = GEO_ROOT) -> pl.Series:
    """ISO 3166-2 code of each FIPS ADM1 code (null when unknown), in order."""
    countries = {str(k): str(v) for k, v in source_dict("fips_country_codes").items()}
    frame = pl.DataFrame({"code": codes.cast(pl.Utf8).str.strip_chars()}).with_row_index("_i").with_columns(
        pl.col("code").str.slice(0, 2).replace_strict(countries, default=None, return_dtype=pl.Utf8)
        .alias("_iso_country"),
        pl.col("code").str.slice(2).alias("_admin"))
    joined = frame.join(_table(Path(geo_root)), on=["_iso_country", "_admin"], how="left").sort("_i")
    return joined["_iso"].alias("admin1_iso")
