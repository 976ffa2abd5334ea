"""Country packs: the reference data of one country in data/geo/<CC>/, described by its pack.yaml.

Nothing outside a pack names a country; code asks this module which packs exist and what they hold.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from flows.config import GEO_ROOT


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
    folder: Path
    names: tuple[str, ...]
    demonyms: tuple[str, ...]
    admin1_layers: tuple[Admin1Layer, ...]   # oldest first
    admin1_lookup: Path
    admin2: Path | None
    places: Path
    population: Path | None

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


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _load(folder: Path) -> CountryPack:
    spec = yaml.safe_load((folder / "pack.yaml").read_text(encoding="utf-8"))
    layers = tuple(
        Admin1Layer(str(x["vintage"]), folder / x["file"], _date(x.get("valid_from")), _date(x.get("valid_to")))
        for x in spec["admin1_layers"]
    )
    opt = lambda key: folder / spec[key] if spec.get(key) else None  # noqa: E731
    return CountryPack(
        country=spec["country"], name=spec["name"], folder=folder,
        names=tuple(spec.get("names", [])), demonyms=tuple(spec.get("demonyms", [])),
        admin1_layers=layers, admin1_lookup=folder / spec["admin1_lookup"],
        admin2=opt("admin2"), places=folder / spec["places"], population=opt("population"),
    )


@cache
def packs(geo_root: Path = GEO_ROOT) -> dict[str, CountryPack]:
    """All country packs under geo_root, by ISO 3166-1 alpha-2 code."""
    return {p.parent.name: _load(p.parent) for p in sorted(Path(geo_root).glob("*/pack.yaml"))}


def pack(country: str, geo_root: Path = GEO_ROOT) -> CountryPack | None:
    return packs(geo_root).get(country.upper()) if country else None


# Places this large identify their country when a text never names it ("police detained 40 people in Aktobe").
LANDMARK_POPULATION = 100_000


def _alternation(words: set[str]) -> re.Pattern:
    ordered = sorted((w for w in words if w), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in ordered) + r")\b")


@cache
def _country_words(geo_root: Path, code: str) -> tuple[re.Pattern, re.Pattern]:
    """(names and demonyms of the country, its regions and large places) as whole-word patterns."""
    p = packs(geo_root)[code]
    landmarks: set[str] = set()
    with p.admin1_lookup.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            landmarks.add(re.sub(r"\s+(?:Region|region)$", "", row.get("name_en") or ""))
    with p.places.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if int(float(row.get("population") or 0)) >= LANDMARK_POPULATION:
                landmarks.add(row.get("name") or "")
    return _alternation({*p.names, *p.demonyms}), _alternation(landmarks)


def infer_country(text: str, geo_root: Path = GEO_ROOT, landmarks: bool = True) -> str | None:
    """The pack country a text is about: the one whose names and demonyms it uses most; when it names none
    (and `landmarks`), the one whose regions and large places it names most. None if nothing matches."""
    codes = list(packs(geo_root))
    for kind in (0, 1) if landmarks else (0,):
        counts = {code: len(_country_words(geo_root, code)[kind].findall(text)) for code in codes}
        best = max(codes, key=counts.__getitem__, default=None)
        if best is not None and counts[best] > 0:
            return best
    return None
