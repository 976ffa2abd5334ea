"""Counts as ranges and country codes, as the dataset readers use them."""

from __future__ import annotations

import polars as pl
import pytest

from flows.ingest.datasets.countries import country_name_to_alpha2, fips_to_alpha2, iso_numeric_to_alpha2
from flows.ingest.datasets.counts import count_ranges, parse_count


@pytest.mark.parametrize(("text", "expected"), [
    ("100s", (100, 999)), ("1000s", (1000, 9999)), ("dozens", (24, 99)), ("hundreds", (200, 999)),
    ("thousands", (2000, 9999)), ("tens of thousands", (20000, 99999)), ("several hundred", (300, 999)),
    ("4000 arrested", (4000, 4000)), ("between 100 and 200", (100, 200)), ("50-99", (50, 99)),
    ("around 50", (40, 60)), (">10000", (10001, None)), ("50+", (50, None)), ("at least 20", (20, None)),
    ("3,000", (3000, 3000)), ("up to 300", (1, 300)), ("no report", (None, None)), ("", (None, None)),
    (None, (None, None)), ("many colourful banners", (None, None)),
])
def test_parse_count(text: str | None, expected: tuple) -> None:
    assert parse_count(text) == expected


def test_count_ranges_keeps_row_order() -> None:
    out = count_ranges(pl.Series(["dozens", None, "100s", "dozens"]), "participants")
    assert out.columns == ["participants_low", "participants_high"]
    assert out.rows() == [(24, 99), (None, None), (100, 999), (24, 99)]


def test_country_codes() -> None:
    assert iso_numeric_to_alpha2(pl.Series(["398", "643", "999", None])).to_list() == ["KZ", "RU", None, None]
    assert fips_to_alpha2(pl.Series(["KZ", "RS", "UP", "KG", "XX"])).to_list() == ["KZ", "RU", "UA", "KG", None]
    names = country_name_to_alpha2(pl.Series(["Kazakhstan", "Kyrgyzstan", "Congo Kinshasa"]), {"Congo Kinshasa": "CD"})
    assert names.to_list() == ["KZ", "KG", "CD"]
