"""Publish the events table as self-contained offline HTML maps and timelines.

Outputs in `maps_dir` (see `publish`):
  index.html                     the countries with events (events, dates, regions covered) and links
  world.html                     world overview: events per country
  country_<cc>.html              choropleth of one country on its CURRENT admin-1 division (every country with
                                 events: its country pack, else the world layer)
  country_<cc>_<vintage>.html    the same on each older division of a country pack (e.g. country_kz_2016.html)
  timeline.html, timeline.png    monthly counts by type, largest events annotated (all events)

Every page is aggregated in DuckDB (eventdata.py, scope.py): memory does not grow with the number of events.
A publish into a folder of earlier pages recomputes only the countries whose events changed and rewrites only
the pages whose data changed (state.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import duckdb
import polars as pl

from flows.config import GEO_ROOT, Settings
from flows.geo_packs import WORLD, WORLD_DATASETS, Admin1Layer, CountryPack, pack, packs
from flows.publish.assets import STATIC_DIR
from flows.publish.atomic import write_if_changed
from flows.publish.eventdata import as_connection, create_events_view, event_countries
from flows.publish.index_page import CountryRow, index_html
from flows.publish.page import Shell, data_element
from flows.publish.state import STATE_NAME, CountryRecord, PageRecord, PublishState, digest, file_stamp, read_state
from flows.publish.summary import Summary
from flows.publish.timeline import timeline_data, timeline_html, timeline_png
from flows.refdata import installed_root, load_reference

__all__ = ["PublishResult", "publish", "event_countries"]


@dataclass
class PublishResult:
    written: list[Path] = field(default_factory=list)     # files whose content changed and were rewritten
    unchanged: list[Path] = field(default_factory=list)   # files already holding exactly this content
    notes: list[str] = field(default_factory=list)        # e.g. events of countries without a pack

    def record(self, path: Path, content: bytes | str) -> None:
        (self.written if write_if_changed(path, content) else self.unchanged).append(path)


class _Pages:
    """The pages of one publish into `folder`, drawn or kept according to the state of the pages there."""

    def __init__(self, folder: Path, old: PublishState, result: PublishResult):
        self.folder, self.old, self.result = folder, old, result
        self.new = PublishState(old.drawn_by)

    def keep(self, names: list[str]) -> bool:
        """Keep these pages as they are, when every one is there as recorded."""
        if not all(self.old.page_intact(self.folder, n) for n in names):
            return False
        for name in names:
            self.new.pages[name] = self.old.pages[name]
            self.result.unchanged.append(self.folder / name)
        return True

    def write(self, name: str, data: str, shell: str, draw: Callable[[], str | bytes]) -> None:
        """The page `name` of this data (hash) and shell (hash): kept when both are unchanged and the page is
        there as recorded, else drawn."""
        old = self.old.pages.get(name)
        if old is not None and (old.data, old.shell) == (data, shell) and self.keep([name]):
            return
        content = draw()
        raw = content.encode("utf-8") if isinstance(content, str) else content
        self.result.record(self.folder / name, raw)
        self.new.pages[name] = PageRecord(data, shell, hashlib.sha256(raw).hexdigest())

    def map_page(self, name: str, payload: dict, shell: str, draw_shell: Callable[[], Shell]) -> None:
        """A map page: its data element in the shell of the page it replaces when that shell is unchanged."""
        element = data_element(payload)

        def draw() -> str:
            old = self.old.pages.get(name)
            raw = self.old.intact_bytes(self.folder, name) if old is not None and old.shell == shell else None
            kept = Shell.of(raw.decode("utf-8")) if raw is not None else None
            return (kept or draw_shell()).page(payload)

        self.write(name, digest(element), shell, draw)

    def remove_stale(self) -> None:
        """Pages an earlier publish wrote that this one did not (a country without events any more)."""
        for name in sorted(set(self.old.pages) - set(self.new.pages)):
            (self.folder / name).unlink(missing_ok=True)


# The libraries whose versions can change the pages' bytes.
DRAWING_LIBRARIES = ("duckdb", "polars", "folium", "branca", "xstatic-leaflet", "matplotlib", "shapely", "geopandas")


def drawn_by(settings: Settings) -> str:
    """What the pages are drawn by besides the events: this code, its scripts and styles, the libraries that
    draw them, the settings."""
    code = sorted([*Path(__file__).parent.glob("*.py"), *STATIC_DIR.iterdir()])
    return digest(*[metadata.version(name) for name in DRAWING_LIBRARIES], settings.map_tiles, settings.tile_url,
                  *[p.read_bytes() for p in code])


def _reference_stamp(p: CountryPack, geo_root: Path) -> str:
    """The reference files a country's pages are drawn from (reinstalled files give new stamps)."""
    files = [layer.path for layer in p.admin1_layers] + [p.population, Path(geo_root) / "manifest.yaml"]
    if not p.from_world:
        files += sorted(Path(p.folder).glob("*.yaml"))
    return digest(*[file_stamp(f) for f in files])


def _layer_shape(layer: Admin1Layer) -> tuple[dict, list[list[float]]]:
    """The units of a division as GeoJSON (feature i = unit i), and their bounds."""
    from flows.publish.regions import units_of

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
    return geojson, [[miny, minx], [maxy, maxx]]


def _country_pages(con: duckdb.DuckDBPyConnection, p: CountryPack, fingerprint: str, settings: Settings,
                   pages: _Pages) -> CountryRow:
    """The maps of one country (every division), and its row of the index; nothing is counted again when the
    country's events and reference data are those its pages were drawn from."""
    from flows.publish.choropleth import map_payload
    from flows.publish.markers import place_markers
    from flows.publish.page import render_shell
    from flows.publish.scope import create_scope

    code = p.country.lower()
    record = pages.old.countries.get(p.country)
    if record and record.fingerprint == fingerprint and pages.keep([name for _, name in record.row.pages]):
        pages.new.countries[p.country] = record
        return record.row
    scope = create_scope(con, p.country, p)
    markers = place_markers(scope, scope.months)
    links: list[tuple[str, str]] = []
    covered = total = 0
    for layer in reversed(p.admin1_layers):                     # current first
        current = layer == p.current_layer
        name = f"country_{code}.html" if current else f"country_{code}_{layer.vintage}.html"
        payload = map_payload(scope, p, layer, markers)
        title = payload["title"]
        pages.map_page(name, payload, digest(pages.new.drawn_by, file_stamp(layer.path), title),
                       lambda layer=layer, title=title: render_shell(*_layer_shape(layer), title, settings))
        links.append(("current regions" if current else f"{layer.vintage} regions", name))
        if current:
            covered, total = len({c[0] for c in payload["cells"]}), len(payload["units"])
    row = CountryRow(p.country, p.name, scope.events, str(scope.first) if scope.first else None,
                     str(scope.last) if scope.last else None, covered, total, tuple(links), not p.from_world)
    pages.new.countries[p.country] = CountryRecord(fingerprint, row)
    return row


def publish(events: pl.DataFrame | duckdb.DuckDBPyConnection, maps_dir: Path, settings: Settings,
            geo_root: Path = GEO_ROOT) -> PublishResult:
    """Write every page for `events` (a frame of EVENT_SCHEMA columns, or a connection whose `events` table
    holds them) into `maps_dir`: the index of countries, the world overview, the maps of every country with
    events (a country pack's maps on each of its divisions) and the timeline. Files are written atomically and
    only when their bytes change; the output is deterministic. Events of no known country are counted in the
    notes and on the index."""
    from flows.publish.page import render_shell
    from flows.publish.world import world_geojson, world_payload

    maps_dir, geo_root = Path(maps_dir), Path(geo_root)
    if isinstance(events, duckdb.DuckDBPyConnection):
        create_events_view(events)
    con = as_connection(events)
    summary = Summary.of(con)
    result = PublishResult()
    pages = _Pages(maps_dir, read_state(maps_dir, drawn_by(settings)), result)
    rows: list[CountryRow] = []
    total_events = 0
    for country, n, events_fingerprint in summary.countries():
        total_events += n
        p = pack(country, geo_root) if country else None
        if p is None:
            how_many = "1 event" if n == 1 else f"{n} events"
            result.notes.append(f"{how_many} of country {country or 'unknown'}: no country pack and not in the "
                                "world layer, so on no map")
            continue
        fingerprint = digest(events_fingerprint, _reference_stamp(p, geo_root))
        rows.append(_country_pages(con, p, fingerprint, settings, pages))
    world = world_payload(summary, geo_root)
    world_shell = digest(pages.new.drawn_by, file_stamp(installed_root(geo_root) / WORLD / "countries.geojson"))
    pages.map_page("world.html", world, world_shell,
                   lambda: render_shell(*world_geojson(geo_root), world["title"], settings))
    attribution = load_reference(geo_root).attribution(
        [*WORLD_DATASETS, *sorted({d for r in rows if r.rich for d in packs(geo_root)[r.code].spec.datasets})])
    index = index_html(rows, result.notes, attribution, total_events)
    pages.write("index.html", digest(index), "", lambda: index)
    timeline = timeline_data(summary)
    key = digest(asdict(timeline))
    pages.write("timeline.html", key, "", lambda: timeline_html(timeline))
    pages.write("timeline.png", key, "", lambda: timeline_png(timeline))
    pages.remove_stale()
    write_if_changed(maps_dir / STATE_NAME, pages.new.to_json())
    return result
