"""geocode_mentions on mention frames: rows kept in order, context, coordinates checked, flags, re-runs."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from flows.geocode import geocode_mentions, geocode_places, places_frame, region_name, regions_frame
from flows.model import MENTION_COLUMNS, MENTION_SCHEMA


def mentions(**columns) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    columns.setdefault("country", ["KZ"] * n)
    schema = {k: MENTION_SCHEMA[k] for k in columns}
    return pl.DataFrame(columns, schema=schema)


def test_rows_kept_in_order_with_all_columns():
    df = mentions(location_text=["Zhanaozen", None, "Xyzzyville", "Almaty", "Zhanaozen"],
                  date_start=[date(2011, 12, 16), None, date(2020, 1, 1), None, date(2011, 12, 16)],
                  mention_id=["a", "b", "c", "d", "e"])
    out = geocode_mentions(df)
    assert out.columns == MENTION_COLUMNS
    assert out["mention_id"].to_list() == ["a", "b", "c", "d", "e"]
    assert out["place_name"].to_list() == ["Zhanaozen", None, None, "Almaty", "Zhanaozen"]
    assert out["geo_precision"].to_list() == ["place", "country", "country", "place", "place"]


def test_unresolved_place_is_kept_and_flagged():
    out = geocode_mentions(mentions(location_text=["Xyzzyville"], quote=["Police detained five in Xyzzyville."]))
    row = out.row(0, named=True)
    assert row["location_text"] == "Xyzzyville"
    assert row["geo_precision"] == "country" and row["geo_flag"] == "unresolved_place"
    assert row["lat"] is None and row["admin1_iso"] is None


@pytest.mark.parametrize("text", ["nationwide", "across Kazakhstan", "various towns", "Kazakhstan",
                                  "throughout the country", "several cities"])
def test_country_level_texts_guess_no_city(text):
    row = geocode_mentions(mentions(location_text=[text])).row(0, named=True)
    assert (row["geo_precision"], row["place_name"], row["lat"], row["geo_flag"]) == ("country", None, None, None)


@pytest.mark.parametrize("text", ["London High Court", "a French court", "Moscow", "Bishkek, Kyrgyzstan"])
def test_place_abroad_is_not_a_kazakh_place(text):
    row = geocode_mentions(mentions(location_text=[text])).row(0, named=True)
    assert row["geo_precision"] == "country" and row["admin1_iso"] is None
    assert row["geo_flag"] == "place_abroad"


def test_region_word_decides_region_or_city():
    got = geocode_places(["Almaty Region", "Almaty oblast", "Almaty", "city of Almaty", "Алматинская область",
                          "Almaty district"], country="KZ")
    assert got["geo_precision"].to_list() == ["admin1", "admin1", "place", "place", "admin1", "admin2"]
    assert got["admin1_iso"].to_list() == ["KZ-19", "KZ-19", "KZ-75", "KZ-75", "KZ-19", "KZ-71"]


def test_region_point_is_inside_the_region():
    row = geocode_places(["Mangystau Region"], country="KZ").row(0, named=True)
    assert row["geo_precision"] == "admin1" and row["admin1_iso"] == "KZ-47"
    assert 40 < row["lat"] < 46 and 50 < row["lon"] < 56


def test_region_named_in_the_quote_disambiguates():
    df = mentions(location_text=["Abay", "Abay", "Abay"],
                  quote=["A strike began in Abay, Karaganda region.",
                         "Residents of Abay in Turkistan region protested.", None],
                  admin1_text=[None, None, None])
    out = geocode_mentions(df)
    assert out["admin1_iso"].to_list() == ["KZ-35", "KZ-61", "KZ-10"]
    assert out["geo_precision"].to_list() == ["place", "place", "admin1"]


def test_admin1_text_disambiguates_and_backs_up():
    df = mentions(location_text=["Aksu", "Aksu", "Unknownovka"], admin1_text=["Turkistan", "Pavlodar", "Aktobe"])
    out = geocode_mentions(df)
    assert out["admin1_iso"].to_list() == ["KZ-61", "KZ-55", "KZ-15"]
    assert out["geo_precision"].to_list() == ["place", "place", "admin1"]
    assert out["geo_flag"].to_list() == [None, None, "unresolved_place"]


def test_misspelling_fuzzy_but_not_short_strings():
    got = geocode_places(["Karagnda", "Ust Kamenogorks", "Taldykorgn", "Aktu", "Xyz"], country="KZ")
    assert got["place_name"].to_list() == ["Karagandy", "Ust-Kamenogorsk", "Taldykorgan", None, None]


def test_place_with_its_region_in_the_same_text():
    got = geocode_places(["Zhanaozen, Mangystau region", "Temirtau, Karaganda oblast", "Almaty and Astana"],
                         country="KZ")
    assert got["place_name"].to_list() == ["Zhanaozen", "Temirtau", None]
    assert got["admin1_iso"].to_list() == ["KZ-47", "KZ-35", None]
    out = geocode_mentions(mentions(location_text=["Almaty and Astana"]))
    assert out["geo_flag"].item() == "multiple_places"


def test_name_inside_a_longer_string():
    got = geocode_places(["Baikonur cosmodrome", "a court in Almaty", "Karaganda (Qaraghandy)", "the May Day rally",
                          "Almaty courthouse and Moscow"], country="KZ")
    assert got["place_name"].to_list() == ["Baikonur", "Almaty", "Karagandy", None, None]


def test_places_extra_file_adds_missing_towns():
    row = geocode_places(["Kaskelen"], country="KZ").row(0, named=True)
    assert (row["place_name"], row["admin1_iso"], row["geo_precision"]) == ("Kaskelen", "KZ-19", "place")


def test_given_coordinates_are_checked_and_kept():
    df = mentions(
        location_text=["Zhanaozen", "Zhanaozen", "Almaty", None],
        admin1_text=["Mangystau", "Mangystau", "Almaty", None],
        lat=[43.34, 51.18, 55.75, 43.25], lon=[52.86, 71.45, 37.62, 76.91],  # ok, Astana, Moscow, Almaty
        geo_precision=["place", "place", "place", None],
        date_start=[date(2011, 12, 16)] * 4,
    )
    out = geocode_mentions(df)
    assert out["lat"].to_list() == [43.34, 51.18, 55.75, 43.25]       # never overwritten
    assert out["lon"].to_list() == [52.86, 71.45, 37.62, 76.91]
    flags = out["geo_flag"].to_list()
    assert flags[0] is None
    assert "coords_outside_named_region" in flags[1] and "coords_far_from_named_place" in flags[1]
    assert "coords_outside_country" in flags[2]
    assert flags[3] is None
    assert out["admin1_iso"].to_list() == ["KZ-47", "KZ-71", "KZ-75", "KZ-75"]
    assert out["geo_precision"].to_list() == ["place", "place", "place", "place"]


def test_boundary_vintage_follows_the_date():
    df = mentions(location_text=["Shymkent"] * 3, date_start=[date(2018, 6, 18), date(2018, 6, 19), None])
    out = geocode_mentions(df)
    assert out["admin1_iso_at_event"].to_list() == ["KZ-YUZ", "KZ-79", "KZ-79"]
    assert out["admin1_iso"].to_list() == ["KZ-79"] * 3


def test_country_without_pack_uses_the_world_layer_and_unknown_country_keeps_what_it_has():
    df = mentions(location_text=["Bishkek", "Osh", "Osh"], country=["KG", None, "KG"], lat=[42.87, None, None],
                  lon=[74.59, None, None])
    out = geocode_mentions(df)
    assert out["geo_precision"].to_list() == ["place", "country", "place"]
    assert out["lat"].to_list()[:2] == [42.87, None]
    assert out["admin1_iso"].to_list() == ["KG-GB", None, "KG-O"]      # Osh in Kyrgyzstan, not a Kazakh village


def test_rerun_changes_nothing():
    df = mentions(location_text=["Zhanaozen", "Abai Region", "South Kazakhstan", "Xyzzyville", "nationwide",
                                 "Almaty and Astana"],
                  date_start=[date(2011, 12, 16), date(2020, 1, 1), date(2017, 1, 1), None, None, None],
                  admin1_text=[None, None, None, "Aktobe", None, None])
    once = geocode_mentions(df)
    assert geocode_mentions(once).equals(once)


def test_empty_frame():
    out = geocode_mentions(pl.DataFrame(schema=MENTION_SCHEMA))
    assert out.is_empty() and out.columns == MENTION_COLUMNS


def test_geocode_places_columns_and_dates():
    got = geocode_places(["Semey", "Semey"], dates=[date(2021, 1, 1), date(2023, 1, 1)])
    assert got.columns == ["query", "date", "place_name", "lat", "lon", "geo_precision", "admin1_iso",
                           "admin1_iso_at_event"]
    assert got["admin1_iso_at_event"].to_list() == ["KZ-63", "KZ-10"]
    with pytest.raises(ValueError):
        geocode_places(["Semey"], dates=[])


def test_reference_frames():
    regions = regions_frame()
    assert regions.columns == ["country", "vintage", "admin1_iso", "name_en", "valid_from", "valid_to", "aliases"]
    assert regions.group_by("vintage").len().sort("vintage")["len"].to_list() == [16, 17, 20]
    assert "KZ-YUZ" in regions.filter(pl.col("vintage") == "2016")["admin1_iso"].to_list()
    assert regions["admin1_iso"].null_count() == 0
    places = places_frame()
    assert places.columns == ["country", "place_id", "name", "lat", "lon", "population", "admin1_iso", "alt_names"]
    assert places.height == 351 + 2 and places["admin1_iso"].null_count() == 0   # kz_places.csv + extra
    assert region_name("KZ", "KZ-YUZ") == "South Kazakhstan Region"
    assert region_name("KZ", "KZ-XX") is None and region_name("ZZ", "KZ-10") is None
