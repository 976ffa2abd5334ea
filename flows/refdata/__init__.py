"""The one loader of reference data: the manifest of installed data sets, country packs, boundary change
logs, the typology and the source mappings, each parsed once and validated with the pydantic models of
`flows.refdata.models`.

    from flows.refdata import load_reference
    ref = load_reference()                  # data/geo and schemas/ of this checkout (or load_reference(geo_root))
    ref.typology.types["detention"].subtypes
    ref.source("acled").columns              # a dataset format's mapping (schemas/sources/acled.yaml)
    ref.manifest.get("world_admin1").licence
    ref.require_installed()                  # PacksMissing with the one-line fix when packs are not installed

Country packs themselves (paths, layers, gazetteer words) are served by `flows.geo_packs`, which builds them
from the models read here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from flows.config import GEO_ROOT, PROJECT_ROOT
from flows.refdata.models import ChangeLog, Manifest, PackSpec, SourceMapping, Typology

SCHEMAS_DIR = PROJECT_ROOT / "schemas"
SOURCES_DIR = SCHEMAS_DIR / "sources"
INSTALLED_DIR = "installed"            # under the geo root; git-ignored, built by `eventflow packs install`
STAMP_FILE = "installed.json"
INSTALL_HINT = "run `make install` (or `eventflow packs install --mirror ../shared/data/geo`)"

M = TypeVar("M", bound=BaseModel)


class ReferenceDataError(ValueError):
    """A reference data file that cannot be used: the message names the file and the field."""


class PacksMissing(RuntimeError):
    """Reference data (world layer, country packs) not installed or out of date."""


def read_yaml(path: Path) -> dict:
    """A YAML file that must hold a mapping."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReferenceDataError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict):
        raise ReferenceDataError(f"{path} must hold a mapping")
    return data


def parse(model: type[M], path: Path) -> M:
    """Read and validate one YAML file as `model`; a validation error names the file and the fields."""
    try:
        return model.model_validate(read_yaml(path))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors())
        raise ReferenceDataError(f"{path}: {problems}") from exc


@cache
def typology_model() -> Typology:
    return parse(Typology, SCHEMAS_DIR / "typology.yaml")


@cache
def typology_dict() -> dict:
    """schemas/typology.yaml as a plain dict, after validation (for code that indexes it)."""
    typology_model()
    return read_yaml(SCHEMAS_DIR / "typology.yaml")


@cache
def source_mapping(name: str) -> SourceMapping:
    """schemas/sources/<name>.yaml, validated."""
    return parse(SourceMapping, SOURCES_DIR / f"{name}.yaml")


@cache
def source_dict(name: str) -> dict:
    """schemas/sources/<name>.yaml as a plain dict, after validation (for code that indexes it)."""
    source_mapping(name)
    return read_yaml(SOURCES_DIR / f"{name}.yaml")


@cache
def manifest(geo_root: Path = GEO_ROOT) -> Manifest:
    return parse(Manifest, Path(geo_root) / "manifest.yaml")


@cache
def pack_spec(folder: Path) -> PackSpec:
    spec = parse(PackSpec, Path(folder) / "pack.yaml")
    if spec.country != Path(folder).name:
        raise ReferenceDataError(f"{folder}/pack.yaml: country {spec.country} but the folder is {Path(folder).name}")
    return spec


@cache
def change_log(path: Path) -> ChangeLog:
    return parse(ChangeLog, path)


def pack_folders(geo_root: Path = GEO_ROOT) -> list[Path]:
    """Folders of the country packs: data/geo/<CC>/ with a pack.yaml."""
    return sorted(p.parent for p in Path(geo_root).glob("*/pack.yaml"))


def installed_root(geo_root: Path = GEO_ROOT) -> Path:
    return Path(geo_root) / INSTALLED_DIR


def inputs_digest(geo_root: Path = GEO_ROOT) -> str:
    """sha256 over the files that decide what is installed (manifest, packs, change logs): when it differs
    from the one recorded at install time, the installed data is out of date."""
    h = hashlib.sha256()
    files = [Path(geo_root) / "manifest.yaml"]
    for folder in pack_folders(geo_root):
        files += sorted(f for f in folder.iterdir() if f.suffix in (".yaml", ".csv") and f.is_file())
    for f in files:
        h.update(f.relative_to(geo_root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@cache
def _installed_digest(stamp: Path, mtime: float) -> str | None:
    import json

    try:
        return json.loads(stamp.read_text(encoding="utf-8")).get("inputs_digest")
    except (OSError, ValueError):
        return None


def installed_problem(geo_root: Path = GEO_ROOT) -> str | None:
    """Why the installed reference data cannot be used (None when it can)."""
    stamp = installed_root(geo_root) / STAMP_FILE
    if not stamp.is_file():
        return f"reference data (world layer, country packs) is not installed in {installed_root(geo_root)}"
    if _installed_digest(stamp, stamp.stat().st_mtime) != inputs_digest(geo_root):
        return f"the installed reference data in {installed_root(geo_root)} is out of date (manifest or packs changed)"
    return None


def require_installed(geo_root: Path = GEO_ROOT) -> None:
    """Raise PacksMissing with a one-line fix when the reference data is not installed or out of date."""
    problem = installed_problem(geo_root)
    if problem:
        raise PacksMissing(f"{problem}: {INSTALL_HINT}")


@dataclass(frozen=True)
class Reference:
    """All reference data of one geo root, as the stages receive it."""

    geo_root: Path = GEO_ROOT

    @cached_property
    def manifest(self) -> Manifest:
        return manifest(self.geo_root)

    @property
    def typology(self) -> Typology:
        return typology_model()

    def source(self, name: str) -> SourceMapping:
        return source_mapping(name)

    def packs(self) -> dict:
        """Country packs by ISO code (flows.geo_packs.CountryPack)."""
        from flows.geo_packs import packs

        return packs(self.geo_root)

    def pack(self, country: str):
        """The country pack of `country`, else its world-layer pack, else None."""
        from flows.geo_packs import pack

        return pack(country, self.geo_root)

    def attribution(self, dataset_ids: list[str] | tuple[str, ...]) -> list[str]:
        """The attribution line of each data set, in order, without repeats."""
        out: list[str] = []
        for i in dataset_ids:
            text = self.manifest.get(i).attribution
            if text not in out:
                out.append(text)
        return out

    def require_installed(self) -> None:
        require_installed(self.geo_root)


@cache
def load_reference(geo_root: Path = GEO_ROOT) -> Reference:
    """The reference data of `geo_root` (manifest and packs) and of schemas/ (typology, source mappings)."""
    return Reference(Path(geo_root))
