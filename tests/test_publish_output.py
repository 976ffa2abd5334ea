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
    assert names == ["index.html", "regions_2016.html", "regions_2018.html", "timeline.html", "timeline.png"]
    assert result.unchanged == []
    assert (out / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any("UZ" in note for note in result.notes)     # a country without a pack is reported, not dropped


def test_second_publish_is_byte_identical_and_rewrites_nothing(events, published, tmp_path):
    out, _ = published
    again = publish(events, tmp_path, Settings())
    for path in again.written:
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name
    third = publish(events, tmp_path, Settings())
    assert third.written == []
    assert sorted(p.name for p in third.unchanged) == sorted(p.name for p in again.written)


@pytest.mark.parametrize("name", ["index.html", "regions_2016.html", "regions_2018.html", "timeline.html"])
def test_pages_reference_no_remote_resource(published, name):
    html = (published[0] / name).read_text(encoding="utf-8")
    assert not REMOTE_RESOURCE.findall(html)
    for cdn in ("cdn.jsdelivr", "code.jquery", "cdnjs", "bootstrapcdn", "tile.openstreetmap"):
        assert cdn not in html


@pytest.mark.parametrize("name", ["index.html", "timeline.html"])
def test_source_text_never_appears_as_markup(published, name):
    html = (published[0] / name).read_text(encoding="utf-8")
    for raw in ("<script>window.__xss", "<img src=x", "<b>Almaty</b>"):
        assert raw not in html
    # the JSON keeps the text (escaped), so the page can show it as text
    if name == "index.html":
        assert "\\u003cscript\\u003ewindow.__xss = 1\\u003c/script\\u003e" in html
        assert "{{ 7*7 }}" in html                            # not evaluated by the template engine


def test_division_note_names_the_division(published):
    html = (published[0] / "regions_2016.html").read_text(encoding="utf-8")
    assert "Regions: 2016 division (in force until 2018-06-18)" in html
    assert "Regions: 2018 division (in force 2018-06-19 to 2022-06-07)" in (
        published[0] / "regions_2018.html").read_text(encoding="utf-8")
    assert "Regions: current division (in force since 2022-06-08)" in (published[0] / "index.html").read_text()


def test_tiles_only_when_asked_for(events, tmp_path):
    settings = Settings(map_tiles=True, tile_url="https://tiles.example.org/{z}/{x}/{y}.png")
    publish(events, tmp_path, settings)
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in (tmp_path / "index.html").read_text()


def test_no_events_still_gives_pages(tmp_path):
    result = publish(pl.DataFrame({"event_id": [], "event_type": []}, schema={"event_id": pl.Utf8,
                                                                             "event_type": pl.Utf8}),
                     tmp_path, Settings())
    assert (tmp_path / "index.html").is_file() and (tmp_path / "timeline.png").is_file()
    assert len(result.written) == 5


def test_country_comes_from_the_iso_code_when_missing(events):
    countries = event_countries(events.with_columns(pl.lit(None, dtype=pl.Utf8).alias("country")))
    assert countries.to_list().count("KZ") == 13
    assert countries.to_list().count("UZ") == 1


def test_json_for_html_escapes_markup_characters():
    text = json_for_html({"q": "</script><img src=x onerror=alert(1)> & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text


def test_every_pack_country_with_events_gets_its_maps(events, tmp_path):
    """A second pack (a copy of KZ's data under another code) gets index_<cc>.html; nothing assumes KZ."""
    import shutil

    import yaml

    from flows.config import GEO_ROOT

    geo = tmp_path / "geo"
    shutil.copytree(GEO_ROOT / "KZ", geo / "KZ", ignore=shutil.ignore_patterns("alt"))
    shutil.copytree(GEO_ROOT / "KZ", geo / "XX", ignore=shutil.ignore_patterns("alt"))
    spec = yaml.safe_load((geo / "XX" / "pack.yaml").read_text())
    spec.update(country="XX", name="Testland")
    (geo / "XX" / "pack.yaml").write_text(yaml.safe_dump(spec))
    more = events.with_columns(pl.lit("XX").alias("country"), pl.lit(None).alias("admin1_iso"))
    result = publish(pl.concat([events, more.head(3)]), tmp_path / "maps", Settings(), geo_root=geo)
    names = sorted(p.name for p in result.written)
    assert "index.html" in names and "index_xx.html" in names and "regions_xx_2016.html" in names
    assert "Testland" in (tmp_path / "maps" / "index_xx.html").read_text(encoding="utf-8")
