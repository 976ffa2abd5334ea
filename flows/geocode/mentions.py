"""geocode_mentions: place text, named region and coordinates of a batch of mentions → place, point,
precision, current region and region at the event date. Vectorised: work is done on unique strings and
unique points, then joined back to the rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from flows.config import GEO_ROOT
from flows.geo_packs import CountryPack, packs, world_countries
from flows.geocode import regions
from flows.geocode.gazetteer import Gazetteer, load_gazetteer
from flows.geocode.match import lookup_keys, rank_requests, region_key_codes
from flows.geocode.names import (
    alternation,
    fold_expr,
    mentions_any,
    nationwide_expr,
    parse_expr,
    skeleton_expr,
)
from flows.model import conform

# Given coordinates farther than this from the place the text names are flagged (kilometres).
FAR_FROM_PLACE_KM = 50.0
SEGMENT_SPLIT = r"\s*(?:[,;/|()]|\band\b|&|\+)\s*"
PRECISION_ORDER = {"place": 0, "admin2": 1, "admin1": 2}
STRONG_METHODS = ["exact", "nodir"]
ISO_3166_2 = r"^[A-Z]{2}-[A-Z0-9]{1,3}$"


# The mention columns the geocoder reads; it works on these only and writes OUTPUT_COLUMNS back.
INPUT_COLUMNS = ["location_text", "admin1_text", "quote", "date_start", "lat", "lon", "geo_precision",
                 "place_name", "geo_flag"]
OUTPUT_COLUMNS = ["place_name", "lat", "lon", "geo_precision", "admin1_iso", "admin1_iso_at_event", "geo_flag"]


def geocode_mentions(mentions: pl.DataFrame, geo_root: Path = GEO_ROOT) -> pl.DataFrame:
    """The same rows in the same order with place_name, lat, lon, geo_precision, admin1_iso,
    admin1_iso_at_event and geo_flag filled (all mention columns, conformed)."""
    df = conform(mentions)
    if df.is_empty():
        return df
    available = set(packs(geo_root)) | world_countries(geo_root)
    country = pl.col("country").str.to_uppercase()
    present = sorted(set(df["country"].drop_nulls().str.to_uppercase().unique()) & available)
    blank_as_null = [pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c)).alias(c)
                     for c in ("location_text", "admin1_text")]
    narrow = df.select(country.alias("_country"), *INPUT_COLUMNS, "admin1_iso", "admin1_iso_at_event")
    narrow = narrow.with_columns(blank_as_null).with_row_index("_row")
    parts = [_geocode_country(narrow.filter(pl.col("_country") == code), load_gazetteer(code, geo_root))
             for code in present]
    parts.append(_without_pack(narrow.filter(pl.col("_country").is_null() | ~pl.col("_country").is_in(present))))
    results = pl.concat([p.select("_row", *OUTPUT_COLUMNS) for p in parts], how="vertical_relaxed").sort("_row")
    return conform(df.with_columns(results.select(OUTPUT_COLUMNS)))


def _without_pack(rows: pl.DataFrame) -> pl.DataFrame:
    """No country known (or one the world layer lacks): keep what the source gave; precision country unless it
    gave coordinates."""
    has_point = pl.col("lat").is_not_null() & pl.col("lon").is_not_null()
    precision = pl.coalesce(pl.col("geo_precision"),
                            pl.when(has_point).then(pl.lit("place")).otherwise(pl.lit("country")))
    country_only = precision == "country"   # a country centroid is not a place: no point
    return rows.with_columns(
        precision.alias("geo_precision"),
        pl.when(~country_only).then(pl.col("lat")).alias("lat"),
        pl.when(~country_only).then(pl.col("lon")).alias("lon"),
    )


def _parsed(texts: pl.DataFrame, column: str, g: Gazetteer) -> pl.DataFrame:
    """Fold and parse a column of unique strings: adds folded, key, hint, key_nodir."""
    folded = texts.with_columns(fold_expr(pl.col(column)).alias("folded"))
    return folded.with_columns(**parse_expr(pl.col("folded"), g.words))


def _segments(locs: pl.Series, g: Gazetteer) -> pl.DataFrame:
    """Each unique location text as a whole (seg 0) and, when it lists several names, each name (seg 1..n)."""
    frame = pl.DataFrame({"loc": locs})
    split = frame.with_columns(
        pl.col("loc").str.replace_all(SEGMENT_SPLIT, "\x1f").str.split("\x1f").alias("seg_text")
    ).filter(pl.col("seg_text").list.len() > 1).explode("seg_text", empty_as_null=False).with_columns(
        (pl.int_range(pl.len()).over("loc") + 1).alias("seg_no")
    ).filter(pl.col("seg_text").str.strip_chars() != "")
    whole = frame.with_columns(pl.col("loc").alias("seg_text"), pl.lit(0, dtype=pl.Int64).alias("seg_no"))
    segs = pl.concat([whole, split.with_columns(pl.col("seg_no").cast(pl.Int64))])
    segs = _parsed(segs, "seg_text", g)
    return segs.with_columns(
        nationwide_expr(pl.col("folded"), g.country_names).alias("nationwide"),
        mentions_any(segs["folded"], g.foreign_cues).alias("abroad_cue"),
    )


def _admin1_codes(texts: pl.Series, g: Gazetteer) -> pl.DataFrame:
    """Unique admin1_text values → the unit they name (cand_id), regions only."""
    if texts.is_empty():
        return pl.DataFrame(schema={"admin1_text": pl.Utf8, "a1_cand": pl.Utf8})
    parsed = _parsed(pl.DataFrame({"admin1_text": texts}), "admin1_text", g).with_columns(
        pl.lit(None, dtype=pl.Utf8).alias("ctx"))
    hits = lookup_keys(parsed, g)
    best = rank_requests(parsed, hits, g, kinds=["admin1"])
    return parsed.join(best, on=["key", "hint", "ctx"], how="left", nulls_equal=True).select(
        "admin1_text", pl.col("cand_id").alias("a1_cand"))


def _context_codes(texts: pl.Series, g: Gazetteer) -> pl.DataFrame:
    """Unique context texts → the first region named in them with a region word ("... Mangystau region")."""
    table = region_key_codes(g)
    pattern = rf"\b({alternation(tuple(table['key']))}) ({alternation(g.words.region)})\b"
    found = pl.DataFrame({"ctx_text": texts}).with_columns(
        fold_expr(pl.col("ctx_text")).str.extract(pattern, 1).alias("key"))
    return found.join(table, on="key", how="left").select("ctx_text", pl.col("code").alias("ctx_quote"))


def _vintage_expr(p: CountryPack) -> pl.Expr:
    day = pl.col("date_start")
    expr = pl.when(day.is_null()).then(pl.lit(p.current_layer.vintage))
    for layer in p.admin1_layers:
        cond = pl.lit(True)
        if layer.valid_from is not None:
            cond = cond & (day >= pl.lit(layer.valid_from))
        if layer.valid_to is not None:
            cond = cond & (day <= pl.lit(layer.valid_to))
        expr = expr.when(cond).then(pl.lit(layer.vintage))
    return expr.otherwise(pl.lit(p.current_layer.vintage))


def _code_at(vintage_col: str, g: Gazetteer, prefix: str) -> pl.Expr:
    """The code column of the row's vintage."""
    expr = pl.lit(None, dtype=pl.Utf8)
    for col in g.code_columns:
        expr = pl.when(pl.col(vintage_col) == col.removeprefix("code_")).then(pl.col(prefix + col)).otherwise(expr)
    return expr


def _resolve_locations(rows: pl.DataFrame, g: Gazetteer) -> pl.DataFrame:
    """Unique (location_text, ctx, _year) → cand_id and a status (resolved|country|abroad|multiple|unresolved)."""
    pairs = (rows.select(pl.col("location_text").alias("loc"), "ctx", "_year").unique()
             .filter(pl.col("loc").is_not_null()))
    if pairs.is_empty():
        return pl.DataFrame(schema={"loc": pl.Utf8, "ctx": pl.Utf8, "_year": pl.Int32, "cand_id": pl.Utf8,
                                    "status": pl.Utf8})
    segs = _segments(pairs["loc"].unique(), g)
    hits = lookup_keys(segs, g)
    requests = segs.join(pairs, on="loc")
    best = rank_requests(requests, hits, g)
    cand = g.candidates.select("cand_id", "kind", pl.col(g.code_columns[-1]).alias("_current"))
    seg_best = (
        requests.join(best, on=["key", "hint", "ctx", "_year"], how="left", nulls_equal=True)
        .join(cand, on="cand_id", how="left")
        .with_columns(
            pl.when(pl.col("cand_id").is_not_null()
                    & (pl.col("method").is_in(STRONG_METHODS) | ~pl.col("abroad_cue")) & ~pl.col("nationwide"))
            .then(pl.col("cand_id")).alias("ok_cand"),
            pl.col("kind").replace_strict(PRECISION_ORDER, default=9, return_dtype=pl.Int32).alias("_prec"),
        )
    )
    whole = seg_best.filter(pl.col("seg_no") == 0).select(
        "loc", "ctx", "_year", pl.col("ok_cand").alias("whole_cand"), pl.col("method").alias("whole_method"),
        pl.col("nationwide").alias("whole_nationwide"), pl.col("abroad_cue").alias("whole_abroad"))
    parts = (
        seg_best.filter(pl.col("seg_no") > 0)
        .sort("loc", "ctx", "_year", "_prec", "seg_no", nulls_last=True)
        .group_by("loc", "ctx", "_year", maintain_order=True)
        .agg(
            pl.col("ok_cand").drop_nulls().first().alias("part_cand"),
            pl.col("_current").filter(pl.col("ok_cand").is_not_null()).n_unique().alias("part_regions"),
            pl.col("abroad_cue").any().alias("part_abroad"),
            pl.col("nationwide").any().alias("part_nationwide"),
        )
    )
    merged = whole.join(parts, on=["loc", "ctx", "_year"], how="left", nulls_equal=True)
    # A name found inside the whole string ("inner") counts only when the listed names tell nothing.
    whole_named = pl.col("whole_cand").is_not_null() & (pl.col("whole_method") != "inner")
    status = (
        pl.when(pl.col("whole_nationwide")).then(pl.lit("country"))
        .when(whole_named).then(pl.lit("resolved"))
        .when(pl.col("whole_abroad")).then(pl.lit("abroad"))
        .when(pl.col("part_cand").is_not_null() & (pl.col("part_regions") > 1)).then(pl.lit("multiple"))
        .when(pl.col("part_cand").is_not_null()).then(pl.lit("resolved"))
        .when(pl.col("part_abroad").fill_null(False)).then(pl.lit("abroad"))
        .when(pl.col("part_nationwide").fill_null(False)).then(pl.lit("country"))
        .when(pl.col("whole_cand").is_not_null()).then(pl.lit("resolved"))
        .otherwise(pl.lit("unresolved"))
    )
    chosen = pl.when(whole_named).then(pl.col("whole_cand")).otherwise(pl.coalesce("part_cand", "whole_cand"))
    return merged.select(
        "loc", "ctx", "_year",
        pl.when(status == "resolved").then(chosen).alias("cand_id"),
        status.alias("status"),
    )


def _ambiguous_keys(g: Gazetteer) -> pl.DataFrame:
    """Keys whose candidates lie in more than one current region: only they need the context."""
    current = g.code_columns[-1]
    return (g.names.join(g.candidates.select("cand_id", current), on="cand_id")
            .group_by("key").agg(pl.col(current).n_unique().alias("n")).filter(pl.col("n") > 1).select("key"))


def _quote_context(rows: pl.DataFrame, g: Gazetteer) -> pl.Expr:
    """Per row: the region named in the location text or quote, only where the place name is ambiguous and
    the source names no region itself (null elsewhere)."""
    if rows.select((pl.col("admin1_text").is_null() & pl.col("quote").is_not_null()).any()).item() is not True:
        return pl.lit(None, dtype=pl.Utf8)                 # no row has a quote to read a region from
    locs = rows.select(pl.col("location_text").alias("loc")).unique().drop_nulls()
    ambiguous = _parsed(locs, "loc", g).join(_ambiguous_keys(g), on="key", how="semi")["loc"]
    needs = (pl.col("admin1_text").is_null() & pl.col("quote").is_not_null()
             & pl.col("location_text").is_in(ambiguous.implode()))
    ctx_text = pl.when(needs).then(pl.concat_str([pl.col("location_text"), pl.col("quote")], separator=" . "))
    texts = rows.select(ctx_text.alias("ctx_text")).to_series().drop_nulls().unique()
    if texts.is_empty():
        return pl.lit(None, dtype=pl.Utf8)
    found = _context_codes(texts, g).drop_nulls("ctx_quote")
    return ctx_text.replace_strict(found["ctx_text"], found["ctx_quote"], default=None, return_dtype=pl.Utf8)


# Rows that agree on these columns get the same answer: the geocoder works on their unique combinations.
COMBO_COLUMNS = ["location_text", "admin1_text", "ctx_quote", "_vintage", "_year", "lat", "lon", "geo_precision",
                 "place_name", "geo_flag"]


def _year_expr(rows: pl.DataFrame, g: Gazetteer) -> pl.Expr:
    """The event year, only where the location text holds a name the pack dates (`historical_names`), null
    elsewhere (so that other rows are not split by year); an undated row is read as of today."""
    if g.dated_names.is_empty():
        return pl.lit(None, dtype=pl.Int32)
    locs = _parsed(rows.select(pl.col("location_text").alias("loc")).unique().drop_nulls(), "loc", g)
    words = locs.with_columns(pl.col("key").str.split(" ").alias("_w")).explode("_w", empty_as_null=False)
    skels = pl.concat([
        locs.select("loc", skeleton_expr(pl.col("key"), g.variants).alias("skel")),
        words.select("loc", skeleton_expr(pl.col("_w"), g.variants).alias("skel")),
    ])
    dated = skels.join(g.dated_names.select("skel").unique(), on="skel", how="semi")["loc"].unique()
    year = pl.coalesce(pl.col("date_start").dt.year(), pl.lit(date.today().year)).cast(pl.Int32)
    return pl.when(pl.col("location_text").is_in(dated.implode())).then(year).otherwise(pl.lit(None, dtype=pl.Int32))


def _geocode_country(rows: pl.DataFrame, g: Gazetteer) -> pl.DataFrame:
    """Rows of one pack country (INPUT_COLUMNS and _row) → _row and OUTPUT_COLUMNS."""
    rows = rows.with_columns(_vintage_expr(g.pack).alias("_vintage"), _quote_context(rows, g).alias("ctx_quote"),
                             _year_expr(rows, g).alias("_year"))
    combos = rows.group_by(COMBO_COLUMNS).agg(pl.col("_row").alias("_rows"))
    answers = _geocode_combos(combos, g)
    return answers.select("_rows", *OUTPUT_COLUMNS).explode("_rows", empty_as_null=False).rename({"_rows": "_row"})


def _geocode_combos(rows: pl.DataFrame, g: Gazetteer) -> pl.DataFrame:
    """Unique combinations of COMBO_COLUMNS → the same columns and OUTPUT_COLUMNS."""
    a1 = _admin1_codes(rows["admin1_text"].drop_nulls().unique(), g)
    rows = rows.join(a1, on="admin1_text", how="left").with_columns(
        pl.coalesce(pl.col("a1_cand").str.strip_prefix("r:"), pl.col("ctx_quote")).alias("ctx"))
    resolved = _resolve_locations(rows, g)
    rows = rows.join(resolved, left_on=["location_text", "ctx", "_year"], right_on=["loc", "ctx", "_year"],
                     how="left", nulls_equal=True)
    cand_cols = ["cand_id", "kind", "name", "lat", "lon", *g.code_columns]
    cand = g.candidates.select(cand_cols).rename({c: "c_" + c for c in cand_cols if c != "cand_id"})
    a1 = g.candidates.filter(pl.col("kind") == "admin1").select(cand_cols).rename(
        {c: "a_" + c for c in cand_cols})
    rows = (rows.join(cand, on="cand_id", how="left")
            .join(a1, left_on="a1_cand", right_on="a_cand_id", how="left"))

    # The location: the resolved place, else the region the source names, else nothing.
    use_a1 = pl.col("cand_id").is_null() & pl.col("a1_cand").is_not_null() & (
        pl.col("status").is_null() | pl.col("status").is_in(["unresolved", "multiple"]))
    pick = lambda c: pl.when(use_a1).then(pl.col("a_" + c)).otherwise(pl.col("c_" + c))  # noqa: E731
    rows = rows.with_columns(*[pick(c).alias("m_" + c) for c in cand_cols if c != "cand_id"])

    # Coordinates the source gave (not the point this geocoder put there on an earlier run). A source that
    # says its record is known only to the country gives no place: its point (a country centroid) is not used.
    given = (pl.col("lat").is_not_null() & pl.col("lon").is_not_null()
             & (pl.col("geo_precision") != "country").fill_null(True)
             & ~(((pl.col("lat") - pl.col("m_lat")).abs() < 1e-6) & ((pl.col("lon") - pl.col("m_lon")).abs() < 1e-6))
             .fill_null(False))
    rows = rows.with_columns(given.alias("_given"))
    points = rows.filter("_given").select("lon", "lat").unique()
    point_codes = points.hstack(
        regions.codes_at_points(g.pack, points["lon"].to_numpy(), points["lat"].to_numpy(), snap=False)
        .rename({c: "g_" + c for c in g.code_columns}))
    rows = rows.join(point_codes, on=["lon", "lat"], how="left")

    inside = pl.col("g_" + g.code_columns[-1]).is_not_null()
    km = _haversine_km(pl.col("lat"), pl.col("lon"), pl.col("m_lat"), pl.col("m_lon"))
    in_unit = pl.any_horizontal([pl.col("g_" + c) == pl.col("_unit") for c in g.code_columns]).fill_null(True)
    a1_unit = pl.col("a1_cand").str.strip_prefix("r:")
    m_unit = pl.when(pl.col("m_kind") == "admin1").then(pl.col("m_" + g.code_columns[-1]))
    existing = pl.col("geo_flag").fill_null("")
    flag_rules = {
        "unresolved_place": pl.col("status") == "unresolved",
        "place_abroad": pl.col("status") == "abroad",
        "multiple_places": pl.col("status") == "multiple",
        "coords_outside_country": pl.col("_given") & ~inside,
        "coords_outside_named_region": pl.col("_given") & inside & ~in_unit,
        "coords_far_from_named_place": pl.col("_given") & (pl.col("m_kind") == "place") & (km > FAR_FROM_PLACE_KM),
    }
    # Earlier flags are kept; a flag already there is not added twice (re-runs change nothing).
    new_flags = [pl.when(rule & ~existing.str.contains(name, literal=True)).then(pl.lit(name))
                 for name, rule in flag_rules.items()]
    at_event_match = _code_at("_vintage", g, "m_")
    at_event_point = _code_at("_vintage", g, "g_")
    precision_of_match = pl.col("m_kind")    # candidate kinds are the precisions: place, admin2, admin1
    rows = rows.with_columns(pl.coalesce(a1_unit, m_unit).alias("_unit"))
    return rows.with_columns(
        pl.when(pl.col("m_name").is_not_null()).then(pl.col("m_name")).otherwise(pl.col("place_name"))
        .alias("place_name"),
        pl.when(pl.col("_given")).then(pl.col("lat")).otherwise(pl.col("m_lat")).alias("lat"),
        pl.when(pl.col("_given")).then(pl.col("lon")).otherwise(pl.col("m_lon")).alias("lon"),
        pl.when(pl.col("_given")).then(pl.coalesce(pl.col("geo_precision"), precision_of_match, pl.lit("place")))
        .otherwise(pl.coalesce(precision_of_match, pl.lit("country"))).alias("geo_precision"),
        _iso_only(pl.when(pl.col("_given") & inside).then(pl.col("g_" + g.code_columns[-1]))
                  .otherwise(pl.col("m_" + g.code_columns[-1]))).alias("admin1_iso"),
        _iso_only(pl.when(pl.col("_given") & inside).then(at_event_point).otherwise(at_event_match))
        .alias("admin1_iso_at_event"),
        pl.concat_str([pl.col("geo_flag"), *new_flags], separator=";", ignore_nulls=True)
        .replace("", None).alias("geo_flag"),
    )


def _iso_only(code: pl.Expr) -> pl.Expr:
    """The code where it is an ISO 3166-2 code (or a pack's legacy one, KZ-YUZ); null for the world layer's units
    without one (LV's pre-2021 municipalities, Kosovo's ...), whose layer code is Natural Earth's adm1_code."""
    return pl.when(code.str.contains(ISO_3166_2)).then(code)


def _haversine_km(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    rad = 3.141592653589793 / 180
    a = ((lat2 - lat1) * rad / 2).sin() ** 2 + (lat1 * rad).cos() * (lat2 * rad).cos() * (
        ((lon2 - lon1) * rad / 2).sin() ** 2)
    return 2 * 6371.0 * a.sqrt().arcsin()
