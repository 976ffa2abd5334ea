"""Publish the events table as self-contained offline HTML maps and timelines.

Outputs in `maps_dir` (see docs in `publish`):
  index.html                  choropleth on the CURRENT division of the country with most events
  regions_<vintage>.html      the same on each older division of that country (e.g. regions_2016.html)
  index_<cc>.html, regions_<cc>_<vintage>.html   the same for every other pack country that has events
  timeline.html, timeline.png monthly counts by type, largest events annotated (all events)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from flows.config import GEO_ROOT, Settings
from flows.geo_packs import Admin1Layer, CountryPack, packs
from flows.publish.atomic import write_if_changed
from flows.publish.choropleth import map_payload
from flows.publish.eventdata import conform_events
from flows.publish.page import render_map
from flows.publish.regions import units_of
from flows.publish.timeline import timeline_html, timeline_png

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


def map_html(events: pl.DataFrame, pack: CountryPack, layer: Admin1Layer, settings: Settings) -> str:
    """One choropleth page of `events` (already of this pack's country) on the division `layer`."""
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
    return render_map(geojson, [[miny, minx], [maxy, maxx]], map_payload(events, pack, layer), settings)


def publish(events: pl.DataFrame, maps_dir: Path, settings: Settings, geo_root: Path = GEO_ROOT) -> PublishResult:
    """Write every map and the timeline for `events` (EVENT_SCHEMA columns) into `maps_dir`.

    index.html is the map of the pack country with the most events (ties: alphabetical; with no events at
    all, the first pack, so the page exists); other pack countries with events get index_<cc>.html.
    Each country also gets regions_[<cc>_]<vintage>.html per older division. Files are written atomically
    and only when their bytes change; the output is deterministic.
    """
    maps_dir = Path(maps_dir)
    events = conform_events(events)
    events = events.with_columns(event_countries(events).alias("country"))
    available = packs(Path(geo_root))
    result = PublishResult()
    by_country = events.group_by("country").len().sort(["len", "country"], descending=[True, False])
    with_events = [c for c in by_country["country"].to_list() if c in available]
    missing = by_country.filter(~pl.col("country").is_in(list(available)) | pl.col("country").is_null())
    for country, n in missing.iter_rows():
        how_many = "1 event" if n == 1 else f"{n} events"
        result.notes.append(f"{how_many} of country {country or 'unknown'}: no country pack, so on no map")
    if not with_events and available:
        with_events = [sorted(available)[0]]
    for rank, country in enumerate(with_events):
        pack = available[country]
        country_events = events.filter(pl.col("country") == country)
        suffix = "" if rank == 0 else f"_{country.lower()}"
        result.record(maps_dir / f"index{suffix}.html", map_html(country_events, pack, pack.current_layer, settings))
        for layer in pack.admin1_layers[:-1]:
            name = f"regions{suffix}_{layer.vintage}.html"
            result.record(maps_dir / name, map_html(country_events, pack, layer, settings))
    result.record(maps_dir / "timeline.html", timeline_html(events))
    result.record(maps_dir / "timeline.png", timeline_png(events))
    return result
