"""The shape of a reject row, shared by every stage that refuses a record."""

from __future__ import annotations

import polars as pl

REJECT_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.Utf8,
    "locator": pl.Utf8,
    "stage": pl.Utf8,
    "reason": pl.Utf8,
    "detail": pl.Utf8,
    "raw": pl.Utf8,
}


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_SCHEMA)


def reject_frame(rows: list[dict]) -> pl.DataFrame:
    """Reject rows from dicts with the REJECT_SCHEMA keys (missing keys become null)."""
    return pl.DataFrame([{k: r.get(k) for k in REJECT_SCHEMA} for r in rows], schema=REJECT_SCHEMA)


def cap_text(df: pl.DataFrame, limit: int) -> pl.DataFrame:
    """Reject rows with `detail` and `raw` cut to `limit` characters (a 10 MB raw row stays what it was, briefly)."""
    return df.with_columns(
        pl.when(pl.col(c).str.len_chars() > limit).then(pl.col(c).str.slice(0, limit) + "…(cut)").otherwise(pl.col(c))
        .alias(c) for c in ("detail", "raw"))
