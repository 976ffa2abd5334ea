"""Point markers: events with place precision, aggregated to one marker per place.

100,000 events happen at a few hundred distinct places, so the page carries one marker per place with its
counts per type and month (the map's controls filter them), and the popup lists at most
MAX_POPUP_EVENTS of that place's events (the largest first). The browser groups nearby places into clusters
by screen distance at each zoom (static/map.js).
"""

from __future__ import annotations

import polars as pl

from flows.publish.eventdata import EVENT_TYPES, counts_text_expr, reviewed_expr, size_expr

MAX_POPUP_EVENTS = 12
# A page carries at most this many places (the busiest): its size stays bounded whatever the number of events
# and places; every event is still counted in its region, and the note says how many places are not drawn.
MAX_PLACES = 2000


def place_markers(events: pl.DataFrame, months: list[str]) -> tuple[list[dict], int]:
    """(one dict per place: lat, lon, name, c = [[type index, month index, n, n reviewed], ...], ev = popup
    events; the number of distinct places before the MAX_PLACES busiest were kept)."""
    month_index = {m: i for i, m in enumerate(months)}
    pts = events.filter(
        (pl.col("geo_precision") == "place") & pl.col("lat").is_not_null() & pl.col("lon").is_not_null()
        & pl.col("event_type").is_in(EVENT_TYPES)
    ).with_columns(
        pl.col("lat").round(4).alias("_lat"), pl.col("lon").round(4).alias("_lon"),
        pl.coalesce(pl.col("place_name"), pl.col("location_text"), pl.lit("")).alias("_place"),
        pl.col("event_type").replace_strict({t: i for i, t in enumerate(EVENT_TYPES)}, return_dtype=pl.Int64)
        .alias("_t"),
        pl.col("date_start").dt.strftime("%Y-%m").replace_strict(month_index, default=-1, return_dtype=pl.Int64)
        .alias("_m"),
        size_expr().alias("_size"),
        reviewed_expr().alias("_reviewed"),
    )
    if pts.is_empty():
        return [], 0
    keys = ["_lat", "_lon", "_place"]
    busiest = pts.group_by(keys).len().sort(["len", *keys], descending=[True, False, False, False])
    total = busiest.height
    pts = pts.join(busiest.head(MAX_PLACES).select(keys), on=keys, how="semi")
    cells = (
        pts.group_by([*keys, "_t", "_m"]).agg(pl.len(), pl.col("_reviewed").sum().cast(pl.UInt32).alias("_r"))
        .sort([*keys, "_t", "_m"])
        .group_by(keys, maintain_order=True)
        .agg(pl.concat_list("_t", "_m", "len", "_r").alias("c"))
    )
    top = (
        pts.sort(["_size", "date_start", "event_id"], descending=[True, True, False], nulls_last=True)
        .group_by(keys, maintain_order=True).head(MAX_POPUP_EVENTS)
        .with_columns(counts_text_expr().alias("_counts"))
        .select(
            *keys,
            pl.struct(
                t=pl.col("_t"), m=pl.col("_m"), sub=pl.col("subtype"),
                d=pl.col("date_start").cast(pl.Utf8), de=pl.col("date_end").cast(pl.Utf8),
                loc=pl.col("location_text"), n=pl.col("_counts"), q=pl.col("quote"),
                s=pl.col("source"), u=pl.col("source_url"), ns=pl.col("n_sources"),
                rs=pl.col("review_status").fill_null("unreviewed"), r=pl.col("_reviewed"),
            ).alias("ev"),
        )
        .group_by(keys, maintain_order=True).agg("ev")
    )
    joined = cells.join(top, on=keys, how="left").sort(keys)
    return [
        {"lat": r["_lat"], "lon": r["_lon"], "name": r["_place"], "c": r["c"],
         "ev": [{k: v for k, v in e.items() if v not in (None, "")} for e in r["ev"]]}
        for r in joined.iter_rows(named=True)
    ], total
