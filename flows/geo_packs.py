"""Country packs and the world layer: the reference data of every country, as `CountryPack`s.

A country pack (data/geo/<CC>/pack.yaml, files installed into data/geo/installed/<CC>/) is the rich layer:
districts, boundary history, population. Every other country gets a pack from the world layer
(installed/world/: Natural Earth admin-1 and GeoNames places), so an event anywhere has regions and places.
Where a country pack exists it wins. Nothing outside a pack names a country; code asks this module.

    pack("KZ")          # the Kazakhstan pack (three divisions, districts, population)
    pack("KG")          # Kyrgyzstan from the world layer (one division, places, no population)
    world_countries()   # every country the world layer covers
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from flows.config import GEO_ROOT
from flows.refdata import (
    SCHEMAS_DIR,
    change_log,
    installed_root,
    manifest,
    pack_folders,
    pack_spec,
    read_yaml,
    require_installed,
)
from flows.refdata.divisions import periods
from flows.refdata.models import PackSpec

WORLD = "world"
WORLD_DATASETS = ("world_admin1", "geonames_cities500")


@dataclass(frozen=True)
class Admin1Layer:
    vintage: str
    path: Path
    valid_from: date | None
    valid_to: date | None

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class CountryPack:
    country: str
    name: str
    folder: Path                             # the pack's own folder (data/geo/<CC>, or installed/world)
    names: tuple[str, ...]
    demonyms: tuple[str, ...]
    admin1_layers: tuple[Admin1Layer, ...]   # oldest first
    admin2: Path | None
    places: Path
    population: Path | None
    spec: PackSpec = field(compare=False, hash=False, repr=False)
    places_extra: Path | None = None
    attribution: tuple[str, ...] = ()
    from_world: bool = False                 # built from the world layer, not a country pack

    @property
    def current_layer(self) -> Admin1Layer:
        return self.admin1_layers[-1]

    def layer_for(self, day: date | None) -> Admin1Layer:
        """The admin-1 division in force on `day` (the current one when the day is unknown)."""
        if day is not None:
            for layer in self.admin1_layers:
                if layer.covers(day):
                    return layer
        return self.current_layer


def _attribution(geo_root: Path, ids) -> tuple[str, ...]:
    known = {d.id: d.attribution for d in manifest(geo_root).datasets}
    return tuple(dict.fromkeys(known[i] for i in ids if i in known))


def _load(folder: Path, geo_root: Path) -> CountryPack:
    spec = pack_spec(folder)
    installed = installed_root(geo_root) / spec.country
    log = change_log(folder / spec.boundary_changes) if spec.boundary_changes else None
    layers = tuple(Admin1Layer(v, installed / f"admin1_{v}.geojson", start, end) for v, start, end in periods(log))
    opt = lambda name: installed / name if name else None  # noqa: E731
    return CountryPack(
        country=spec.country, name=spec.name, folder=folder, names=tuple(spec.names), demonyms=tuple(spec.demonyms),
        admin1_layers=layers, admin2=opt(spec.admin2), places=installed / spec.places,
        population=opt(spec.population), spec=spec,
        places_extra=folder / spec.places_extra if spec.places_extra else None,
        attribution=_attribution(geo_root, spec.datasets),
    )


@cache
def packs(geo_root: Path = GEO_ROOT) -> dict[str, CountryPack]:
    """The country packs under geo_root (the rich layer), by ISO 3166-1 alpha-2 code."""
    geo_root = Path(geo_root)
    folders = pack_folders(geo_root)
    if folders:
        require_installed(geo_root)
    return {f.name: _load(f, geo_root) for f in folders}


@cache
def world_countries(geo_root: Path = GEO_ROOT) -> frozenset[str]:
    """ISO codes of every country the installed world layer covers."""
    require_installed(geo_root)
    return frozenset(p.stem for p in (installed_root(geo_root) / WORLD / "admin1").glob("*.geojson"))


@cache
def world_place_words() -> dict[str, list[str]]:
    """Local words for region, district and settlement of world-layer countries (schemas/geo/place_words.yaml)."""
    spec = read_yaml(SCHEMAS_DIR / "geo" / "place_words.yaml")
    return {k: list(spec.get(k) or []) for k in ("region_words", "district_words", "place_words")}


@cache
def world_pack(country: str, geo_root: Path = GEO_ROOT) -> CountryPack | None:
    """A pack for `country` from the world layer: its admin-1 units (one division), places, names."""
    from flows.geocode.countries import country_words, foreign_words
    from flows.refdata.world import country_name

    code = country.upper()
    if code not in world_countries(geo_root):
        return None
    world = installed_root(geo_root) / WORLD
    words = country_words(code)
    local = world_place_words()
    spec = PackSpec(country=code, name=country_name(code), names=list(words.names), demonyms=list(words.demonyms),
                    admin1_base=f"admin1/{code}.geojson", places=f"places/{code}.csv",
                    datasets=list(WORLD_DATASETS), foreign_cues=foreign_words(code), **local)
    places = world / "places" / f"{code}.csv"
    return CountryPack(
        country=code, name=spec.name, folder=world, names=tuple(spec.names), demonyms=tuple(spec.demonyms),
        admin1_layers=(Admin1Layer("current", world / "admin1" / f"{code}.geojson", None, None),),
        admin2=None, places=places, population=None, spec=spec,
        attribution=_attribution(geo_root, WORLD_DATASETS), from_world=True,
    )


def pack(country: str | None, geo_root: Path = GEO_ROOT) -> CountryPack | None:
    """The country pack of `country`, else its pack from the world layer, else None."""
    if not country:
        return None
    code = country.upper()
    return packs(geo_root).get(code) or world_pack(code, geo_root)
