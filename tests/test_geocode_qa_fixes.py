"""Regressions from the QA pass on the geocoder: a record known only to the country gets no region from its
coordinates (a country centroid), coordinates abroad are flagged and kept, and a name a place bore only for
some years (pack `historical_names`) points at it only in those years."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from flows.geocode import geocode_mentions, geocode_places, load_gazetteer
from flows.model import MENTION_SCHEMA


def mentions(**columns) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    columns.setdefault("country", ["KZ"] * n)
    return pl.DataFrame(columns, schema={k: MENTION_SCHEMA[k] for k in columns})


def test_country_precision_coordinates_give_no_region_and_no_point():
    df = mentions(lat=[48.0, 48.0, 48.0], lon=[68.0, 68.0, 68.0], geo_precision=["country", "place", None],
                  date_start=[date(2022, 1, 5)] * 3)
    out = geocode_mentions(df)
    country = out.row(0, named=True)
    assert (country["geo_precision"], country["lat"], country["lon"]) == ("country", None, None)
    assert (country["admin1_iso"], country["admin1_iso_at_event"], country["geo_flag"]) == (None, None, None)
    # The same point given as a place is placed in its region: only the precision makes the difference.
    assert out["admin1_iso"].to_list()[1:] == ["KZ-62", "KZ-62"]
    assert geocode_mentions(out).equals(out)                      # a re-run changes nothing


def test_country_precision_without_a_pack_keeps_no_point():
    df = mentions(lat=[41.3, 41.3], lon=[69.2, 69.2], geo_precision=["country", "place"], country=["UZ", "UZ"])
    out = geocode_mentions(df)
    assert out["lat"].to_list() == [None, 41.3]
    assert out["geo_precision"].to_list() == ["country", "place"]


def test_coordinates_abroad_are_flagged_and_kept():
    out = geocode_mentions(mentions(lat=[41.31], lon=[69.28], geo_precision=["place"],
                                    location_text=["Almaty"])).row(0, named=True)
    assert (out["lat"], out["lon"], out["geo_precision"]) == (41.31, 69.28, "place")
    assert "coords_outside_country" in out["geo_flag"].split(";")


@pytest.mark.parametrize(("day", "code", "precision"), [
    (date(2019, 3, 1), "KZ-11", "admin1"),     # Akmola Region (the capital was Astana)
    (date(1996, 6, 1), "KZ-71", "place"),      # the capital, then named Akmola
    (None, "KZ-11", "admin1"),                 # undated: read as of today
])
def test_akmola_means_the_capital_only_in_1992_to_1998(day, code, precision):
    got = geocode_places(["Akmola"], [day], country="KZ").row(0, named=True)
    assert (got["admin1_iso"], got["geo_precision"]) == (code, precision)


def test_dated_names_do_not_touch_other_names():
    days = [date(2019, 3, 1), date(1996, 6, 1)]
    for query in ("Astana", "Tselinograd"):
        got = geocode_places([query] * 2, days, country="KZ")
        assert got["admin1_iso"].to_list() == ["KZ-71", "KZ-71"], query
    # The text's own words still decide, and an old name nothing else bears still finds its place.
    got = geocode_places(["Akmola city", "Akmola oblast", "Ak-Mola"], [date(2019, 3, 1)] * 3, country="KZ")
    assert got["admin1_iso"].to_list() == ["KZ-71", "KZ-11", "KZ-71"]
    mixed = geocode_mentions(mentions(location_text=["Akmola", "Akmola", "Almaty"],
                                      date_start=[date(2019, 3, 1), date(1996, 6, 1), date(2019, 3, 1)]))
    assert mixed["admin1_iso"].to_list() == ["KZ-11", "KZ-71", "KZ-75"]


def test_historical_names_come_from_the_pack():
    dated = load_gazetteer("KZ").dated_names
    assert set(dated["skel"]) >= {"akmola"}
    assert set(dated.filter(pl.col("skel") == "akmola")[["year_from", "year_to"]].rows()) == {(1992, 1998)}
