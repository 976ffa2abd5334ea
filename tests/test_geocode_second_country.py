"""A second country pack is a folder next to data/geo/KZ/: nothing in the geocoder is Kazakh, and boundary
history is a change log."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from support import make_geo_root

from flows.geocode import geocode_mentions, geocode_places, regions_frame
from flows.refdata.install import build_pack_layers


def _square(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _layer(path: Path, units: list[tuple[str, str, str, dict]]) -> None:
    features = [{"type": "Feature", "geometry": geom,
                 "properties": {"iso_3166_2": iso, "iso_3166_2_legacy": legacy, "name_en": name,
                                "aliases": name.split()[0], "unit_type": "region"}}
                for iso, legacy, name, geom in units]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def _write_xx(folder: Path, installed: Path) -> None:
    """Examplestan: Eastmark split from Northland on 2020-01-01 (a change log, as for a real country)."""
    _layer(installed / "base.geojson", [("XX-01", "XX-N", "Northland Region", _square(0, 0, 1, 1)),
                                        ("XX-02", "", "Eastmark Region", _square(1, 0, 2, 1))])
    (installed / "places.csv").write_text(
        "geonameid,name,alt_names,extra_aliases,lat,lon,population,feature_code\n"
        "1,Fooville,Old Foo|Foovil,,0.5,0.5,50000,PPLA\n"
        "2,Barton,Bartonsk,,0.5,1.5,20000,PPL\n", encoding="utf-8")
    (folder / "changes.yaml").write_text(
        "country: XX\nchanges:\n  - date: 2020-01-01\n    vintage_before: old\n"
        "    description: Eastmark split from Northland\n    splits:\n      - {unit: XX-01, into: [XX-01, XX-02]}\n",
        encoding="utf-8")
    (folder / "pack.yaml").write_text(
        "country: XX\nname: Examplestan\nnames: [Examplestan]\ndemonyms: [Examplestani]\n"
        "admin1_base: base.geojson\nboundary_changes: changes.yaml\nplaces: places.csv\n"
        "foreign_cues: [Kazakhstan]\n", encoding="utf-8")
    build_pack_layers(folder, installed)


@pytest.fixture(scope="module")
def geo_root(tmp_path_factory) -> Path:
    """A made-up country XX next to the real KZ pack and the world layer."""
    return make_geo_root(tmp_path_factory.mktemp("geo") / "geo", {"XX": _write_xx})


def test_second_country_places_and_vintages(geo_root: Path):
    got = geocode_places(["Old Foo", "Bartonsk", "Barton", "Eastmark Region", "across Examplestan", "Nowhere"],
                         dates=[date(2019, 5, 1), date(2019, 5, 1), date(2021, 5, 1), date(2021, 5, 1), None, None],
                         country="XX", geo_root=geo_root)
    assert got["place_name"].to_list() == ["Fooville", "Barton", "Barton", "Eastmark Region", None, None]
    assert got["admin1_iso"].to_list() == ["XX-01", "XX-02", "XX-02", "XX-02", None, None]
    assert got["admin1_iso_at_event"].to_list() == ["XX-01", "XX-01", "XX-02", "XX-02", None, None]
    assert got["geo_precision"].to_list() == ["place", "place", "place", "admin1", "country", "country"]


def test_country_inferred_from_names(geo_root: Path):
    assert geocode_places(["Fooville"], geo_root=geo_root)["admin1_iso"].item() == "XX-01"
    assert geocode_places(["Zhanaozen"], geo_root=geo_root)["admin1_iso"].item() == "KZ-47"


def test_mixed_batch_uses_each_rows_pack(geo_root: Path):
    df = pl.DataFrame({"location_text": ["Barton", "Zhanaozen", "Barton"], "country": ["XX", "KZ", "KZ"]})
    out = geocode_mentions(df, geo_root=geo_root)
    assert out["admin1_iso"].to_list() == ["XX-02", "KZ-47", None]
    assert out["geo_flag"].to_list() == [None, None, "unresolved_place"]
    assert set(regions_frame(geo_root)["country"]) == {"KZ", "XX"}
