"""Shared, vectorised views of the events table used by maps and timelines."""

from __future__ import annotations

import polars as pl

from flows.model import COUNT_RANGES, EVENT_SCHEMA

EVENT_TYPES: tuple[str, ...] = ("protest", "detention", "attack", "trial")
TYPE_COLOURS: dict[str, str] = {        # colour-blind-safe (Paul Tol "bright"/Okabe-Ito)
    "protest": "#0072B2", "detention": "#E69F00", "attack": "#CC3311", "trial": "#009E73",
}
COUNT_LABELS: dict[str, str] = {
    "participants": "participants", "detained": "detained", "fatalities": "killed", "injured": "injured",
}


def conform_events(events: pl.DataFrame) -> pl.DataFrame:
    """The events with every EVENT_SCHEMA column (missing ones as nulls), cast to its type."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in EVENT_SCHEMA.items() if c not in events.columns]
    if missing:
        events = events.with_columns(missing)
    def cast(col: str, dtype: pl.DataType) -> pl.Expr:
        if dtype == pl.Date and events.schema[col] == pl.Utf8:
            return pl.col(col).str.to_date("%Y-%m-%d", strict=False)
        return pl.col(col).cast(dtype, strict=False)

    try:
        return events.with_columns([cast(c, t) for c, t in EVENT_SCHEMA.items()])
    except pl.exceptions.PolarsError as exc:
        bad = {c: str(events.schema[c]) for c, t in EVENT_SCHEMA.items() if events.schema[c] == pl.Object}
        raise ValueError(f"events table has columns of unusable types {bad or ''}: {exc}") from exc


def reviewed_expr() -> pl.Expr:
    """An event an analyst stood behind: confirmed, corrected or added in the review desk (flows/review)."""
    return pl.col("review_status").is_not_null() & (pl.col("review_status") != "unreviewed")


def month_key(col: str = "date_start") -> pl.Expr:
    return pl.col(col).dt.strftime("%Y-%m")


def month_range(events: pl.DataFrame) -> list[str]:
    """Every month from the first to the last event start, as YYYY-MM."""
    dates = events["date_start"].drop_nulls()
    if dates.is_empty():
        return []
    first, last = dates.min(), dates.max()
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def size_expr() -> pl.Expr:
    """An event's size: the largest of its upper (else lower) participant/detained/killed/injured counts."""
    return pl.max_horizontal(
        [pl.coalesce(pl.col(high), pl.col(low)) for low, high in COUNT_RANGES]
    ).fill_null(0)


def counts_text_expr() -> pl.Expr:
    """'1,000–2,000 participants; 50 detained' from the count ranges (empty when none is known)."""
    parts = []
    for low, high in COUNT_RANGES:
        label = COUNT_LABELS.get(low.removesuffix("_low"), low.removesuffix("_low"))
        lo, hi = pl.col(low), pl.col(high)
        lo_t = lo.map_elements(lambda v: f"{v:,}", return_dtype=pl.Utf8)
        hi_t = hi.map_elements(lambda v: f"{v:,}", return_dtype=pl.Utf8)
        text = (
            pl.when(lo.is_not_null() & hi.is_not_null() & (lo != hi))
            .then(pl.format("{}–{} {}", lo_t, hi_t, pl.lit(label)))
            .when(pl.coalesce(lo, hi).is_not_null())
            .then(pl.format("{} {}", pl.coalesce(lo_t, hi_t), pl.lit(label)))
        )
        parts.append(text)
    return pl.concat_str(parts, separator="; ", ignore_nulls=True)
