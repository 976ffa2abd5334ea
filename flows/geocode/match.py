"""Folded keys → gazetteer candidates: exact join, then the key without a direction word, then the
romanisation skeleton, then rapidfuzz on the few keys still missing; then one ranking per request."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import OSA

from flows.geocode.gazetteer import Gazetteer
from flows.geocode.names import skeleton_expr

# Fuzzy matching (optimal string alignment: a swap of two letters is one edit): never for keys shorter
# than this; at most one edit up to 8 letters, two from 9.
FUZZY_MIN_LEN = 5
FUZZY_TWO_EDITS_FROM = 9
# A bare name shared by a region and a place means the place when the place has at least this many people
# ("Almaty", "Aktobe": the cities), the region otherwise ("Mangystau", "Abai").
CITY_OVER_REGION_POPULATION = 100_000
# Names looked for inside longer strings must have at least this many letters ("May", "Ile" are not).
INNER_MIN_LEN = 4
INNER_MAX_WORDS = 4

HITS_SCHEMA = {"key": pl.Utf8, "cand_id": pl.Utf8, "alias_hint": pl.Utf8, "method": pl.Utf8}


def lookup_keys(keys: pl.DataFrame, g: Gazetteer) -> pl.DataFrame:
    """All gazetteer candidates of each unique key (columns key, key_nodir): the first method that finds
    any wins. Returns key, cand_id, alias_hint, method ("exact", "nodir", "skeleton", "fuzzy", "inner")."""
    keys = keys.select("key", "key_nodir").filter(pl.col("key").is_not_null() & (pl.col("key") != "")).unique("key")
    names = g.names
    exact = keys.join(names.select("key", "cand_id", "alias_hint"), on="key").with_columns(method=pl.lit("exact"))
    missing = keys.join(exact.select("key"), on="key", how="anti")

    nodir = (missing.filter(pl.col("key_nodir").is_not_null())
             .join(names.select(pl.col("key").alias("key_nodir"), "cand_id", "alias_hint"), on="key_nodir")
             .select("key", "cand_id", "alias_hint").with_columns(method=pl.lit("nodir")))
    missing = missing.join(nodir.select("key"), on="key", how="anti")

    skel = (missing.with_columns(skeleton_expr(pl.col("key"), g.variants).alias("skel"))
            .join(names.select("skel", "cand_id", "alias_hint"), on="skel")
            .select("key", "cand_id", "alias_hint").with_columns(method=pl.lit("skeleton")))
    missing = missing.join(skel.select("key"), on="key", how="anti")

    fuzzy = fuzzy_hits(missing["key"], names)
    missing = missing.join(fuzzy.select("key"), on="key", how="anti")

    inner = inner_name_hits(missing["key"], names)
    parts = [exact.select(*HITS_SCHEMA), nodir.select(*HITS_SCHEMA), skel.select(*HITS_SCHEMA), fuzzy, inner]
    return pl.concat([p.cast(HITS_SCHEMA) for p in parts]).unique().sort("key", "cand_id", "method", nulls_last=True)


@dataclass(frozen=True)
class FuzzyIndex:
    """The gazetteer keys fuzzy matching compares with, blocked by (first letter, length) and (last letter,
    length). One edit cannot change both the first and the last letter of a key of FUZZY_MIN_LEN or more
    letters, so a query meets every key within one edit through one of the two blocks; of two edits (from
    FUZZY_TWO_EDITS_FROM letters) only the rare pair that hits both ends is missed."""

    by_first: dict[tuple[str, int], list[str]]
    by_last: dict[tuple[str, int], list[str]]

    @classmethod
    def of(cls, names: pl.DataFrame) -> FuzzyIndex:
        keys = names.filter(pl.col("key").str.len_chars() >= FUZZY_MIN_LEN - 1)["key"].unique().sort().to_list()
        by_first: dict[tuple[str, int], list[str]] = {}
        by_last: dict[tuple[str, int], list[str]] = {}
        for k in keys:
            by_first.setdefault((k[0], len(k)), []).append(k)
            by_last.setdefault((k[-1], len(k)), []).append(k)
        return cls(by_first, by_last)


_FUZZY_INDEXES: dict[int, tuple[pl.DataFrame, FuzzyIndex]] = {}


def fuzzy_index(names: pl.DataFrame) -> FuzzyIndex:
    """The FuzzyIndex of a names frame, built once per frame."""
    hit = _FUZZY_INDEXES.get(id(names))
    if hit is None or hit[0] is not names:
        hit = (names, FuzzyIndex.of(names))
        _FUZZY_INDEXES[id(names)] = hit
    return hit[1]


def fuzzy_hits(queries: pl.Series, names: pl.DataFrame) -> pl.DataFrame:
    """Keys within one edit (two from FUZZY_TWO_EDITS_FROM letters) of a gazetteer key, for keys of at least
    FUZZY_MIN_LEN letters; all gazetteer keys at the smallest distance are returned. Each query is compared
    only with the keys of its FuzzyIndex blocks within the allowed change of length."""
    queries = queries.filter(queries.str.replace_all(" ", "").str.len_chars() >= FUZZY_MIN_LEN).unique().sort()
    if queries.is_empty() or names.is_empty():
        return pl.DataFrame(schema=HITS_SCHEMA)
    index = fuzzy_index(names)
    groups: dict[tuple[int, str, int], list[str]] = {}
    for q in queries.to_list():
        groups.setdefault((0, q[0], len(q)), []).append(q)
        groups.setdefault((1, q[-1], len(q)), []).append(q)
    best: dict[str, tuple[int, list[str]]] = {}
    for (side, letter, length), qs in groups.items():
        allowed = 2 if length >= FUZZY_TWO_EDITS_FROM else 1
        table = index.by_first if side == 0 else index.by_last
        choices = [k for n in range(length - allowed, length + allowed + 1) for k in table.get((letter, n), ())]
        if not choices:
            continue
        dist = process.cdist(qs, choices, scorer=OSA.distance, score_cutoff=allowed, dtype=np.int32, workers=1)
        low = dist.min(axis=1)
        for i in np.flatnonzero(low <= allowed):
            q, d = qs[i], int(low[i])
            found = [choices[j] for j in np.flatnonzero(dist[i] == d)]
            known = best.get(q)
            if known is None or d < known[0]:
                best[q] = (d, found)
            elif d == known[0]:
                known[1].extend(c for c in found if c not in known[1])
    if not best:
        return pl.DataFrame(schema=HITS_SCHEMA)
    pairs = pl.DataFrame([(q, c) for q, (_, cs) in best.items() for c in cs], schema=["key", "choice"], orient="row")
    return (pairs.join(names.select(pl.col("key").alias("choice"), "cand_id", "alias_hint"), on="choice")
            .select("key", "cand_id", "alias_hint", method=pl.lit("fuzzy")))


def inner_name_hits(queries: pl.Series, names: pl.DataFrame) -> pl.DataFrame:
    """The longest gazetteer key of at least INNER_MIN_LEN letters found as whole words inside a longer
    string ("Baikonur cosmodrome" → "baikonur"); method "inner", which a foreign cue or a list overrides.
    Every run of up to INNER_MAX_WORDS words of the query is joined with the keys (no regex over the keys,
    so it scales to the world gazetteer)."""
    queries = queries.filter(queries.str.contains(" ")).unique()
    if queries.is_empty():
        return pl.DataFrame(schema=HITS_SCHEMA)
    words = (pl.DataFrame({"key": queries}).with_columns(pl.col("key").str.split(" ").alias("_w"))
             .with_columns(pl.col("_w").list.len().alias("_n")))
    grams = []
    for n in range(1, INNER_MAX_WORDS + 1):
        for i in range(int(words["_n"].max() or 0) - n + 1):
            gram = (words.filter(pl.col("_n") >= i + n)
                    .select("key", pl.col("_w").list.slice(i, n).list.join(" ").alias("inner")))
            grams.append(gram.filter(pl.col("inner") != pl.col("key")))
    keys = names.filter(pl.col("key").str.len_chars() >= INNER_MIN_LEN).select(pl.col("key").alias("inner")).unique()
    found = (pl.concat(grams).join(keys, on="inner", how="semi")
             .sort(pl.col("inner").str.len_chars(), "inner", descending=[True, False])
             .unique("key", keep="first"))
    return (found.join(names.select(pl.col("key").alias("inner"), "cand_id", "alias_hint"), on="inner")
            .select("key", "cand_id", "alias_hint", method=pl.lit("inner")))


def _hint_rank(hint: pl.Expr) -> pl.Expr:
    """0 when the candidate is of the kind the request's own words ask for ("Almaty Region" → a region)."""
    kind, unit = pl.col("kind"), pl.col("unit_type")
    region_unit = (kind == "admin1") & (unit == "region")
    return (
        pl.when(hint.is_null()).then(0)
        .when(hint == "region").then(pl.when(region_unit).then(0).when(kind == "admin1").then(1).otherwise(2))
        .when(hint == "admin2").then(pl.when(kind == "admin2").then(0).when(kind == "place").then(1).otherwise(2))
        .when(hint == "place").then(
            pl.when(kind == "place").then(0).when(kind == "admin1").then(pl.when(region_unit).then(3).otherwise(1))
            .otherwise(2))
        .otherwise(0)
    )


def _default_rank() -> pl.Expr:
    """Without a hint: a big place, a region named bare, a smaller place, a region named with its
    region word, a district."""
    kind = pl.col("kind")
    return (
        pl.when((kind == "place") & (pl.col("population") >= CITY_OVER_REGION_POPULATION)).then(0)
        .when((kind == "admin1") & pl.col("alias_hint").is_null()).then(1)
        .when(kind == "place").then(2)
        .when(kind == "admin1").then(3)
        .otherwise(4)
    )


def with_year_rank(hits: pl.DataFrame, g: Gazetteer) -> pl.DataFrame:
    """Hits (key, cand_id, _year) with `_r_year`: 1 where the name pointed at the candidate only in other years
    (pack `historical_names`), else 0. Such a candidate loses to any other, but is kept when it is the only
    one (an old name that nothing else bears still finds its place)."""
    if g.dated_names.is_empty() or "_year" not in hits.columns:
        return hits.with_columns(pl.lit(0).alias("_r_year"))
    year, lo, hi = pl.col("_year"), pl.col("year_from"), pl.col("year_to")
    outside = year.is_not_null() & ((lo.is_not_null() & (year < lo)) | (hi.is_not_null() & (year > hi)))
    return (hits.with_columns(skeleton_expr(pl.col("key"), g.variants).alias("_skel"))
            .join(g.dated_names.rename({"skel": "_skel"}), on=["_skel", "cand_id"], how="left", maintain_order="left")
            .with_columns(pl.when(outside).then(1).otherwise(0).alias("_r_year"))
            .drop("_skel", "year_from", "year_to"))


def rank_requests(requests: pl.DataFrame, hits: pl.DataFrame, g: Gazetteer, kinds: list[str] | None = None
                  ) -> pl.DataFrame:
    """The best candidate of each request (columns key, hint, ctx, and _year when given): the hint first, then
    a name valid in the request's year (pack `historical_names`), then the context region, then the default
    kind order, population, feature class. Returns the request columns, cand_id, method."""
    group = ["key", "hint", "ctx", *(["_year"] if "_year" in requests.columns else [])]
    req = requests.select(group).unique()
    cand = g.candidates if kinds is None else g.candidates.filter(pl.col("kind").is_in(kinds))
    in_ctx = pl.any_horizontal([pl.col(c) == pl.col("ctx") for c in g.code_columns]).fill_null(False)
    return (
        with_year_rank(req.join(hits, on="key"), g)
        .join(cand, on="cand_id")
        .with_columns(
            _hint_rank(pl.col("hint")).alias("_r_hint"),
            pl.when(pl.col("ctx").is_null() | in_ctx).then(0).otherwise(1).alias("_r_ctx"),
            _default_rank().alias("_r_kind"),
        )
        .sort(["_r_hint", "_r_year", "_r_ctx", "_r_kind", "population", "feature_rank", "cand_id"],
              descending=[False, False, False, False, True, False, False])
        .group_by(group, maintain_order=True)
        .first()
        .select(*group, "cand_id", "method")
    )


def region_key_codes(g: Gazetteer) -> pl.DataFrame:
    """Region keys → unit code, for reading a region named in context ("... Mangystau region ...")."""
    units = g.candidates.filter((pl.col("kind") == "admin1") & (pl.col("unit_type") == "region"))
    return (g.names.join(units.select("cand_id"), on="cand_id")
            .select("key", pl.col("cand_id").str.strip_prefix("r:").alias("code"))
            .unique().sort("key", "code").unique("key", keep="first"))
