"""Publishing into a folder of earlier pages: only the countries whose events changed are counted again, only
the pages whose data changed are written, a changed map is written without folium, and the result is always
byte for byte what a publish into an empty folder gives."""

from pathlib import Path

import duckdb
import polars as pl
import pytest

import flows.publish.page
import flows.publish.scope
import flows.publish.timeline
from flows.config import Settings
from flows.publish import publish
from flows.publish.state import STATE_NAME

FIXTURE = Path(__file__).parent / "fixtures" / "publish" / "events.csv"
PAGES = ["country_kz.html", "country_kz_2016.html", "country_kz_2018.html", "country_uz.html", "index.html",
         "timeline.html", "timeline.png", "world.html"]


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    return pl.read_csv(FIXTURE, infer_schema_length=0)


def _names(paths: list[Path]) -> list[str]:
    return sorted(p.name for p in paths)


def _pages(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != STATE_NAME}


@pytest.fixture
def maps(tmp_path) -> Path:
    return tmp_path / "maps"


def _refuse(*_args, **_kwargs):
    raise AssertionError("called although nothing it draws changed")


def _counted(monkeypatch) -> list[str]:
    """The countries whose events a publish counts (create_scope is called for each)."""
    calls: list[str] = []
    real = flows.publish.scope.create_scope

    def counting(con, country=None, pack=None):
        calls.append(country)
        return real(con, country, pack)

    monkeypatch.setattr(flows.publish.scope, "create_scope", counting)
    return calls


def test_the_same_events_again_count_and_draw_nothing(events, maps, monkeypatch):
    first = publish(events, maps, Settings())
    assert _names(first.written) == PAGES and (maps / STATE_NAME).is_file()
    counted = _counted(monkeypatch)
    monkeypatch.setattr(flows.publish.page, "render_shell", _refuse)
    monkeypatch.setattr(flows.publish.timeline, "timeline_png", _refuse)
    again = publish(events, maps, Settings())
    assert again.written == [] and _names(again.unchanged) == PAGES
    assert counted == []


def test_new_events_of_one_country_redraw_only_its_pages(events, maps, monkeypatch):
    publish(events, maps, Settings())
    kz_before = {n: (maps / n).stat() for n in PAGES if n.startswith("country_kz")}
    counted = _counted(monkeypatch)
    tashkent = pl.DataFrame({"event_id": ["uz_new"], "event_type": ["detention"], "date_start": ["2023-02-11"],
                             "country": ["UZ"], "geo_precision": ["place"], "place_name": ["Tashkent"],
                             "lat": ["41.2995"], "lon": ["69.2401"], "detained_low": ["12"]})
    more = pl.concat([events, tashkent], how="diagonal")
    result = publish(more, maps, Settings())
    assert counted == ["UZ"]
    assert _names(result.written) == ["country_uz.html", "index.html", "timeline.html", "timeline.png", "world.html"]
    for name, before in kz_before.items():                       # untouched: same file, same time
        after = (maps / name).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), name
    monkeypatch.undo()
    publish(more, maps.with_name("fresh"), Settings())
    assert _pages(maps) == _pages(maps.with_name("fresh"))


def test_a_changed_map_is_written_in_the_shell_of_the_page_it_replaces(events, maps, monkeypatch):
    """A review decision changes the counts of reviewed events: the maps are written again without folium."""
    publish(events, maps, Settings())
    monkeypatch.setattr(flows.publish.page, "render_shell", _refuse)
    reviewed = events.with_columns(pl.when(pl.col("event_id") == "e01").then(pl.lit("confirmed"))
                                   .alias("review_status"))
    result = publish(reviewed, maps, Settings())
    assert {"country_kz.html", "country_kz_2016.html", "country_kz_2018.html"} <= set(_names(result.written))
    assert "country_uz.html" in _names(result.unchanged)
    monkeypatch.undo()
    publish(reviewed, maps.with_name("fresh"), Settings())
    assert _pages(maps) == _pages(maps.with_name("fresh"))


def test_a_page_removed_or_edited_is_drawn_again(events, maps):
    publish(events, maps, Settings())
    expected = _pages(maps)
    (maps / "country_uz.html").unlink()
    (maps / "world.html").write_text("edited by hand")
    (maps / "timeline.png").write_bytes(b"not a png")
    result = publish(events, maps, Settings())
    assert _names(result.written) == ["country_uz.html", "timeline.png", "world.html"]
    assert _pages(maps) == expected


def test_a_country_without_events_loses_its_pages_and_files_of_yours_stay(events, maps):
    publish(events, maps, Settings())
    (maps / "country_kz.png").write_bytes(b"a screenshot the user made")
    result = publish(events.filter(pl.col("country") != "UZ"), maps, Settings())
    assert not (maps / "country_uz.html").exists()
    assert "country_uz.html" not in (maps / "index.html").read_text(encoding="utf-8")
    assert (maps / "country_kz.png").read_bytes() == b"a screenshot the user made"
    assert "country_uz.html" not in _names(result.written + result.unchanged)


def test_other_settings_draw_every_map_again(events, maps):
    publish(events, maps, Settings())
    tiles = Settings(map_tiles=True, tile_url="https://tiles.example.org/{z}/{x}/{y}.png")
    publish(events, maps, tiles)
    for name in ("country_kz.html", "country_kz_2016.html", "country_uz.html", "world.html"):
        assert "https://tiles.example.org/{z}/{x}/{y}.png" in (maps / name).read_text(encoding="utf-8"), name


def test_a_database_table_gives_the_pages_of_the_same_frame(events, maps):
    """A run publishes from the working database's events table; tools and tests from a frame."""
    from flows.publish.eventdata import PUBLISH_COLUMNS, conform_events

    con = duckdb.connect()
    frame = conform_events(events).select(PUBLISH_COLUMNS)
    con.register("frame", frame.reverse())               # another row order
    con.execute("CREATE TABLE events AS SELECT * FROM frame")
    publish(con, maps.with_name("db"), Settings())
    publish(events, maps.with_name("frame"), Settings())
    assert _pages(maps.with_name("db")) == _pages(maps.with_name("frame"))
