"""Deduplication: mentions of the same occurrence (across sources and within one) become one event.

Rules (each merge is explained in event_mentions.merge_reason):
- Two mentions match when they have the same event_type and country, their date intervals overlap (no
  tolerance: sources that only know a week or a month already carry the wider interval), they are at the same
  place (same place_name, else the same location text, with compatible admin1), their actors are compatible
  and their counts are compatible.
- Place level first: mentions located at a place (or admin2) match on the place. A mention located only to
  a first-level region joins the one event of that region it matches; if it matches several events it stays
  alone (it cannot say which); region-level mentions with no place-level match merge among themselves, and
  country-level ones only when both are dated to one and the same day.
- Never merged: two rows of the same curated dataset file (ACLED, Mass Mobilization, mapped CSV: the dataset
  already made each row one event) or two mentions of one report (its extractor already merged restatements),
  mentions of different types (so never two types from one report sentence), mentions an analyst split
  (overrides), mentions spanning more than MAX_SPAN_DAYS.
- Actors are compatible when either side names no specific actor (generic words like "protesters",
  "police", country and place names are ignored) or they share a word.
- Counts are compatible when, for every count both give, the larger low is at most COUNT_FACTOR times the
  smaller high plus COUNT_SLACK (20 vs 2000 participants are two crowds; "hundreds" and 300 are one).
- Clusters are connected components of the matches. The representative mention (whose descriptive columns
  the event carries) is the most precise: curated dataset over report over GDELT, then the finer place, the
  finer date, the higher confidence, the smallest mention_id. Merged counts: low = max of lows, high = max
  of highs (never below low). event_id = 'e_' + the cluster's smallest mention_id: deterministic.
- Analysts' decisions (flows/overrides.py) come first: dropped mentions join nothing, added ones join like any
  other, a `merge` joins two mentions' clusters whatever the rules say, and a mention an analyst reviewed is
  preferred as the representative. An event's review_status is the strongest of its mentions' statuses.
The tunable constants live in schemas/sources/dedupe.yaml.
Vectorised: candidate pairs come from equality joins on (type, country, place or region, day) over the days
each mention covers; no Python loop per mention or pair.
"""

from __future__ import annotations

from functools import cache

import polars as pl
import pycountry

from flows.ingest.datasets.spec import source_spec
from flows.model import COUNT_RANGES, EVENT_SCHEMA, conform
from flows.overrides import REVIEW_STATUSES, apply_overrides, merge_pairs, review_status, valid_overrides

RULES = source_spec("dedupe")          # schemas/sources/dedupe.yaml
CURATED_KINDS: list[str] = RULES["curated_kinds"]
KIND_RANK: dict[str, int] = RULES["kind_rank"]
GEO_RANK: dict[str, int] = RULES["geo_rank"]
DATE_RANK: dict[str, int] = RULES["date_rank"]
MAX_SPAN_DAYS: int = RULES["max_span_days"]
COUNT_FACTOR: float = RULES["count_factor"]
COUNT_SLACK: float = RULES["count_slack"]
EVENT_MENTION_SCHEMA = {"event_id": pl.Utf8, "mention_id": pl.Utf8, "is_representative": pl.Boolean,
                        "merge_reason": pl.Utf8}


def build_events(mentions: pl.DataFrame, overrides: pl.DataFrame | None = None
                 ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(events with EVENT_SCHEMA columns, event_mentions: event_id, mention_id, is_representative, merge_reason)."""
    overrides = valid_overrides(overrides)      # checked once (an invalid one is skipped with one warning)
    m, no_merge = apply_overrides(conform(mentions), overrides)
    if m.is_empty():
        return pl.DataFrame(schema=EVENT_SCHEMA), pl.DataFrame(schema=EVENT_MENTION_SCHEMA)
    keyed = _keyed(m, no_merge)
    links = _with_analyst_merges(_cluster(keyed), merge_pairs(overrides), m)
    return _outputs(m, links, review_status(overrides))


# --- keys ---------------------------------------------------------------------------------------------

@cache
def _ignored_actor_words() -> list[str]:
    """Words that say nothing about who acted: generic roles, country names and demonyms."""
    # imported here: it loads geopandas, which a run with nothing to merge never needs
    from flows.geo_packs import packs

    words = set(RULES["generic_actor_words"])
    for c in pycountry.countries:
        for name in (c.name, getattr(c, "common_name", None)):
            if name:
                words.update(w.lower() for w in name.replace(",", " ").split() if len(w) > 2)
    for p in packs().values():
        for name in (*p.names, *p.demonyms):
            words.update(w.lower() for w in name.split())
    return sorted({w.removesuffix("s") if len(w) > 3 else w for w in words})


def _words(expr: pl.Expr) -> pl.Expr:
    """Lower-case words of 3+ letters, parentheses removed, a plural 's' dropped."""
    words = expr.fill_null("").str.to_lowercase().str.replace_all(r"\([^)]*\)", " ").str.extract_all(
        r"[^\W\d_]{3,}")
    return words.list.eval(
        pl.when(pl.element().str.len_chars() > 3).then(pl.element().str.strip_suffix("s"))
        .otherwise(pl.element()))


def _keyed(m: pl.DataFrame, no_merge: set[str]) -> pl.DataFrame:
    """The columns matching needs: keys of place, region and level; the file of a curated row."""
    place = pl.coalesce(pl.col("place_name"), pl.col("location_text")).str.strip_chars().str.to_lowercase()
    region = pl.coalesce(pl.col("admin1_iso"), pl.col("admin1_text").str.strip_chars().str.to_lowercase())
    fine = pl.col("geo_precision").is_in(["place", "admin2"]) & place.is_not_null()
    return m.select(
        "mention_id", "event_type", "country", "source", "date_start", "date_end", "admin1_iso",
        "actors", "location_text", "place_name", "admin1_text", "row_number",
        *[c for pair in COUNT_RANGES for c in pair],
        pl.when(fine).then(place).alias("_place"),
        region.alias("_region"),
        pl.when(fine).then(pl.lit("place"))
        .when(region.is_not_null() & (pl.col("geo_precision") != "country")).then(pl.lit("region"))
        .otherwise(pl.lit("country")).alias("_level"),
        pl.coalesce(pl.col("place_name"), pl.col("location_text")).alias("_place_label"),
        pl.when(pl.col("source_kind").is_in(CURATED_KINDS)).then(pl.col("source")).alias("_file"),
        pl.col("mention_id").is_in(sorted(no_merge)).alias("_split"),
    )


def _actor_words(k: pl.DataFrame) -> pl.DataFrame:
    """mention_id, _actors: the specific words of the actors (generic words, countries, places removed),
    computed once per distinct (actors, place texts): a dataset repeats a few thousand combinations."""
    texts = ["actors", "location_text", "place_name", "admin1_text"]
    distinct = k.select(texts).unique()
    place_words = pl.concat_list(_words(pl.col("location_text")), _words(pl.col("place_name")),
                                 _words(pl.col("admin1_text")))
    ignored = pl.lit(_ignored_actor_words(), dtype=pl.List(pl.Utf8))
    words = distinct.with_columns(
        _words(pl.col("actors")).list.set_difference(ignored).list.set_difference(place_words)
        .list.unique().list.sort().alias("_actors"))
    return k.select("mention_id", *texts).join(words, on=texts, how="left", nulls_equal=True).select(
        "mention_id", "_actors")


# --- candidate pairs ----------------------------------------------------------------------------------

def _days(df: pl.DataFrame, key: str) -> pl.DataFrame:
    """One row per (mention, day covered) for mentions with a key, not split, spanning <= MAX_SPAN_DAYS."""
    usable = df.filter(
        pl.col(key).is_not_null() & ~pl.col("_split")
        & ((pl.col("date_end") - pl.col("date_start")).dt.total_days() <= MAX_SPAN_DAYS)
    )
    return usable.select(
        "mention_id", "event_type", "country", pl.col(key).alias("_key"), "_file",
        pl.date_ranges("date_start", "date_end").alias("_day"),
    ).explode("_day", empty_as_null=True)


PLACE_KEY = ["event_type", "country", "_key"]
DAY_KEY = [*PLACE_KEY, "_day"]


def _prune(la: pl.DataFrame, rb: pl.DataFrame, same: bool, keys: list[str]
           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Drop the rows whose group (same `keys`) cannot give a pair: groups with one side only, or whose rows
    all come from one curated file (never merged: most groups of one big dataset). Run on mentions by
    (type, country, key) before days are exploded, then on days. Groups are found by a hash of their key
    (a collision only keeps a few rows more)."""
    group = pl.struct(keys).hash(seed=7).alias("_g")
    sides = [la.with_columns(group, pl.lit(0, dtype=pl.Int8).alias("_side"))]
    if not same:
        sides.append(rb.with_columns(group, pl.lit(1, dtype=pl.Int8).alias("_side")))
    both = pl.concat(sides)
    stats = both.group_by("_g").agg(
        pl.len().alias("_n"), pl.col("_file").n_unique().alias("_files"),
        pl.col("_file").is_null().any().alias("_open"), pl.col("_side").n_unique().alias("_sides"))
    useful = stats.filter((pl.col("_n") > 1) & ((pl.col("_files") > 1) | pl.col("_open"))
                          & ((pl.col("_sides") > 1) if not same else pl.lit(True))).select("_g")
    kept = both.join(useful, on="_g", how="semi").drop("_g")
    if same:
        kept = kept.drop("_side")
        return kept, kept
    return kept.filter(pl.col("_side") == 0).drop("_side"), kept.filter(pl.col("_side") == 1).drop("_side")


def _without_ambiguous_links(pairs: pl.DataFrame) -> pl.DataFrame:
    """Drop the links of a mention to a curated file when it matches two or more rows of that file: the
    dataset says they are different events, so the mention cannot tell which one it reports."""
    directed = pl.concat([
        pairs.select(pl.col("a").alias("x"), pl.col("b").alias("y"), pl.col("_file_b").alias("f")),
        pairs.select(pl.col("b").alias("x"), pl.col("a").alias("y"), pl.col("_file").alias("f")),
    ]).filter(pl.col("f").is_not_null()).unique()
    ambiguous = directed.filter(pl.col("y").n_unique().over("x", "f") > 1).select("x", "y")
    if ambiguous.is_empty():
        return pairs
    drop = pl.concat([ambiguous, ambiguous.select(pl.col("y").alias("x"), pl.col("x").alias("y"))])
    return pairs.join(drop, left_on=["a", "b"], right_on=["x", "y"], how="anti")


def _compatible_counts(a: str = "", b: str = "_b") -> pl.Expr:
    ok = pl.lit(True)
    inf = float("inf")
    for low, high in COUNT_RANGES:
        lo_a, lo_b = pl.col(low + a).cast(pl.Float64), pl.col(low + b).cast(pl.Float64)
        hi_a = pl.when(pl.col(high + a).is_null()).then(pl.lit(inf)).otherwise(pl.col(high + a).cast(pl.Float64))
        hi_b = pl.when(pl.col(high + b).is_null()).then(pl.lit(inf)).otherwise(pl.col(high + b).cast(pl.Float64))
        both = lo_a.is_not_null() & lo_b.is_not_null()
        fits = pl.max_horizontal(lo_a, lo_b) <= COUNT_FACTOR * pl.min_horizontal(hi_a, hi_b) + COUNT_SLACK
        ok = ok & (~both | fits)
    return ok


def _day_hits(la: pl.DataFrame, rb: pl.DataFrame, same: bool) -> pl.DataFrame:
    """Distinct (a, b) sharing a day group, never two rows of one curated file. The join is split so that
    rows of one big file are never paired with each other: (open, any), (curated, open), and curated rows
    of different files only in groups where two files meet. With same, pairs come as (smaller, larger)."""
    open_l, cur_l = la.filter(pl.col("_file").is_null()), la.filter(pl.col("_file").is_not_null())
    open_r, cur_r = rb.filter(pl.col("_file").is_null()), rb.filter(pl.col("_file").is_not_null())
    group = pl.struct(DAY_KEY).hash(seed=11)
    files = pl.concat([cur_l.select(group.alias("_g"), "_file"), cur_r.select(group.alias("_g"), "_file")])
    meeting = files.group_by("_g").agg(pl.col("_file").n_unique().alias("_n")).filter(pl.col("_n") > 1)
    cur_l2 = cur_l.filter(group.is_in(meeting["_g"].implode()))
    cur_r2 = cur_l2 if same else cur_r.filter(group.is_in(meeting["_g"].implode()))
    parts = [open_l.join(rb, on=DAY_KEY, suffix="_b"), cur_l2.join(cur_r2, on=DAY_KEY, suffix="_b")
             .filter(pl.col("_file") != pl.col("_file_b"))]
    if not same:
        parts.append(cur_l.join(open_r, on=DAY_KEY, suffix="_b"))
    hits = pl.concat([p.select("mention_id", "mention_id_b") for p in parts]).filter(
        pl.col("mention_id") != pl.col("mention_id_b"))
    if same:
        return hits.select(pl.min_horizontal("mention_id", "mention_id_b").alias("a"),
                           pl.max_horizontal("mention_id", "mention_id_b").alias("b")).unique()
    return hits.select(pl.col("mention_id").alias("a"), pl.col("mention_id_b").alias("b")).unique()


def _pairs(left: pl.DataFrame, right: pl.DataFrame, level: str) -> pl.DataFrame:
    """Compatible pairs (a from left, b from right, a != b) sharing type, country, a day and the key of
    `level` (place: _place; region: _region; country: the country itself), with the reason they match."""
    key = {"place": "_place", "region": "_region", "country": "country"}[level]
    same = right is left
    left, right = _prune(left.with_columns(pl.col(key).alias("_key")), right.with_columns(pl.col(key).alias("_key")),
                         same, PLACE_KEY)
    la, rb = _days(left, key), _days(right, key)
    la, rb = _prune(la, rb, same, DAY_KEY)
    hits = _day_hits(la, rb, same)
    if hits.is_empty():
        return pl.DataFrame(schema={"a": pl.Utf8, "b": pl.Utf8, "reason": pl.Utf8})
    cols = ["mention_id", "event_type", "date_start", "date_end", "admin1_iso", "_place_label", "_region", "_file",
            *[c for pair in COUNT_RANGES for c in pair]]
    ids = pl.concat([hits["a"], hits["b"]]).unique().implode()
    involved = [f.filter(pl.col("mention_id").is_in(ids)) for f in ((left,) if right is left else (left, right))]
    words = _actor_words(pl.concat(involved).unique("mention_id"))
    side = lambda frame: frame.select(cols).join(words, on="mention_id")  # noqa: E731
    full = hits.join(side(left), left_on="a", right_on="mention_id").join(
        side(right), left_on="b", right_on="mention_id", suffix="_b")
    admin_ok = (pl.col("admin1_iso") == pl.col("admin1_iso_b")).fill_null(True)
    shared = pl.col("_actors").list.set_intersection("_actors_b")
    actors_ok = (pl.col("_actors").list.len() == 0) | (pl.col("_actors_b").list.len() == 0) | (shared.list.len() > 0)
    full = full.filter(admin_ok & actors_ok & _compatible_counts())
    full = _without_ambiguous_links(full)
    start = pl.max_horizontal("date_start", "date_start_b").cast(pl.Utf8)
    end = pl.min_horizontal("date_end", "date_end_b").cast(pl.Utf8)
    overlap = pl.when(start == end).then(start).otherwise(pl.format("{}..{}", start, end))
    where = {
        "place": pl.format("same place {} ({})", pl.col("_place_label"),
                           pl.coalesce("admin1_iso", "_region", pl.lit("region unknown"))),
        "region": pl.format("same region {} (known only to the region)", pl.col("_region")),
        "country": pl.lit("both known only to the country"),
    }[level]
    who = pl.when(shared.list.len() > 0).then(pl.format("actors share '{}'", shared.list.join("', '"))).otherwise(
        pl.lit("actors unstated on one side"))
    reason = pl.format("same type {}; dates overlap {}; {}; {}; counts compatible",
                       pl.col("event_type"), overlap, where, who)
    return full.select("a", "b", reason.alias("reason"))


# --- clusters -----------------------------------------------------------------------------------------

def _components(edges: pl.DataFrame) -> pl.DataFrame:
    """mention_id -> label (the smallest mention_id of its connected component), for the edges' nodes."""
    both = pl.concat([edges.select("a", "b"), edges.select(pl.col("b").alias("a"), pl.col("a").alias("b"))])
    labels = both.select(pl.col("a").alias("mention_id")).unique().with_columns(pl.col("mention_id").alias("label"))
    while True:
        nb = both.join(labels, left_on="b", right_on="mention_id").group_by("a").agg(pl.col("label").min().alias("_nb"))
        new = labels.join(nb, left_on="mention_id", right_on="a", how="left").select(
            "mention_id", pl.min_horizontal("label", "_nb").alias("label"))
        hop = new.join(new.rename({"mention_id": "label", "label": "_hop"}), on="label", how="left")
        new = hop.select("mention_id", pl.min_horizontal("label", "_hop").alias("label"))
        changed = new.join(labels, on="mention_id", suffix="_old").filter(pl.col("label") != pl.col("label_old"))
        labels = new
        if changed.is_empty():
            return labels


def _first_reason(edges: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """For each mention in a cluster, the reason of its match with its smallest partner."""
    both = pl.concat([edges, edges.select(pl.col("b").alias("a"), pl.col("a").alias("b"), "reason")])
    return both.sort("a", "b").group_by("a", maintain_order=True).first().select(
        pl.col("a").alias("mention_id"), pl.format("matches {}: {}", pl.col("b"), pl.col("reason")).alias("reason")
    ).join(labels.select("mention_id"), on="mention_id", how="semi")


def _cluster(k: pl.DataFrame) -> pl.DataFrame:
    """mention_id, label, reason for the mentions in clusters (and the unmerged ones with a note); every
    other mention is an event of its own."""
    fine = k.filter(pl.col("_level") == "place")
    fine_edges = _pairs(fine, fine, "place").filter(pl.col("a") < pl.col("b"))
    fine_labels = _components(fine_edges) if fine_edges.height else pl.DataFrame(
        schema={"mention_id": pl.Utf8, "label": pl.Utf8})
    parts = [fine_labels.join(_first_reason(fine_edges, fine_labels), on="mention_id", how="left")]

    # Region-level mentions: attach to the one place-level event of their region they match.
    coarse = k.filter(pl.col("_level") == "region")
    fine_with_labels = pl.concat([
        fine_labels, fine.select("mention_id", pl.col("mention_id").alias("label"))
        .join(fine_labels, on="mention_id", how="anti")])
    to_fine = _pairs(coarse, fine, "region").join(fine_with_labels, left_on="b", right_on="mention_id")
    # never into an event that already holds a row of the mention's own dataset file
    cluster_files = fine_with_labels.join(k.select("mention_id", "_file"), on="mention_id").filter(
        pl.col("_file").is_not_null()).select("label", "_file").unique()
    to_fine = to_fine.join(k.select("mention_id", "_file"), left_on="a", right_on="mention_id", how="left").join(
        cluster_files, on=["label", "_file"], how="anti").drop("_file")
    per = to_fine.group_by("a").agg(pl.col("label").n_unique().alias("_n"), pl.col("label").min(),
                                    pl.col("reason").sort_by("b").first(), pl.col("b").min())
    parts.append(per.filter(pl.col("_n") == 1).select(
        pl.col("a").alias("mention_id"), "label",
        pl.format("matches {}: {}", pl.col("b"), pl.col("reason")).alias("reason")))
    parts.append(per.filter(pl.col("_n") > 1).select(
        pl.col("a").alias("mention_id"), pl.col("a").alias("label"),
        pl.format("not merged: matches {} events of its region", pl.col("_n")).alias("reason")))
    # Region-level mentions without a place-level match merge among themselves; country-level ones too.
    free = coarse.join(per.select(pl.col("a").alias("mention_id")), on="mention_id", how="anti")
    # Known only to the country, only a shared day is evidence enough: a month or a year in one country holds
    # many detentions and trials that are not the same occurrence.
    country_day = k.filter((pl.col("_level") == "country") & (pl.col("date_start") == pl.col("date_end")))
    for level, frame in (("region", free), ("country", country_day)):
        edges = _pairs(frame, frame, level).filter(pl.col("a") < pl.col("b"))
        if edges.height:
            labels = _components(edges)
            parts.append(labels.join(_first_reason(edges, labels), on="mention_id", how="left"))
    links = pl.concat([p.select("mention_id", "label", "reason") for p in parts], how="vertical_relaxed")
    links = links.unique("mention_id", keep="first", maintain_order=True)
    # A place-level mention that only region-level mentions joined is its cluster's anchor: add it.
    anchors = links.select(pl.col("label").alias("mention_id")).unique().join(links, on="mention_id", how="anti")
    joined_by = links.group_by("label").agg(pl.col("mention_id").min().alias("_by"))
    anchors = anchors.join(joined_by, left_on="mention_id", right_on="label").select(
        "mention_id", pl.col("mention_id").alias("label"),
        pl.format("matched by {}, a mention known only to the region",
                  pl.col("_by")).alias("reason"))
    links = pl.concat([links, anchors])
    # A label is the smallest mention_id of its cluster (attachments may bring a smaller one).
    links = links.with_columns(pl.col("mention_id").min().over("label").alias("label"))
    return _break_conflicts(links, k)


def _break_conflicts(links: pl.DataFrame, k: pl.DataFrame) -> pl.DataFrame:
    """A cluster that chains two rows of one curated file together (through mentions that each matched only
    one of them) is not merged at all: every member stays its own event, with the reason."""
    files = links.join(k.select("mention_id", "_file", "row_number"), on="mention_id").filter(
        pl.col("_file").is_not_null())
    clash = files.group_by("label", "_file").agg(pl.col("row_number").sort().alias("_rows")).filter(
        pl.col("_rows").list.len() > 1).sort("label", "_file")
    if clash.is_empty():
        return links
    why = clash.group_by("label", maintain_order=True).agg(pl.format(
        "rows {} of {}", pl.col("_rows").list.eval(pl.element().cast(pl.Utf8)).list.join(", "), pl.col("_file")
    ).first().alias("_why"))
    return links.join(why, on="label", how="left").select(
        "mention_id",
        pl.when(pl.col("_why").is_null()).then("label").otherwise("mention_id").alias("label"),
        pl.when(pl.col("_why").is_null()).then("reason").otherwise(pl.format(
            "not merged: its matches would join {}, which that dataset keeps apart", pl.col("_why"))).alias("reason"),
    )


def _with_analyst_merges(links: pl.DataFrame, pairs: pl.DataFrame, m: pl.DataFrame) -> pl.DataFrame:
    """The clusters joined along the pairs an analyst merged (pairs of absent or dropped mentions do nothing)."""
    ids = m["mention_id"].implode()
    pairs = pairs.filter(pl.col("a").is_in(ids) & pl.col("b").is_in(ids) & (pl.col("a") != pl.col("b")))
    if pairs.is_empty():
        return links
    edges = pl.concat([links.filter(pl.col("mention_id") != pl.col("label")).select(
        pl.col("mention_id").alias("a"), pl.col("label").alias("b")), pairs])
    labels = _components(edges)
    both = pl.concat([pairs, pairs.select(pl.col("b").alias("a"), pl.col("a").alias("b"))]).sort("a", "b")
    analyst = both.group_by("a", maintain_order=True).first().select(
        pl.col("a").alias("mention_id"), pl.format("merged by an analyst with {}", pl.col("b")).alias("_analyst"))
    merged = labels.join(links.select("mention_id", "reason"), on="mention_id", how="left").join(
        analyst, on="mention_id", how="left").select(
        "mention_id", "label", pl.coalesce("_analyst", "reason").alias("reason"))
    return pl.concat([links.join(merged, on="mention_id", how="anti"), merged])


# --- output -------------------------------------------------------------------------------------------

def _event_id(label: pl.Expr) -> pl.Expr:
    return pl.format("e_{}", label.str.strip_prefix("m_"))


def _representatives(m: pl.DataFrame, multi: pl.DataFrame, reviewed: pl.DataFrame) -> pl.DataFrame:
    """label, rep_id: the most precise mention of each cluster of several mentions (see module doc), a
    reviewed one before any unreviewed one."""
    narrow = multi.join(m.select("mention_id", "source_kind", "geo_precision", "date_precision", "confidence"),
                        on="mention_id")
    ranked = narrow.with_columns(
        (~pl.col("mention_id").is_in(reviewed["mention_id"].implode())).alias("_unreviewed"),
        pl.col("source_kind").replace_strict(KIND_RANK, default=9, return_dtype=pl.Int32).alias("_kr"),
        pl.col("geo_precision").replace_strict(GEO_RANK, default=9, return_dtype=pl.Int32).alias("_gr"),
        pl.col("date_precision").replace_strict(DATE_RANK, default=9, return_dtype=pl.Int32).alias("_dr"),
    ).sort(["label", "_unreviewed", "_kr", "_gr", "_dr", "confidence", "mention_id"],
           descending=[False, False, False, False, False, True, False])
    return ranked.group_by("label", maintain_order=True).agg(pl.col("mention_id").first().alias("rep_id"))


def _event_review_status(labels: pl.DataFrame, status: pl.DataFrame) -> pl.DataFrame:
    """label, review_status: the strongest status (REVIEW_STATUSES order) among the mentions of each event."""
    rank = {s: i for i, s in enumerate(REVIEW_STATUSES)}
    ranked = labels.join(status, on="mention_id").select(
        "label", pl.col("review_status").replace_strict(rank, return_dtype=pl.Int64).alias("_rank"))
    return ranked.group_by("label").agg(pl.col("_rank").max()).select(
        "label", pl.col("_rank").replace_strict(dict(enumerate(REVIEW_STATUSES)), return_dtype=pl.Utf8)
        .alias("review_status"))


def _outputs(m: pl.DataFrame, links: pl.DataFrame, status: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events (representative's columns, merged counts, n_sources, n_mentions, review status) and
    event_mentions. Single-mention events (the many) are taken as they are; only clusters are ranked and
    aggregated."""
    links = links.with_columns(pl.len().over("label").alias("_size"))
    multi = links.filter(pl.col("_size") > 1).select("mention_id", "label", "reason")
    notes = links.filter(pl.col("_size") == 1).select("mention_id", "reason")
    reps = _representatives(m, multi, status)
    count_cols = [c for pair in COUNT_RANGES for c in pair]
    merged_counts = []
    for low, high in COUNT_RANGES:
        merged_counts += [pl.col(low).max().alias(low), pl.col(high).max().alias(high)]
    agg = multi.join(m.select("mention_id", "source", *count_cols), on="mention_id").group_by("label").agg(
        pl.col("source").n_unique().alias("n_sources"), pl.len().alias("n_mentions"), *merged_counts)
    multi_events = (
        m.join(reps, left_on="mention_id", right_on="rep_id").drop(count_cols).join(agg, on="label")
        .with_columns([pl.when(pl.col(high) < pl.col(low)).then(pl.col(low)).otherwise(pl.col(high)).alias(high)
                       for low, high in COUNT_RANGES])
    )
    singles = m.join(multi, on="mention_id", how="anti").with_columns(
        pl.col("mention_id").alias("label"), pl.lit(1).alias("n_sources"), pl.lit(1).alias("n_mentions"))
    events = pl.concat([singles, multi_events], how="diagonal_relaxed").with_columns(
        _event_id(pl.col("label")).alias("event_id"))
    labels = pl.concat([multi.select("mention_id", "label"), singles.select("mention_id", "label")])
    events = events.join(_event_review_status(labels, status), on="label", how="left").with_columns(
        pl.col("review_status").fill_null(REVIEW_STATUSES[0]))
    events = events.select([pl.col(c).cast(t) for c, t in EVENT_SCHEMA.items()]).sort("event_id")

    size = pl.len().over("label")
    is_rep = pl.col("mention_id") == pl.col("rep_id")
    clustered = multi.join(reps, on="label").select(
        _event_id(pl.col("label")).alias("event_id"), "mention_id", is_rep.alias("is_representative"),
        pl.when(is_rep & pl.col("reason").is_null()).then(pl.format("representative of {} mentions", size))
        .when(is_rep).then(pl.format("representative of {} mentions; {}", size, pl.col("reason")))
        .otherwise(pl.col("reason")).alias("merge_reason"))
    alone = singles.select("mention_id").join(notes, on="mention_id", how="left").select(
        _event_id(pl.col("mention_id")).alias("event_id"), "mention_id", pl.lit(True).alias("is_representative"),
        pl.coalesce("reason", pl.lit("single mention")).alias("merge_reason"))
    event_mentions = pl.concat([alone, clustered]).cast(EVENT_MENTION_SCHEMA).sort("event_id", "mention_id")
    return events, event_mentions
