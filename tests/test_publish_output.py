"""publish(): files, determinism, self-containedness and escaping of the generated pages."""

import re
from pathlib import Path

import polars as pl
import pytest

from flows.config import Settings
from flows.publish import event_countries, publish
from flows.publish.assets import json_for_html

FIXTURE = Path(__file__).parent / "fixtures" / "publish" / "events.csv"
REMOTE_RESOURCE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def events():
    return pl.read_csv(FIXTURE, infer_schema_length=0)


@pytest.fixture(scope="module")
def published(events, tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    return out, publish(events, out, Settings())


def test_writes_every_page(published):
    out, result = published
    names = sorted(p.name for p in result.written)
    assert names == ["country_kz.html", "country_kz_2016.html", "country_kz_2018.html", "country_uz.html",
                     "index.html", "timeline.html", "timeline.png", "world.html"]
    assert result.unchanged == []
    assert (out / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.notes == []            # Uzbekistan has no pack: the world layer gives it its map


def test_second_publish_is_byte_identical_and_rewrites_nothing(events, published, tmp_path):
    out, _ = published
    again = publish(events, tmp_path, Settings())
    for path in again.written:
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name
    third = publish(events, tmp_path, Settings())
    assert third.written == []
    assert sorted(p.name for p in third.unchanged) == sorted(p.name for p in again.written)


@pytest.mark.parametrize("name", ["index.html", "world.html", "country_kz.html", "country_kz_2016.html",
                                  "country_kz_2018.html", "country_uz.html", "timeline.html"])
def test_pages_reference_no_remote_resource(published, name):
    html = (published[0] / name).read_text(encoding="utf-8")
    assert not REMOTE_RESOURCE.findall(html)
    for cdn in ("cdn.jsdelivr", "code.jquery", "cdnjs", "bootstrapcdn", "tile.openstreetmap"):
        assert cdn not in html


@pytest.mark.parametrize("name", ["index.html", "country_kz.html", "timeline.html", "world.html"])
def test_source_text_never_appears_as_markup(published, name):
    html = (published[0] / name).read_text(encoding="utf-8")
    for raw in ("<script>window.__xss", "<img src=x", "<b>Almaty</b>"):
        assert raw not in html
    # the JSON keeps the text (escaped), so the page can show it as text
    if name == "country_kz.html":
        assert "\\u003cscript\\u003ewindow.__xss = 1\\u003c/script\\u003e" in html
        assert "{{ 7*7 }}" in html                            # not evaluated by the template engine


def test_division_note_names_the_division(published):
    html = (published[0] / "country_kz_2016.html").read_text(encoding="utf-8")
    assert "Regions: 2016 division (in force until 2018-06-18)" in html
    assert "Regions: 2018 division (in force 2018-06-19 to 2022-06-07)" in (
        published[0] / "country_kz_2018.html").read_text(encoding="utf-8")
    assert "Regions: current division (in force since 2022-06-08)" in (
        published[0] / "country_kz.html").read_text(encoding="utf-8")


def test_tiles_only_when_asked_for(events, tmp_path):
    settings = Settings(map_tiles=True, tile_url="https://tiles.example.org/{z}/{x}/{y}.png")
    publish(events, tmp_path, settings)
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in (tmp_path / "country_kz.html").read_text()


def test_no_events_still_gives_pages(tmp_path):
    result = publish(pl.DataFrame({"event_id": [], "event_type": []}, schema={"event_id": pl.Utf8,
                                                                             "event_type": pl.Utf8}),
                     tmp_path, Settings())
    assert (tmp_path / "index.html").is_file() and (tmp_path / "world.html").is_file()
    assert sorted(p.name for p in result.written) == ["index.html", "timeline.html", "timeline.png", "world.html"]


def test_country_comes_from_the_iso_code_when_missing(events):
    countries = event_countries(events.with_columns(pl.lit(None, dtype=pl.Utf8).alias("country")))
    assert countries.to_list().count("KZ") == 13
    assert countries.to_list().count("UZ") == 1


def test_json_for_html_escapes_markup_characters():
    text = json_for_html({"q": "</script><img src=x onerror=alert(1)> & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text


def test_every_country_with_events_gets_its_maps_and_the_index_lists_them(events, tmp_path):
    """Pack countries get a map per division, every other country its world-layer map; nothing assumes KZ."""
    more = pl.DataFrame({"event_id": ["g1", "g2", "q1"], "event_type": ["protest", "detention", "protest"],
                         "date_start": ["2023-03-07", "2023-03-08", "2023-01-01"], "country": ["GE", "GE", "QQ"],
                         "lat": ["41.69", "41.69", None], "lon": ["44.80", "44.80", None],
                         "geo_precision": ["place", "place", "country"], "place_name": ["Tbilisi"] * 2 + [None]})
    result = publish(pl.concat([events, more], how="diagonal"), tmp_path, Settings())
    names = {p.name for p in result.written}
    assert {"country_ge.html", "country_uz.html", "country_kz.html", "country_kz_2016.html"} <= names
    assert "country_ge_2016.html" not in names                    # the world layer has one division
    assert result.notes == ["1 event of country QQ: no country pack and not in the world layer, so on no map"]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for expected in ("Georgia", 'href="country_ge.html"', "world layer", "country pack", "2023-03-07 to 2023-03-08",
                     "Made with Natural Earth", "GeoNames", "geokz", "Bureau of National Statistics"):
        assert expected in index
    assert "1 event of country QQ" in index
    world = (tmp_path / "world.html").read_text(encoding="utf-8")
    assert "country_ge.html" in world and "Made with Natural Earth" in world


def test_page_size_is_bounded_by_places_not_events(tmp_path):
    """Markers: at most MAX_PLACES places per page, the busiest, whatever the number of events."""
    from flows.publish.markers import MAX_PLACES

    n = MAX_PLACES + 500
    many = pl.DataFrame({"event_id": [f"e{i}" for i in range(n)], "event_type": "protest", "date_start": "2022-01-05",
                         "country": "KZ", "geo_precision": "place", "lat": [43.0 + i * 1e-3 for i in range(n)],
                         "lon": 76.9, "place_name": [f"P{i}" for i in range(n)]})
    publish(many, tmp_path, Settings())
    html = (tmp_path / "country_kz.html").read_text(encoding="utf-8")
    assert f'"placesShown":{MAX_PLACES}' in html and f'"placesTotal":{n}' in html
