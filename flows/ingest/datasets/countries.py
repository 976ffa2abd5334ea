"""Country codes to ISO 3166-1 alpha-2: ACLED's numeric ISO codes and Mass Mobilization's names through
pycountry, GDELT's FIPS 10-4 codes through schemas/sources/fips_country_codes.yaml. One lookup per
distinct value, joined back."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pycountry

from flows.ingest.datasets.spec import source_spec


def _lookup(values: pl.Series, fn: Callable[[str], str | None]) -> pl.Series:
    distinct = values.unique().drop_nulls().to_list()
    table = {v: fn(v) for v in distinct}
    return values.replace_strict(table, default=None, return_dtype=pl.Utf8)


def _numeric(code: str) -> str | None:
    digits = code.strip().split(".")[0]
    if not digits.isdigit():
        return None
    country = pycountry.countries.get(numeric=digits.zfill(3))
    return country.alpha_2 if country else None


def _name(name: str, extra: dict[str, str], fuzzy: bool = True) -> str | None:
    name = name.strip()
    if name in extra:
        return extra[name]
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        pass
    if not fuzzy:
        return None
    try:
        found = pycountry.countries.search_fuzzy(name)
    except LookupError:
        return None
    return found[0].alpha_2 if len(found) == 1 else None


def iso_numeric_to_alpha2(values: pl.Series) -> pl.Series:
    """'398' -> 'KZ' (null when not an ISO 3166-1 numeric code)."""
    return _lookup(values, _numeric)


def country_name_to_alpha2(values: pl.Series, extra: dict[str, str] | None = None, fuzzy: bool = True
                           ) -> pl.Series:
    """'Kazakhstan' -> 'KZ'; `extra` names first, then pycountry (exact, then, with `fuzzy`, an unambiguous
    fuzzy match)."""
    extra = extra or {}
    return _lookup(values, lambda v: _name(v, extra, fuzzy))


def fips_to_alpha2(values: pl.Series) -> pl.Series:
    """FIPS 10-4 'KZ' -> 'KZ', 'RS' -> 'RU', 'UP' -> 'UA' (null when the code is not in the table)."""
    table = {str(k): str(v) for k, v in source_spec("fips_country_codes").items()}
    return values.str.strip_chars().replace_strict(table, default=None, return_dtype=pl.Utf8)
