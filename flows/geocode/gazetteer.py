"""The gazetteer of one country (its country pack, else its pack from the world layer) as polars frames:
candidates (places, districts, regions) and the folded names that point at them. Built once per country
and cached."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

from flows.config import GEO_ROOT
from flows.geo_packs import CountryPack, pack, packs
from flows.geocode import regions
from flows.geocode.names import PlaceWords, fold_all, fold_expr, parse_expr, skeleton_expr

# Feature codes (GeoNames), most important first; anything else ranks after them.
# Points are given to 5 decimals (about 1 m), like the pack's GeoJSON.
COORD_DECIMALS = 5
FEATURE_RANK = {"PPLC": 0, "PPLA": 1, "PPLA2": 2, "PPLA3": 3, "PPLA4": 4, "PPL": 5}
DATED_SCHEMA = {"skel": pl.Utf8, "cand_id": pl.Utf8, "year_from": pl.Int32, "year_to": pl.Int32}


@dataclass(frozen=True)
class Gazetteer:
    """Everything the matcher needs for one country."""

    country: str
    pack: CountryPack
    candidates: pl.DataFrame   # cand_id, kind, name, lat, lon, population, feature_rank, unit_type, code_<vintage>
    names: pl.DataFrame        # key, skel, alias_hint, cand_id
    words: PlaceWords
    variants: list[tuple[str, str]]
    country_names: tuple[str, ...]
    foreign_cues: tuple[str, ...]             # folded
    code_columns: tuple[str, ...]
    # Names a candidate bore only for some years (pack `historical_names`): skel, cand_id, year_from, year_to.
    dated_names: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=DATED_SCHEMA))


def _split_names(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null("").str.split("|")


def read_places(p: CountryPack) -> pl.DataFrame:
    """The pack's places file, plus its `places_extra` file (towns missing from the main source) if any."""
    frames = [pl.read_csv(p.places, infer_schema_length=0)]
    if p.places_extra is not None:
        frames.append(pl.read_csv(p.places_extra, infer_schema_length=0))
    return pl.concat(frames, how="diagonal")


def _place_candidates(p: CountryPack) -> tuple[pl.DataFrame, pl.DataFrame]:
    raw = read_places(p)
    for optional in ("alt_names", "extra_aliases", "feature_code", "population"):
        if optional not in raw.columns:
            raw = raw.with_columns(pl.lit(None, dtype=pl.Utf8).alias(optional))
    cands = raw.select(
        pl.concat_str([pl.lit("p:"), pl.col("geonameid")]).alias("cand_id"),
        pl.lit("place").alias("kind"),
        pl.col("name"),
        pl.col("lat").cast(pl.Float64),
        pl.col("lon").cast(pl.Float64),
        pl.col("population").cast(pl.Int64, strict=False).fill_null(0),
        pl.col("feature_code").replace_strict(FEATURE_RANK, default=9, return_dtype=pl.Int32).alias("feature_rank"),
        pl.lit(None, dtype=pl.Utf8).alias("unit_type"),
    )
    codes = regions.codes_at_points(p, cands["lon"].to_numpy(), cands["lat"].to_numpy(), snap=True)
    names = raw.select(
        pl.concat_str([pl.lit("p:"), pl.col("geonameid")]).alias("cand_id"),
        pl.concat_list([pl.col("name"), _split_names(pl.col("alt_names")), _split_names(pl.col("extra_aliases"))])
        .alias("raw"),
    ).explode("raw", empty_as_null=False)
    return cands.hstack(codes), names


def _admin2_candidates(p: CountryPack) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    gdf = regions.read_admin2(p)
    if gdf is None:
        return None
    points = gdf.geometry.representative_point()
    props = pl.from_pandas(gdf.drop(columns="geometry").astype(str))
    ids = [f"d:{i}:{k}" for i, k in enumerate(props["kato"] if "kato" in props.columns else range(len(gdf)))]
    cands = pl.DataFrame({
        "cand_id": ids,
        "kind": "admin2",
        "name": props["name_en"],
        "lat": points.y.to_numpy(),
        "lon": points.x.to_numpy(),
    }).with_columns(
        pl.lit(0, dtype=pl.Int64).alias("population"),
        pl.lit(9, dtype=pl.Int32).alias("feature_rank"),
        pl.lit(None, dtype=pl.Utf8).alias("unit_type"),
    )
    codes = regions.codes_at_points(p, points.x.to_numpy(), points.y.to_numpy(), snap=True)
    name_cols = [c for c in ("name_en", "name_kk", "name_ru") if c in props.columns]
    names = pl.DataFrame({"cand_id": ids}).with_columns(
        pl.concat_list([props[c] for c in name_cols]).alias("raw")
    ).explode("raw", empty_as_null=False)
    return cands.hstack(codes), names


def _region_candidates(p: CountryPack) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One candidate per unit code over all layers; its attributes and point from the latest layer it is in."""
    rows, name_rows = [], []
    seen: set[str] = set()
    for vintage in reversed(regions.vintages(p)):            # newest first
        layer = regions.read_layer(p, vintage)
        for _, unit in layer.iterrows():                     # a few dozen units, at load time only
            code = unit["code"]
            raw_names = [unit.get(c) for c in ("name_en", "name_iso", "name_kk", "name_ru")]
            raw_names += str(unit.get("aliases") or "").split("|") + [code]    # a source may give the ISO code
            name_rows += [{"cand_id": f"r:{code}", "raw": n} for n in raw_names if isinstance(n, str) and n]
            if code in seen:
                continue
            seen.add(code)
            point = unit.geometry.representative_point()
            rows.append({
                "cand_id": f"r:{code}", "kind": "admin1", "name": unit["name_en"], "lat": point.y, "lon": point.x,
                "population": 0, "feature_rank": 9, "unit_type": unit.get("unit_type") or "region",
                **regions.crosswalk(p, code, unit["legacy"] or "", point.x, point.y),
            })
    cands = pl.DataFrame(rows).with_columns(pl.col("population").cast(pl.Int64), pl.col("feature_rank").cast(pl.Int32))
    return cands, pl.DataFrame(name_rows)


def _dated_names(entries: list, words: PlaceWords, variants: list[tuple[str, str]]) -> pl.DataFrame:
    """pack.yaml `historical_names` as (skel, cand_id, year_from, year_to): each name of an entry points at its
    places (geonameid) and regions (unit code) only within its years (inclusive; null = open)."""
    rows = []
    for entry in entries:
        years = list(entry.years)
        cands = [f"p:{i}" for i in entry.places] + [f"r:{c}" for c in entry.regions]
        rows += [(name, cand, years[0], years[1]) for name in entry.names for cand in cands]
    raw = pl.DataFrame(rows, schema={"raw": pl.Utf8, "cand_id": pl.Utf8, "year_from": pl.Int32,
                                     "year_to": pl.Int32}, orient="row")
    key = parse_expr(fold_expr(pl.col("raw")), words)["key"]
    return raw.select(skeleton_expr(key, variants).alias("skel"), "cand_id", "year_from", "year_to").unique()


def load_gazetteer(country: str, geo_root: Path = GEO_ROOT) -> Gazetteer:
    """Candidates and folded names of one country: its pack, else its world-layer pack (cached per process,
    whichever way the arguments are given)."""
    return _load_gazetteer(country.upper(), Path(geo_root))


@cache
def _load_gazetteer(country: str, geo_root: Path) -> Gazetteer:
    p = pack(country, geo_root)
    if p is None:
        raise KeyError(f"no country pack and no world-layer data for {country!r} under {geo_root}")
    spec = p.spec
    words = PlaceWords.with_extra(spec.region_words, spec.district_words, spec.place_words)
    pairs = list(spec.transliteration_variants)
    folded_pairs = fold_all([t for pair in pairs for t in pair])     # one polars call, not one per word
    variants = list(zip(folded_pairs[0::2], folded_pairs[1::2], strict=True))
    country_names = tuple(p.names) + tuple(p.demonyms)
    dropped = set(fold_all(spec.drop_alt_names))

    parts = [_place_candidates(p), _region_candidates(p)]
    admin2 = _admin2_candidates(p)
    if admin2 is not None:
        parts.append(admin2)
    code_columns = tuple(f"code_{v}" for v in regions.vintages(p))
    columns = ["cand_id", "kind", "name", "lat", "lon", "population", "feature_rank", "unit_type", *code_columns]
    candidates = pl.concat([c.select(columns) for c, _ in parts], how="vertical_relaxed").with_columns(
        pl.col("lat").round(COORD_DECIMALS), pl.col("lon").round(COORD_DECIMALS))

    folded = fold_expr(pl.col("raw"))
    parsed = parse_expr(pl.col("folded"), words)
    not_country = set(fold_all(country_names))
    names = (
        pl.concat([n for _, n in parts]).filter(pl.col("raw").str.strip_chars() != "")
        .with_columns(folded.alias("folded"))
        .filter(~pl.col("folded").is_in(list(dropped)))
        .with_columns(parsed["key"].alias("key"), parsed["hint"].alias("alias_hint"))
        .filter((pl.col("key").str.len_chars() >= 2) & ~pl.col("key").is_in(list(not_country)))
        .with_columns(skeleton_expr(pl.col("key"), variants).alias("skel"))
        .select("key", "skel", "alias_hint", "cand_id")
        .unique()
        .sort("key", "cand_id", "alias_hint", nulls_last=True)
    )
    # A word that names somewhere abroad but also a place or region of this country is not a cue
    # ("Georgia" in the United States, "Victoria" in Seychelles).
    from flows.geocode.match import fuzzy_index

    fuzzy_index(names)                     # built with the gazetteer, once per process
    own = set(names["key"].unique().to_list())
    cues = tuple(sorted({c for c in fold_all(spec.foreign_cues) if c and c not in own}))
    return Gazetteer(country=p.country, pack=p, candidates=candidates, names=names, words=words,
                     variants=variants, country_names=country_names, foreign_cues=cues, code_columns=code_columns,
                     dated_names=_dated_names(spec.historical_names, words, variants))


def regions_frame(geo_root: Path = GEO_ROOT) -> pl.DataFrame:
    """Reference table `regions`: one row per unit per vintage of every pack."""
    frames = []
    for code, p in packs(geo_root).items():
        for layer in p.admin1_layers:
            gdf = regions.read_layer(p, layer.vintage)
            props = pl.from_pandas(gdf.drop(columns="geometry").astype(str).replace({"None": "", "nan": ""}))
            frames.append(pl.DataFrame({
                "country": code,
                "vintage": layer.vintage,
                "admin1_iso": list(gdf["code"]),
                "name_en": props["name_en"] if "name_en" in props.columns else None,
                "valid_from": layer.valid_from,
                "valid_to": layer.valid_to,
                "aliases": props["aliases"] if "aliases" in props.columns else None,
            }, schema={"country": pl.Utf8, "vintage": pl.Utf8, "admin1_iso": pl.Utf8, "name_en": pl.Utf8,
                       "valid_from": pl.Date, "valid_to": pl.Date, "aliases": pl.Utf8}))
    return pl.concat(frames) if frames else pl.DataFrame()


def places_frame(geo_root: Path = GEO_ROOT) -> pl.DataFrame:
    """Reference table `places`: the populated places of every pack, with their current admin-1 code."""
    frames = []
    for code in packs(geo_root):
        g = load_gazetteer(code, geo_root)
        current = g.code_columns[-1]
        raw = read_places(g.pack)
        alt = raw.select(
            pl.concat_str([pl.lit("p:"), pl.col("geonameid")]).alias("cand_id"),
            pl.concat_list([_split_names(pl.col(c)) for c in ("alt_names", "extra_aliases") if c in raw.columns])
            .list.eval(pl.element().filter(pl.element() != "")).list.unique(maintain_order=True)
            .list.join("|").alias("alt_names"),
        )
        frames.append(
            g.candidates.filter(pl.col("kind") == "place").join(alt, on="cand_id", how="left").select(
                pl.lit(code).alias("country"),
                pl.col("cand_id").str.strip_prefix("p:").alias("place_id"),
                "name", "lat", "lon", "population",
                pl.col(current).alias("admin1_iso"),
                "alt_names",
            )
        )
    return pl.concat(frames) if frames else pl.DataFrame()


def region_name(country: str, iso_code: str, geo_root: Path = GEO_ROOT) -> str | None:
    """English name of a unit by its code (current or legacy), newest layer first."""
    p = pack(country, geo_root)
    if p is None:
        return None
    for vintage in reversed(regions.vintages(p)):
        layer = regions.read_layer(p, vintage)
        hit = layer.loc[layer["code"] == iso_code, "name_en"]
        if len(hit):
            return str(hit.iloc[0])
    return None
