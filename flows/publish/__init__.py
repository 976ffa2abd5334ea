"""Publish the events table as self-contained offline HTML maps and timelines.

Outputs in `maps_dir` (see `publish`):
  index.html                     the countries with events (events, dates, regions covered) and links
  world.html                     world overview: events per country
  country_<cc>.html              choropleth of one country on its CURRENT admin-1 division (every country with
                                 events: its country pack, else the world layer)
  country_<cc>_<vintage>.html    the same on each older division of a country pack (e.g. country_kz_2016.html)
  timeline.html, timeline.png    monthly counts by type, largest events annotated (all events)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from flows.config import GEO_ROOT, Settings
from flows.geo_packs import WORLD_DATASETS, Admin1Layer, CountryPack, pack, packs
from flows.publish.atomic import write_if_changed
from flows.publish.choropleth import map_payload
from flows.publish.eventdata import conform_events
from flows.publish.index_page import CountryRow, index_html
from flows.publish.page import render_map
from flows.publish.regions import units_of
from flows.publish.timeline import timeline_html, timeline_png
from flows.publish.world import world_geojson, world_payload
from flows.refdata import load_reference

__all__ = ["PublishResult", "publish", "map_html", "event_countries"]


@dataclass
class PublishResult:
    written: list[Path] = field(default_factory=list)     # files whose content changed and were rewritten
    unchanged: list[Path] = field(default_factory=list)   # files already holding exactly this content
    notes: list[str] = field(default_factory=list)        # e.g. events of countries without a pack

    def record(self, path: Path, content: bytes | str) -> None:
        (self.written if write_if_changed(path, content) else self.unchanged).append(path)


def event_countries(events: pl.DataFrame) -> pl.Series:
    """Each event's country: `country`, else the prefix of its ISO 3166-2 code (KZ-79 -> KZ)."""
    prefix = lambda col: pl.col(col).str.extract(r"^([A-Za-z]{2})-", 1)  # noqa: E731
    return events.select(
        pl.coalesce(pl.col("country"), prefix("admin1_iso"), prefix("admin1_iso_at_event")).str.to_uppercase()
    ).to_series()


def map_html(events: pl.DataFrame, pack: CountryPack, layer: Admin1Layer, settings: Settings) -> tuple[str, dict]:
    """One choropleth page of `events` (already of this pack's country) on the division `layer`, and its data."""
    units = units_of(layer)
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": i, "properties": {"u": i, "name": name},
             "geometry": geometry.__geo_interface__}
            for i, (name, geometry) in enumerate(zip(units.column("name"), units.frame.geometry, strict=True))
        ],
    }
    minx, miny, maxx, maxy = (float(v) for v in units.frame.total_bounds)
    payload = map_payload(events, pack, layer)
    return render_map(geojson, [[miny, minx], [maxy, maxx]], payload, settings), payload


def _country_pages(events: pl.DataFrame, pack: CountryPack, settings: Settings, result: PublishResult,
                   maps_dir: Path) -> CountryRow:
    """The maps of one country (every division), and its row of the index."""
    code = pack.country.lower()
    pages: list[tuple[str, str]] = []
    covered = total = 0
    for layer in reversed(pack.admin1_layers):                     # current first
        name = f"country_{code}.html" if layer == pack.current_layer else f"country_{code}_{layer.vintage}.html"
        html, payload = map_html(events, pack, layer, settings)
        result.record(maps_dir / name, html)
        label = "current regions" if layer == pack.current_layer else f"{layer.vintage} regions"
        pages.append((label, name))
        if layer == pack.current_layer:
            covered, total = len({c[0] for c in payload["cells"]}), len(payload["units"])
    dates = events["date_start"].drop_nulls()
    return CountryRow(pack.country, pack.name, events.height, str(dates.min()) if len(dates) else None,
                      str(dates.max()) if len(dates) else None, covered, total, tuple(pages), not pack.from_world)


def publish(events: pl.DataFrame, maps_dir: Path, settings: Settings, geo_root: Path = GEO_ROOT) -> PublishResult:
    """Write every page for `events` (EVENT_SCHEMA columns) into `maps_dir`: the index of countries, the world
    overview, the maps of every country with events (a country pack's maps on each of its divisions) and
    the timeline. Files are written atomically and only when their bytes change; the output is
    deterministic. Events of no known country are counted in the notes and on the index."""
    maps_dir, geo_root = Path(maps_dir), Path(geo_root)
    events = conform_events(events)
    events = events.with_columns(event_countries(events).alias("country"))
    result = PublishResult()
    by_country = events.group_by("country").len().sort(["len", "country"], descending=[True, False])
    rows: list[CountryRow] = []
    for country, n in by_country.iter_rows():
        p = pack(country, geo_root) if country else None
        if p is None:
            how_many = "1 event" if n == 1 else f"{n} events"
            result.notes.append(f"{how_many} of country {country or 'unknown'}: no country pack and not in the "
                                "world layer, so on no map")
            continue
        rows.append(_country_pages(events.filter(pl.col("country") == country), p, settings, result, maps_dir))
    geojson, bounds = world_geojson(geo_root)
    result.record(maps_dir / "world.html", render_map(geojson, bounds, world_payload(events, geo_root), settings))
    attribution = load_reference(geo_root).attribution(
        [*WORLD_DATASETS, *sorted({d for r in rows if r.rich for d in packs(geo_root)[r.code].spec.datasets})])
    result.record(maps_dir / "index.html", index_html(rows, result.notes, attribution, events.height))
    result.record(maps_dir / "timeline.html", timeline_html(events))
    result.record(maps_dir / "timeline.png", timeline_png(events))
    return result
