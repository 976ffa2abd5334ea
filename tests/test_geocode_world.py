"""Every country: the team's test inbox (25 countries; coordinates, admin-1 names only, towns only) gets its
regions from the world layer, each country gets its map, and texts name their countries."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

from flows.geocode import geocode_mentions, geocode_places
from flows.geocode.countries import COUNTRIES_FILE, build_countries_file, countries_in_text, text_country

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from geo_inbox import DEFAULT_INBOX, geocoded_inbox, score  # noqa: E402


@pytest.fixture(scope="module")
def scored():
    return score(DEFAULT_INBOX, DEFAULT_INBOX / "truth.csv")


def test_test_inbox_is_of_the_promised_make(scored):
    rows, _ = scored
    assert rows["admin1_iso"].str.slice(0, 2).n_unique() >= 15
    kinds = set(rows["kind"])
    assert kinds == {"coordinates and admin1 name", "coordinates and FIPS ADM1 code", "admin1 name only",
                     "town and country only"}


def test_right_region_for_95_percent_of_records(scored):
    rows, summary = scored
    overall = summary.filter(pl.col("kind") == "all")["share"].item()
    wrong = rows.filter(~pl.col("right")).select("file", "row_number", "admin1_iso", "got").rows()
    assert overall >= 0.95, wrong
    assert summary.filter(pl.col("kind") != "all")["share"].min() >= 0.9, summary


def test_each_country_of_the_inbox_has_its_map(tmp_path):
    from flows.config import Settings
    from flows.publish import publish

    events = geocoded_inbox(DEFAULT_INBOX).with_columns(pl.col("mention_id").alias("event_id"))
    result = publish(events, tmp_path, Settings())
    countries = set(events["country"])
    assert len(countries) >= 15 and result.notes == []
    for country in countries:
        assert (tmp_path / f"country_{country.lower()}.html").is_file(), country
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == len(countries) + 1


def test_place_names_resolve_in_their_country_without_coordinates():
    got = geocode_places(["Nukus", "Khorog", "Gyumri", "Osh"], country=None)
    assert got["admin1_iso"].to_list()[0] == "UZ-QR"          # a large town names its country
    got = geocode_mentions(pl.DataFrame({"location_text": ["Khorog", "Gyumri", "Osh", "Osh"],
                                         "country": ["TJ", "AM", "KG", "KZ"]}))
    assert got["admin1_iso"].to_list()[:3] == ["TJ-GB", "AM-SH", "KG-O"]
    assert got["admin1_iso"].to_list()[3] != "KG-O"           # in a Kazakh report Osh is not the Kyrgyz city


def test_acled_admin1_name_backs_up_an_unknown_town():
    got = geocode_mentions(pl.DataFrame({"location_text": ["Xyzzyville", "Aksu"], "admin1_text": ["Adjara", "Sughd"],
                                         "country": ["GE", "TJ"]}))
    assert got["admin1_iso"].to_list() == ["GE-AJ", "TJ-SU"]


def test_an_iso_code_as_the_named_region():
    got = geocode_mentions(pl.DataFrame({"admin1_text": ["KG-Y", "GE-TB"], "country": ["KG", "GE"]}))
    assert got["admin1_iso"].to_list() == ["KG-Y", "GE-TB"]


@pytest.mark.parametrize(("text", "country"), [
    ("Police in Osh detained 12 Kyrgyz activists; a court in Bishkek later fined them.", "KG"),
    ("Residents of Nukus rallied against the amendments.", "UZ"),               # a large town only
    ("Thousands marched through Tbilisi against the bill.", "GE"),
    ("Georgian police used water cannon outside parliament.", "GE"),
    ("The Kazakh authorities said 238 people died.", "KZ"),
    ("Protesters in Yerevan blocked streets; Armenian police detained hundreds.", "AM"),
    ("Belarusian riot police detained thousands in Minsk and Grodno.", "BY"),
])
def test_text_country(text, country):
    assert text_country(text) == country


def test_countries_in_text_lists_every_country_with_its_evidence():
    found = countries_in_text("Kyrgyz border guards and Tajik troops clashed near Isfara; Russia called for calm.")
    codes = [m.country for m in found]
    assert set(codes) >= {"KG", "TJ", "RU"}
    kg = next(m for m in found if m.country == "KG")
    assert kg.names == 1 and "Kyrgyz" in kg.words


def test_ambiguous_words_alone_name_no_country():
    assert countries_in_text("We ate turkey in Jordan's kitchen. Chad said so.") == []
    assert countries_in_text("the china shop") == []


def test_countries_file_is_up_to_date():
    """schemas/geo/countries.yaml is what `python -m flows.geocode.countries --build` writes."""
    assert COUNTRIES_FILE.read_text(encoding="utf-8") == build_countries_file()


def test_gdelt_fips_adm1_codes_map_to_iso_3166_2():
    from flows.geocode.fips import fips_admin1_to_iso

    got = fips_admin1_to_iso(pl.Series(["KG01", "GG51", "UZ09", "RS48", "TI01", "KZ99", "", None]))
    assert got.to_list() == ["KG-GB", "GE-TB", "UZ-QR", "RU-MOW", "TJ-GB", None, None, None]


def test_units_without_an_iso_code_give_no_code_but_keep_the_place():
    """Natural Earth has Latvia's pre-2021 municipalities (no current ISO code): a point there keeps its place,
    and admin1_iso stays empty rather than carrying Natural Earth's own unit code."""
    got = geocode_mentions(pl.DataFrame({"lat": [56.984, 56.95], "lon": [21.585, 24.11], "geo_precision": ["place"] * 2,
                                         "country": ["LV", "LV"]}))      # Alsunga (NE LVA-5710), Riga
    assert got["geo_precision"].to_list() == ["place", "place"]
    assert got["admin1_iso"].to_list() == [None, "LV-RIX"]                # Riga is a state city with its code
